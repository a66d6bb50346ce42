//! Every tool's arguments, and a call of one (`ToolCall`). The argument types are the tools'
//! input schemas (their doc comments are what the model reads), what the domain functions take,
//! the flags of the CLI commands that share them, and what a remedy or `next_action` proposes,
//! so a proposed call cannot name a missing tool or an argument the tool refuses.

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::aws::imds::Machine;

/// The arguments of `list_vpcs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListVpcsRequest {
    /// AWS region, `us-west-2` or `aws-us-west-2`; default: the server's configured region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<String>,
    /// `next_cursor` from the previous page; omit for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cursor: Option<String>,
    /// Page size, 1 to 100 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) limit: Option<u32>,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) profile: Option<String>,
}

/// The arguments of `list_subnets`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListSubnetsRequest {
    /// The VPC: its id, such as `vpc-0123456789abcdef0`, or its `Name` tag.
    pub(crate) vpc_id: String,
    /// AWS region, `us-west-2` or `aws-us-west-2`; default: the server's configured region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<String>,
    /// `next_cursor` from the previous page; omit for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cursor: Option<String>,
    /// Page size, 1 to 100 (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) limit: Option<u32>,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) profile: Option<String>,
}

/// The arguments of `list_security_groups`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListSecurityGroupsRequest {
    /// The VPC: its id, such as `vpc-0123456789abcdef0`, or its `Name` tag.
    pub(crate) vpc_id: String,
    /// AWS region, `us-west-2` or `aws-us-west-2`; default: the server's configured region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<String>,
    /// `next_cursor` from the previous page; omit for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cursor: Option<String>,
    /// Page size, 1 to 100 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) limit: Option<u32>,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) profile: Option<String>,
}

/// The arguments of `list_instances`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListInstancesRequest {
    /// The VPC: its id, such as `vpc-0123456789abcdef0`, or its `Name` tag.
    pub(crate) vpc_id: String,
    /// AWS region, `us-west-2` or `aws-us-west-2`; default: the server's configured region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<String>,
    /// Only instances whose `Name` tag is this (as the EC2 console shows it; `*` matches any
    /// characters, as in `orders-*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    /// Only instances in this security group: its id, such as `sg-0123456789abcdef0`, or its
    /// Name tag (or GroupName) in the VPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) security_group_id: Option<String>,
    /// `next_cursor` from the previous page; omit for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cursor: Option<String>,
    /// Page size, 1 to 100 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) limit: Option<u32>,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) profile: Option<String>,
}

/// The arguments of `list_zilliz_clusters`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListClustersRequest {
    /// Only the clusters of this Zilliz project, such as `proj-4487580fcfe2c8a4391686`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) project_id: Option<String>,
    /// `next_cursor` from the previous page; omit for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cursor: Option<String>,
    /// Page size, 1 to 100 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) limit: Option<u32>,
}

/// The arguments of `get_endpoint_service`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EndpointServiceRequest {
    /// AWS region, `us-west-2` or `aws-us-west-2`.
    pub(crate) region: String,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) profile: Option<String>,
}

/// The arguments of `create_vpc_endpoint`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateEndpointRequest {
    /// The VPC the application runs in (its id, or its `Name` tag).
    pub(crate) vpc_id: String,
    /// Subnets of that VPC for the endpoint, one per availability zone; subnets in zones the
    /// service does not offer are left out with a warning.
    pub(crate) subnet_ids: Vec<String>,
    /// Security groups for the endpoint; without them a dedicated group is made with no
    /// inbound rule (allow_client_access then admits the clients on the private link's port,
    /// which is known once Zilliz has allocated the address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) security_group_ids: Option<Vec<String>>,
    /// The Zilliz cluster to connect to (its region picks the endpoint service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cluster_id: Option<String>,
    /// The VPC's region: with cluster_id, where it is not the cluster's (a cross-region
    /// endpoint to the cluster's service); without, the region of both. `us-east-1` or
    /// `aws-us-east-1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<String>,
    /// False (default): preview only. True: make the changes the preview lists.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[schemars(extend("default" = false))]
    pub(crate) confirm: bool,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) profile: Option<String>,
}

