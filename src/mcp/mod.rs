//! The MCP face of the server: thin handlers that check nothing themselves, call the domain,
//! and turn its answers into `structuredContent` plus one short text.

mod args;

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::{ToolCallContext, schema_for_output};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, tool, tool_handler, tool_router};
use serde::Serialize;

use crate::app::App;
use crate::discovery::{self, Summary};
use crate::error::Error;
use args::*;

/// Tools that change something in an account. `--read-only` hides them and refuses them by
/// name, and each of them passes [`Server::ensure_write_allowed`] before anything else.
pub const CHANGING_TOOLS: &[&str] = &[];

const INSTRUCTIONS: &str = "\
Connects applications in an AWS VPC to a Zilliz Cloud cluster over AWS PrivateLink.
Flow: list_zilliz_clusters (pick the cluster; private links need the Enterprise plan) -> \
list_vpcs and list_subnets in the cluster's region (ask the user which VPC and subnets; prefer \
subnets with service_supported true, one per availability zone) -> get_endpoint_service. \
Ids are checked before any call; a failed call answers isError with what to do next.";

#[derive(Clone)]
pub struct Server {
    app: Arc<App>,
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl Server {
    pub fn new(app: Arc<App>) -> Self {
        let mut tool_router = Self::tool_router();
        if app.settings.read_only {
            for name in CHANGING_TOOLS {
                tool_router.disable_route(*name);
            }
        }
        Self { app, tool_router }
    }

    /// The one guard in front of every change.
    #[allow(dead_code)]
    fn ensure_write_allowed(&self, tool: &str) -> Result<(), Error> {
        if self.app.settings.read_only {
            return Err(read_only_refusal(tool));
        }
        Ok(())
    }

    #[tool(
        description = "List the VPCs of an AWS region with their CIDR blocks and DNS attributes \
            (a private hosted zone needs both dns_support and dns_hostnames). `region` takes \
            `us-west-2` or Zilliz's `aws-us-west-2`; without it, the server's configured region.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<discovery::VpcList>()
    )]
    async fn list_vpcs(&self, Parameters(args): Parameters<ListVpcsArgs>) -> CallToolResult {
        answer(discovery::list_vpcs(&self.app, args.region.as_deref()).await)
    }

    #[tool(
        description = "List the subnets of a VPC, 100 per page (pass `next_cursor` back as \
            `cursor` for more). `service_supported` tells whether the region's Zilliz endpoint \
            service is offered in the subnet's availability zone (null where unknown): choose \
            supported subnets, one per zone, for create_vpc_endpoint.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<discovery::SubnetPage>()
    )]
    async fn list_subnets(&self, Parameters(args): Parameters<ListSubnetsArgs>) -> CallToolResult {
        answer(
            discovery::list_subnets(
                &self.app,
                &args.vpc_id,
                args.region.as_deref(),
                args.cursor.as_deref(),
                args.limit,
            )
            .await,
        )
    }

    #[tool(
        description = "List the security groups of a VPC with their inbound and outbound rules, \
            one readable line per rule (such as `tcp 19530 from sg-0abc`), 50 per page.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<discovery::SecurityGroupPage>()
    )]
    async fn list_security_groups(
        &self,
        Parameters(args): Parameters<ListSecurityGroupsArgs>,
    ) -> CallToolResult {
        answer(
            discovery::list_security_groups(
                &self.app,
                &args.vpc_id,
                args.region.as_deref(),
                args.cursor.as_deref(),
                args.limit,
            )
            .await,
        )
    }

    #[tool(
        description = "List the Zilliz Cloud clusters the API key can see (optionally of one \
            project), with their region in both forms, plan, status and private link address, \
            host and port (empty until a private link serves the cluster).",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<discovery::ClusterPage>()
    )]
    async fn list_zilliz_clusters(
        &self,
        Parameters(args): Parameters<ListClustersArgs>,
    ) -> CallToolResult {
        answer(
            discovery::list_zilliz_clusters(
                &self.app,
                args.project_id.as_deref(),
                args.cursor.as_deref(),
                args.limit,
            )
            .await,
        )
    }

    #[tool(
        description = "Show Zilliz's PrivateLink endpoint service for a region: the AWS service \
            name a VPC endpoint connects to, whether the AWS account must be whitelisted, and \
            the availability zones where it is offered.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<discovery::EndpointServiceInfo>()
    )]
    async fn get_endpoint_service(
        &self,
        Parameters(args): Parameters<GetEndpointServiceArgs>,
    ) -> CallToolResult {
        answer(discovery::get_endpoint_service(&self.app, &args.region).await)
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                env!("CARGO_PKG_NAME"),
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(INSTRUCTIONS)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        // A disabled route would be an unknown tool to rmcp; a changing tool called by name in
        // read-only mode deserves to be told why instead.
        if self.app.settings.read_only && CHANGING_TOOLS.contains(&request.name.as_ref()) {
            return Ok(failure(&read_only_refusal(&request.name)).into());
        }
        let call = ToolCallContext::new(self, request, context);
        self.tool_router.call(call).await
    }
}

fn read_only_refusal(tool: &str) -> Error {
    Error::Conflict(format!(
        "`{tool}` changes the AWS or Zilliz account and the server runs read-only \
         (--read-only or ZILLIZ_PRIVATELINK_READ_ONLY). Restart it without that setting to \
         make changes; the read-only tools still work."
    ))
}

/// A domain answer as a tool result: the value as `structuredContent`, its summary as text.
fn answer<T: Serialize + Summary>(result: Result<T, Error>) -> CallToolResult {
    let value = match result {
        Ok(value) => value,
        Err(error) => return failure(&error),
    };
    match serde_json::to_value(&value) {
        Ok(json) => {
            let mut result = CallToolResult::structured(json);
            result.content = vec![ContentBlock::text(value.summary())];
            result
        }
        Err(e) => failure(&Error::Conflict(format!(
            "the answer could not be encoded: {e}"
        ))),
    }
}

fn failure(error: &Error) -> CallToolResult {
    tracing::info!(%error, "tool call failed");
    CallToolResult::error(vec![ContentBlock::text(error.to_string())])
}
