//! SSM Run Command, as the instance probe uses it: is the instance managed and online, send
//! `AWS-RunShellScript`, and read the invocation's output.

use std::time::Duration;

use aws_sdk_ssm::Client;
use aws_sdk_ssm::error::ProvideErrorMetadata;
use aws_sdk_ssm::types::{
    CommandFilter, CommandFilterKey, CommandInvocationStatus, InstanceInformationStringFilter,
};

use super::sdk_error;
use crate::change::WritePermit;
use crate::error::Error;

/// What SSM knows of an instance it manages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Managed {
    /// `Online`, `ConnectionLost` or `Inactive`.
    pub(crate) ping_status: String,
    /// `Linux`, `Windows` or `MacOS`.
    pub(crate) platform: String,
}

/// The instance as SSM sees it; `None` where SSM does not manage it (no agent, no instance
/// profile allowing it, or no way out to SSM's endpoints).
pub(crate) async fn managed(ssm: &Client, instance_id: &str) -> Result<Option<Managed>, Error> {
    let found = managed_among(ssm, &[instance_id.to_string()]).await?;
    Ok(found.into_iter().next().map(|(_, managed)| managed))
}

/// SSM's view of each of `instance_ids` it manages (at most 100, SSM's limit for one filter),
/// read page by page; an instance missing from the answer is not managed.
pub(crate) async fn managed_among(
    ssm: &Client,
    instance_ids: &[String],
) -> Result<Vec<(String, Managed)>, Error> {
    if instance_ids.is_empty() {
        return Ok(Vec::new());
    }
    let filter = InstanceInformationStringFilter::builder()
        .key("InstanceIds")
        .set_values(Some(instance_ids.to_vec()))
        .build()
        .map_err(|e| Error::Config(format!("SSM filter: {e}")))?;
    let found = ssm
        .describe_instance_information()
        .filters(filter)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| sdk_error("ssm:DescribeInstanceInformation", e))?;
    Ok(found
        .iter()
        .filter_map(|i| {
            let id = i.instance_id()?.to_string();
            instance_ids.contains(&id).then(|| (id, managed_of(i)))
        })
        .collect())
}

fn managed_of(i: &aws_sdk_ssm::types::InstanceInformation) -> Managed {
    Managed {
        ping_status: i
            .ping_status()
            .map_or("unknown", |p| p.as_str())
            .to_string(),
        platform: i
            .platform_type()
            .map_or("unknown", |p| p.as_str())
            .to_string(),
    }
}

/// The comment every probe command carries: how its runs are found again in SSM's history.
const PROBE_COMMENT: &str = "zilliz-privatelink-mcp probe_from_instance";

/// At most this many pages of SSM's history are read (50 invocations a page, newest first).
const HISTORY_PAGES: usize = 4;

/// A probe that ran on an instance, as SSM's command history keeps it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct PastRun {
    pub(crate) command_id: String,
    pub(crate) instance_id: String,
    /// When it was sent, in seconds since the epoch.
    pub(crate) requested_at: i64,
    /// `Success`, `Failed`, `TimedOut`, `Cancelled`, `InProgress` …
    pub(crate) status: String,
    /// The script's output as SSM keeps it in the history (its first 2,500 characters: the
    /// probe's `zpl` lines fit well within).
    pub(crate) output: String,
}