/// The arguments of `register_endpoint`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegisterRequest {
    /// The VPC endpoint, such as `vpce-0123456789abcdef0`.
    pub(crate) endpoint_id: String,
    /// The cluster whose project and region to register with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cluster_id: Option<String>,
    /// The Zilliz project, with `region`, when no cluster_id is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) project_id: Option<String>,
    /// With `project_id`: the region of the registration and the endpoint. With cluster_id:
    /// the endpoint's region, where it is not the cluster's (a cross-region endpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<String>,
    /// False (default): preview only. True: register.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[schemars(extend("default" = false))]
    pub(crate) confirm: bool,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) profile: Option<String>,
}

/// The arguments of `wait_for_endpoint`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WaitRequest {
    /// The VPC endpoint, such as `vpce-0123456789abcdef0`.
    pub(crate) endpoint_id: String,
    /// How long this call waits, 1 to 1800 seconds (default 40, the server's
    /// `--call-seconds`: hosts such as Claude Desktop give up on a call after about 60 s).
    /// Still on its way then, the answer says so and proposes this same call again; ask for
    /// longer only where the host allows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) timeout_seconds: Option<u64>,
    /// The endpoint's region, if not the server's configured one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<String>,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) profile: Option<String>,
    /// The first pause between polls; it doubles up to ten times this. Tests make it short.
    #[serde(skip)]
    pub(crate) poll_interval: Option<Duration>,
}

/// The arguments of `setup_private_dns`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DnsRequest {
    /// The Zilliz cluster; its private link host names the zone.
    pub(crate) cluster_id: String,
    /// The VPC whose clients should resolve the private link (its id, or its `Name` tag).
    pub(crate) vpc_id: String,
    /// The VPC's region, where it is not the cluster's (a cross-region endpoint): `us-east-1`
    /// or `aws-us-east-1`. Default: the cluster's region, or the server's own where the VPC
    /// is there instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<String>,
    /// The endpoint to point at; default: the VPC's one endpoint to Zilliz's service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) endpoint_id: Option<String>,
    /// False (default): preview only. True: make the changes the preview lists.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[schemars(extend("default" = false))]
    pub(crate) confirm: bool,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) profile: Option<String>,
    /// Where the endpoint and its private zone live in another AWS account than the VPC (a
    /// landing zone's network account): that account's AWS profile. The zone's account then
    /// authorizes the VPC, the VPC's account (`profile`) ties it to the zone, and the
    /// authorization is deleted; where the VPC takes its DNS from a Route 53 Profile of that
    /// account, the zone is added to that Profile instead (one change for every VPC using it).
    /// Give endpoint_id too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) endpoint_profile: Option<String>,
}

/// The arguments of `allow_client_access`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccessRequest {
    /// The security group of the VPC endpoint: its id, or its Name tag (or GroupName) where
    /// one group has it.
    pub(crate) endpoint_security_group_id: String,
    /// The clients' security group, by id or by its Name tag (or GroupName), such as
    /// `orders-app` (or give source_cidr).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) source_security_group_id: Option<String>,
    /// The clients' network, such as `10.0.0.0/16` (or give source_security_group_id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) source_cidr: Option<String>,
    /// The TCP port; prefer cluster_id, which reads it from the private link address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) port: Option<i64>,
    /// The cluster whose private link port to open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cluster_id: Option<String>,
    /// Or several clusters of the endpoint's project and region (each has its own port): one
    /// rule a port, each previewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 20))]
    pub(crate) cluster_ids: Option<Vec<String>>,
    /// The endpoint group's region: without a cluster, the region; with one, where it is not
    /// the cluster's (a cross-region endpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<String>,
    /// False (default): preview only. True: add the rule.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[schemars(extend("default" = false))]
    pub(crate) confirm: bool,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) profile: Option<String>,
}

