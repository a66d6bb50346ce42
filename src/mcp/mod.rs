//! The MCP face of the server: thin handlers that check nothing themselves, call the domain,
//! and turn its answers into `structuredContent` plus one short text.

pub(crate) mod frames;
mod prompts;
mod schema;

use std::sync::Arc;

use rmcp::handler::server::router::prompt::PromptRouter;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::{InputResponses as ToolInputResponses, RequestState};
use rmcp::handler::server::tool::{ToolCallContext, schema_for_output};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::ProtocolVersion;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ProgressNotificationParam, PromptMessage, Role, ServerCapabilities, ServerConfig,
};
use rmcp::service::{ElicitationError, RequestContext};
use rmcp::{
    ErrorData, RoleServer, ServerHandler, prompt, prompt_handler, prompt_router, tool,
    tool_handler, tool_router,
};
use serde::Serialize;

use crate::app::{App, read_only_refusal};
use crate::audit;
use crate::change::consent::{Answer, Consent};
use crate::diagnose::{self, remote};
use crate::discovery;
use crate::error::Error;
use crate::export;
use crate::request;
use crate::setup::{access, dns, endpoint, register, remove, wait};
use crate::status;
use crate::summary::Summary;
use prompts::{SetupPromptArgs, TroubleshootPromptArgs};

const INSTRUCTIONS: &str = "\
Connects applications in an AWS VPC to a Zilliz Cloud cluster over AWS PrivateLink.
Flow: list_zilliz_clusters (pick the cluster; private links need the Enterprise plan) -> \
list_vpcs and list_subnets in the cluster's region (ask the user which VPC and subnets; prefer \
subnets with service_supported true, one per availability zone) -> create_vpc_endpoint -> \
register_endpoint -> wait_for_endpoint -> setup_private_dns -> allow_client_access.
In a new conversation, get_setup_status tells where a setup stands and the next call. When an \
application cannot connect, diagnose_private_link names the broken link and its fix, and \
probe_from_instance runs the probes on the application's own instance (through SSM); \
remove_private_link undoes a setup. audit_private_links shows every link across projects and \
regions with drift named; export_terraform writes the Terraform that adopts one.
Every changing tool previews without `confirm`: show the preview to the user and call again \
with confirm: true only after they agree; where the client can ask, the server then asks the \
person itself, and a no answers applied: false. AWS-facing tools take `profile` to act \
through another AWS profile. Calls are idempotent: repeating one finds what the \
first made. A failed call answers isError with what to do next.";

/// The server as it acts for this call (through the call's `profile`), or the tool's error.
macro_rules! app_for {
    ($server:expr, $profile:expr) => {
        match $server.app_for($profile.as_deref()).await {
            Ok(app) => app,
            Err(error) => return failure(&error).into(),
        }
    };
}

#[derive(Clone)]
pub(crate) struct Server {
    app: Arc<App>,
    /// The server acting through other AWS profiles, made on first use.
    profiles: Arc<tokio::sync::Mutex<std::collections::HashMap<String, Arc<App>>>>,
    tool_router: ToolRouter<Self>,
    /// The tools that change an account (annotated `readOnlyHint: false`): `--read-only` hides
    /// and refuses them, and a read-only server's guidance proposes none of them.
    changing: Arc<Vec<String>>,
    prompt_router: PromptRouter<Self>,
}

#[tool_router]
impl Server {
    pub(crate) fn new(app: Arc<App>) -> Self {
        let mut tool_router = Self::tool_router();
        let mut changing = Vec::new();
        for route in tool_router.map.values_mut() {
            route.attr.input_schema = strict_schema(&route.attr.input_schema);
            route.attr.output_schema = route.attr.output_schema.as_ref().map(strict_schema);
            let read_only = route
                .attr
                .annotations
                .as_ref()
                .and_then(|a| a.read_only_hint);
            if read_only != Some(true) {
                changing.push(route.attr.name.to_string());
            }
        }
        if app.settings.read_only {
            for name in &changing {
                tool_router.disable_route(name.clone());
            }
        }
        Self {
            app,
            profiles: Arc::default(),
            tool_router,
            changing: Arc::new(changing),
            prompt_router: Self::prompt_router(),
        }
    }

