//! The EC2 instance metadata service (IMDSv2), through the SDK's own client: which instance
//! and VPC `doctor` runs on, so that "the probes ran inside the VPC" is a fact, not a guess.

use std::time::Duration;

/// The EC2 instance this process runs on, as its metadata service tells.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Machine {
    pub(crate) instance_id: String,
    pub(crate) vpc_id: String,
}

/// The instance this process runs on, or `None` off EC2 (or where
/// `AWS_EC2_METADATA_DISABLED=true`). Short timeouts and one attempt: on a laptop the
/// metadata address does not answer, and the diagnosis should not wait for it.
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT` points it elsewhere (the tests use a local fake).
pub(crate) async fn this_machine() -> Option<Machine> {
    if std::env::var("AWS_EC2_METADATA_DISABLED").is_ok_and(|v| v.eq_ignore_ascii_case("true")) {
        return None;
    }
    let client = aws_config::imds::Client::builder()
        .max_attempts(1)
        .connect_timeout(Duration::from_millis(500))
        .read_timeout(Duration::from_secs(1))
        .operation_timeout(Duration::from_secs(2))
        .build();
    let get = |path: String| {
        let client = client.clone();
        async move {
            client
                .get(path)
                .await
                .map(|v| v.as_ref().trim().to_string())
                .map_err(|e| tracing::debug!("instance metadata: {e}"))
                .ok()
                .filter(|v| !v.is_empty())
        }
    };
    let (instance_id, mac) = tokio::join!(
        get("/latest/meta-data/instance-id".into()),
        get("/latest/meta-data/mac".into()),
    );
    let vpc_id = get(format!(
        "/latest/meta-data/network/interfaces/macs/{}/vpc-id",
        mac?
    ))
    .await?;
    Some(Machine {
        instance_id: instance_id?,
        vpc_id,
    })
}