/// The arguments of `get_setup_status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusRequest {
    /// The Zilliz cluster.
    pub(crate) cluster_id: String,
    /// The VPC whose setup is judged: the application's, or, where the application runs in
    /// another VPC (peering, a transit gateway), the endpoint's (then give client_vpc_id).
    /// Its id, or its `Name` tag.
    pub(crate) vpc_id: String,
    /// The VPC's region, where it is not the cluster's (a cross-region endpoint): `us-east-1`
    /// or `aws-us-east-1`. Default: the cluster's region, or the server's own where the VPC
    /// is there instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<String>,
    /// Optional, the client the `security_group` step is judged for (as the diagnosis takes
    /// it): the application's instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) client_instance_id: Option<String>,
    /// Or the application's security group: its id, or its `Name` tag (or GroupName).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) client_security_group_id: Option<String>,
    /// Or the application's address or network, such as `10.0.3.7` or `10.0.3.0/24`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) client_cidr: Option<String>,
    /// Or the application's own VPC, where it is not vpc_id (peering or a transit gateway):
    /// its id, or its `Name` tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) client_vpc_id: Option<String>,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) profile: Option<String>,
    /// Where the VPC's private zone for the host belongs to another AWS account (a landing
    /// zone's network account, which keeps the endpoint): that account's AWS profile, to read
    /// its zone, endpoint, registration and groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) endpoint_profile: Option<String>,
}

impl StatusRequest {
    /// The client the call names, if any.
    pub(crate) fn client(&self) -> ClientArguments {
        ClientArguments {
            client_vpc_id: self.client_vpc_id.clone(),
            client_instance_id: self.client_instance_id.clone(),
            client_security_group_id: self.client_security_group_id.clone(),
            client_cidr: self.client_cidr.clone(),
        }
    }
}

/// The application's side as a tool names it: any of its instance, group, network or VPC.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ClientArguments {
    pub(crate) client_vpc_id: Option<String>,
    pub(crate) client_instance_id: Option<String>,
    pub(crate) client_security_group_id: Option<String>,
    pub(crate) client_cidr: Option<String>,
}

impl ClientArguments {
    pub(crate) fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The arguments of `diagnose_private_link`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::Args)]