    #[tool(
        description = "List the VPCs of an AWS region with their CIDR blocks and DNS attributes \
            (a private hosted zone needs both dns_support and dns_hostnames). `region` takes \
            `us-west-2` or Zilliz's `aws-us-west-2`; without it, the server's configured region.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<discovery::VpcList>()
    )]
    async fn list_vpcs(
        &self,
        Parameters(r): Parameters<request::ListVpcsRequest>,
    ) -> CallToolResult {
        let app = app_for!(self, r.profile);
        answer(discovery::list_vpcs(&app, &r).await)
    }

    #[tool(
        description = "List the subnets of a VPC, 100 per page (pass `next_cursor` back as \
            `cursor` for more). `service_supported` tells whether the region's Zilliz endpoint \
            service is offered in the subnet's availability zone (null where unknown): choose \
            supported subnets, one per zone, for create_vpc_endpoint.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<discovery::SubnetPage>()
    )]
    async fn list_subnets(
        &self,
        Parameters(r): Parameters<request::ListSubnetsRequest>,
    ) -> CallToolResult {
        let app = app_for!(self, r.profile);
        answer(discovery::list_subnets(&app, &r).await)
    }

    #[tool(
        description = "List the security groups of a VPC with their inbound and outbound rules, \
            one readable line per rule (such as `tcp 19530 from sg-0abc`), 50 per page.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<discovery::SecurityGroupPage>()
    )]
    async fn list_security_groups(
        &self,
        Parameters(r): Parameters<request::ListSecurityGroupsRequest>,
    ) -> CallToolResult {
        let app = app_for!(self, r.profile);
        answer(discovery::list_security_groups(&app, &r).await)
    }

    #[tool(
        description = "List the instances of a VPC (not terminated), 50 per page: id, `Name` \
            tag, state, private addresses, subnet and zone, security groups with their names \
            and `Name` tags, and `ssm_managed` (SSM runs commands there, so probe_from_instance \
            can test the link from it). `name` finds instances by their `Name` tag (`*` \
            matches any characters) and `security_group_id` the members of a group: use them \
            to find the application's instances, and pass one as client_instance_id.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<discovery::InstancePage>()
    )]
    async fn list_instances(
        &self,
        Parameters(r): Parameters<request::ListInstancesRequest>,
    ) -> CallToolResult {
        let app = app_for!(self, r.profile);
        answer(discovery::list_instances(&app, &r).await)
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
        Parameters(r): Parameters<request::ListClustersRequest>,
    ) -> CallToolResult {
        answer(discovery::list_zilliz_clusters(&self.app, &r).await)
    }

    #[tool(
        description = "Show Zilliz's PrivateLink endpoint service for a region: the AWS service \
            name a VPC endpoint connects to, whether the AWS account must be whitelisted, and \
            the availability zones where it is offered.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<crate::service::EndpointServiceInfo>()
    )]
    async fn get_endpoint_service(
        &self,
        Parameters(r): Parameters<request::EndpointServiceRequest>,
    ) -> CallToolResult {
        let app = app_for!(self, r.profile);
        answer(discovery::get_endpoint_service(&app, &r).await)
    }

    #[tool(
        description = "Create an Interface VPC endpoint from a VPC to the Zilliz endpoint service \
            of the cluster's region (private DNS off; the private zone does that job). Keeps one \
            subnet per zone and leaves out zones the service does not offer. Where the region \
            requires it, whitelists the AWS account with the cluster's project first. Without \
            security groups it proposes a dedicated one with no inbound rule (allow_client_access \
            adds the rule once the private link's port is known). Without confirm it only \
            previews; an endpoint that already exists is returned, not duplicated.",
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<endpoint::CreateEndpointOutput>()
    )]
    async fn create_vpc_endpoint(
        &self,
        Parameters(r): Parameters<request::CreateEndpointRequest>,
        context: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        ToolInputResponses(responses): ToolInputResponses,
    ) -> CallToolResponse {
        let consent = consent_of(&context, state.as_deref(), responses.as_ref());
        let app = app_for!(self, r.profile);
        respond(endpoint::create_vpc_endpoint(&app, r, &consent).await)
    }

    #[tool(
        description = "Register a VPC endpoint with the cluster's Zilliz project and region, so \
            that Zilliz accepts it and allocates the private link address. Already registered \
            is success. Without confirm it only previews.",
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<register::RegisterOutput>()
    )]
    async fn register_endpoint(
        &self,
        Parameters(r): Parameters<request::RegisterRequest>,
        context: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        ToolInputResponses(responses): ToolInputResponses,
    ) -> CallToolResponse {
        let consent = consent_of(&context, state.as_deref(), responses.as_ref());
        let app = app_for!(self, r.profile);
        respond(register::register_endpoint(&app, r, &consent).await)
    }

    #[tool(
        description = "Wait until a VPC endpoint is available, sending progress notifications; \
            a rejected or failed endpoint ends the wait with what to do. Returns at the timeout \
            (default 40 s, inside the time a host gives a call) with the current state and, \
            while the endpoint is still on its way, this same call as next_action: call it \
            again to keep waiting. Returns at once when the client cancels.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<wait::WaitOutput>()
    )]
    async fn wait_for_endpoint(
        &self,
        Parameters(r): Parameters<request::WaitRequest>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        let progress = progress_sender(&context, |step: wait::WaitProgress| {
            (
                step.waited.as_secs_f64(),
                step.timeout.as_secs_f64(),
                step.message,
            )
        });
        let app = app_for!(self, r.profile);
        answer(wait::wait_for_endpoint(&app, r, progress).await)
    }

    #[tool(
        description = "Make the cluster's private link host resolve inside the VPC: a Route 53 \
            private hosted zone named exactly for the host, tied to the VPC, with an alias A \
            record to the VPC's endpoint (and the VPC's DNS attributes turned on if they are \
            off). Each VPC with its own endpoint gets its own zone; a zone another VPC uses is \
            never re-pointed. For a VPC that reaches another VPC's endpoint over peering or a \
            transit gateway, pass that endpoint as endpoint_id: the VPC is tied to that VPC's \
            zone and no record changes. Needs the private link address, which Zilliz allocates \
            after registration. Without confirm it only previews.",
        annotations(read_only_hint = false, destructive_hint = true, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<dns::DnsOutput>()
    )]
    async fn setup_private_dns(
        &self,
        Parameters(r): Parameters<request::DnsRequest>,
        context: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        ToolInputResponses(responses): ToolInputResponses,
    ) -> CallToolResponse {
        let consent = consent_of(&context, state.as_deref(), responses.as_ref());
        let app = app_for!(self, r.profile);
        let endpoint_app = match &r.endpoint_profile {
            Some(profile) => Some(app_for!(self, Some(profile.clone()))),
            None => None,
        };
        respond(dns::setup_private_dns(&app, endpoint_app.as_deref(), r, &consent).await)
    }

    #[tool(
        description = "Let clients reach the endpoint: one inbound TCP rule on the endpoint's \
            security group, on the private link's own port (read from the cluster's address), \
            from the clients' security group or CIDR. A rule that already allows it means \
            nothing to do. Without confirm it only previews.",
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<access::AccessOutput>()
    )]
    async fn allow_client_access(
        &self,
        Parameters(r): Parameters<request::AccessRequest>,
        context: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        ToolInputResponses(responses): ToolInputResponses,
    ) -> CallToolResponse {
        let consent = consent_of(&context, state.as_deref(), responses.as_ref());
        let app = app_for!(self, r.profile);
        respond(access::allow_client_access(&app, r, &consent).await)
    }

    #[tool(
        description = "Find out why an application cannot reach a cluster over its private \
            link, in one call: checks the cluster, the endpoint and its registration, the VPC's \
            DNS attributes, the private zone and its alias (and zones shadowing it), security \
            groups and network ACLs for the given client, then resolves the host and probes TCP \
            and HTTP from where the server runs. Where the account keeps VPC flow logs or Route \
            53 Resolver query logs in CloudWatch Logs, it reads the last log_minutes of them for \
            this link (the client's flows to the endpoint, the resolver's answers for the host) \
            and says whether they agree with the rules. Each finding is pass, warn, fail or skip, \
            with the exact fix; healthy is true when nothing fails and everything was read. \
            With bundle: true the answer also carries everything the diagnosis read as a JSON \
            resource, to save and replay offline (`doctor --replay FILE`); add redact: true \
            before it leaves the person's hands.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<diagnose::Report>()
    )]
    async fn diagnose_private_link(
        &self,
        Parameters(r): Parameters<request::DiagnoseRequest>,
    ) -> CallToolResult {
        // No `machine`: the server may run on a laptop, so where the probes ran is judged from
        // their results.
        let app = app_for!(self, r.profile);
        let endpoint_app = match &r.endpoint_profile {
            Some(profile) => Some(app_for!(self, Some(profile.clone()))),
            None => None,
        };
        let endpoint_app = endpoint_app.as_deref();
        if r.bundle != Some(true) {
            return answer(diagnose::diagnose(&app, endpoint_app, r).await);
        }
        let redacted = r.redact == Some(true);
        let bundled = match diagnose::gather(&app, endpoint_app, r).await {
            Ok(gathered) => crate::bundle::Bundle::of(gathered, redacted),
            Err(e) => Err(e),
        };
        let (bundle, report) = match bundled {
            Ok(bundled) => bundled,
            Err(e) => return failure(&e),
        };
        let text = match bundle.to_json() {
            Ok(text) => text,
            Err(e) => return failure(&e),
        };
        let mut result = answer(Ok(report));
        result.content.push(ContentBlock::resource(
            rmcp::model::ResourceContents::TextResourceContents {
                uri: bundle.uri(),
                mime_type: Some("application/json".into()),
                text,
                meta: None,
            },
        ));
        result
    }

    #[tool(
        description = "Where a private link setup stands, read from the AWS and Zilliz accounts: \
            eight steps in order (cluster_ready, endpoint_service, vpc_endpoint, \
            zilliz_registration, private_link_address, hosted_zone, alias_record, \
            security_group), each done, pending, missing or failed, and next_action: the tool \
            to call next with its arguments filled in. Use it first in a new conversation.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<status::SetupStatus>()
    )]
    async fn get_setup_status(
        &self,
        Parameters(r): Parameters<request::StatusRequest>,
    ) -> CallToolResult {
        let app = app_for!(self, r.profile);
        let endpoint_app = match &r.endpoint_profile {
            Some(profile) => Some(app_for!(self, Some(profile.clone()))),
            None => None,
        };
        answer(status::get_setup_status(&app, endpoint_app.as_deref(), &r).await)
    }

    #[tool(
        description = "Undo one cluster's private link from one VPC in reverse order: the alias \
            record, the private zone (only when it holds nothing but that record), the Zilliz \
            registration, the VPC endpoint and its security group (only those this tool made). \
            A private link is the project's: the endpoint, its registration and its group stay \
            while any other cluster of the project (or another VPC) resolves through the \
            endpoint, and kept and shared_with name them; remove_shared_endpoint: true removes \
            the endpoint anyway, cutting every cluster the preview names (ask the person). A \
            zone other VPCs use is only untied from this VPC. The user's own resources are never \
            touched and are listed as kept. Without confirm it only previews; repeating it is a \
            no-op.",
        annotations(read_only_hint = false, destructive_hint = true, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<remove::RemoveOutput>()
    )]
    async fn remove_private_link(
        &self,
        Parameters(r): Parameters<request::RemoveRequest>,
        context: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        ToolInputResponses(responses): ToolInputResponses,
    ) -> CallToolResponse {
        let consent = consent_of(&context, state.as_deref(), responses.as_ref());
        let app = app_for!(self, r.profile);
        respond(remove::remove_private_link(&app, &r, &consent).await)
    }

    #[tool(
        description = "Every private link at a glance: per Zilliz project and AWS region, each \
            endpoint to Zilliz's service with its registration and each cluster's record, and \
            the drift named with its fix: registrations whose endpoint is gone (or in another \
            account), endpoints not registered or rejected, clusters without a record in a VPC \
            that has the endpoint, records aliasing a gone or another VPC's endpoint, and what \
            this tool made for clusters that are gone. Regions are read concurrently, with \
            progress notifications; the answer is paged (cursor).",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<audit::AuditOutput>()
    )]
    async fn audit_private_links(
        &self,
        Parameters(r): Parameters<request::AuditRequest>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        let progress = progress_sender(&context, |step: audit::AuditProgress| {
            (step.done as f64, step.total as f64, step.message)
        });
        let app = app_for!(self, r.profile);
        let network_app = match &r.endpoint_profile {
            Some(profile) => Some((app_for!(self, Some(profile.clone())), profile.clone())),
            None => None,
        };
        let network = network_app
            .as_ref()
            .map(|(app, profile)| audit::NetworkAccount { app, profile });
        answer(audit::audit_private_links(&app, network, r, progress).await)
    }

    #[tool(
        description = "The Terraform for what exists of one VPC's private link, ready to adopt: \
            import blocks and resources for the VPC endpoint, the security group this tool made, \
            the private zone with its VPCs, the alias record, and Zilliz's \
            zillizcloud_private_endpoint (and whitelist), with provider requirements and no \
            secrets. The arguments repeat the live values, so a plan after the import shows no \
            change; left_out says what it leaves out and why. Reads only.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<export::ExportOutput>()
    )]
    async fn export_terraform(
        &self,
        Parameters(r): Parameters<request::ExportRequest>,
    ) -> CallToolResult {
        let app = app_for!(self, r.profile);
        answer(export::export_terraform(&app, &r).await)
    }

    #[tool(
        description = "Run the DNS, TCP and HTTPS probes on the application's own instance \
            through SSM Run Command (AWS-RunShellScript), so the answer is the instance's: its \
            resolver, its security groups, its routes. The script is fixed (host, port and \
            timeouts only) and changes nothing. Without confirm it previews the exact script and \
            runs nothing; show it to the person first. The instance must be managed by SSM.",
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<remote::InstanceProbeOutput>()
    )]
    async fn probe_from_instance(
        &self,
        Parameters(r): Parameters<request::InstanceProbeRequest>,
        context: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        ToolInputResponses(responses): ToolInputResponses,
    ) -> CallToolResponse {
        let consent = consent_of(&context, state.as_deref(), responses.as_ref());
        let app = app_for!(self, r.profile);
        respond(remote::probe_from_instance(&app, r, &consent).await)
    }
}

