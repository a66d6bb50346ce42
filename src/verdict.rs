//! The judgements of a private link, as pure functions over [`Facts`].
//!
//! Each check turns the facts into a [`Verdict`]: how far the step stands, what was seen (with
//! the resource ids), and the remedy (a call of one of this server's tools with its arguments
//! where the server can make the change, otherwise the exact console step or command).
//! `get_setup_status` renders the verdicts as steps and takes its `next_action` from the first
//! open one; `diagnose_private_link` renders the same verdicts as findings. So the two never
//! disagree about the same facts.

use schemars::JsonSchema;
use serde::Serialize;

use crate::aws::ec2::{SecurityGroup, VpcEndpoint};
use crate::aws::route53;
use crate::aws::rules::Rule;
use crate::endpoint_state::{self, Phase};
use crate::error::FailedRead;
use crate::facts::{ClusterFacts, CrossRegion, Facts};
use crate::request::AccessRequest;
use crate::request::CreateEndpointRequest;
use crate::request::DnsRequest;
use crate::request::RegisterRequest;
use crate::request::ToolCall;
use crate::request::WaitRequest;
use crate::zilliz::model::{PlanSupport, plan_support};

/// How far a step stands; the words of `get_setup_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Done,
    /// In progress or waiting on someone; it gets there by itself or by waiting.
    Pending,
    Missing,
    Failed,
}

/// What to do about a verdict.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Remedy {
    /// A call of one of this server's tools (a changing one previews first).
    Tool(ToolCall),
    /// A step for the person: a console action, a command, or what to ask them.
    Step(String),
}

impl Remedy {
    fn step(text: impl Into<String>) -> Self {
        Self::Step(text.into())
    }

    /// The remedy as one line, for a finding's `fix`.
    pub(crate) fn text(&self) -> String {
        match self {
            Self::Tool(call) => call.text(),
            Self::Step(text) => text.clone(),
        }
    }
}

/// The eight steps of a setup, in order; `get_setup_status` names them as written here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SetupStep {
    ClusterReady,
    EndpointService,
    VpcEndpoint,
    ZillizRegistration,
    PrivateLinkAddress,
    HostedZone,
    AliasRecord,
    SecurityGroup,
}

impl SetupStep {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::ClusterReady => "cluster_ready",
            Self::EndpointService => "endpoint_service",
            Self::VpcEndpoint => "vpc_endpoint",
            Self::ZillizRegistration => "zilliz_registration",
            Self::PrivateLinkAddress => "private_link_address",
            Self::HostedZone => "hosted_zone",
            Self::AliasRecord => "alias_record",
            Self::SecurityGroup => "security_group",
        }
    }

    /// The name of the diagnosis's finding for the step.
    pub(crate) fn check(self) -> &'static str {
        match self {
            Self::ClusterReady => "cluster",
            Self::ZillizRegistration => "registration",
            Self::SecurityGroup => "security_group_inbound",
            other => other.name(),
        }
    }
}

/// One judgement of one step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Verdict {
    pub(crate) step: SetupStep,
    pub(crate) level: Level,
    pub(crate) detail: String,
    pub(crate) resource_ids: Vec<String>,
    /// What to do. A done step may carry one too: it works, and the remedy makes it sturdier
    /// (the diagnosis shows it as a warning).
    pub(crate) remedy: Option<Remedy>,
    /// The step cannot be judged until an earlier one is done; the diagnosis shows it as
    /// skipped rather than as a second failure of the same cause.
    pub(crate) blocked: bool,
    /// The failed reads the detail names.
    pub(crate) names: Vec<FailedRead>,
    /// The step could not be judged because a read it needs failed: the diagnosis shows it as
    /// unjudged (its report `unknown`, never `broken` for a read alone).
    pub(crate) unjudged: bool,
}

fn verdict(step: SetupStep, level: Level, detail: impl Into<String>) -> Verdict {
    Verdict {
        step,
        level,
        detail: detail.into(),
        resource_ids: Vec::new(),
        remedy: None,
        blocked: false,
        names: Vec::new(),
        unjudged: false,
    }
}

impl Verdict {
    fn ids(mut self, ids: Vec<String>) -> Self {
        self.resource_ids = ids;
        self
    }

    fn remedy(mut self, remedy: Remedy) -> Self {
        self.remedy = Some(remedy);
        self
    }

    fn blocked(step: SetupStep, needs: &str) -> Self {
        Verdict {
            blocked: true,
            ..verdict(step, Level::Missing, format!("needs {needs}"))
        }
    }

    /// A read this step needs failed and another step reports it: unknown here.
    fn unknown(step: SetupStep, what: &str) -> Self {
        Verdict {
            blocked: true,
            ..verdict(
                step,
                Level::Failed,
                format!("unknown: {what} could not be read"),
            )
        }
    }

    /// A read failed: the step is unknown, and the error says what to do.
    fn unread(step: SetupStep, error: &FailedRead) -> Self {
        Verdict {
            unjudged: true,
            ..verdict(step, Level::Failed, error.message())
        }
            .remedy(Remedy::step(
                "resolve the read error in the detail (it names the call and what it needs), then ask again",
            ))
            .naming(error)
    }

    /// Notes that the detail names `read`'s failure.
    fn naming(mut self, read: &FailedRead) -> Self {
        if !self.names.contains(read) {
            self.names.push(read.clone());
        }
        self
    }
}

/// Who connects, where the caller said so: the diagnosis's client.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct ClientView {
    pub(crate) side: crate::reach::ClientSide,
    /// How the client was given, for the detail (`instance i-… (10.0.1.5)`).
    pub(crate) described_as: String,
}

/// The eight verdicts, in the order of the setup.
pub(crate) fn judge(f: &Facts, client: Option<&ClientView>) -> Vec<Verdict> {
    let cluster = match &f.cluster {
        Ok(c) => c,
        Err(e) => {
            let mut out = vec![
                verdict(SetupStep::ClusterReady, Level::Failed, e.message())
                    .remedy(Remedy::step(
                        "check the cluster id: list_zilliz_clusters lists the clusters the API key sees",
                    ))
                    .naming(e),
            ];
            for step in [
                SetupStep::EndpointService,
                SetupStep::VpcEndpoint,
                SetupStep::ZillizRegistration,
                SetupStep::PrivateLinkAddress,
                SetupStep::HostedZone,
                SetupStep::AliasRecord,
                SetupStep::SecurityGroup,
            ] {
                out.push(Verdict::unknown(step, "the cluster"));
            }
            return out;
        }
    };
    let endpoint = f.endpoint();
    let registered = match (&f.registrations, endpoint) {
        (Ok(ids), Some(e)) => ids.contains(&e.id),
        _ => false,
    };
    let mut verdicts = vec![
        cluster_ready(&f.cluster_id, cluster),
        endpoint_service(f, cluster),
        vpc_endpoint(f, endpoint, registered),
        registration(f, cluster, endpoint),
        private_link_address(f, cluster, endpoint, registered),
        hosted_zone(f, cluster, endpoint),
        alias_record(f, cluster, endpoint),
        security_group(f, cluster, endpoint, client),
    ];
    if let Some(note) = shared_note(f, cluster) {
        let on_the_endpoint = |v: &&mut Verdict| {
            !v.blocked
                && matches!(
                    v.step,
                    SetupStep::VpcEndpoint
                        | SetupStep::ZillizRegistration
                        | SetupStep::SecurityGroup
                )
        };
        // Once a report: on the first of them still open (the one a change comes to next),
        // else on the endpoint's.
        let mut candidates: Vec<&mut Verdict> =
            verdicts.iter_mut().filter(on_the_endpoint).collect();
        let at = candidates
            .iter()
            .position(|v| v.level != Level::Done)
            .unwrap_or(0);
        if let Some(v) = candidates.get_mut(at) {
            v.detail.push_str(&note);
        }
    }
    verdicts
}