#[serde(deny_unknown_fields)]
pub(crate) struct DiagnoseRequest {
    /// The Zilliz cluster whose private link to check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long, value_name = "ID")]
    pub(crate) cluster_id: Option<String>,
    /// Or just a private link address (`https://HOST:PORT`), for the network probes alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long, value_name = "URL")]
    pub(crate) address: Option<String>,
    /// The VPC of the endpoint (and of the application where it runs there), by id or `Name`
    /// tag: needed for the endpoint, DNS and security checks. An application in another VPC
    /// that reaches it over peering or a transit gateway is named by client_vpc_id beside it;
    /// a spoke VPC named here whose zone points at another VPC's endpoint is judged as that
    /// VPC's client, the same as when named so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(
        long,
        value_name = "ID",
        help = "The VPC of the endpoint, by id or Name tag (on an EC2 instance, the instance's own by default); an application in another VPC is --client-vpc-id"
    )]
    pub(crate) vpc_id: Option<String>,
    /// The VPC's region, where it is not the cluster's (a cross-region endpoint): `us-east-1`
    /// or `aws-us-east-1`. Default: the cluster's region, or the server's own where the VPC
    /// is there instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    // On the command line the global `--region` (the server's own) says it.
    #[arg(skip)]
    pub(crate) region: Option<String>,
    /// The VPC the application runs in when it is not the endpoint's (peering or a transit
    /// gateway), by id or `Name` tag: the DNS side is judged for it (its DNS attributes, private
    /// zone, DHCP options, Resolver rules, DNS Firewall: what its instances' resolver answers),
    /// its routes and the way back, and its CIDR is the client's by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long, value_name = "ID")]
    pub(crate) client_vpc_id: Option<String>,
    /// The client instance (its address, subnet and groups are read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(
        long,
        value_name = "ID",
        help = "The client instance (its address, subnet and groups are read); on an EC2 instance, the instance itself by default"
    )]
    pub(crate) client_instance_id: Option<String>,
    /// Or the client's security group, by id or `Name` tag (or GroupName).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long, value_name = "ID")]
    pub(crate) client_security_group_id: Option<String>,
    /// Or the client's address or network, such as `10.0.3.7` or `10.0.3.0/24`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long, value_name = "CIDR")]
    pub(crate) client_cidr: Option<String>,
    /// Run the DNS, TCP and HTTP probes from where the server runs (default true; they mean
    /// something only inside the VPC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(skip)]
    pub(crate) probe: Option<bool>,
    /// Resolver for the probes, `IP` or `IP:PORT`, instead of the system's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(skip)]
    pub(crate) dns_server: Option<String>,
    /// Timeout of each probe, 100 to 60000 ms (default 3000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(
        long,
        value_name = "MS",
        help = "Timeout of each probe in milliseconds (default 3000)"
    )]
    pub(crate) probe_timeout_ms: Option<u64>,
    /// How far back the VPC flow logs and Resolver query logs are read, 1 to 1440 minutes
    /// (default 15): only the flows to the endpoint on the link's port and the queries for the
    /// host, one page of each log group, where the logs go to CloudWatch Logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1440))]
    #[arg(
        long,
        value_name = "MINUTES",
        help = "How far back the flow logs and Resolver query logs are read, 1 to 1440 minutes (default 15)"
    )]
    pub(crate) log_minutes: Option<u32>,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(skip)]
    pub(crate) profile: Option<String>,
    /// Where the VPC's private zone for the host belongs to another AWS account (a landing
    /// zone's network account, which keeps the endpoint): that account's AWS profile, to read
    /// its zone, endpoint, registration and groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long, value_name = "PROFILE")]
    pub(crate) endpoint_profile: Option<String>,
    /// True: the answer also carries a bundle of everything this diagnosis read and its
    /// report, as a JSON resource to save and replay offline (`zilliz-privatelink-mcp doctor
    /// --replay FILE`), for Zilliz's support or an issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(skip)]
    pub(crate) bundle: Option<bool>,
    /// With bundle: account ids, ARNs, addresses, resource ids and names in it are replaced by
    /// stable stand-ins (the same value, the same stand-in), so that it can be shared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(skip)]
    pub(crate) redact: Option<bool>,
    /// Where the probes run, from the instance metadata service (`doctor` on EC2): the
    /// instance and its VPC.
    #[serde(skip)]
    #[arg(skip)]
    pub(crate) machine: Option<Machine>,
}

/// The arguments of `remove_private_link`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RemoveRequest {
    /// The Zilliz cluster whose private link to remove.
    pub(crate) cluster_id: String,
    /// The VPC to remove it from (its id, or its `Name` tag).
    pub(crate) vpc_id: String,
    /// The VPC's region, where it is not the cluster's (a cross-region endpoint): `us-east-1`
    /// or `aws-us-east-1`. Default: the cluster's region, or the server's own where the VPC
    /// is there instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<String>,
    /// False (default): the VPC endpoint, its Zilliz registration and its security group stay
    /// while another cluster of the project reaches the endpoint (a private link serves every
    /// cluster of its project and region); only this cluster's name goes. True: the whole link
    /// goes, and every cluster the preview names loses private access. Ask the person first.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[schemars(extend("default" = false))]
    pub(crate) remove_shared_endpoint: bool,
    /// False (default): preview only. True: remove.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[schemars(extend("default" = false))]
    pub(crate) confirm: bool,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) profile: Option<String>,
}