#[prompt_router]
impl Server {
    /// Lead the person through setting up a private link, step by step.
    #[prompt(name = "setup_private_link")]
    async fn setup_private_link(
        &self,
        Parameters(args): Parameters<SetupPromptArgs>,
    ) -> Vec<PromptMessage> {
        vec![PromptMessage::new_text(
            Role::User,
            prompts::setup(args.cluster_id.as_deref(), args.vpc_id.as_deref()),
        )]
    }

    /// Find out why an application cannot reach a cluster over its private link.
    #[prompt(name = "troubleshoot_private_link")]
    async fn troubleshoot_private_link(
        &self,
        Parameters(args): Parameters<TroubleshootPromptArgs>,
    ) -> Vec<PromptMessage> {
        vec![PromptMessage::new_text(
            Role::User,
            prompts::troubleshoot(args.cluster_id.as_deref()),
        )]
    }
}

/// A schema as strict validators read it (see [`schema::strict`]).
fn strict_schema(schema: &Arc<rmcp::model::JsonObject>) -> Arc<rmcp::model::JsonObject> {
    let mut value = serde_json::Value::Object((**schema).clone());
    schema::strict(&mut value);
    match value {
        serde_json::Value::Object(object) => Arc::new(object),
        _ => schema.clone(),
    }
}

