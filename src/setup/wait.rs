//! `wait_for_endpoint`: polls a VPC endpoint until it is available, or explains why it will not be.

use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::Serialize;
use tokio::sync::mpsc::UnboundedSender;

use crate::app::App;
use crate::aws::ec2::{self, EndpointQuery};
use crate::endpoint_state::{self, Phase};
use crate::error::Error;
use crate::region::RegionNames;
use crate::request::{ToolCall, WaitRequest};
use crate::summary::Summary;
use crate::validate::AwsId;

/// The longest wait a caller may ask for, where its host allows it.
const MAX_TIMEOUT: Duration = Duration::from_secs(1800);

/// One step of the wait, for progress notifications.
#[derive(Debug, Clone)]
pub(crate) struct WaitProgress {
    pub(crate) waited: Duration,
    pub(crate) timeout: Duration,
    pub(crate) message: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct WaitOutput {
    endpoint_id: String,
    /// EC2's state of the endpoint when the wait ended.
    state: String,
    waited_seconds: f64,
    /// The endpoint is available.
    ready: bool,
    /// The timeout passed while the endpoint was still on its way.
    timed_out: bool,
    /// What the state means and what to do.
    message: String,
    region_id: String,
    aws_region: String,
    /// Where the endpoint is still on its way: this same wait, to call again (waiting goes on
    /// across calls, each inside the host's time limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    next_action: Option<ToolCall>,
}

impl Summary for WaitOutput {
    fn summary(&self) -> String {
        self.message.clone()
    }
}

pub(crate) async fn wait_for_endpoint(
    app: &App,
    request: WaitRequest,
    progress: Option<UnboundedSender<WaitProgress>>,
) -> Result<WaitOutput, Error> {
    let endpoint_id = AwsId::VpcEndpoint.check(&request.endpoint_id)?;
    let timeout = match request.timeout_seconds {
        None => app.settings.call_budget,
        Some(0) => {
            return Err(Error::invalid(
                "timeout_seconds",
                "0",
                "expected 1 to 1800 seconds",
            ));
        }
        Some(s) => Duration::from_secs(s).min(MAX_TIMEOUT),
    };
    let region = RegionNames::parse_optional(request.region.as_deref())?;
    let clients = app.aws.clients(region.as_ref()).await?;
    let first_pause = request.poll_interval.unwrap_or(Duration::from_secs(2));
    let mut pause = first_pause;
    let started = Instant::now();

    loop {
        let found = ec2::vpc_endpoints(
            &clients.ec2,
            EndpointQuery {
                ids: std::slice::from_ref(&endpoint_id),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| match e {
            Error::NotFound { .. } => Error::not_found(
                format!(
                    "VPC endpoint `{endpoint_id}` in {}",
                    clients.region.aws_region
                ),
                "Check the id, and pass `region` if the endpoint is in another region",
            ),
            other => other,
        })?;
        let state = found
            .first()
            .map(|e| e.state.clone())
            .unwrap_or_else(|| "deleted".into());
        let waited = started.elapsed();
        let phase = endpoint_state::phase(&state);
        let done = !matches!(phase, Phase::Waiting);
        // The last pause is cut to what is left, so the call answers at its timeout.
        let left = timeout.saturating_sub(waited);
        let timed_out = !done && left < Duration::from_millis(100);
        if done || timed_out {
            let message = match (phase, timed_out) {
                (Phase::Ready, _) => format!(
                    "{endpoint_id} is available after {:.0} s. Next: register_endpoint if not done, then setup_private_dns.",
                    waited.as_secs_f64()
                ),
                (_, true) => format!(
                    "{endpoint_id} is still `{state}` after {:.0} s: {}. Call wait_for_endpoint again to keep waiting.",
                    waited.as_secs_f64(),
                    endpoint_state::explain(&state)
                ),
                _ => format!(
                    "{endpoint_id} is `{state}`: {}.",
                    endpoint_state::explain(&state)
                ),
            };
            let next_action = timed_out.then(|| {
                ToolCall::WaitForEndpoint(WaitRequest {
                    endpoint_id: endpoint_id.clone(),
                    timeout_seconds: request.timeout_seconds,
                    region: request.region.clone(),
                    profile: request.profile.clone(),
                    poll_interval: None,
                })
            });
            return Ok(WaitOutput {
                next_action,
                endpoint_id,
                ready: phase == Phase::Ready,
                state,
                waited_seconds: (waited.as_secs_f64() * 10.0).round() / 10.0,
                timed_out,
                message,
                region_id: clients.region.region_id.clone(),
                aws_region: clients.region.aws_region.clone(),
            });
        }
        if let Some(progress) = &progress {
            let _ = progress.send(WaitProgress {
                waited,
                timeout,
                message: format!(
                    "{endpoint_id} is `{state}`: {}",
                    endpoint_state::explain(&state)
                ),
            });
        }
        // Cancellation drops this future (see the MCP adapter), sleep included.
        tokio::time::sleep(pause.min(left)).await;
        pause = (pause * 2).min(first_pause * 10);
    }
}