/// The arguments of `audit_private_links`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::Args)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditRequest {
    /// AWS regions to audit (`us-west-2` or `aws-us-west-2`); default: every AWS region where
    /// the key's projects have clusters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long, value_name = "REGION,...", value_delimiter = ',')]
    pub(crate) regions: Option<Vec<String>>,
    /// Only this Zilliz project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long, value_name = "ID")]
    pub(crate) project_id: Option<String>,
    /// `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(skip)]
    pub(crate) cursor: Option<String>,
    /// Links a page, 1 to 40 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(skip)]
    pub(crate) limit: Option<u32>,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(skip)]
    pub(crate) profile: Option<String>,
    /// A landing zone's network account, which keeps endpoints and private zones that this
    /// account's VPCs use: its AWS profile. Its endpoints and zones are read there too, so its
    /// endpoints registered with the projects are judged instead of named as not found, and
    /// this account's VPCs tied to its zones count as spokes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long, value_name = "PROFILE")]
    pub(crate) endpoint_profile: Option<String>,
}

/// The arguments of `export_terraform`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::Args)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExportRequest {
    /// The Zilliz cluster whose private link to export.
    #[arg(long, value_name = "ID")]
    pub(crate) cluster_id: String,
    /// The VPC it serves (its id, or its `Name` tag).
    #[arg(long, value_name = "ID")]
    pub(crate) vpc_id: String,
    /// The VPC's region, where it is not the cluster's (a cross-region endpoint): `us-east-1`
    /// or `aws-us-east-1`. Default: the cluster's region, or the server's own where the VPC
    /// is there instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    // On the command line the global `--region` (the server's own) says it.
    #[arg(skip)]
    pub(crate) region: Option<String>,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(skip)]
    pub(crate) profile: Option<String>,
}

/// The arguments of `probe_from_instance`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct InstanceProbeRequest {
    /// The Zilliz cluster whose private link to probe (its address and region are read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cluster_id: Option<String>,
    /// Or the private link address (`https://HOST:PORT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) address: Option<String>,
    /// The instance the application runs on; SSM must manage it.
    pub(crate) client_instance_id: String,
    /// The instance's region when no cluster_id is given: `us-west-2` or `aws-us-west-2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<String>,
    /// False (default): preview the script, run nothing. True: run it on the instance.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[schemars(extend("default" = false))]
    pub(crate) confirm: bool,
    /// AWS profile for this call (from the AWS config files), instead of the server's; lets
    /// one session work across accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) profile: Option<String>,
}

/// A call of one of this server's tools: the tool's own argument type, so a remedy cannot name
/// a tool that does not exist or an argument the tool refuses. Serialized as
/// `{"tool": "setup_private_dns", "arguments": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "tool", content = "arguments", rename_all = "snake_case")]
pub(crate) enum ToolCall {
    ListVpcs(ListVpcsRequest),
    ListSubnets(ListSubnetsRequest),
    ListSecurityGroups(ListSecurityGroupsRequest),
    ListInstances(ListInstancesRequest),
    ListZillizClusters(ListClustersRequest),
    GetEndpointService(EndpointServiceRequest),
    CreateVpcEndpoint(CreateEndpointRequest),
    RegisterEndpoint(RegisterRequest),
    WaitForEndpoint(WaitRequest),
    SetupPrivateDns(DnsRequest),
    AllowClientAccess(AccessRequest),
    DiagnosePrivateLink(Box<DiagnoseRequest>),
    GetSetupStatus(StatusRequest),
    RemovePrivateLink(RemoveRequest),
    AuditPrivateLinks(AuditRequest),
    ExportTerraform(ExportRequest),
    ProbeFromInstance(InstanceProbeRequest),
}

// The wire shape of a `ToolCall` for the output schemas: the schema of every tool's arguments
// in each answer would bury the answer's own fields.
/// A call of one of this server's tools.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct ToolCallShape {
    /// The tool's name.
    tool: String,
    /// Its arguments, filled in from what is known; a changing tool called so previews.
    arguments: Map<String, Value>,
}