#[tool_handler(router = self.tool_router)]
#[prompt_handler(router = self.prompt_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_prompts()
                .build(),
        )
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
        if self.app.settings.read_only && self.changing.iter().any(|t| t == &request.name) {
            return Ok(failure(&read_only_refusal(&request.name)).into());
        }
        // A cancelled call stops its work (in-flight cloud calls are dropped); rmcp sends no
        // response for it. Changing tools resume from what exists, so stopping part-way is safe.
        let cancelled = context.ct.clone();
        let call = ToolCallContext::new(self, request, context);
        let mut response = tokio::select! {
            result = self.tool_router.call(call) => result,
            () = cancelled.cancelled() => Err(ErrorData::internal_error("the client cancelled the call", None)),
        };
        if self.app.settings.read_only
            && let Ok(CallToolResponse::Complete(result)) = &mut response
            && let Some(content) = &mut result.structured_content
        {
            read_only_guidance(content, &self.changing);
        }
        response
    }
}

impl Server {
    /// The server as it acts for a call: through `profile` where the call names one.
    async fn app_for(&self, profile: Option<&str>) -> Result<Arc<App>, Error> {
        let Some(profile) = profile.map(str::trim).filter(|p| !p.is_empty()) else {
            return Ok(self.app.clone());
        };
        if self.app.settings.aws.profile.as_deref() == Some(profile) {
            return Ok(self.app.clone());
        }
        let mut profiles = self.profiles.lock().await;
        if let Some(app) = profiles.get(profile) {
            return Ok(app.clone());
        }
        let known = crate::aws::known_profiles().await;
        if !known.iter().any(|p| p == profile) {
            return Err(Error::invalid(
                "profile",
                profile,
                if known.is_empty() {
                    "no AWS profile is configured here (AWS_CONFIG_FILE / ~/.aws/config); omit \
                     `profile` to use the server's credentials"
                        .to_string()
                } else {
                    format!("one of the configured AWS profiles: {}", known.join(", "))
                },
            ));
        }
        let app = Arc::new(self.app.with_profile(profile));
        profiles.insert(profile.to_string(), app.clone());
        Ok(app)
    }
}