/// Where other clusters of the project (or this one from other VPCs) reach the endpoint this
/// VPC uses: each of them and how, so that a finding about the endpoint, its registration or
/// its group says that a change there reaches them too.
fn shared_note(f: &Facts, cluster: &ClusterFacts) -> Option<String> {
    let shared = f.shared_with();
    if shared.is_empty() {
        return None;
    }
    let (_, how) = crate::riders::who_and_how(&shared);
    Some(format!(
        " (shared: one private link serves every cluster of project {} in {}; this endpoint is \
         reached too by {how}, so a change to it, its registration or its group reaches them)",
        cluster.project_id, cluster.region.region_id,
    ))
}

/// The cluster's own readiness, which needs no VPC.
pub(crate) fn cluster_ready(cluster_id: &str, c: &ClusterFacts) -> Verdict {
    let status = c.status.as_deref().unwrap_or("unknown");
    let plan = c.plan.as_deref().unwrap_or("unknown");
    let running = status.eq_ignore_ascii_case("running");
    let ids = vec![cluster_id.to_string()];
    match (plan_support(c.plan.as_deref()), running) {
        (PlanSupport::No, _) => verdict(
            SetupStep::ClusterReady,
            Level::Failed,
            format!("the cluster's plan is {plan}: private links need the Enterprise plan"),
        )
        .remedy(Remedy::step(
            "upgrade the project to the Enterprise plan in the Zilliz Cloud console (Billing)",
        )),
        (_, false) => verdict(
            SetupStep::ClusterReady,
            Level::Pending,
            format!("the cluster is {status}; it must be RUNNING"),
        )
        .remedy(Remedy::step(
            "resume the cluster, or wait for it, in the Zilliz Cloud console",
        )),
        (PlanSupport::Yes, true) => verdict(
            SetupStep::ClusterReady,
            Level::Done,
            format!(
                "RUNNING on {plan} in {}, project {}",
                c.region.region_id, c.project_id
            ),
        ),
        (PlanSupport::Unknown, true) => verdict(
            SetupStep::ClusterReady,
            Level::Done,
            format!(
                "RUNNING in {}, project {}; its plan `{plan}` is not one this tool knows (private \
                 links need Enterprise: if registration is refused, check the plan in the Zilliz \
                 Cloud console)",
                c.region.region_id, c.project_id
            ),
        ),
    }
    .ids(ids)
}

/// The `region` argument of a call about the VPC: its region where it is not the cluster's.
fn vpc_region_argument(f: &Facts) -> Option<String> {
    f.cross_region
        .as_ref()
        .map(|x| x.vpc_region.aws_region.clone())
}

fn endpoint_service(f: &Facts, c: &ClusterFacts) -> Verdict {
    if let (Some(x), Ok(Some((name, _)))) = (&f.cross_region, &f.service)
        && x.offered == Some(false)
    {
        return not_offered_across(f, c, x, name);
    }
    match &f.service {
        Err(e) => Verdict::unread(SetupStep::EndpointService, e),
        Ok(None) => verdict(
            SetupStep::EndpointService,
            Level::Missing,
            format!(
                "Zilliz offers no private link endpoint service in {}",
                c.region.region_id
            ),
        )
        .remedy(Remedy::step(format!(
            "private links are not offered in {}: ask Zilliz support, or use a cluster in a region \
             that has them (get_endpoint_service tells)",
            c.region.region_id
        ))),
        Ok(Some((name, zones))) => verdict(
            SetupStep::EndpointService,
            Level::Done,
            format!(
                "{name} ({})",
                if zones.is_empty() {
                    "zones unknown".to_string()
                } else {
                    zones.join(", ")
                }
            ),
        )
        .ids(vec![name.clone()]),
    }
}

/// Across regions, the service is reached only where its provider offers it to the VPC's
/// region (AWS does not describe it there otherwise): Zilliz enables that on request.
fn not_offered_across(f: &Facts, c: &ClusterFacts, x: &CrossRegion, name: &str) -> Verdict {
    let (vpc_region, cluster_region) = (&x.vpc_region.aws_region, &c.region.aws_region);
    verdict(
        SetupStep::EndpointService,
        Level::Missing,
        format!(
            "{} is in {vpc_region} and cluster {} in {cluster_region}: AWS does not offer \
             Zilliz's service {name} to {vpc_region}, so no cross-region endpoint can reach it yet",
            f.vpc_id, f.cluster_id
        ),
    )
    .ids(vec![name.to_string()])
    .remedy(Remedy::step(format!(
        "ask the person to open a ticket with Zilliz support asking to enable cross-region \
         PrivateLink to project {} in {} from {vpc_region} (Zilliz's AWS PrivateLink guide: \
         a ticket), then call get_setup_status again; or to use a VPC in {cluster_region} that \
         {} reaches over peering or a transit gateway",
        c.project_id, c.region.region_id, f.vpc_id
    )))
}

fn vpc_endpoint(f: &Facts, endpoint: Option<&VpcEndpoint>, registered: bool) -> Verdict {
    let (service_name, zones) = match (&f.endpoints, &f.service) {
        (Err(e), _) => return Verdict::unread(SetupStep::VpcEndpoint, e),
        (Ok(_), Ok(Some((name, zones)))) => (name, zones),
        (Ok(_), _) => return Verdict::blocked(SetupStep::VpcEndpoint, "the endpoint service"),
    };
    let not_offered = f
        .cross_region
        .as_ref()
        .is_some_and(|x| x.offered == Some(false));
    if endpoint.is_none() && not_offered {
        return Verdict::blocked(
            SetupStep::VpcEndpoint,
            "Zilliz's service offered to the VPC's region",
        );
    }
    let Some(e) = endpoint else {
        if let Some(found) = served_from_another_account(f) {
            return found;
        }
        let create = create_endpoint_call(f, zones);
        if let Some(ask) = registered_elsewhere(f, &create) {
            return ask;
        }
        return verdict(
            SetupStep::VpcEndpoint,
            Level::Missing,
            format!("{} has no endpoint to {service_name}", f.vpc_id),
        )
        .remedy(Remedy::Tool(create));
    };
    let mut detail = if e.vpc_id == f.vpc_id {
        format!(
            "{} is {}: {}",
            e.id,
            e.state,
            endpoint_state::explain(&e.state)
        )
    } else {
        format!(
            "hub and spoke: {} reaches {} of {} ({}), which its private zone points at; the VPCs \
             must be routed to each other (peering or a transit gateway)",
            f.vpc_id, e.id, e.vpc_id, e.state
        )
    };
    if e.private_dns_enabled == Some(true) {
        detail.push_str("; private DNS is on, which the private zone does not need");
    }
    if let Some(wrong) = wrong_service_region(f, e) {
        return verdict(SetupStep::VpcEndpoint, Level::Failed, wrong)
            .ids(vec![e.id.clone()])
            .remedy(Remedy::step(format!(
                "delete {} in the VPC console (or remove_private_link), then create_vpc_endpoint \
                 again for cluster {}",
                e.id, f.cluster_id
            )));
    }
    let recreate = ToolCall::CreateVpcEndpoint(CreateEndpointRequest {
        vpc_id: e.vpc_id.clone(),
        subnet_ids: e.subnet_ids.clone(),
        cluster_id: Some(f.cluster_id.clone()),
        region: vpc_region_argument(f),
        ..Default::default()
    });
    let v = match endpoint_state::phase(&e.state) {
        Phase::Ready => verdict(SetupStep::VpcEndpoint, Level::Done, detail),
        // Zilliz accepts an endpoint once it is registered: register first, then wait.
        Phase::Waiting | Phase::Unknown if !registered => {
            verdict(SetupStep::VpcEndpoint, Level::Pending, detail).remedy(register(f, e))
        }
        Phase::Waiting | Phase::Unknown => {
            verdict(SetupStep::VpcEndpoint, Level::Pending, detail).remedy(wait_for(f, e))
        }
        Phase::Broken | Phase::Gone => verdict(SetupStep::VpcEndpoint, Level::Failed, detail)
            .remedy(Remedy::step(format!(
                "delete {} in the VPC console (or remove_private_link), then {}",
                e.id,
                recreate.text()
            ))),
    };
    v.ids(vec![e.id.clone()])
}

