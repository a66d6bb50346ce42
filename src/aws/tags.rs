//! The tags this server puts on everything it makes, so that status, teardown and the audit
//! can tell it from the person's own resources (and the IAM policy can limit deletes to it).

use crate::region::RegionNames;

/// The tag that marks what this tool made, so that status and teardown can tell it from
/// the user's own resources.
pub(crate) const MANAGED_BY_TAG: &str = "zilliz-privatelink-mcp:managed-by";
pub(crate) const MANAGED_BY_VALUE: &str = "zilliz-privatelink-mcp";
/// The cluster (or, for an endpoint made for a region, the region) a resource serves.
pub(crate) const CLUSTER_TAG: &str = "zilliz-privatelink-mcp:cluster-id";
const REGION_TAG: &str = "zilliz-privatelink-mcp:region-id";

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
