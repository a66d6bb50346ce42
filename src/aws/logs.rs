//! CloudWatch Logs, read only where a log answers a question of the diagnosis: one page of
//! `FilterLogEvents`, filtered at the source by a pattern and a window.

use aws_sdk_cloudwatchlogs::Client;

use super::sdk_error;
use crate::error::Error;

/// The events one page of a filtered read returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Events {
    /// `(milliseconds since the epoch, message)`, oldest first.
    pub(crate) messages: Vec<(i64, String)>,
    /// CloudWatch Logs has more to search or return in the window than this page: what was
    /// read is a part of it.
    pub(crate) more: bool,
}

/// One page (at most `limit` events) of `group`'s events in `[start, end]` (milliseconds)
/// that match `pattern`: never more, so a read costs one request and one round.
pub(crate) async fn filtered(
    client: &Client,
    group: &str,
    pattern: &str,
    (start, end): (i64, i64),
    limit: i32,
) -> Result<Events, Error> {
    let out = client
        .filter_log_events()
        .log_group_name(group)
        .filter_pattern(pattern)
        .start_time(start)
        .end_time(end)
        .limit(limit)
        .send()
        .await
        .map_err(|e| sdk_error("logs:FilterLogEvents", e))?;
    let mut messages: Vec<(i64, String)> = out
        .events()
        .iter()
        .filter_map(|e| Some((e.timestamp()?, e.message()?.to_string())))
        .collect();
    messages.sort_by_key(|(at, _)| *at);
    Ok(Events {
        messages,
        more: out.next_token().is_some_and(|t| !t.is_empty()),
    })
}