/// What the person answers when asked to approve a change.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct ConsentAnswer {
    /// Apply the changes listed above.
    confirm: bool,
}

rmcp::elicit_safe!(ConsentAnswer);

/// How long a question to the person stays open.
const QUESTION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

/// The key of the consent question among a stateless call's input requests.
const CONSENT_INPUT: &str = "consent";

/// How this call can reach the person: through the client's elicitation (form mode) where the
/// client declared it; during the call on the protocols that allow server requests, between
/// calls on 2026-07-28 (the answer comes back with the retry); otherwise not at all.
fn consent_of(
    context: &RequestContext<RoleServer>,
    state: Option<&str>,
    responses: Option<&rmcp::model::InputResponses>,
) -> Consent {
    let can_ask = context
        .client_capabilities()
        .and_then(|c| c.elicitation)
        .is_some_and(|e| e.form.is_some() || e.url.is_none());
    if !can_ask {
        return Consent::unavailable();
    }
    if context
        .protocol_version()
        .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28)
    {
        let answer = responses
            .and_then(|r| r.get(CONSENT_INPUT))
            .map(|value| (answer_of(value), state.map(str::to_string)));
        return Consent::between_calls(answer);
    }
    let peer = context.peer.clone();
    Consent::through(move |question| {
        let peer = peer.clone();
        Box::pin(async move {
            match peer
                .elicit_with_timeout::<ConsentAnswer>(question, Some(QUESTION_TIMEOUT))
                .await
            {
                Ok(Some(ConsentAnswer { confirm: true })) => Answer::Yes,
                Ok(Some(_)) => Answer::No("answered confirm: false".into()),
                Ok(None) => Answer::No("gave no answer".into()),
                Err(ElicitationError::UserDeclined) => Answer::No("declined".into()),
                Err(ElicitationError::UserCancelled) => Answer::No("cancelled the question".into()),
                Err(e) => Answer::Unasked(e.to_string()),
            }
        })
    })
}

