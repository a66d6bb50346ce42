//! The changing half of the server: each step of Zilliz's guide as a function that first
//! works out a plan with read calls only (a list of [`plan::Change`] values), answers it as a
//! preview, and carries it out only when confirmed, through [`plan::carry_out`] and its
//! [`WritePermit`](crate::app::WritePermit). Every step looks for what an earlier call made
//! before it makes anything, so a second identical call is a no-op.

pub(crate) mod access;
pub(crate) mod dns;
pub(crate) mod endpoint;
pub(crate) mod plan;
pub(crate) mod register;
pub(crate) mod remove;
pub(crate) mod wait;

use crate::address::PrivateLinkAddress;
use crate::app::App;
use crate::error::Error;
use crate::region::RegionNames;
use crate::validate;
use crate::zilliz::model::Cluster;

/// The tag that marks what this tool made, so that status and teardown can tell it from
/// the user's own resources.
pub(crate) const MANAGED_BY_TAG: &str = "zilliz-privatelink-mcp:managed-by";
pub(crate) const MANAGED_BY_VALUE: &str = "zilliz-privatelink-mcp";
/// The cluster (or, for an endpoint made for a region, the region) a resource serves.
pub(crate) const CLUSTER_TAG: &str = "zilliz-privatelink-mcp:cluster-id";
pub(crate) const REGION_TAG: &str = "zilliz-privatelink-mcp:region-id";

/// The tags of everything this tool creates.
pub(crate) fn tags_for(
    name: &str,
    cluster_id: Option<&str>,
    region: &RegionNames,
) -> Vec<(String, String)> {
    let mut tags = vec![
        ("Name".to_string(), name.to_string()),
        (MANAGED_BY_TAG.to_string(), MANAGED_BY_VALUE.to_string()),
        (REGION_TAG.to_string(), region.region_id.clone()),
    ];
    if let Some(cluster) = cluster_id {
        tags.push((CLUSTER_TAG.to_string(), cluster.to_string()));
    }
    tags
}

pub(crate) fn is_managed(tags: &[(String, String)]) -> bool {
    tags.iter()
        .any(|(k, v)| k == MANAGED_BY_TAG && v == MANAGED_BY_VALUE)
}

/// A cluster as setup needs it: its project, its AWS region and, once Zilliz has allocated
/// it, its private link address.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) cluster: Cluster,
    pub(crate) project_id: String,
    pub(crate) region: RegionNames,
    pub(crate) address: Option<PrivateLinkAddress>,
}

impl Target {
    pub(crate) fn cluster_id(&self) -> &str {
        &self.cluster.cluster_id
    }

    /// The private link address, or an error that says why there is none yet and what to do.
    pub(crate) fn require_address(&self) -> Result<&PrivateLinkAddress, Error> {
        self.address.as_ref().ok_or_else(|| {
            Error::Conflict(format!(
                "cluster `{}` has no private link address yet: Zilliz allocates it once a VPC \
                 endpoint is registered with project `{}` in {} and accepted. Call \
                 register_endpoint (then wait_for_endpoint), and try again in a minute",
                self.cluster.cluster_id, self.project_id, self.region.region_id
            ))
        })
    }
}

/// Reads the cluster and checks that it can have an AWS private link.
pub(crate) async fn target(app: &App, cluster_id: &str) -> Result<Target, Error> {
    let cluster_id = validate::cluster_id(cluster_id)?;
    let cluster = app.zilliz.cluster(&cluster_id).await?;
    let region_id = cluster.region_id.clone().unwrap_or_default();
    let region = RegionNames::from_zilliz(&region_id).ok_or_else(|| {
        Error::Conflict(format!(
            "cluster `{cluster_id}` runs in `{region_id}`, which is not an AWS region: this tool \
             sets up AWS PrivateLink only"
        ))
    })?;
    let project_id = cluster.project_id.clone().ok_or_else(|| {
        Error::cloud(
            format!("Zilliz GET /v2/clusters/{cluster_id}"),
            "the answer has no projectId",
            "Try again; if it persists, pass project_id and region instead",
        )
    })?;
    let address = match cluster.private_link() {
        Some(a) => Some(PrivateLinkAddress::parse(a)?),
        None => None,
    };
    Ok(Target {
        cluster,
        project_id,
        region,
        address,
    })
}

/// The text of a changing tool's answer: the message, then the changes, then the warnings.
pub(crate) fn change_summary(message: &str, preview: &[String], warnings: &[String]) -> String {
    let mut text = message.to_string();
    for line in preview {
        text.push_str("\n- ");
        text.push_str(line);
    }
    for warning in warnings {
        text.push_str("\nwarning: ");
        text.push_str(warning);
    }
    text
}
