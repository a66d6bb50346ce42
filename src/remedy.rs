//! A call of one of this server's tools, as guidance carries it: the `remedy` of a finding, the
//! `next_action` of a status. An assistant follows it literally, so it holds the tool's own
//! argument type (serialized as `{tool, arguments}`), and its one-line text says "then again
//! with confirm: true" only for the tools that take `confirm`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::audit::AuditRequest;
use crate::diagnose::DiagnoseRequest;
use crate::diagnose::remote::InstanceProbeRequest;
use crate::discovery::{
    EndpointServiceRequest, ListClustersRequest, ListSecurityGroupsRequest, ListSubnetsRequest,
    ListVpcsRequest,
};
use crate::export::ExportRequest;
use crate::setup::access::AccessRequest;
use crate::setup::dns::DnsRequest;
use crate::setup::endpoint::CreateEndpointRequest;
use crate::setup::register::RegisterRequest;
use crate::setup::remove::RemoveRequest;
use crate::setup::wait::WaitRequest;
use crate::status::StatusRequest;

/// A call of one of this server's tools: the tool's own argument type, so a remedy cannot name
/// a tool that does not exist or an argument the tool refuses. Serialized as
/// `{"tool": "setup_private_dns", "arguments": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "tool", content = "arguments", rename_all = "snake_case")]
pub(crate) enum ToolCall {
    ListVpcs(ListVpcsRequest),
    ListSubnets(ListSubnetsRequest),
    ListSecurityGroups(ListSecurityGroupsRequest),
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
    /// The tool's name, as `tools/list` gives it.
    pub(crate) fn tool(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v["tool"].as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// The arguments as sent.
    pub(crate) fn arguments(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(mut call)) => match call.remove("arguments") {
                Some(Value::Object(arguments)) => arguments,
                _ => Map::new(),
            },
            _ => Map::new(),
        }
    }

    /// `setup_private_dns` for the cluster in the VPC (through `endpoint_id` where given).
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
        let arguments = serde_json::to_string(&self.arguments()).unwrap_or_default();
        if self.takes_confirm() {
            format!(
                "{} {arguments} (preview, then again with confirm: true)",
                self.tool()
            )
        } else {
            format!("{} {arguments}", self.tool())
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
