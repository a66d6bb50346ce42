//! Tool arguments as the assistant sends them. Unknown fields are refused so that a misspelt
//! argument is named instead of silently ignored.

use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListVpcsArgs {
    /// AWS region, `us-west-2` or `aws-us-west-2`; default: the server's configured region.
    pub region: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListSubnetsArgs {
    /// The VPC, such as `vpc-0123456789abcdef0`.
    pub vpc_id: String,
    /// AWS region, `us-west-2` or `aws-us-west-2`; default: the server's configured region.
    pub region: Option<String>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 100).
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListSecurityGroupsArgs {
    /// The VPC, such as `vpc-0123456789abcdef0`.
    pub vpc_id: String,
    /// AWS region, `us-west-2` or `aws-us-west-2`; default: the server's configured region.
    pub region: Option<String>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 50).
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListClustersArgs {
    /// Only the clusters of this Zilliz project, such as `proj-4487580fcfe2c8a4391686`.
    pub project_id: Option<String>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 50).
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetEndpointServiceArgs {
    /// AWS region, `us-west-2` or `aws-us-west-2`.
    pub region: String,
}