/// The person's answer as a stateless retry brings it: an elicitation result.
fn answer_of(value: &serde_json::Value) -> Answer {
    match value["action"].as_str() {
        Some("accept") if value["content"]["confirm"] == serde_json::Value::Bool(true) => {
            Answer::Yes
        }
        Some("accept") => Answer::No("answered confirm: false".into()),
        Some("decline") => Answer::No("declined".into()),
        Some("cancel") => Answer::No("cancelled the question".into()),
        _ => Answer::Unasked(format!("the answer `{value}` is not an elicitation result")),
    }
}

/// Where the caller asked for progress, a sender whose steps become progress notifications
/// (`progress`, `total`, `message` as `describe` reads them). One forwarder keeps them in order;
/// it ends when the work drops its sender.
fn progress_sender<T: Send + 'static>(
    context: &RequestContext<RoleServer>,
    describe: fn(T) -> (f64, f64, String),
) -> Option<tokio::sync::mpsc::UnboundedSender<T>> {
    let token = context.meta.get_progress_token()?;
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<T>();
    let peer = context.peer.clone();
    tokio::spawn(async move {
        while let Some(step) = receiver.recv().await {
            let (progress, total, message) = describe(step);
            let param = ProgressNotificationParam::new(token.clone(), progress)
                .with_total(total)
                .with_message(message);
            if peer.notify_progress(param).await.is_err() {
                break;
            }
        }
    });
    Some(sender)
}

