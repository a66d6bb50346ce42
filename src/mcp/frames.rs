//! Every request gets an answer. rmcp drops a frame it cannot take (JSON that does not parse,
//! values nested past the parser's limit) and answers one of the wrong shape without its id, so
//! a client waiting on that id waits until its own timeout. This guard stands in front of rmcp
//! on stdio: each line that rmcp would take goes through untouched; for any other it answers
//! itself, with the request's id wherever it can be read: -32700 for a frame that does not
//! parse, -32600 for one that is no valid request, -32602 for a request whose params its method
//! cannot take. Notifications and responses of the wrong shape get no answer, as JSON-RPC says.

use rmcp::model::ClientJsonRpcMessage;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::mpsc;

/// A buffer between the guard and rmcp, each way.
const PIPE: usize = 1 << 16;

/// What to do with one line read from the client.
#[derive(Debug, PartialEq)]
enum Frame {
    /// rmcp takes it.
    Pass,
    /// Answer this error instead, and do not pass the line on.
    Answer(Value),
    /// Neither: a notification or response rmcp cannot take gets no answer.
    Drop,
}

/// Judges one line (without its newline).
fn judge(line: &[u8]) -> Frame {
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Frame::Pass;
    }
    if serde_json::from_slice::<ClientJsonRpcMessage>(line).is_ok() {
        return Frame::Pass;
    }
    match serde_json::from_slice::<Value>(line) {
        Ok(Value::Object(message)) => {
            // A response (to a request of the server's) is never answered.
            if !message.contains_key("method")
                && (message.contains_key("result") || message.contains_key("error"))
            {
                return Frame::Drop;
            }
            let Some(id) = message.get("id") else {
                // A notification of a shape rmcp cannot take: JSON-RPC answers no
                // notification (rmcp would answer one without an id).
                return Frame::Drop;
            };
            let id = readable_id(id);
            let is_request = message.get("jsonrpc") == Some(&json!("2.0"))
                && message.get("method").is_some_and(Value::is_string)
                && !id.is_null();
            if !is_request {
                return Frame::Answer(error(id, -32600, "Invalid request"));
            }
            if !message.get("params").is_none_or(Value::is_object) {
                return Frame::Answer(error(
                    id,
                    -32602,
                    "Invalid params: params must be an object",
                ));
            }
            Frame::Answer(error(
                id,
                -32602,
                "Invalid params: the method cannot take these params",
            ))
        }
        Ok(_) => Frame::Answer(error(Value::Null, -32600, "Invalid request")),
        Err(e) if e.classify() == serde_json::error::Category::Syntax && nested_too_deep(&e) => {
            Frame::Answer(error(
                top_level_id(line).unwrap_or(Value::Null),
                -32600,
                "Invalid request: nested too deep",
            ))
        }
        Err(_) => Frame::Answer(error(Value::Null, -32700, "Parse error")),
    }
}

fn nested_too_deep(e: &serde_json::Error) -> bool {
    e.to_string().starts_with("recursion limit exceeded")
}

/// An id a response can carry: a string or an integer; anything else is answered with null.
fn readable_id(id: &Value) -> Value {
    match id {
        Value::String(_) => id.clone(),
        Value::Number(n) if n.is_i64() || n.is_u64() => id.clone(),
        _ => Value::Null,
    }
}