impl JsonSchema for ToolCall {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ToolCall".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        ToolCallShape::json_schema(generator)
    }
}

impl ToolCall {
    /// The tool's name, as `tools/list` gives it, and its arguments as sent: one
    /// serialization, which the serde attributes above define.
    pub(crate) fn parts(&self) -> (String, Map<String, Value>) {
        let Ok(Value::Object(mut call)) = serde_json::to_value(self) else {
            return (String::new(), Map::new());
        };
        let tool = match call.remove("tool") {
            Some(Value::String(tool)) => tool,
            _ => String::new(),
        };
        match call.remove("arguments") {
            Some(Value::Object(arguments)) => (tool, arguments),
            _ => (tool, Map::new()),
        }
    }

    /// The tool's name alone (the tests' shorthand for `parts().0`).
    #[cfg(test)]
    pub(crate) fn tool(&self) -> String {
        self.parts().0
    }

    /// The arguments alone (the tests' shorthand for `parts().1`).
    #[cfg(test)]
    pub(crate) fn arguments(&self) -> Map<String, Value> {
        self.parts().1
    }

    /// `setup_private_dns` for the cluster in the VPC (through `endpoint_id` where given).
    /// The same call made with AWS profile `profile` (the account the resource it changes or
    /// reads belongs to).
    pub(crate) fn with_profile(mut self, profile: &str) -> Self {
        let slot = match &mut self {
            // Zilliz's side alone: no AWS account to name.
            Self::ListZillizClusters(_) => return self,
            Self::ListVpcs(r) => &mut r.profile,
            Self::ListSubnets(r) => &mut r.profile,
            Self::ListSecurityGroups(r) => &mut r.profile,
            Self::ListInstances(r) => &mut r.profile,
            Self::GetEndpointService(r) => &mut r.profile,
            Self::CreateVpcEndpoint(r) => &mut r.profile,
            Self::RegisterEndpoint(r) => &mut r.profile,
            Self::WaitForEndpoint(r) => &mut r.profile,
            Self::SetupPrivateDns(r) => &mut r.profile,
            Self::AllowClientAccess(r) => &mut r.profile,
            Self::DiagnosePrivateLink(r) => &mut r.profile,
            Self::GetSetupStatus(r) => &mut r.profile,
            Self::RemovePrivateLink(r) => &mut r.profile,
            Self::AuditPrivateLinks(r) => &mut r.profile,
            Self::ExportTerraform(r) => &mut r.profile,
            Self::ProbeFromInstance(r) => &mut r.profile,
        };
        *slot = Some(profile.to_string());
        self
    }

    pub(crate) fn setup_private_dns(
        cluster_id: &str,
        vpc_id: &str,
        endpoint_id: Option<&str>,
    ) -> Self {
        Self::SetupPrivateDns(DnsRequest {
            cluster_id: cluster_id.to_string(),
            vpc_id: vpc_id.to_string(),
            endpoint_id: endpoint_id.map(str::to_string),
            ..Default::default()
        })
    }

    /// The call, made about a VPC in `vpc_region` where it names no region itself: for a
    /// cross-region link, whose VPC is not in the cluster's region that calls default to.
    pub(crate) fn in_vpc_region(mut self, vpc_region: &str) -> Self {
        let region = match &mut self {
            Self::ListSubnets(r) => &mut r.region,
            Self::ListSecurityGroups(r) => &mut r.region,
            Self::ListInstances(r) => &mut r.region,
            Self::CreateVpcEndpoint(r) => &mut r.region,
            Self::RegisterEndpoint(r) if r.cluster_id.is_some() => &mut r.region,
            Self::WaitForEndpoint(r) => &mut r.region,
            Self::SetupPrivateDns(r) => &mut r.region,
            Self::AllowClientAccess(r) => &mut r.region,
            Self::DiagnosePrivateLink(r) => &mut r.region,
            Self::GetSetupStatus(r) => &mut r.region,
            Self::RemovePrivateLink(r) => &mut r.region,
            Self::ExportTerraform(r) => &mut r.region,
            Self::ProbeFromInstance(r) => &mut r.region,
            _ => return self,
        };
        if region.is_none() {
            *region = Some(vpc_region.to_string());
        }
        self
    }