/// A read-only server hides the changing tools, so its guidance cannot propose their calls:
/// a finding keeps its fix as words for the person, without the `remedy` call, and a status's
/// `next_action` becomes the person's part.
fn read_only_guidance(value: &mut serde_json::Value, changing: &[String]) {
    const NOTE: &str = " (this server runs read-only: the person makes this change, or a \
                        server without --read-only)";
    let proposes_change = |call: &serde_json::Value| {
        call.get("tool")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|tool| changing.iter().any(|t| t == tool))
    };
    match value {
        serde_json::Value::Object(object) => {
            if object.get("remedy").is_some_and(proposes_change) {
                object.remove("remedy");
                if let Some(serde_json::Value::String(fix)) = object.get_mut("fix") {
                    fix.push_str(NOTE);
                }
            }
            if object.get("next_action").is_some_and(proposes_change) {
                let call = object.insert("next_action".into(), serde_json::Value::Null);
                let text = call
                    .and_then(|c| serde_json::from_value::<crate::request::ToolCall>(c).ok())
                    .map(|c| c.text())
                    .unwrap_or_default();
                object.insert(
                    "persons_part".into(),
                    serde_json::json!({ "step": "read_only", "ask": format!("{text}{NOTE}") }),
                );
            }
            object
                .values_mut()
                .for_each(|v| read_only_guidance(v, changing));
        }
        serde_json::Value::Array(items) => items
            .iter_mut()
            .for_each(|v| read_only_guidance(v, changing)),
        _ => {}
    }
}

/// A changing tool's answer: its result, or, where the person must answer first on a
/// stateless protocol, the question for the client to put to them.
fn respond<T: Serialize + Summary>(result: Result<T, Error>) -> CallToolResponse {
    match result {
        Err(Error::AnswerNeeded { question, state }) => {
            match rmcp::model::ElicitationSchema::from_type::<ConsentAnswer>() {
                Ok(schema) => {
                    let mut requests = rmcp::model::InputRequests::new();
                    requests.insert(
                        CONSENT_INPUT.to_string(),
                        rmcp::model::InputRequest::Elicitation(rmcp::model::ElicitRequest::new(
                            rmcp::model::ElicitRequestParams::FormElicitationParams {
                                meta: None,
                                message: question,
                                requested_schema: schema,
                            },
                        )),
                    );
                    rmcp::model::InputRequiredResult::new(Some(requests), Some(state)).into()
                }
                Err(e) => failure(&Error::Bug(format!(
                    "the consent question could not be built: {e}"
                )))
                .into(),
            }
        }
        other => answer(other).into(),
    }
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
        Err(e) => failure(&Error::Bug(format!("the answer could not be encoded: {e}"))),
    }
}