/// Where the endpoint names a service region (AWS says it for every endpoint) that is not the
/// cluster's, it reaches another region's service than Zilliz's for the cluster: why, else
/// `None`. An endpoint AWS says nothing of is not judged by it.
fn wrong_service_region(f: &Facts, e: &VpcEndpoint) -> Option<String> {
    let cluster = f.cluster.as_ref().ok()?;
    let named = e.service_region.as_deref()?;
    (named != cluster.region.aws_region).then(|| {
        format!(
            "{} reaches the service in {named}, but cluster {} is in {}: its connections go to \
             another region's service",
            e.id, f.cluster_id, cluster.region.aws_region
        )
    })
}

fn registration(f: &Facts, c: &ClusterFacts, endpoint: Option<&VpcEndpoint>) -> Verdict {
    match (&f.registrations, endpoint) {
        (Err(e), _) => Verdict::unread(SetupStep::ZillizRegistration, e),
        (Ok(_), None) => Verdict::blocked(SetupStep::ZillizRegistration, "a VPC endpoint"),
        (Ok(ids), Some(e)) if ids.contains(&e.id) => verdict(
            SetupStep::ZillizRegistration,
            Level::Done,
            format!(
                "{} is registered with project {} in {}",
                e.id, c.project_id, c.region.region_id
            ),
        )
        .ids(vec![e.id.clone()]),
        (Ok(_), Some(e)) => verdict(
            SetupStep::ZillizRegistration,
            Level::Missing,
            format!(
                "{} is not registered with project {} in {}: Zilliz does not accept its connections",
                e.id, c.project_id, c.region.region_id
            ),
        )
        .remedy(register(f, e)),
    }
}

fn private_link_address(
    f: &Facts,
    c: &ClusterFacts,
    endpoint: Option<&VpcEndpoint>,
    registered: bool,
) -> Verdict {
    match (&c.address, endpoint) {
        (Some(a), _) => verdict(
            SetupStep::PrivateLinkAddress,
            Level::Done,
            format!("https://{}:{}", a.host, a.port),
        )
        .ids(vec![a.host.clone()]),
        (None, Some(e)) if registered => verdict(
            SetupStep::PrivateLinkAddress,
            Level::Pending,
            "Zilliz has not allocated the address yet; it follows registration within minutes",
        )
        .remedy(wait_for(f, e)),
        (None, _) => Verdict::blocked(SetupStep::PrivateLinkAddress, "a registered VPC endpoint"),
    }
}

fn register(f: &Facts, e: &VpcEndpoint) -> Remedy {
    Remedy::Tool(ToolCall::RegisterEndpoint(RegisterRequest {
        endpoint_id: e.id.clone(),
        cluster_id: Some(f.cluster_id.clone()),
        region: vpc_region_argument(f),
        ..Default::default()
    }))
}

/// A VPC whose zone for the host belongs to another account (a landing zone's network
/// account) reaches that account's endpoint, which this account cannot read: the person is
/// asked, never a second endpoint proposed.
fn served_from_another_account(f: &Facts) -> Option<Verdict> {
    let Some(owner) = f.zone_owner.as_ref() else {
        return served_through_anothers_profile(f);
    };
    let zone = f.zone.as_ref().ok()?.as_ref()?;
    Some(
        verdict(
            SetupStep::VpcEndpoint,
            Level::Missing,
            format!(
                "{} has no endpoint of its own: it resolves {} through private zone {} of \
                 account {owner}, which keeps the endpoint it reaches (a landing zone's network \
                 account); that account's endpoint, registration and zone are read with its own \
                 credentials",
                f.vpc_id, zone.name, zone.id
            ),
        )
        .ids(vec![zone.id.clone()])
        .remedy(Remedy::step(format!(
            "ask the person for an AWS profile of account {owner} and judge its side there \
             (diagnose_private_link with that profile, for the VPC of its endpoint); more \
             workload VPCs are tied to its zone by setup_private_dns with endpoint_profile. \
             Create no second endpoint in {} unless the person says no hub serves it",
            f.vpc_id
        ))),
    )
}

/// The endpoint to create for the VPC, in the subnets of the zones the service is offered in.
fn create_endpoint_call(f: &Facts, zones: &[String]) -> ToolCall {
    let subnet_ids: Vec<String> = match &f.subnets {
        Ok(subnets) => {
            let offered = (!zones.is_empty()).then_some(zones);
            crate::service::choose_subnets(subnets.clone(), offered)
                .0
                .into_iter()
                .map(|s| s.id)
                .collect()
        }
        Err(_) => Vec::new(),
    };
    ToolCall::CreateVpcEndpoint(CreateEndpointRequest {
        vpc_id: f.vpc_id.clone(),
        subnet_ids,
        cluster_id: Some(f.cluster_id.clone()),
        region: vpc_region_argument(f),
        ..Default::default()
    })
}

/// A VPC without an endpoint in an account with none to Zilliz's service, while the project
/// has endpoints registered in the region: one may be a landing zone's hub in another account
/// that serves this VPC. The person is asked before a second endpoint is made.
fn registered_elsewhere(f: &Facts, create: &ToolCall) -> Option<Verdict> {
    if f.account_has_endpoint != Some(false) {
        return None;
    }
    let registered = f.registrations.as_ref().ok().filter(|r| !r.is_empty())?;
    let region = f
        .cluster
        .as_ref()
        .map(|c| c.region.region_id.clone())
        .unwrap_or_default();
    Some(
        verdict(
            SetupStep::VpcEndpoint,
            Level::Missing,
            format!(
                "{} has no endpoint, and this account none to Zilliz's service in its region, \
                 yet the project has endpoint(s) {} registered in {region}: another account's \
                 (a landing zone's hub), or this account's in another region",
                f.vpc_id,
                registered.join(", ")
            ),
        )
        .ids(registered.clone())
        .remedy(Remedy::step(format!(
            "ask the person whether one of {} is a hub of another account that serves {} \
             (over a transit gateway or peering); if so, ask for that account's AWS profile \
             and call setup_private_dns for {} with that endpoint_id and the profile as \
             endpoint_profile; if none does, {}",
            registered.join(", "),
            f.vpc_id,
            f.vpc_id,
            create.text()
        ))),
    )
}

/// A VPC whose Route 53 Profile, owned by another account, brings zones this account cannot
/// read: one may be that account's zone for the host, pointing at its endpoint (a landing
/// zone's hub shared through the Profile). The person is asked before a second endpoint.
fn served_through_anothers_profile(f: &Facts) -> Option<Verdict> {
    let Ok(brought) = &f.profiles else {
        return None;
    };
    let hidden = brought.hidden_zones();
    let first = hidden.first()?;
    let owner = first
        .resource
        .owner_id
        .as_deref()
        .map_or("the Profile's owner".to_string(), |o| {
            format!("account {o}")
        });
    let zones: Vec<&str> = hidden
        .iter()
        .map(|z| z.resource.resource_id.as_str())
        .collect();
    Some(
        verdict(
            SetupStep::VpcEndpoint,
            Level::Missing,
            format!(
                "{} has no endpoint of its own, and takes its DNS from {}, which brings \
                 zone(s) {} this account cannot read: one may point at an endpoint of {owner} \
                 (a landing zone's hub)",
                f.vpc_id,
                first.resource.origin(),
                zones.join(", ")
            ),
        )
        .ids(zones.iter().map(|z| z.to_string()).collect())
        .remedy(Remedy::step(format!(
            "ask the person whether a hub endpoint of {owner} serves {} through that Profile; \
             if so, ask for an AWS profile of that account and call get_setup_status with it \
             as endpoint_profile (its side is read there, the zone and the endpoint among it). \
             Create no second endpoint in {} unless the person says no hub serves it",
            f.vpc_id, f.vpc_id
        ))),
    )
}

