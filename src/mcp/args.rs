//! Tool arguments as the assistant sends them. Unknown fields are refused so that a misspelt
//! argument is named instead of silently ignored.

use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListVpcsArgs {
    /// AWS region, `us-west-2` or `aws-us-west-2`; default: the server's configured region.
    pub region: Option<String>,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    pub profile: Option<String>,
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
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    pub profile: Option<String>,
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
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    pub profile: Option<String>,
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
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    pub profile: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVpcEndpointArgs {
    /// The VPC the application runs in.
    pub vpc_id: String,
    /// Subnets of that VPC for the endpoint, one per availability zone; subnets in zones the
    /// service does not offer are left out with a warning.
    pub subnet_ids: Vec<String>,
    /// Security groups for the endpoint; without them a dedicated group is made with no
    /// inbound rule (allow_client_access then admits the clients on the private link's port,
    /// which is known once Zilliz has allocated the address).
    pub security_group_ids: Option<Vec<String>>,
    /// The Zilliz cluster to connect to (its region picks the endpoint service).
    pub cluster_id: Option<String>,
    /// The region, when no cluster_id is given: `us-west-2` or `aws-us-west-2`.
    pub region: Option<String>,
    /// False (default): preview only. True: make the changes the preview lists.
    #[serde(default)]
    pub confirm: bool,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    pub profile: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterEndpointArgs {
    /// The VPC endpoint, such as `vpce-0123456789abcdef0`.
    pub endpoint_id: String,
    /// The cluster whose project and region to register with.
    pub cluster_id: Option<String>,
    /// The Zilliz project, with `region`, when no cluster_id is given.
    pub project_id: Option<String>,
    /// The region, with `project_id`: `us-west-2` or `aws-us-west-2`.
    pub region: Option<String>,
    /// False (default): preview only. True: register.
    #[serde(default)]
    pub confirm: bool,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    pub profile: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitForEndpointArgs {
    /// The VPC endpoint, such as `vpce-0123456789abcdef0`.
    pub endpoint_id: String,
    /// How long to wait, 1 to 1800 seconds (default 300).
    pub timeout_seconds: Option<u64>,
    /// The endpoint's region, if not the server's configured one.
    pub region: Option<String>,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    pub profile: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupPrivateDnsArgs {
    /// The Zilliz cluster; its private link host names the zone.
    pub cluster_id: String,
    /// The VPC whose clients should resolve the private link.
    pub vpc_id: String,
    /// The endpoint to point at; default: the VPC's one endpoint to Zilliz's service.
    pub endpoint_id: Option<String>,
    /// False (default): preview only. True: make the changes the preview lists.
    #[serde(default)]
    pub confirm: bool,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    pub profile: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AllowClientAccessArgs {
    /// The security group of the VPC endpoint.
    pub endpoint_security_group_id: String,
    /// The clients' security group (or give source_cidr).
    pub source_security_group_id: Option<String>,
    /// The clients' network, such as `10.0.0.0/16` (or give source_security_group_id).
    pub source_cidr: Option<String>,
    /// The TCP port; prefer cluster_id, which reads it from the private link address.
    pub port: Option<i64>,
    /// The cluster whose private link port to open.
    pub cluster_id: Option<String>,
    /// The region, when no cluster_id is given.
    pub region: Option<String>,
    /// False (default): preview only. True: add the rule.
    #[serde(default)]
    pub confirm: bool,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    pub profile: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupStatusArgs {
    /// The Zilliz cluster.
    pub cluster_id: String,
    /// The VPC the application runs in.
    pub vpc_id: String,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    pub profile: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemovePrivateLinkArgs {
    /// The Zilliz cluster whose private link to remove.
    pub cluster_id: String,
    /// The VPC to remove it from.
    pub vpc_id: String,
    /// False (default): preview only. True: remove.
    #[serde(default)]
    pub confirm: bool,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    pub profile: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SetupPromptArgs {
    /// The Zilliz cluster, if already chosen.
    pub cluster_id: Option<String>,
    /// The VPC, if already chosen.
    pub vpc_id: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct TroubleshootPromptArgs {
    /// The Zilliz cluster, if known.
    pub cluster_id: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiagnoseArgs {
    /// The Zilliz cluster whose private link to check.
    pub cluster_id: Option<String>,
    /// Or just a private link address (`https://HOST:PORT`), for the network probes alone.
    pub address: Option<String>,
    /// The VPC the application runs in: needed for the endpoint, DNS and security checks.
    pub vpc_id: Option<String>,
    /// The VPC the application runs in when it is not the endpoint's (peering or a transit
    /// gateway): its zone and routes are checked, and its CIDR is the client's by default.
    pub client_vpc_id: Option<String>,
    /// The client instance (its address, subnet and groups are read).
    pub client_instance_id: Option<String>,
    /// Or the client's security group.
    pub client_security_group_id: Option<String>,
    /// Or the client's address or network, such as `10.0.3.7` or `10.0.3.0/24`.
    pub client_cidr: Option<String>,
    /// Run the DNS, TCP and HTTP probes from where the server runs (default true; they mean
    /// something only inside the VPC).
    pub probe: Option<bool>,
    /// Resolver for the probes, `IP` or `IP:PORT`, instead of the system's.
    pub dns_server: Option<String>,
    /// Timeout of each probe, 100 to 60000 ms (default 3000).
    pub probe_timeout_ms: Option<u64>,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    pub profile: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeFromInstanceArgs {
    /// The Zilliz cluster whose private link to probe (its address and region are read).
    pub cluster_id: Option<String>,
    /// Or the private link address (`https://HOST:PORT`).
    pub address: Option<String>,
    /// The instance the application runs on; SSM must manage it.
    pub client_instance_id: String,
    /// The instance's region when no cluster_id is given: `us-west-2` or `aws-us-west-2`.
    pub region: Option<String>,
    /// False (default): preview the script, run nothing. True: run it on the instance.
    #[serde(default)]
    pub confirm: bool,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    pub profile: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditArgs {
    /// AWS regions to audit (`us-west-2` or `aws-us-west-2`); default: every AWS region where
    /// the key's projects have clusters.
    pub regions: Option<Vec<String>>,
    /// Only this Zilliz project.
    pub project_id: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Links a page, 1 to 40 (default 20).
    pub limit: Option<u32>,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    pub profile: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportTerraformArgs {
    /// The Zilliz cluster whose private link to export.
    pub cluster_id: String,
    /// The VPC it serves.
    pub vpc_id: String,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    pub profile: Option<String>,
}