fn failure(error: &Error) -> CallToolResult {
    tracing::info!(%error, "tool call failed");
    CallToolResult::error(vec![ContentBlock::text(error.to_string())])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AwsSettings, Settings, ZillizSettings};

    fn server(read_only: bool) -> Server {
        Server::new(Arc::new(App::new(Settings {
            aws: AwsSettings::default(),
            zilliz: ZillizSettings {
                api_key: None,
                base_url: url::Url::parse("http://127.0.0.1:9/").unwrap(),
            },
            read_only,
            dns_server: None,
            consent: Default::default(),
            call_budget: std::time::Duration::from_secs(crate::config::DEFAULT_CALL_SECONDS),
        })))
    }

    /// Every tool has its `ToolCall` (so guidance can propose it), and the tools that take
    /// `confirm` are exactly the changing ones (`readOnlyHint: false`).
    #[test]
    fn every_tool_is_a_tool_call_and_only_changing_tools_take_confirm() {
        let server = server(false);
        let tools = server.tool_router.list_all();
        for tool in &tools {
            let a = tool.annotations.as_ref().expect("annotations");
            assert!(
                a.read_only_hint.is_some()
                    && a.destructive_hint.is_some()
                    && a.idempotent_hint.is_some()
                    && a.open_world_hint.is_some(),
                "{}",
                tool.name
            );
            assert!(tool.output_schema.is_some(), "{}", tool.name);
            let properties = tool.input_schema["properties"].as_object().unwrap();
            let mut arguments = serde_json::Map::new();
            for name in tool
                .input_schema
                .get("required")
                .and_then(|r| r.as_array())
                .into_iter()
                .flatten()
            {
                let name = name.as_str().unwrap();
                let value = match properties[name]["type"].as_str() {
                    Some("array") => serde_json::json!(["x"]),
                    _ => serde_json::json!("x"),
                };
                arguments.insert(name.to_string(), value);
            }
            let call: crate::request::ToolCall = serde_json::from_value(
                serde_json::json!({"tool": tool.name, "arguments": arguments}),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", tool.name));
            assert_eq!(call.tool(), tool.name);
            let changing = a.read_only_hint == Some(false);
            assert_eq!(call.takes_confirm(), changing, "{}", tool.name);
            assert_eq!(
                properties.contains_key("confirm"),
                changing,
                "{}",
                tool.name
            );
            assert_eq!(server.changing.contains(&tool.name.to_string()), changing);
        }
    }

    #[test]
    fn read_only_lists_no_changing_tool() {
        let names: Vec<String> = server(true)
            .tool_router
            .list_all()
            .into_iter()
            .map(|t| t.name.to_string())
            .collect();
        let full = server(false);
        assert!(!full.changing.is_empty());
        assert_eq!(
            names.len(),
            full.tool_router.list_all().len() - full.changing.len()
        );
        assert!(names.iter().all(|n| !full.changing.contains(n)));
    }

    #[test]
    fn on_a_stateless_protocol_the_consent_question_goes_back_in_the_result() {
        let response = respond::<crate::setup::remove::RemoveOutput>(Err(Error::AnswerNeeded {
            question: "remove_private_link wants to change AWS account 123456789012".into(),
            state: "consent-0011223344556677".into(),
        }));
        let CallToolResponse::InputRequired(required) = response else {
            panic!("expected an input-required result")
        };
        assert_eq!(
            required.request_state.as_deref(),
            Some("consent-0011223344556677")
        );
        let wire = serde_json::to_value(&required).unwrap();
        let request = &wire["inputRequests"][CONSENT_INPUT];
        assert_eq!(request["method"], "elicitation/create");
        assert!(
            request["params"]["message"]
                .as_str()
                .unwrap()
                .contains("123456789012")
        );
        let schema = &request["params"]["requestedSchema"];
        assert_eq!(schema["properties"]["confirm"]["type"], "boolean");
    }

    #[test]
    fn a_retry_brings_the_answer_back_as_an_elicitation_result() {
        use serde_json::json;
        assert_eq!(
            answer_of(&json!({"action": "accept", "content": {"confirm": true}})),
            Answer::Yes
        );
        assert!(matches!(
            answer_of(&json!({"action": "accept", "content": {"confirm": false}})),
            Answer::No(_)
        ));
        assert!(matches!(
            answer_of(&json!({"action": "decline"})),
            Answer::No(_)
        ));
        assert!(matches!(
            answer_of(&json!({"action": "cancel"})),
            Answer::No(_)
        ));
        assert!(matches!(answer_of(&json!("yes")), Answer::Unasked(_)));
    }
}
