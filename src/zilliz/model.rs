//! What the Zilliz control plane answers. Every field but the identifiers is optional and
//! unknown fields are ignored, because the private-endpoint calls have no published schema
//! and status words vary between deployments.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Cluster {
    pub(crate) cluster_id: String,
    pub(crate) cluster_name: Option<String>,
    pub(crate) project_id: Option<String>,
    pub(crate) region_id: Option<String>,
    pub(crate) plan: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) connect_address: Option<String>,
    pub(crate) private_link_address: Option<String>,
}

impl Cluster {
    /// The private link address, where Zilliz has allocated one (it answers `""` until then).
    pub(crate) fn private_link(&self) -> Option<&str> {
        self.private_link_address
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EndpointService {
    pub(super) region_id: Option<String>,
    cloud_id: Option<String>,
    /// The AWS service name to give `CreateVpcEndpoint`.
    pub(crate) endpoint_service: String,
    #[serde(default)]
    pub(crate) whitelist_required: bool,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PrivateEndpoint {
    pub(crate) endpoint_id: String,
    pub(crate) region_id: Option<String>,
    pub(crate) cloud_id: Option<String>,
    pub(crate) endpoint_service: Option<String>,
    pub(crate) endpoint_service_status: Option<String>,
    pub(crate) endpoint_status: Option<String>,
}

impl PrivateEndpoint {
    /// This registration is for that region (a registration without a region counts for any).
    pub(crate) fn in_region(&self, region_id: &str) -> bool {
        self.region_id.as_deref().is_none_or(|id| id == region_id)
    }

    /// This registration is of `endpoint_id` in `region_id`.
    pub(crate) fn registers(&self, endpoint_id: &str, region_id: &str) -> bool {
        self.endpoint_id == endpoint_id && self.in_region(region_id)
    }
}

/// One page of a paged list: `data` holds `count` and a list under a call-specific name.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Page {
    pub(super) count: Option<u64>,
    #[serde(flatten)]
    pub(super) rest: serde_json::Map<String, serde_json::Value>,
}

/// Whether a cluster's plan can have a private link. Zilliz renames and adds plans, so a word
/// this tool does not know is not a failure: it is said, and the setup goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlanSupport {
    Yes,
    No,
    Unknown,
}

pub(crate) fn plan_support(plan: Option<&str>) -> PlanSupport {
    let Some(plan) = plan else {
        return PlanSupport::Unknown;
    };
    let word: String = plan
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    if word.contains("enterprise") || word.contains("businesscritical") {
        PlanSupport::Yes
    } else if matches!(
        word.as_str(),
        "free" | "serverless" | "standard" | "starter" | "basic" | "dedicatedstandard"
    ) {
        PlanSupport::No
    } else {
        PlanSupport::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_that_can_have_a_private_link_and_words_not_known() {
        for yes in [
            "Enterprise",
            "enterprise",
            "Dedicated-Enterprise",
            "Business Critical",
        ] {
            assert_eq!(plan_support(Some(yes)), PlanSupport::Yes, "{yes}");
        }
        for no in ["Free", "Serverless", "Standard", "Dedicated-Standard"] {
            assert_eq!(plan_support(Some(no)), PlanSupport::No, "{no}");
        }
        for unknown in [Some("Platinum"), Some(""), None] {
            assert_eq!(plan_support(unknown), PlanSupport::Unknown, "{unknown:?}");
        }
    }
}