fn wait_for(f: &Facts, e: &VpcEndpoint) -> Remedy {
    Remedy::Tool(ToolCall::WaitForEndpoint(WaitRequest {
        endpoint_id: e.id.clone(),
        region: vpc_region_argument(f),
        ..Default::default()
    }))
}

fn dns_remedy(f: &Facts, endpoint: Option<&VpcEndpoint>) -> Remedy {
    Remedy::Tool(ToolCall::SetupPrivateDns(DnsRequest {
        cluster_id: f.cluster_id.clone(),
        vpc_id: f.vpc_id.clone(),
        endpoint_id: endpoint.map(|e| e.id.clone()),
        region: vpc_region_argument(f),
        ..Default::default()
    }))
}

fn hosted_zone(f: &Facts, c: &ClusterFacts, endpoint: Option<&VpcEndpoint>) -> Verdict {
    let Some(address) = &c.address else {
        return Verdict::blocked(SetupStep::HostedZone, "the private link address");
    };
    let host = &address.host;
    match &f.zone {
        Err(e) => Verdict::unread(SetupStep::HostedZone, e),
        Ok(Some(zone)) if f.answered_by_wildcard.is_some() => {
            wildcard_zone(f, zone, host, endpoint)
        }
        Ok(Some(zone)) => verdict(
            SetupStep::HostedZone,
            Level::Done,
            match &f.zone_reached_by {
                None => format!("private zone {} ({host}) is tied to {}", zone.id, f.vpc_id),
                Some(via) => format!(
                    "private zone {} ({}) answers for {host} in {}, {via}",
                    zone.id, zone.name, f.vpc_id
                ),
            },
        )
        .ids(vec![zone.id.clone()]),
        Ok(None) => {
            let detail = match f.other_vpcs_host_zones.first() {
                Some((id, vpcs)) => format!(
                    "no private zone `{host}` is tied to {}; zone {id} of that name is tied to {}",
                    f.vpc_id,
                    if vpcs.is_empty() {
                        "no VPC".to_string()
                    } else {
                        vpcs.join(", ")
                    }
                ),
                None => format!("no private zone `{host}` is tied to {}", f.vpc_id),
            };
            let v = verdict(SetupStep::HostedZone, Level::Missing, detail);
            // A local zone named for the host would shadow a Profile's zone that serves it:
            // where the Profiles cannot be read, or bring zones this account cannot name, the
            // person finds out first.
            if let Some(unknown) = profiles_unknown(f) {
                let v = match &f.profiles {
                    Err(e) => v.naming(e),
                    Ok(_) => v,
                };
                return Verdict {
                    detail: format!("{}; {unknown}", v.detail),
                    ..v
                }
                .remedy(Remedy::step(format!(
                    "{unknown}: ask the account that owns the VPC's Route 53 Profile whether a \
                     zone it brings answers for {host}; only if none does, run \
                     {}",
                    dns_remedy(f, endpoint).text()
                )));
            }
            // Tying this VPC to another VPC's zone makes it resolve to that VPC's endpoint:
            // right only for hub and spoke, which setup_private_dns checks.
            match (endpoint, f.other_vpcs_host_zones.first()) {
                (Some(e), _) => v.remedy(dns_remedy(f, Some(e))),
                (None, Some((_, vpcs))) => v.remedy(Remedy::step(format!(
                    "where {} reaches the endpoint of {} over peering or a transit gateway, call \
                     setup_private_dns with that endpoint's id as endpoint_id (it ties {} to the \
                     zone and changes no record); otherwise create an endpoint first with \
                     create_vpc_endpoint",
                    f.vpc_id,
                    vpcs.join(", "),
                    f.vpc_id
                ))),
                (None, None) => v.remedy(Remedy::step(
                    "create the VPC endpoint first (create_vpc_endpoint), then setup_private_dns",
                )),
            }
        }
    }
}

/// A parent zone's wildcard answers for the host with the endpoint: it works, and it answers
/// for every other name under it too (the public names of the project's clusters, clusters of
/// projects the endpoint is not registered with), which then reach this endpoint. Done, with a
/// zone of the host's own as the sturdier way (shown as a warning).
fn wildcard_zone(
    f: &Facts,
    zone: &crate::aws::route53::Zone,
    host: &str,
    endpoint: Option<&VpcEndpoint>,
) -> Verdict {
    let wildcard = f.answered_by_wildcard.as_deref().unwrap_or_default();
    let domain = wildcard.trim_start_matches("*.");
    let public: Vec<String> = f
        .riding
        .as_ref()
        .map(|r| r.public_hosts_under(domain))
        .unwrap_or_default();
    let named = if public.is_empty() {
        String::new()
    } else {
        let shown: Vec<&str> = public.iter().take(3).map(String::as_str).collect();
        format!(
            " such as the public address{} {}{},",
            if public.len() > 1 { "es" } else { "" },
            shown.join(", "),
            if public.len() > 3 { " and more" } else { "" }
        )
    };
    verdict(
        SetupStep::HostedZone,
        Level::Done,
        format!(
            "private zone {} ({}) answers for {host} in {} through its wildcard record \
             {wildcard}, which names the endpoint{}. The wildcard also answers for every other \
             name under {domain} there:{named} and the private link names of clusters of other \
             projects, which inside {} then reach {} instead of their own endpoint",
            zone.id,
            zone.name,
            f.vpc_id,
            endpoint.map(|e| format!(" {}", e.id)).unwrap_or_default(),
            f.vpc_id,
            endpoint.map_or("this endpoint", |e| e.id.as_str()),
        ),
    )
    .ids(vec![zone.id.clone()])
    .remedy(dns_remedy(f, endpoint))
}

/// What keeps this server from telling whether a Route 53 Profile serves the host: the
/// Profiles could not be read, or they bring zones whose names and records this account
/// cannot read.
fn profiles_unknown(f: &Facts) -> Option<String> {
    match &f.profiles {
        Err(e) => Some(format!(
            "the VPC's Route 53 Profiles could not be read ({e})"
        )),
        Ok(brought) => {
            let hidden: Vec<String> = brought
                .hidden_zones()
                .iter()
                .map(|z| format!("{} ({})", z.resource.resource_id, z.resource.origin()))
                .collect();
            (!hidden.is_empty()).then(|| {
                format!(
                    "zone(s) {} reach {} through a Profile, and this account can read neither \
                     their names nor their records",
                    hidden.join(", "),
                    f.vpc_id
                )
            })
        }
    }
}

/// The record to write in a zone a Route 53 Profile brings: only the Profile's owner can,
/// and a local zone would shadow theirs, so the remedy is the exact change for them.
pub(crate) fn profile_record_remedy(
    f: &Facts,
    zone: &route53::Zone,
    host: &str,
    endpoint: Option<&VpcEndpoint>,
) -> Option<Remedy> {
    let resource = f.zone_profile.as_ref()?;
    let target = endpoint
        .and_then(VpcEndpoint::regional_dns_entry)
        .map(|(n, z)| (route53::bare_name(n), z.unwrap_or_default().to_string()));
    let change = match &target {
        Some((name, zone_id)) => format!(
            "aws route53 change-resource-record-sets --hosted-zone-id {} --change-batch \
             '{{\"Changes\":[{{\"Action\":\"UPSERT\",\"ResourceRecordSet\":{{\"Name\":\"{host}\",\
             \"Type\":\"A\",\"AliasTarget\":{{\"HostedZoneId\":\"{zone_id}\",\"DNSName\":\
             \"{name}\",\"EvaluateTargetHealth\":false}}}}}}]}}'",
            zone.id
        ),
        None => format!(
            "an alias A record at {host} to the regional DNS name of the endpoint {} uses",
            f.vpc_id
        ),
    };
    Some(Remedy::step(format!(
        "zone {} comes with {}: in account {}, which owns it, write {change}; a zone of this \
         account would shadow the Profile's for every VPC that shares it",
        zone.id,
        resource.origin(),
        resource
            .owner_id
            .as_deref()
            .unwrap_or("<the Profile's owner>"),
    )))
}