fn error(id: Value, code: i32, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// The `"id"` member of the outermost object of a frame too deep to parse: read by scanning
/// the top level only (strings skipped, depth counted), so no depth is too deep for it.
fn top_level_id(line: &[u8]) -> Option<Value> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < line.len() {
        match line[i] {
            b'"' => {
                let end = string_end(line, i)?;
                if depth == 1 && &line[i..=end] == b"\"id\"" {
                    let rest = &line[end + 1..];
                    let colon = rest.iter().position(|b| !b.is_ascii_whitespace())?;
                    if rest[colon] != b':' {
                        return None;
                    }
                    return first_value(&rest[colon + 1..]).map(|v| readable_id(&v));
                }
                i = end;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index of the quote that closes the string opening at `start`.
fn string_end(line: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < line.len() {
        match line[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// A scalar value (a string or a number) at the start of `rest`.
fn first_value(rest: &[u8]) -> Option<Value> {
    let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &rest[start..];
    let end = if rest.first() == Some(&b'"') {
        string_end(rest, 0)? + 1
    } else {
        rest.iter()
            .position(|b| matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace())
            .unwrap_or(rest.len())
    };
    serde_json::from_slice(&rest[..end]).ok()
}

/// Stdio with the guard in front of rmcp: what rmcp reads and writes. Two tasks run until
/// stdin closes: one judges each line, passing rmcp's and answering the rest; one writes
/// rmcp's lines and the guard's answers to stdout, a whole line at a time.
pub(crate) fn guarded_stdio() -> Guarded {
    guard(tokio::io::stdin(), tokio::io::stdout())
}

/// rmcp's side of the guard, and the task that writes to the client: once the session ends,
/// [`flushed`] lets its last answers reach stdout before the process exits.
pub(crate) struct Guarded {
    pub(crate) transport: (DuplexStream, DuplexStream),
    pub(crate) writer: tokio::task::JoinHandle<()>,
}

/// Waits until everything rmcp and the guard wrote has reached the client (rmcp's side is
/// closed once its session ends), for at most a few seconds.
pub(crate) async fn flushed(writer: tokio::task::JoinHandle<()>) {
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), writer).await;
}

fn guard<R, W>(input: R, output: W) -> Guarded
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (to_rmcp, rmcp_reads) = tokio::io::duplex(PIPE);
    let (rmcp_writes, from_rmcp) = tokio::io::duplex(PIPE);
    let (answers, mut answered) = mpsc::unbounded_channel::<Vec<u8>>();
    tokio::spawn(async move {
        let mut input = BufReader::new(input);
        let mut to_rmcp = to_rmcp;
        let mut line = Vec::new();
        loop {
            line.clear();
            match input.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let frame = line.strip_suffix(b"\n").unwrap_or(&line);
            match judge(frame) {
                Frame::Pass => {
                    if to_rmcp.write_all(&line).await.is_err() {
                        break;
                    }
                    if !line.ends_with(b"\n") && to_rmcp.write_all(b"\n").await.is_err() {
                        break;
                    }
                }
                Frame::Answer(answer) => {
                    tracing::debug!(%answer, "answered a frame rmcp cannot take");
                    let mut bytes = answer.to_string().into_bytes();
                    bytes.push(b'\n');
                    if answers.send(bytes).is_err() {
                        break;
                    }
                }
                Frame::Drop => {}
            }
        }
        // Closing rmcp's input ends the session, as stdin's end did.
        let _ = to_rmcp.shutdown().await;
    });
    let writer = tokio::spawn(async move {
        let mut output = output;
        let mut from_rmcp = BufReader::new(from_rmcp);
        let mut line = Vec::new();
        let (mut rmcp_open, mut answers_open) = (true, true);
        loop {
            tokio::select! {
                read = from_rmcp.read_until(b'\n', &mut line), if rmcp_open => {
                    match read {
                        Ok(0) | Err(_) => rmcp_open = false,
                        Ok(_) => {
                            if output.write_all(&line).await.is_err() || output.flush().await.is_err() {
                                break;
                            }
                            line.clear();
                        }
                    }
                }
                answer = answered.recv(), if answers_open => match answer {
                    Some(bytes)
                        if output.write_all(&bytes).await.is_err()
                            || output.flush().await.is_err() =>
                    {
                        break;
                    }
                    Some(_) => {}
                    None => answers_open = false,
                },
                else => break,
            }
        }
    });
    Guarded {
        transport: (rmcp_reads, rmcp_writes),
        writer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(line: &str) -> Value {
        match judge(line.as_bytes()) {
            Frame::Answer(v) => v,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn requests_rmcp_takes_pass_untouched() {
        for line in [
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#,
            r#"{"jsonrpc":"2.0","id":"a","method":"no/such/method","params":{}}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            "",
        ] {
            assert_eq!(judge(line.as_bytes()), Frame::Pass, "{line}");
        }
    }

    #[test]
    fn a_request_rmcp_cannot_take_is_answered_with_its_id() {
        let a = answer(r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":[1,2]}"#);
        assert_eq!(
            (a["id"].clone(), a["error"]["code"].clone()),
            (json!(7), json!(-32602))
        );
        let a = answer(r#"{"jsonrpc":"2.0","id":"x","method":"ping","params":"now"}"#);
        assert_eq!(
            (a["id"].clone(), a["error"]["code"].clone()),
            (json!("x"), json!(-32602))
        );
        let a = answer(r#"{"jsonrpc":"1.0","id":"v1","method":"tools/list"}"#);
        assert_eq!(
            (a["id"].clone(), a["error"]["code"].clone()),
            (json!("v1"), json!(-32600))
        );
        let a = answer(r#"{"jsonrpc":"2.0","id":[1],"method":"tools/list"}"#);
        assert_eq!(
            (a["id"].clone(), a["error"]["code"].clone()),
            (Value::Null, json!(-32600))
        );
    }

    #[test]
    fn a_frame_nested_past_the_parsers_limit_is_answered_with_its_id() {
        let deep = format!(
            r#"{{"jsonrpc":"2.0","id":"deep","method":"tools/call","params":{{"name":"x","arguments":{{"a":{}1{}}}}}}}"#,
            "[".repeat(300),
            "]".repeat(300)
        );
        let a = answer(&deep);
        assert_eq!(
            (a["id"].clone(), a["error"]["code"].clone()),
            (json!("deep"), json!(-32600))
        );
        // An "id" nested below the top level is not the request's.
        let inner = format!(
            r#"{{"params":{{"id":"inner","v":{}1{}}}}}"#,
            "[".repeat(300),
            "]".repeat(300)
        );
        assert_eq!(answer(&inner)["id"], Value::Null);
    }

    #[test]
    fn junk_is_a_parse_error_with_a_null_id_and_stray_responses_are_dropped() {
        for junk in ["not json", "{", "\u{fffd}garbage"] {
            let a = answer(junk);
            assert_eq!(
                (a["id"].clone(), a["error"]["code"].clone()),
                (Value::Null, json!(-32700))
            );
        }
        assert_eq!(answer("[]")["error"]["code"], json!(-32600));
        assert_eq!(
            judge(br#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":7}"#),
            Frame::Drop
        );
        // A response is never answered, whether rmcp takes it or not.
        for response in [
            &br#"{"jsonrpc":"2.0","result":5}"#[..],
            br#"{"jsonrpc":"2.0","id":9,"result":5}"#,
            br#"{"jsonrpc":"2.0","id":9,"error":"no"}"#,
        ] {
            assert!(!matches!(judge(response), Frame::Answer(_)));
        }
    }

    #[tokio::test]
    async fn the_guard_passes_rmcps_lines_and_writes_whole_lines() {
        let (client_out, server_in) = tokio::io::duplex(1 << 16);
        let (server_out, client_in) = tokio::io::duplex(1 << 16);
        let (mut rmcp_reads, mut rmcp_writes) = guard(server_in, server_out).transport;
        let mut client_out = client_out;
        client_out
            .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\nnot json\n")
            .await
            .unwrap();
        let mut passed = BufReader::new(&mut rmcp_reads);
        let mut line = String::new();
        passed.read_line(&mut line).await.unwrap();
        assert!(line.contains("\"ping\""), "{line}");
        rmcp_writes
            .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n")
            .await
            .unwrap();
        let mut client_in = BufReader::new(client_in);
        let mut lines = Vec::new();
        for _ in 0..2 {
            let mut line = String::new();
            client_in.read_line(&mut line).await.unwrap();
            lines.push(serde_json::from_str::<Value>(&line).unwrap());
        }
        assert!(lines.iter().any(|l| l["error"]["code"] == json!(-32700)));
        assert!(lines.iter().any(|l| l["result"] == json!({})));
    }
}
