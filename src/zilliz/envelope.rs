//! The control plane's answer envelope: `{"code": 0, "data": ...}` on success (older
//! deployments say `code: 200`), `{"code": N, "message": "..."}` on failure, with HTTP 200 as
//! readily as 4xx or 5xx.

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiFailure {
    pub(super) http_status: u16,
    /// The envelope's code, when the body had one.
    pub(super) code: Option<i64>,
    pub(super) message: String,
}

impl ApiFailure {
    /// Worth another try: the server or a proxy in front of it had a passing fault.
    pub(super) fn is_retryable(&self) -> bool {
        // 429 is the gateway throttling: the call was not carried out, so even a POST may be
        // sent again.
        self.http_status == 429
            || (matches!(self.http_status, 500 | 502 | 503 | 504) && !self.is_known_code())
    }

    fn is_known_code(&self) -> bool {
        self.code.is_some_and(|c| c >= 1000)
    }
}

#[derive(Deserialize)]
struct Envelope {
    code: Option<Value>,
    message: Option<String>,
    data: Option<Value>,
}

/// Decodes a response body into its `data`, or the failure it reports.
/// The longest `Retry-After` honoured: a tool call should answer, not wait minutes.
const MAX_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(20);

/// The wait a `Retry-After` header asks for, in its delta-seconds form (the form gateways
/// send with 429), at most [`MAX_RETRY_AFTER`]; `None` where there is none or it is a date.
pub(super) fn retry_after(header: Option<&str>) -> Option<std::time::Duration> {
    let seconds: u64 = header?.trim().parse().ok()?;
    Some(std::time::Duration::from_secs(seconds).min(MAX_RETRY_AFTER))
}

pub(super) fn decode(http_status: u16, body: &[u8]) -> Result<Value, ApiFailure> {
    let envelope: Option<Envelope> = serde_json::from_slice(body).ok();
    let Some(envelope) = envelope else {
        return Err(ApiFailure {
            http_status,
            code: None,
            message: format!(
                "HTTP {http_status} with a body that is not the control plane's JSON ({})",
                snippet(body)
            ),
        });
    };
    let code = envelope.code.as_ref().and_then(code_number);
    let success = matches!(code, Some(0) | Some(200)) && (200..300).contains(&http_status);
    if success {
        return Ok(envelope.data.unwrap_or(Value::Null));
    }
    Err(ApiFailure {
        http_status,
        code,
        message: envelope
            .message
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| format!("HTTP {http_status} without a message")),
    })
}

/// Codes arrive as numbers, and in some deployments as strings.
fn code_number(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::error::Shown::new(&one_line).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_is_code_0_or_200() {
        assert_eq!(
            decode(200, br#"{"code":0,"data":{"a":1}}"#).unwrap()["a"],
            1
        );
        assert_eq!(decode(200, br#"{"code":200,"data":[1]}"#).unwrap()[0], 1);
        assert_eq!(
            decode(200, br#"{"code":"0","data":null}"#).unwrap(),
            Value::Null
        );
    }

    #[test]
    fn an_error_code_inside_http_200_is_an_error() {
        let f = decode(200, br#"{"code":96018,"message":"cluster not exist"}"#).unwrap_err();
        assert_eq!(f.code, Some(96018));
        assert_eq!(f.message, "cluster not exist");
        assert!(!f.is_retryable());
    }

    #[test]
    fn http_errors_keep_their_code_and_retry_only_5xx() {
        let f = decode(401, br#"{"code":21119,"message":"The apikey is illegal"}"#).unwrap_err();
        assert_eq!((f.http_status, f.code), (401, Some(21119)));
        assert!(!f.is_retryable());
        let f = decode(503, b"<html>Service Unavailable</html>").unwrap_err();
        assert!(f.is_retryable());
        assert!(f.message.contains("Service Unavailable"), "{}", f.message);
        assert!(decode(502, b"").unwrap_err().is_retryable());
        assert!(!decode(404, b"").unwrap_err().is_retryable());
    }

    #[test]
    fn throttling_is_retried_even_with_a_code() {
        let f = decode(429, br#"{"code":429,"message":"Too Many Requests"}"#).unwrap_err();
        assert!(f.is_retryable());
        assert!(decode(429, b"").unwrap_err().is_retryable());
    }

    #[test]
    fn retry_after_in_seconds_is_honoured_and_bounded() {
        use std::time::Duration;
        assert_eq!(retry_after(Some("2")), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(Some(" 0 ")), Some(Duration::ZERO));
        assert_eq!(retry_after(Some("3600")), Some(MAX_RETRY_AFTER));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2026 07:28:00 GMT")), None);
        assert_eq!(retry_after(None), None);
    }

    #[test]
    fn a_success_code_with_an_http_error_is_still_an_error() {
        assert!(decode(500, br#"{"code":0}"#).unwrap_err().is_retryable());
    }
}