fn alias_record(f: &Facts, c: &ClusterFacts, endpoint: Option<&VpcEndpoint>) -> Verdict {
    let Some(address) = &c.address else {
        return Verdict::blocked(SetupStep::AliasRecord, "the private link address");
    };
    let host = &address.host;
    let zone = match &f.zone {
        Err(_) => {
            return Verdict::unknown(SetupStep::AliasRecord, "the private zones");
        }
        Ok(None) => return Verdict::blocked(SetupStep::AliasRecord, "the private zone"),
        Ok(Some(zone)) => zone,
    };
    let wanted = endpoint
        .and_then(VpcEndpoint::regional_dns_entry)
        .map(|(n, z)| (route53::bare_name(n), z.unwrap_or_default().to_string()));
    if let Some(hidden) = &f.record_hidden {
        return verdict(
            SetupStep::AliasRecord,
            Level::Done,
            format!(
                "{hidden}: what it answers for {host} is judged by the probes from inside the VPC \
                 (dns_resolution), not here"
            ),
        )
        .ids(vec![zone.id.clone()]);
    }
    let fix =
        profile_record_remedy(f, zone, host, endpoint).unwrap_or_else(|| dns_remedy(f, endpoint));
    let record = match &f.record {
        Err(e) => return Verdict::unread(SetupStep::AliasRecord, e),
        Ok(None) => {
            return verdict(
                SetupStep::AliasRecord,
                Level::Missing,
                format!("zone {} has no A record at {host}", zone.id),
            )
            .remedy(fix);
        }
        Ok(Some(record)) => record,
    };
    // A parent zone may answer with a CNAME: right where it names one of the endpoint's own
    // DNS names.
    if *record.as_read.r#type() == aws_sdk_route53::types::RrType::Cname {
        let target = record
            .addresses
            .first()
            .map(|t| route53::bare_name(t))
            .unwrap_or_default();
        let names: Vec<String> = endpoint
            .map(|e| {
                e.dns_entries
                    .iter()
                    .map(|(n, _)| route53::bare_name(n))
                    .collect()
            })
            .unwrap_or_default();
        return if names.contains(&target) {
            verdict(
                SetupStep::AliasRecord,
                Level::Done,
                format!("{host} is a CNAME to {target}, one of the endpoint's names"),
            )
            .ids(vec![target])
        } else {
            verdict(
                SetupStep::AliasRecord,
                Level::Failed,
                format!(
                    "{host} is a CNAME to {target} in zone {}, not to one of the endpoint's names: \
                     {} resolves the host to addresses it should not use",
                    zone.id, f.vpc_id
                ),
            )
            .ids(vec![target])
            .remedy(fix.clone())
        };
    }
    match (&record.alias_target, wanted) {
        (Some(t), Some(w)) if *t == w => verdict(
            SetupStep::AliasRecord,
            Level::Done,
            format!("{host} is an alias to {}", t.0),
        )
        .ids(vec![t.0.clone()]),
        (Some(t), Some(w)) => verdict(
            SetupStep::AliasRecord,
            Level::Failed,
            format!(
                "{host} is an alias to {} (zone {}), not to the endpoint's {} (zone {}): {} \
                 resolves the host to addresses it should not use",
                t.0, t.1, w.0, w.1, f.vpc_id
            ),
        )
        .ids(vec![t.0.clone()])
        .remedy(fix.clone()),
        (Some(t), None) => verdict(
            SetupStep::AliasRecord,
            Level::Failed,
            format!(
                "{host} is an alias to {}, but {} has no endpoint to Zilliz and that name is no \
                 live endpoint's",
                t.0, f.vpc_id
            ),
        )
        .ids(vec![t.0.clone()])
        .remedy(Remedy::step(format!(
            "create an endpoint with create_vpc_endpoint for {}, or, where {} reaches another \
             VPC's endpoint, run setup_private_dns with that endpoint_id",
            f.vpc_id, f.vpc_id
        ))),
        (None, _) => plain_a_record(f, zone, host, &record.addresses, fix),
    }
}

/// A plain A record is judged by what it answers: the endpoint's current addresses work
/// (until the endpoint's interfaces change: the alias follows them, the record does not);
/// any other address sends the client where no endpoint of this VPC listens.
fn plain_a_record(
    f: &Facts,
    zone: &route53::Zone,
    host: &str,
    addresses: &[String],
    fix: Remedy,
) -> Verdict {
    let current = &f.endpoint_addresses;
    let stale: Vec<&String> = addresses
        .iter()
        .filter(|a| {
            a.parse::<std::net::IpAddr>()
                .map_or(true, |ip| !current.contains(&ip))
        })
        .collect();
    let listed = addresses.join(", ");
    if current.is_empty() {
        return verdict(
            SetupStep::AliasRecord,
            Level::Failed,
            format!(
                "{host} is a plain A record ({listed}) in zone {}, and the endpoint's own \
                 addresses are not known to compare it with",
                zone.id
            ),
        )
        .remedy(fix.clone());
    }
    let endpoint_addresses = current
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if stale.is_empty() && !addresses.is_empty() {
        verdict(
            SetupStep::AliasRecord,
            Level::Done,
            format!(
                "{host} is a plain A record ({listed}) in zone {}: those are the endpoint's \
                 current addresses, so it answers right today, but it breaks when the endpoint's \
                 interfaces change (an alias to the endpoint follows them)",
                zone.id
            ),
        )
        .ids(vec![zone.id.clone()])
        .remedy(fix.clone())
    } else {
        verdict(
            SetupStep::AliasRecord,
            Level::Failed,
            format!(
                "{host} is a plain A record in zone {} holding {}, which {} not among the \
                 endpoint's addresses ({endpoint_addresses}): clients are sent where no endpoint \
                 of {} listens",
                zone.id,
                stale
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                if stale.len() == 1 { "is" } else { "are" },
                f.vpc_id
            ),
        )
        .ids(vec![zone.id.clone()])
        .remedy(fix.clone())
    }
}