/// The probes this server ran (`AWS-RunShellScript` commands with its comment) since
/// `after_epoch_seconds`, newest first, from SSM's command history (ssm:ListCommandInvocations,
/// with the output of each).
pub(crate) async fn probe_runs(
    ssm: &Client,
    after_epoch_seconds: i64,
) -> Result<Vec<PastRun>, Error> {
    let after = aws_sdk_ssm::primitives::DateTime::from_secs(after_epoch_seconds)
        .fmt(aws_sdk_ssm::primitives::DateTimeFormat::DateTime)
        .map_err(|e| Error::Config(format!("SSM filter time: {e}")))?;
    let filter = |key, value: &str| {
        CommandFilter::builder()
            .key(key)
            .value(value)
            .build()
            .map_err(|e| Error::Config(format!("SSM filter: {e}")))
    };
    let mut pages = ssm
        .list_command_invocations()
        .filters(filter(
            CommandFilterKey::DocumentName,
            "AWS-RunShellScript",
        )?)
        .filters(filter(CommandFilterKey::InvokedAfter, &after)?)
        .details(true)
        .max_results(50)
        .into_paginator()
        .send();
    let mut runs = Vec::new();
    for _ in 0..HISTORY_PAGES {
        let Some(page) = pages.next().await else {
            break;
        };
        let page = page.map_err(|e| sdk_error("ssm:ListCommandInvocations", e))?;
        runs.extend(
            page.command_invocations()
                .iter()
                .filter(|i| i.comment() == Some(PROBE_COMMENT))
                .filter_map(|i| {
                    Some(PastRun {
                        command_id: i.command_id()?.to_string(),
                        instance_id: i.instance_id()?.to_string(),
                        requested_at: i.requested_date_time().map_or(0, |t| t.secs()),
                        status: i.status().map_or("unknown", |s| s.as_str()).to_string(),
                        output: i
                            .command_plugins()
                            .iter()
                            .filter_map(|p| p.output())
                            .collect::<Vec<_>>()
                            .join("\n"),
                    })
                }),
        );
    }
    runs.sort_by_key(|r| std::cmp::Reverse(r.requested_at));
    Ok(runs)
}

/// Sends `lines` as an `AWS-RunShellScript` command to one instance: the command's id.
pub(crate) async fn run_shell(
    _permit: &WritePermit,
    ssm: &Client,
    instance_id: &str,
    lines: Vec<String>,
    timeout: Duration,
) -> Result<String, Error> {
    let out = ssm
        .send_command()
        .document_name("AWS-RunShellScript")
        .instance_ids(instance_id)
        .comment(PROBE_COMMENT)
        .parameters("commands", lines)
        .parameters("executionTimeout", vec![timeout.as_secs().to_string()])
        // How long SSM may wait for the instance to pick the command up (30 s is its least).
        .timeout_seconds(30)
        .send()
        .await
        .map_err(|e| sdk_error("ssm:SendCommand", e))?;
    out.command()
        .and_then(|c| c.command_id())
        .map(str::to_string)
        .ok_or_else(|| {
            Error::aws(
                "AWS ssm:SendCommand",
                "the answer has no command id",
                "Try again",
            )
        })
}

/// How a command ended on the instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invocation {
    /// `Success`, `Failed`, `TimedOut`, `Cancelled`, or still `Pending`/`InProgress` when the
    /// wait ran out.
    pub(crate) status: String,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Polls the invocation once a second until it ends or `wait` runs out. Right after
/// `SendCommand`, SSM answers `InvocationDoesNotExist` for a moment: that is waited out too.
pub(crate) async fn wait_for(
    ssm: &Client,
    command_id: &str,
    instance_id: &str,
    wait: Duration,
) -> Result<Invocation, Error> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut last = Invocation {
        status: "Pending".into(),
        stdout: String::new(),
        stderr: String::new(),
    };
    loop {
        match ssm
            .get_command_invocation()
            .command_id(command_id)
            .instance_id(instance_id)
            .send()
            .await
        {
            Ok(out) => {
                let status = out
                    .status()
                    .cloned()
                    .unwrap_or(CommandInvocationStatus::Pending);
                last = Invocation {
                    status: status.as_str().to_string(),
                    stdout: out.standard_output_content().unwrap_or_default().into(),
                    stderr: out.standard_error_content().unwrap_or_default().into(),
                };
                if !matches!(
                    status,
                    CommandInvocationStatus::Pending
                        | CommandInvocationStatus::InProgress
                        | CommandInvocationStatus::Delayed
                        | CommandInvocationStatus::Cancelling
                ) {
                    return Ok(last);
                }
            }
            Err(e) if e.code() == Some("InvocationDoesNotExist") => {}
            Err(e) => return Err(sdk_error("ssm:GetCommandInvocation", e)),
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(last);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