    /// The tool previews without `confirm: true` (its arguments have `confirm`).
    pub(crate) fn takes_confirm(&self) -> bool {
        matches!(
            self,
            Self::CreateVpcEndpoint(_)
                | Self::RegisterEndpoint(_)
                | Self::SetupPrivateDns(_)
                | Self::AllowClientAccess(_)
                | Self::RemovePrivateLink(_)
                | Self::ProbeFromInstance(_)
        )
    }

    /// The call as one line, for a finding's `fix` and the text answers.
    pub(crate) fn text(&self) -> String {
        let (tool, arguments) = self.parts();
        let arguments = serde_json::to_string(&arguments).unwrap_or_default();
        if self.takes_confirm() {
            format!("{tool} {arguments} (preview, then again with confirm: true)")
        } else {
            format!("{tool} {arguments}")
        }
    }
}

impl std::fmt::Display for ToolCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn across_regions_a_call_about_the_vpc_names_its_region_unless_it_names_one() {
        let dns = ToolCall::setup_private_dns("in01-a", "vpc-1", None).in_vpc_region("us-east-1");
        assert!(
            dns.text().contains(r#""region":"us-east-1""#),
            "{}",
            dns.text()
        );
        let named = ToolCall::WaitForEndpoint(WaitRequest {
            endpoint_id: "vpce-1".into(),
            region: Some("eu-west-1".into()),
            ..Default::default()
        })
        .in_vpc_region("us-east-1");
        assert!(named.text().contains("eu-west-1"), "{}", named.text());
        // A registration by project and region names Zilliz's region: left as it is.
        let by_project = ToolCall::RegisterEndpoint(RegisterRequest {
            endpoint_id: "vpce-1".into(),
            project_id: Some("proj-1".into()),
            ..Default::default()
        })
        .in_vpc_region("us-east-1");
        assert!(
            !by_project.text().contains("us-east-1"),
            "{}",
            by_project.text()
        );
    }

    #[test]
    fn only_changing_tools_are_told_to_confirm() {
        let wait = ToolCall::WaitForEndpoint(WaitRequest {
            endpoint_id: "vpce-1".into(),
            ..Default::default()
        });
        assert_eq!(wait.text(), r#"wait_for_endpoint {"endpoint_id":"vpce-1"}"#);
        let dns = ToolCall::SetupPrivateDns(DnsRequest {
            cluster_id: "in01-a".into(),
            vpc_id: "vpc-1".into(),
            ..Default::default()
        });
        assert!(
            dns.text()
                .ends_with("(preview, then again with confirm: true)")
        );
        assert_eq!(
            serde_json::to_value(&dns).unwrap(),
            json!({"tool": "setup_private_dns", "arguments": {"cluster_id": "in01-a", "vpc_id": "vpc-1"}})
        );
    }

    #[test]
    fn a_call_reads_back_as_the_tool_would_take_it() {
        let call: ToolCall = serde_json::from_value(json!({
            "tool": "allow_client_access",
            "arguments": {"endpoint_security_group_id": "sg-1", "source_cidr": "10.0.0.0/16", "port": 19530}
        }))
        .unwrap();
        let ToolCall::AllowClientAccess(access) = &call else {
            panic!("{call:?}")
        };
        assert_eq!(access.port, Some(19530));
        // An argument the tool refuses is refused here too.
        assert!(
            serde_json::from_value::<ToolCall>(json!({
                "tool": "wait_for_endpoint",
                "arguments": {"endpoint_id": "vpce-1", "confirm": true}
            }))
            .is_err()
        );
    }
}