fn security_group(
    f: &Facts,
    c: &ClusterFacts,
    endpoint: Option<&VpcEndpoint>,
    client: Option<&ClientView>,
) -> Verdict {
    let Some(e) = endpoint else {
        return Verdict::blocked(SetupStep::SecurityGroup, "a VPC endpoint");
    };
    let Some(port) = c.address.as_ref().map(|a| a.port) else {
        return Verdict {
            blocked: true,
            ..verdict(
                SetupStep::SecurityGroup,
                Level::Pending,
                "the rule on the private link's port comes with allow_client_access once Zilliz \
                 has allocated the address (the port is known only then)",
            )
        };
    };
    let groups = match &f.endpoint_groups {
        Err(err) => return Verdict::unread(SetupStep::SecurityGroup, err),
        Ok(groups) => groups,
    };
    let endpoint_group = e.security_group_ids.first().cloned().unwrap_or_default();
    let mut access = AccessRequest {
        cluster_id: Some(f.cluster_id.clone()),
        endpoint_security_group_id: endpoint_group,
        region: vpc_region_argument(f),
        ..Default::default()
    };
    match client {
        None => {
            let allowing: Vec<(&SecurityGroup, &Rule)> = groups
                .iter()
                .flat_map(|g| g.inbound.iter().map(move |r| (g, r)))
                .filter(|(_, r)| r.admits_tcp(port))
                .collect();
            if allowing.is_empty() {
                if let Ok(vpc) = &f.vpc
                    && let Some(cidr) = vpc.cidr_blocks.first()
                {
                    access.source_cidr = Some(cidr.clone());
                }
                verdict(
                    SetupStep::SecurityGroup,
                    Level::Missing,
                    format!(
                        "no security group of {} ({}) allows tcp {port} in: connections time out",
                        e.id,
                        e.security_group_ids.join(", ")
                    ),
                )
                .ids(e.security_group_ids.clone())
                .remedy(Remedy::Tool(ToolCall::AllowClientAccess(access)))
            } else {
                verdict(
                    SetupStep::SecurityGroup,
                    Level::Done,
                    format!(
                        "tcp {port} is allowed in ({})",
                        allowing
                            .iter()
                            .map(|(g, r)| format!("{}: {}", g.id, r.summary("from")))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                )
                .ids(allowing.iter().map(|(g, _)| g.id.clone()).collect())
            }
        }
        Some(client) => {
            use crate::reach::{self, GroupVerdict};
            let who = &client.described_as;
            match reach::inbound(groups, port, &client.side) {
                GroupVerdict::Allowed { group_id, rule } => verdict(
                    SetupStep::SecurityGroup,
                    Level::Done,
                    format!(
                        "{group_id} allows {rule}, which covers {who}{}",
                        other_clusters_ports(f, groups, port, client).unwrap_or_default()
                    ),
                )
                .ids(vec![group_id]),
                GroupVerdict::Unknown { group_id, rule } => verdict(
                    SetupStep::SecurityGroup,
                    Level::Pending,
                    format!(
                        "only `{rule}` on {group_id} might let {who} in; the entries of that \
                         prefix list could not be read (ec2:GetManagedPrefixListEntries)"
                    ),
                )
                .ids(vec![group_id.clone()])
                .remedy(Remedy::step(format!(
                    "check that the prefix list in `{rule}` holds {who}'s addresses (VPC console, \
                     Managed prefix lists), or add a rule for them with allow_client_access"
                ))),
                GroupVerdict::Denied => {
                    match (client.side.group_ids.first(), client.side.network) {
                        (Some(g), _) => access.source_security_group_id = Some(g.clone()),
                        (None, Some(n)) => access.source_cidr = Some(n.to_string()),
                        _ => {}
                    }
                    verdict(
                        SetupStep::SecurityGroup,
                        Level::Missing,
                        format!(
                            "no rule of {} ({}) allows tcp {port} from {who}: connections time out",
                            e.id,
                            e.security_group_ids.join(", ")
                        ),
                    )
                    .ids(e.security_group_ids.clone())
                    .remedy(Remedy::Tool(ToolCall::AllowClientAccess(access)))
                }
            }
        }
    }
}

/// The other clusters riding the endpoint, on ports of their own, that the client is not let
/// in on: each cluster has its own port, so a client of one is not yet a client of another.
fn other_clusters_ports(
    f: &Facts,
    groups: &[SecurityGroup],
    port: u16,
    client: &ClientView,
) -> Option<String> {
    let riding = f.riding.as_ref().ok()?;
    let mut riders: Vec<String> = f
        .shared_with()
        .into_iter()
        .map(|r| r.cluster_id)
        .filter(|id| *id != f.cluster_id)
        .collect();
    riders.sort();
    riders.dedup();
    let shut: Vec<(String, u16)> = riders
        .into_iter()
        .filter_map(|id| {
            let their = riding.clusters.iter().find(|c| c.id == id)?.port?;
            let open = their == port
                || matches!(
                    crate::reach::inbound(groups, their, &client.side),
                    crate::reach::GroupVerdict::Allowed { .. }
                );
            (!open).then_some((id, their))
        })
        .collect();
    if shut.is_empty() {
        return None;
    }
    let named: Vec<String> = shut
        .iter()
        .map(|(id, p)| format!("{id} (tcp {p})"))
        .collect();
    let ids: Vec<String> = std::iter::once(f.cluster_id.clone())
        .chain(shut.into_iter().map(|(id, _)| id))
        .collect();
    Some(format!(
        "; not on the port of {}, which ride this endpoint too: allow_client_access with \
         cluster_ids {ids:?} lets {} in on each cluster's port",
        named.join(", "),
        client.described_as
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::route53::{ARecord, Zone};
    use crate::aws::rules::Peer;
    use crate::facts::fixtures::*;

    /// The `vpc_endpoint` verdict of `f`.
    fn vpc_endpoint_step(f: &Facts) -> Verdict {
        judge(f, None)
            .into_iter()
            .find(|v| v.step == SetupStep::VpcEndpoint)
            .expect("a vpc_endpoint verdict")
    }

    #[test]
    fn a_vpc_served_by_another_accounts_zone_is_asked_about_never_given_a_second_endpoint() {
        let mut f = with_address(nothing());
        f.zone = Ok(Some(Zone {
            id: "ZHUB".into(),
            name: HOST.into(),
        }));
        let endpoint = vpc_endpoint_step(&f);
        assert!(matches!(
            endpoint.remedy,
            Some(Remedy::Tool(ToolCall::CreateVpcEndpoint(_)))
        ));
        f.zone_owner = Some("222222222222".into());
        let endpoint = vpc_endpoint_step(&f);
        assert_eq!(endpoint.level, Level::Missing);
        let Some(Remedy::Step(ask)) = &endpoint.remedy else {
            panic!("the person's part: {:?}", endpoint.remedy)
        };
        assert!(ask.contains("account 222222222222") && ask.contains("no second endpoint"));
        assert!(endpoint.detail.contains("ZHUB"));
    }

    #[test]
    fn a_vpc_in_an_account_without_endpoints_of_a_project_registered_elsewhere_is_asked_about() {
        let mut f = with_address(nothing());
        f.registrations = Ok(vec!["vpce-hub".into()]);
        // Not known whether the account has one: the usual proposal.
        assert!(matches!(
            vpc_endpoint_step(&f).remedy,
            Some(Remedy::Tool(ToolCall::CreateVpcEndpoint(_)))
        ));
        // The account has one elsewhere (a hub of its own may serve): the usual proposal.
        f.account_has_endpoint = Some(true);
        assert!(matches!(
            vpc_endpoint_step(&f).remedy,
            Some(Remedy::Tool(ToolCall::CreateVpcEndpoint(_)))
        ));
        // None in the account, one registered: the person is asked, the endpoint to make
        // named for the answer "none".
        f.account_has_endpoint = Some(false);
        let asked = vpc_endpoint_step(&f);
        let Some(Remedy::Step(ask)) = &asked.remedy else {
            panic!("the person's part: {:?}", asked.remedy)
        };
        assert!(
            ask.contains("vpce-hub")
                && ask.contains("endpoint_profile")
                && ask.contains("create_vpc_endpoint"),
            "{ask}"
        );
        // Nothing registered: nobody else's endpoint to ask about.
        f.registrations = Ok(Vec::new());
        assert!(matches!(
            vpc_endpoint_step(&f).remedy,
            Some(Remedy::Tool(ToolCall::CreateVpcEndpoint(_)))
        ));
    }

    #[test]
    fn a_vpc_whose_profile_brings_another_accounts_unread_zones_is_asked_about_first() {
        use crate::aws::profiles::{Brought, ProfileZone};
        let mut f = with_address(nothing());
        let resource = network_profile_zone();
        let mut brought = Brought::default();
        brought.zones = vec![ProfileZone {
            resource,
            name: None,
            records: Err(crate::error::FailedRead::not_made("NoSuchHostedZone")),
        }];
        f.profiles = Ok(brought.clone());
        let endpoint = vpc_endpoint_step(&f);
        let Some(Remedy::Step(ask)) = &endpoint.remedy else {
            panic!("the person's part: {:?}", endpoint.remedy)
        };
        assert!(
            ask.contains("account 222222222222") && ask.contains("endpoint_profile"),
            "{ask}"
        );
        assert!(endpoint.detail.contains("Route 53 Profile rp-network"));
        // Once the zone is read (its name known), it is judged, not asked about.
        brought.zones[0].name = Some("other.example.com".into());
        f.profiles = Ok(brought);
        let endpoint = vpc_endpoint_step(&f);
        assert!(matches!(
            endpoint.remedy,
            Some(Remedy::Tool(ToolCall::CreateVpcEndpoint(_)))
        ));
    }

    /// Facts at many points of a setup and of its breakages.
    fn variations() -> Vec<Facts> {
        let mut all = vec![nothing(), with_address(nothing())];
        for state in [
            "available",
            "pendingAcceptance",
            "pending",
            "rejected",
            "deleted",
            "weird",
        ] {
            for registered in [false, true] {
                let mut f = with_address(nothing());
                f.endpoints = Ok(vec![endpoint(state)]);
                if registered {
                    f.registrations = Ok(vec!["vpce-11111111".into()]);
                }
                all.push(f.clone());
                let mut no_address = f.clone();
                if let Ok(c) = &mut no_address.cluster {
                    c.address = None;
                }
                all.push(no_address);
                f.zone = Ok(Some(Zone {
                    id: "Z1".into(),
                    name: HOST.into(),
                }));
                all.push(f.clone());
                for record in [
                    ARecord::alias(
                        HOST,
                        (
                            "vpce-11111111-x.vpce-svc.us-west-2.vpce.amazonaws.com",
                            "Z1",
                        ),
                    ),
                    ARecord::alias(HOST, ("elsewhere.example.com", "Z9")),
                ] {
                    let mut g = f.clone();
                    g.record = Ok(Some(record));
                    all.push(g.clone());
                    g.endpoint_groups = Ok(vec![group(vec![Rule::new(
                        "tcp",
                        Some((19531, 19531)),
                        Peer::Cidr("10.0.0.0/16".parse().unwrap()),
                    )])]);
                    all.push(g);
                }
            }
        }
        let mut errors = with_address(nothing());
        errors.service = Err("denied".into());
        all.push(errors.clone());
        errors.service = Ok(None);
        all.push(errors);
        let mut reads = with_address(nothing());
        reads.endpoints = Ok(vec![endpoint("available")]);
        reads.registrations = Err("denied".into());
        reads.zone = Err("denied".into());
        reads.endpoint_groups = Err("denied".into());
        all.push(reads);
        for (status, plan) in [
            ("SUSPENDED", "Enterprise"),
            ("RUNNING", "Standard"),
            ("RUNNING", "Platinum"),
        ] {
            let mut f = nothing();
            if let Ok(c) = &mut f.cluster {
                c.status = Some(status.into());
                c.plan = Some(plan.into());
            }
            all.push(f);
        }
        let mut gone = nothing();
        gone.cluster = Err("cluster not found".into());
        all.push(gone);
        let mut elsewhere = with_address(nothing());
        elsewhere.other_vpcs_host_zones = vec![("Z9".into(), vec!["vpc-99999999".into()])];
        all.push(elsewhere);
        all
    }

    #[test]
    fn every_open_verdict_says_what_to_do() {
        let client = ClientView {
            side: crate::reach::ClientSide {
                group_ids: vec!["sg-22222222".into()],
                network: None,
                within: vec![],
            },
            described_as: "the client (group(s) sg-22222222)".into(),
        };
        for facts in variations() {
            for client in [None, Some(&client)] {
                let verdicts = judge(&facts, client);
                assert_eq!(verdicts.len(), 8);
                for v in verdicts {
                    if v.level != Level::Done && !v.blocked {
                        assert!(v.remedy.is_some(), "{v:?} for {facts:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn an_unregistered_endpoint_waiting_for_acceptance_is_registered_first() {
        let mut f = with_address(nothing());
        f.endpoints = Ok(vec![endpoint("pendingAcceptance")]);
        let v = &judge(&f, None)[2];
        assert_eq!(v.level, Level::Pending);
        assert!(
            matches!(&v.remedy, Some(Remedy::Tool(call)) if call.tool() == "register_endpoint")
        );
        f.registrations = Ok(vec!["vpce-11111111".into()]);
        let v = &judge(&f, None)[2];
        assert!(
            matches!(&v.remedy, Some(Remedy::Tool(call)) if call.tool() == "wait_for_endpoint")
        );
    }

    #[test]
    fn a_missing_endpoint_is_proposed_with_real_subnets() {
        let v = &judge(&nothing(), None)[2];
        let Some(Remedy::Tool(call)) = &v.remedy else {
            panic!("{v:?}")
        };
        let (tool, arguments) = (call.tool(), call.arguments());
        assert_eq!(tool, "create_vpc_endpoint");
        assert_eq!(
            arguments["subnet_ids"],
            serde_json::json!(["subnet-aaaaaaaa", "subnet-bbbbbbbb"])
        );
    }

    #[test]
    fn a_parent_zones_cname_counts_where_it_names_the_endpoint() {
        use aws_sdk_route53::types::{ResourceRecord, ResourceRecordSet, RrType};
        let cname = |target: &str| {
            ARecord::from_record_set(
                &ResourceRecordSet::builder()
                    .name(HOST)
                    .r#type(RrType::Cname)
                    .ttl(60)
                    .resource_records(ResourceRecord::builder().value(target).build().unwrap())
                    .build()
                    .unwrap(),
            )
        };
        let mut f = with_address(nothing());
        f.endpoints = Ok(vec![endpoint("available")]);
        f.zone = Ok(Some(Zone {
            id: "ZPARENT".into(),
            name: "vectordb.zillizcloud.com".into(),
        }));
        f.zone_reached_by =
            Some("as parent zone vectordb.zillizcloud.com holding the host's record".into());
        f.record = Ok(Some(cname(
            "vpce-11111111-x.vpce-svc.us-west-2.vpce.amazonaws.com.",
        )));
        let steps = judge(&f, None);
        assert_eq!(steps[5].level, Level::Done);
        assert!(steps[5].detail.contains("parent zone"), "{:?}", steps[5]);
        assert_eq!(steps[6].level, Level::Done, "{:?}", steps[6]);
        f.record = Ok(Some(cname("public-lb.example.com")));
        let v = &judge(&f, None)[6];
        assert_eq!(v.level, Level::Failed);
        assert!(v.detail.contains("public-lb.example.com") && v.remedy.is_some());
    }

    /// The fixture's endpoint, registered and ready, reached by in01-abc through its own zone
    /// and by in01-other through another.
    fn shared_by_another_cluster() -> Facts {
        use crate::riders::tests::{alias_to, cluster, zone};
        let mut f = with_address(nothing());
        f.endpoints = Ok(vec![endpoint("available")]);
        f.registrations = Ok(vec!["vpce-11111111".into()]);
        let mut riding = crate::riders::Riding {
            clusters: vec![cluster("in01-abc"), cluster("in01-other")],
            zones: vec![],
            profiles_unread: None,
        };
        for id in ["in01-abc", "in01-other"] {
            let host = crate::riders::tests::host(id);
            // The fixture endpoint's DNS name.
            let set = alias_to(
                &host,
                "vpce-11111111-x.vpce-svc.us-west-2.vpce.amazonaws.com.",
            );
            riding.zones.push(zone(
                &format!("Z-{id}"),
                &host,
                &["vpc-11111111"],
                vec![set],
            ));
        }
        f.riding = Ok(riding);
        f
    }

    #[test]
    fn the_endpoint_registration_and_group_name_the_other_clusters_on_them() {
        let f = shared_by_another_cluster();
        let verdicts = judge(&f, None);
        let naming: Vec<usize> = (0..verdicts.len())
            .filter(|&i| verdicts[i].detail.contains("in01-other"))
            .collect();
        // Once, on the first open step of the endpoint, its registration and its group.
        let first_open = [2, 3, 7]
            .into_iter()
            .find(|&i| verdicts[i].level != Level::Done)
            .unwrap_or(2);
        assert_eq!(naming, [first_open], "{verdicts:?}");
        let note = &verdicts[first_open].detail;
        assert!(note.contains("in01-other from vpc-11111111 through zone Z-in01-other"));
        // The cluster judged is not named as one of the others.
        assert!(!note.contains("in01-abc from"), "{note}");
        // Alone on the endpoint: nothing said.
        let mut alone = f.clone();
        if let Ok(r) = &mut alone.riding {
            r.clusters.retain(|c| c.id == "in01-abc");
        }
        assert!(
            judge(&alone, None)
                .iter()
                .all(|v| !v.detail.contains("shared"))
        );
        // Unreadable riders say nothing rather than guess.
        let mut unread = f;
        unread.riding = Err("denied".into());
        assert!(
            judge(&unread, None)
                .iter()
                .all(|v| !v.detail.contains("shared"))
        );
    }

    #[test]
    fn a_wildcard_answering_with_the_endpoint_is_done_and_warns_what_else_it_captures() {
        let mut f = shared_by_another_cluster();
        f.zone = Ok(Some(Zone {
            id: "ZPARENT".into(),
            name: "aws-us-west-2.vectordb.zillizcloud.com".into(),
        }));
        f.answered_by_wildcard = Some("*.aws-us-west-2.vectordb.zillizcloud.com".into());
        f.record = Ok(Some(ARecord::alias(
            "*.aws-us-west-2.vectordb.zillizcloud.com",
            (
                "vpce-11111111-x.vpce-svc.us-west-2.vpce.amazonaws.com",
                "Z1",
            ),
        )));
        let verdicts = judge(&f, None);
        let zone = &verdicts[5];
        assert_eq!(zone.level, Level::Done);
        assert!(
            zone.detail
                .contains("in01-other.aws-us-west-2.vectordb.zillizcloud.com")
                && zone.detail.contains("other projects"),
            "{zone:?}"
        );
        assert!(
            matches!(&zone.remedy, Some(Remedy::Tool(call)) if call.tool() == "setup_private_dns")
        );
        assert_eq!(verdicts[6].level, Level::Done, "{:?}", verdicts[6]);
    }

    fn across(offered: Option<bool>) -> Facts {
        let mut f = with_address(nothing());
        f.cross_region = Some(CrossRegion {
            vpc_region: crate::region::RegionNames::parse("us-east-1").unwrap(),
            offered,
        });
        f
    }

    #[test]
    fn a_service_not_offered_to_the_vpcs_region_is_the_persons_part_and_no_call() {
        let mut f = across(Some(false));
        f.endpoints = Ok(vec![]);
        let verdicts = judge(&f, None);
        assert_eq!(verdicts.len(), 8);
        let open: Vec<&Verdict> = verdicts
            .iter()
            .filter(|v| v.level != Level::Done && !v.blocked)
            .collect();
        assert_eq!(open[0].step, SetupStep::EndpointService, "{verdicts:?}");
        assert!(open[0].detail.contains("us-east-1") && open[0].detail.contains("us-west-2"));
        let Some(Remedy::Step(ask)) = &open[0].remedy else {
            panic!("{:?}", open[0].remedy)
        };
        assert!(
            ask.contains("Zilliz support") && ask.contains("aws-us-west-2"),
            "{ask}"
        );
    }

    #[test]
    fn across_regions_the_calls_name_the_vpcs_region_and_a_same_region_link_none() {
        for (facts, region) in [(across(Some(true)), Some("us-east-1")), (nothing(), None)] {
            let mut f = facts;
            f.endpoints = Ok(vec![]);
            let endpoint = vpc_endpoint_step(&f);
            assert_eq!(endpoint.level, Level::Missing, "{endpoint:?}");
            let Some(Remedy::Tool(ToolCall::CreateVpcEndpoint(call))) = &endpoint.remedy else {
                panic!("{:?}", endpoint.remedy)
            };
            assert_eq!(call.region.as_deref(), region);
        }
    }

    #[test]
    fn an_endpoint_to_another_regions_service_fails_and_one_to_the_clusters_passes() {
        for (named, fails) in [("us-east-1", true), ("us-west-2", false)] {
            let mut f = across(Some(true));
            let mut e = crate::facts::fixtures::endpoint("available");
            e.service_region = Some(named.into());
            f.endpoints = Ok(vec![e]);
            let endpoint = vpc_endpoint_step(&f);
            assert_eq!(
                endpoint.level == Level::Failed,
                fails,
                "{named}: {endpoint:?}"
            );
        }
    }

    #[test]
    fn a_plain_a_record_is_judged_by_the_addresses_it_answers() {
        use aws_sdk_route53::types::{ResourceRecord, ResourceRecordSet, RrType};
        let plain = |addresses: &[&str]| {
            let mut set = ResourceRecordSet::builder()
                .name(HOST)
                .r#type(RrType::A)
                .ttl(60);
            for a in addresses {
                set = set.resource_records(ResourceRecord::builder().value(*a).build().unwrap());
            }
            ARecord::from_record_set(&set.build().unwrap())
        };
        let mut f = with_address(nothing());
        f.endpoints = Ok(vec![endpoint("available")]);
        f.zone = Ok(Some(Zone {
            id: "Z1".into(),
            name: HOST.into(),
        }));
        f.endpoint_addresses = vec!["10.0.1.10".parse().unwrap(), "10.0.2.10".parse().unwrap()];
        // The endpoint's current addresses answer right: done, with the alias as advice.
        f.record = Ok(Some(plain(&["10.0.1.10", "10.0.2.10"])));
        let v = &judge(&f, None)[6];
        assert_eq!(v.level, Level::Done, "{v:?}");
        assert!(v.detail.contains("current addresses"));
        assert!(
            matches!(&v.remedy, Some(Remedy::Tool(call)) if call.tool() == "setup_private_dns")
        );
        // One of them stale: fails, naming it.
        f.record = Ok(Some(plain(&["10.0.1.10", "10.0.9.9"])));
        let v = &judge(&f, None)[6];
        assert_eq!(v.level, Level::Failed);
        assert!(v.detail.contains("10.0.9.9") && !v.detail.contains("holding 10.0.1.10"));
        // Without the endpoint's addresses there is nothing to compare with.
        f.endpoint_addresses.clear();
        f.record = Ok(Some(plain(&["10.0.1.10"])));
        assert_eq!(judge(&f, None)[6].level, Level::Failed);
    }

    #[test]
    fn with_a_client_the_security_group_is_judged_for_it() {
        let mut f = with_address(nothing());
        f.endpoints = Ok(vec![endpoint("available")]);
        f.endpoint_groups = Ok(vec![group(vec![Rule::new(
            "tcp",
            Some((19531, 19531)),
            Peer::Group("sg-33333333".into()),
        )])]);
        // Some rule lets the port in: done without a client ...
        assert_eq!(judge(&f, None)[7].level, Level::Done);
        // ... but not for a client in another group, who gets the rule proposed.
        let client = ClientView {
            side: crate::reach::ClientSide {
                group_ids: vec!["sg-22222222".into()],
                network: None,
                within: vec![],
            },
            described_as: "the client".into(),
        };
        let v = &judge(&f, Some(&client))[7];
        assert_eq!(v.level, Level::Missing);
        let Some(Remedy::Tool(call)) = &v.remedy else {
            panic!("{v:?}")
        };
        let arguments = call.arguments();
        assert_eq!(
            arguments["source_security_group_id"],
            serde_json::json!("sg-22222222")
        );
    }

    #[test]
    fn a_client_let_in_for_this_cluster_is_told_of_the_other_riders_ports() {
        let mut f = shared_by_another_cluster();
        let client_group = Peer::Group("sg-22222222".into());
        let only_ours = vec![Rule::new("tcp", Some((19531, 19531)), client_group.clone())];
        f.endpoint_groups = Ok(vec![group(only_ours.clone())]);
        let client = ClientView {
            side: crate::reach::ClientSide {
                group_ids: vec!["sg-22222222".into()],
                ..Default::default()
            },
            described_as: "group(s) sg-22222222".into(),
        };
        let v = &judge(&f, Some(&client))[7];
        assert_eq!(v.level, Level::Done, "{v:?}");
        // in01-other listens on 19530 (the fixture's), where sg-22222222 is not let in.
        assert!(
            v.detail.contains("in01-other (tcp 19530)")
                && v.detail
                    .contains(r#"cluster_ids ["in01-abc", "in01-other"]"#),
            "{}",
            v.detail
        );
        // Once the other port is open for it too, nothing is said.
        let mut both = only_ours;
        both.push(Rule::new("tcp", Some((19530, 19530)), client_group));
        f.endpoint_groups = Ok(vec![group(both)]);
        let v = &judge(&f, Some(&client))[7];
        assert!(!v.detail.contains("not on the port"), "{}", v.detail);
    }
}
