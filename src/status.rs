//! `get_setup_status`: where a private link setup stands, read from the accounts themselves
//! (never from a local file), with the next call to make.
//!
//! The reads gather [`Facts`]; [`derive`] turns them into steps with a pure function, so
//! that every combination of states is tested without a network.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};

use crate::address::PrivateLinkAddress;
use crate::app::App;
use crate::aws::ec2::{self, EndpointQuery, SecurityGroup, Subnet, VpcEndpoint};
use crate::aws::route53::{self, ARecord, Zone};
use crate::aws::rules::Rule;
use crate::discovery;
use crate::endpoint_state::{self, Phase};
use crate::error::Error;
use crate::region::RegionNames;
use crate::setup;
use crate::summary::Summary;
use crate::validate::{self, AwsId};
use crate::zilliz::model::{PlanSupport, plan_support};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Done,
    Pending,
    Missing,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Step {
    /// `cluster_ready`, `endpoint_service`, `vpc_endpoint`, `zilliz_registration`,
    /// `private_link_address`, `hosted_zone`, `alias_record` or `security_group`.
    pub step: String,
    pub status: StepStatus,
    pub detail: String,
    pub resource_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct NextAction {
    pub tool: String,
    /// The arguments, filled in from what is known; changing tools start as a preview.
    pub arguments: BTreeMap<String, Value>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SetupStatus {
    pub cluster_id: String,
    pub vpc_id: String,
    pub region_id: Option<String>,
    pub aws_region: Option<String>,
    pub steps: Vec<Step>,
    /// Every step is done.
    pub complete: bool,
    /// The call to make next; absent when complete or when the user must act first.
    pub next_action: Option<NextAction>,
}

impl Summary for SetupStatus {
    fn summary(&self) -> String {
        let mut text = if self.complete {
            format!(
                "The private link from {} to {} is complete.",
                self.vpc_id, self.cluster_id
            )
        } else {
            format!(
                "Private link setup from {} to {}:",
                self.vpc_id, self.cluster_id
            )
        };
        for step in &self.steps {
            let mark = match step.status {
                StepStatus::Done => "done",
                StepStatus::Pending => "pending",
                StepStatus::Missing => "missing",
                StepStatus::Failed => "FAILED",
            };
            text.push_str(&format!("\n- {} [{mark}]: {}", step.step, step.detail));
        }
        if let Some(next) = &self.next_action {
            text.push_str(&format!(
                "\nNext: {} {}",
                next.tool,
                serde_json::to_string(&next.arguments).unwrap_or_default()
            ));
        }
        text
    }
}

/// What the cluster read said.
#[derive(Debug, Clone)]
pub struct ClusterFacts {
    pub status: Option<String>,
    pub plan: Option<String>,
    pub project_id: String,
    pub region: RegionNames,
    pub address: Option<PrivateLinkAddress>,
}

/// Everything the status is derived from. Each read is its own `Result`, so a failed one
/// marks only the steps that need it.
#[derive(Debug, Clone)]
pub struct Facts {
    pub cluster_id: String,
    pub vpc_id: String,
    pub cluster: Result<ClusterFacts, String>,
    /// Zilliz's service name for the region and its zones (empty where unknown).
    pub service: Result<Option<(String, Vec<String>)>, String>,
    pub vpc: Result<ec2::Vpc, String>,
    pub subnets: Result<Vec<Subnet>, String>,
    /// The VPC's endpoints (to any service).
    pub endpoints: Result<Vec<VpcEndpoint>, String>,
    /// Endpoint ids registered with the project in the region.
    pub registrations: Result<Vec<String>, String>,
    /// Every private zone tied to the VPC.
    pub zones: Result<Vec<Zone>, String>,
    /// The private zone named for the host and tied to the VPC, if any.
    pub zone: Result<Option<Zone>, String>,
    pub record: Result<Option<ARecord>, String>,
    /// The security groups of the endpoint.
    pub endpoint_groups: Result<Vec<SecurityGroup>, String>,
    /// Hub and spoke: where this VPC has no endpoint of its own, the endpoint in another VPC
    /// that its zone's alias points at.
    pub hub_endpoint: Option<VpcEndpoint>,
}

fn step(name: &str, status: StepStatus, detail: impl Into<String>, ids: Vec<String>) -> Step {
    Step {
        step: name.to_string(),
        status,
        detail: detail.into(),
        resource_ids: ids,
    }
}

fn args(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// The VPC's endpoint to Zilliz's service: the live one, else any one.
pub fn zilliz_endpoint<'a>(endpoints: &'a [VpcEndpoint], service: &str) -> Option<&'a VpcEndpoint> {
    let to_service: Vec<&VpcEndpoint> = endpoints
        .iter()
        .filter(|e| e.service_name == service)
        .collect();
    to_service
        .iter()
        .find(|e| endpoint_state::is_live(&e.state))
        .or_else(|| to_service.first())
        .copied()
}

/// The eight steps, in order, and the next call.
pub fn derive(f: &Facts) -> (Vec<Step>, Option<NextAction>) {
    let mut steps = Vec::new();
    let mut next: Option<NextAction> = None;
    let mut propose = |action: NextAction| {
        if next.is_none() {
            next = Some(action);
        }
    };
    let cluster_id = json!(f.cluster_id);
    let vpc_id = json!(f.vpc_id);

    // cluster_ready
    let cluster = f.cluster.as_ref();
    match cluster {
        Err(e) => steps.push(step("cluster_ready", StepStatus::Failed, e.clone(), vec![])),
        Ok(c) => {
            let status = c.status.as_deref().unwrap_or("unknown");
            let running = status.eq_ignore_ascii_case("running");
            let plan = c.plan.as_deref().unwrap_or("unknown");
            let (s, detail) = match (plan_support(c.plan.as_deref()), running) {
                (PlanSupport::No, _) => (
                    StepStatus::Failed,
                    format!(
                        "the cluster's plan is {plan}: private links need the Enterprise plan (upgrade in the Zilliz Cloud console)"
                    ),
                ),
                (_, false) => (
                    StepStatus::Pending,
                    format!("the cluster is {status}; it must be RUNNING"),
                ),
                (PlanSupport::Yes, true) => (
                    StepStatus::Done,
                    format!(
                        "RUNNING in {}, project {}",
                        c.region.region_id, c.project_id
                    ),
                ),
                (PlanSupport::Unknown, true) => (
                    StepStatus::Done,
                    format!(
                        "RUNNING in {}, project {}; its plan `{plan}` is not one this tool knows (private links need Enterprise: if registration is refused, check the plan in the Zilliz Cloud console)",
                        c.region.region_id, c.project_id
                    ),
                ),
            };
            steps.push(step("cluster_ready", s, detail, vec![f.cluster_id.clone()]));
        }
    }
    let Ok(cluster) = cluster else {
        for name in [
            "endpoint_service",
            "vpc_endpoint",
            "zilliz_registration",
            "private_link_address",
            "hosted_zone",
            "alias_record",
            "security_group",
        ] {
            steps.push(step(
                name,
                StepStatus::Failed,
                "unknown: the cluster could not be read",
                vec![],
            ));
        }
        return (steps, None);
    };

    // endpoint_service
    let service = match &f.service {
        Err(e) => {
            steps.push(step(
                "endpoint_service",
                StepStatus::Failed,
                e.clone(),
                vec![],
            ));
            None
        }
        Ok(None) => {
            steps.push(step(
                "endpoint_service",
                StepStatus::Missing,
                format!(
                    "Zilliz offers no private link endpoint service in {}",
                    cluster.region.region_id
                ),
                vec![],
            ));
            None
        }
        Ok(Some((name, zones))) => {
            let where_ = if zones.is_empty() {
                "zones unknown".to_string()
            } else {
                zones.join(", ")
            };
            steps.push(step(
                "endpoint_service",
                StepStatus::Done,
                format!("{name} ({where_})"),
                vec![name.clone()],
            ));
            Some((name.clone(), zones.clone()))
        }
    };

    // vpc_endpoint
    let endpoint = match (&f.endpoints, &service) {
        (Err(e), _) => {
            steps.push(step("vpc_endpoint", StepStatus::Failed, e.clone(), vec![]));
            None
        }
        (Ok(_), None) => {
            steps.push(step(
                "vpc_endpoint",
                StepStatus::Missing,
                "needs the endpoint service",
                vec![],
            ));
            None
        }
        (Ok(endpoints), Some((service_name, zones))) => {
            match zilliz_endpoint(endpoints, service_name).or(f.hub_endpoint.as_ref()) {
                Some(hub) if hub.vpc_id != f.vpc_id => {
                    steps.push(step(
                        "vpc_endpoint",
                        match endpoint_state::phase(&hub.state) {
                            Phase::Ready => StepStatus::Done,
                            Phase::Waiting | Phase::Unknown => StepStatus::Pending,
                            Phase::Broken | Phase::Gone => StepStatus::Failed,
                        },
                        format!(
                            "hub and spoke: {} reaches {} of {} ({}), which its private zone \
                             points at; the VPCs must be routed to each other (peering or a \
                             transit gateway)",
                            f.vpc_id, hub.id, hub.vpc_id, hub.state
                        ),
                        vec![hub.id.clone()],
                    ));
                    Some(hub)
                }
                None => {
                    steps.push(step(
                        "vpc_endpoint",
                        StepStatus::Missing,
                        format!("{} has no endpoint to {service_name}", f.vpc_id),
                        vec![],
                    ));
                    let subnet_ids: Vec<String> = match &f.subnets {
                        Ok(subnets) => {
                            let offered = (!zones.is_empty()).then_some(zones.as_slice());
                            setup::endpoint::choose_subnets(subnets.clone(), offered)
                                .0
                                .into_iter()
                                .map(|s| s.id)
                                .collect()
                        }
                        Err(_) => Vec::new(),
                    };
                    propose(NextAction {
                        tool: "create_vpc_endpoint".into(),
                        arguments: args(&[
                            ("vpc_id", vpc_id.clone()),
                            ("subnet_ids", json!(subnet_ids)),
                            ("cluster_id", cluster_id.clone()),
                        ]),
                    });
                    None
                }
                Some(e) => {
                    let status = match endpoint_state::phase(&e.state) {
                        Phase::Ready => StepStatus::Done,
                        Phase::Waiting | Phase::Unknown => StepStatus::Pending,
                        Phase::Broken | Phase::Gone => StepStatus::Failed,
                    };
                    let mut detail = format!(
                        "{} is {}: {}",
                        e.id,
                        e.state,
                        endpoint_state::explain(&e.state)
                    );
                    if e.private_dns_enabled == Some(true) {
                        detail
                            .push_str("; private DNS is on, which the private zone does not need");
                    }
                    steps.push(step("vpc_endpoint", status, detail, vec![e.id.clone()]));
                    Some(e)
                }
            }
        }
    };
    let endpoint_id = endpoint.map(|e| json!(e.id));

    // zilliz_registration
    let registered = match (&f.registrations, endpoint) {
        (Err(e), _) => {
            steps.push(step(
                "zilliz_registration",
                StepStatus::Failed,
                e.clone(),
                vec![],
            ));
            false
        }
        (Ok(_), None) => {
            steps.push(step(
                "zilliz_registration",
                StepStatus::Missing,
                "needs a VPC endpoint",
                vec![],
            ));
            false
        }
        (Ok(ids), Some(e)) if ids.contains(&e.id) => {
            steps.push(step(
                "zilliz_registration",
                StepStatus::Done,
                format!(
                    "{} is registered with project {} in {}",
                    e.id, cluster.project_id, cluster.region.region_id
                ),
                vec![e.id.clone()],
            ));
            true
        }
        (Ok(_), Some(e)) => {
            steps.push(step(
                "zilliz_registration",
                StepStatus::Missing,
                format!(
                    "{} is not registered with project {}",
                    e.id, cluster.project_id
                ),
                vec![],
            ));
            if endpoint_state::is_live(&e.state) {
                propose(NextAction {
                    tool: "register_endpoint".into(),
                    arguments: args(&[
                        ("endpoint_id", json!(e.id)),
                        ("cluster_id", cluster_id.clone()),
                    ]),
                });
            }
            false
        }
    };
    if let Some(e) = endpoint
        && endpoint_state::phase(&e.state) == Phase::Waiting
    {
        propose(NextAction {
            tool: "wait_for_endpoint".into(),
            arguments: args(&[("endpoint_id", json!(e.id))]),
        });
    }

    // private_link_address
    match &cluster.address {
        Some(a) => steps.push(step(
            "private_link_address",
            StepStatus::Done,
            format!("https://{}:{}", a.host, a.port),
            vec![a.host.clone()],
        )),
        None if registered => {
            steps.push(step(
                "private_link_address",
                StepStatus::Pending,
                "Zilliz has not allocated the address yet; it follows registration within minutes",
                vec![],
            ));
            if let Some(id) = &endpoint_id {
                propose(NextAction {
                    tool: "wait_for_endpoint".into(),
                    arguments: args(&[("endpoint_id", id.clone())]),
                });
            }
        }
        None => steps.push(step(
            "private_link_address",
            StepStatus::Missing,
            "Zilliz allocates it after an endpoint is registered",
            vec![],
        )),
    }

    // hosted_zone and alias_record
    let host = cluster.address.as_ref().map(|a| a.host.clone());
    let dns_call = NextAction {
        tool: "setup_private_dns".into(),
        arguments: {
            let mut a = args(&[
                ("cluster_id", cluster_id.clone()),
                ("vpc_id", vpc_id.clone()),
            ]);
            if let Some(id) = &endpoint_id {
                a.insert("endpoint_id".into(), id.clone());
            }
            a
        },
    };
    match (&f.zone, &host) {
        (_, None) => {
            steps.push(step(
                "hosted_zone",
                StepStatus::Missing,
                "needs the private link address",
                vec![],
            ));
            steps.push(step(
                "alias_record",
                StepStatus::Missing,
                "needs the private link address",
                vec![],
            ));
        }
        (Err(e), Some(_)) => {
            steps.push(step("hosted_zone", StepStatus::Failed, e.clone(), vec![]));
            steps.push(step(
                "alias_record",
                StepStatus::Failed,
                "unknown: the zones could not be read",
                vec![],
            ));
        }
        (Ok(None), Some(host)) => {
            steps.push(step(
                "hosted_zone",
                StepStatus::Missing,
                format!("no private zone `{host}` is tied to {}", f.vpc_id),
                vec![],
            ));
            steps.push(step(
                "alias_record",
                StepStatus::Missing,
                "needs the private zone",
                vec![],
            ));
            if cluster.address.is_some() && endpoint.is_some() {
                propose(dns_call.clone());
            }
        }
        (Ok(Some(zone)), Some(host)) => {
            steps.push(step(
                "hosted_zone",
                StepStatus::Done,
                format!("private zone {} ({host}) is tied to {}", zone.id, f.vpc_id),
                vec![zone.id.clone()],
            ));
            let wanted = endpoint
                .and_then(|e| e.regional_dns_entry())
                .map(|(n, z)| (route53::bare_name(n), z.unwrap_or_default().to_string()));
            match (&f.record, wanted) {
                (Err(e), _) => {
                    steps.push(step("alias_record", StepStatus::Failed, e.clone(), vec![]))
                }
                (Ok(None), _) => {
                    steps.push(step(
                        "alias_record",
                        StepStatus::Missing,
                        format!("no A record at {host}"),
                        vec![],
                    ));
                    if endpoint.is_some() {
                        propose(dns_call.clone());
                    }
                }
                (Ok(Some(record)), wanted) => {
                    let target = record.alias_target.clone();
                    match (target, wanted) {
                        (Some(t), Some(w)) if t == w => steps.push(step(
                            "alias_record",
                            StepStatus::Done,
                            format!("{host} is an alias to {}", t.0),
                            vec![t.0],
                        )),
                        (Some(t), Some(w)) => {
                            steps.push(step(
                                "alias_record",
                                StepStatus::Failed,
                                format!(
                                    "{host} is an alias to {} (zone {}), not to the endpoint's {} (zone {}): {} resolves the host to addresses it should not use",
                                    t.0, t.1, w.0, w.1, f.vpc_id
                                ),
                                vec![t.0],
                            ));
                            propose(dns_call.clone());
                        }
                        (Some(t), None) => steps.push(step(
                            "alias_record",
                            StepStatus::Failed,
                            format!(
                                "{host} is an alias to {}, but the VPC has no endpoint to Zilliz and that name is no live endpoint's",
                                t.0
                            ),
                            vec![t.0],
                        )),
                        (None, _) => {
                            steps.push(step(
                                "alias_record",
                                StepStatus::Failed,
                                format!(
                                    "{host} is a plain A record ({}), not an alias to the endpoint",
                                    record.addresses.join(", ")
                                ),
                                vec![],
                            ));
                            propose(dns_call.clone());
                        }
                    }
                }
            }
        }
    }

    // security_group
    let port = cluster.address.as_ref().map(|a| a.port);
    match (&f.endpoint_groups, endpoint, port) {
        (_, None, _) => steps.push(step(
            "security_group",
            StepStatus::Missing,
            "needs a VPC endpoint",
            vec![],
        )),
        (_, Some(_), None) => steps.push(step(
            "security_group",
            StepStatus::Pending,
            "the rule on the private link's port comes with allow_client_access once Zilliz \
             has allocated the address (the port is known only then)",
            vec![],
        )),
        (Err(e), Some(_), Some(_)) => steps.push(step(
            "security_group",
            StepStatus::Failed,
            e.clone(),
            vec![],
        )),
        (Ok(groups), Some(e), Some(port)) => {
            let allowing: Vec<(&SecurityGroup, &Rule)> = groups
                .iter()
                .flat_map(|g| g.inbound.iter().map(move |r| (g, r)))
                .filter(|(_, r)| r.admits_tcp(port))
                .collect();
            if allowing.is_empty() {
                steps.push(step(
                    "security_group",
                    StepStatus::Missing,
                    format!(
                        "no security group of {} ({}) allows tcp {port} in",
                        e.id,
                        e.security_group_ids.join(", ")
                    ),
                    e.security_group_ids.clone(),
                ));
                let mut a = args(&[("cluster_id", cluster_id.clone())]);
                if let Some(group) = e.security_group_ids.first() {
                    a.insert("endpoint_security_group_id".into(), json!(group));
                }
                if let Ok(vpc) = &f.vpc
                    && let Some(cidr) = vpc.cidr_blocks.first()
                {
                    a.insert("source_cidr".into(), json!(cidr));
                }
                propose(NextAction {
                    tool: "allow_client_access".into(),
                    arguments: a,
                });
            } else {
                let rules: Vec<String> = allowing
                    .iter()
                    .map(|(g, r)| format!("{}: {}", g.id, r.summary("from")))
                    .collect();
                steps.push(step(
                    "security_group",
                    StepStatus::Done,
                    format!("tcp {port} is allowed in ({})", rules.join("; ")),
                    allowing.iter().map(|(g, _)| g.id.clone()).collect(),
                ));
            }
        }
    }
    (steps, next)
}

pub async fn get_setup_status(
    app: &App,
    cluster_id: &str,
    vpc_id: &str,
) -> Result<SetupStatus, Error> {
    let cluster_id = validate::cluster_id(cluster_id)?;
    let vpc_id = AwsId::Vpc.check(vpc_id)?;
    let facts = gather(app, &cluster_id, &vpc_id).await;
    let (steps, next_action) = derive(&facts);
    let region = facts.cluster.as_ref().ok().map(|c| c.region.clone());
    Ok(SetupStatus {
        complete: steps.iter().all(|s| s.status == StepStatus::Done),
        cluster_id,
        vpc_id,
        region_id: region.as_ref().map(|r| r.region_id.clone()),
        aws_region: region.map(|r| r.aws_region),
        steps,
        next_action,
    })
}

fn text<T>(result: Result<T, Error>) -> Result<T, String> {
    result.map_err(|e| e.to_string())
}

/// Reads both accounts, in three concurrent waves: the cluster; then everything that needs
/// only its region; then what needs the zone or the endpoint.
pub async fn gather(app: &App, cluster_id: &str, vpc_id: &str) -> Facts {
    let cluster = setup::target(app, cluster_id).await.map(|t| ClusterFacts {
        status: t.cluster.status.clone(),
        plan: t.cluster.plan.clone(),
        project_id: t.project_id.clone(),
        region: t.region.clone(),
        address: t.address.clone(),
    });
    let cluster = match cluster {
        Ok(c) => c,
        Err(e) => {
            let u = "unknown: the cluster could not be read".to_string();
            return Facts {
                cluster_id: cluster_id.into(),
                vpc_id: vpc_id.into(),
                cluster: Err(e.to_string()),
                service: Err(u.clone()),
                vpc: Err(u.clone()),
                zones: Err(u.clone()),
                subnets: Err(u.clone()),
                endpoints: Err(u.clone()),
                registrations: Err(u.clone()),
                zone: Err(u.clone()),
                record: Err(u.clone()),
                endpoint_groups: Err(u),
                hub_endpoint: None,
            };
        }
    };
    let region = cluster.region.clone();
    let clients = match app.aws.clients(Some(&region)).await {
        Ok(c) => c,
        Err(e) => {
            let m = e.to_string();
            let service = text(discovery::endpoint_service(app, &region).await)
                .map(|s| Some((s.service_name, s.availability_zones)));
            let registrations = registrations(app, &cluster).await;
            return Facts {
                cluster_id: cluster_id.into(),
                vpc_id: vpc_id.into(),
                cluster: Ok(cluster),
                service,
                vpc: Err(m.clone()),
                zones: Err(m.clone()),
                subnets: Err(m.clone()),
                endpoints: Err(m.clone()),
                registrations,
                zone: Err(m.clone()),
                record: Err(m.clone()),
                endpoint_groups: Err(m),
                hub_endpoint: None,
            };
        }
    };
    let host = cluster.address.as_ref().map(|a| a.host.clone());
    let (service, vpc, subnets, endpoints, registrations, zones) = tokio::join!(
        discovery::endpoint_service(app, &region),
        ec2::vpc(&clients.ec2, vpc_id, &region),
        ec2::subnets_of_vpc(&clients.ec2, vpc_id),
        ec2::vpc_endpoints(
            &clients.ec2,
            EndpointQuery {
                vpc_id: Some(vpc_id),
                ..Default::default()
            }
        ),
        registrations(app, &cluster),
        route53::zones_of_vpc(&clients.route53, vpc_id, &region.aws_region),
    );
    let service = match service {
        Ok(s) => Ok(Some((s.service_name, s.availability_zones))),
        Err(Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.to_string()),
    };
    let zones = text(zones);
    let zone = zones.clone().map(|zones| {
        host.as_ref()
            .and_then(|h| zones.into_iter().find(|z| &z.name == h))
    });
    let endpoints = text(endpoints);
    let endpoint = match (&endpoints, &service) {
        (Ok(list), Ok(Some((name, _)))) => zilliz_endpoint(list, name).cloned(),
        _ => None,
    };
    let groups_of = |e: Option<VpcEndpoint>| {
        let ec2c = clients.ec2.clone();
        async move {
            match e {
                Some(e) if !e.security_group_ids.is_empty() => {
                    text(ec2::security_groups(&ec2c, &e.security_group_ids, Vec::new()).await)
                }
                _ => Ok(Vec::new()),
            }
        }
    };
    let (record, mut endpoint_groups) = tokio::join!(
        async {
            match (&zone, &host) {
                (Ok(Some(z)), Some(h)) => text(route53::a_record(&clients.route53, &z.id, h).await),
                _ => Ok(None),
            }
        },
        groups_of(endpoint.clone()),
    );
    // A spoke has no endpoint of its own: the one its zone points at is read too (two more
    // rounds, for spokes only).
    let mut hub_endpoint = None;
    if endpoint.is_none()
        && let (Ok(Some(record)), Ok(Some((service_name, _)))) = (&record, &service)
        && let Some(alias) = &record.alias_target
    {
        let to_service = ec2::vpc_endpoints(
            &clients.ec2,
            EndpointQuery {
                service_name: Some(service_name),
                ..Default::default()
            },
        )
        .await
        .unwrap_or_default();
        hub_endpoint = to_service.into_iter().find(|e| {
            endpoint_state::is_live(&e.state)
                && e.regional_dns_entry().is_some_and(|(n, z)| {
                    route53::bare_name(n) == alias.0 && z == Some(alias.1.as_str())
                })
        });
        if hub_endpoint.is_some() {
            endpoint_groups = groups_of(hub_endpoint.clone()).await;
        }
    }
    Facts {
        cluster_id: cluster_id.into(),
        vpc_id: vpc_id.into(),
        cluster: Ok(cluster),
        service,
        vpc: text(vpc),
        zones,
        subnets: text(subnets),
        endpoints,
        registrations,
        zone,
        record,
        endpoint_groups,
        hub_endpoint,
    }
}

async fn registrations(app: &App, cluster: &ClusterFacts) -> Result<Vec<String>, String> {
    text(app.zilliz.private_endpoints(&cluster.project_id).await).map(|list| {
        list.into_iter()
            .filter(|r| r.in_region(&cluster.region.region_id))
            .map(|r| r.endpoint_id)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVICE: &str = "com.amazonaws.vpce.us-west-2.vpce-svc-0123456789abcdef0";
    const HOST: &str = "in01-abc-privatelink.aws-us-west-2.vectordb.zillizcloud.com";

    fn endpoint(state: &str) -> VpcEndpoint {
        VpcEndpoint {
            id: "vpce-11111111".into(),
            vpc_id: "vpc-11111111".into(),
            service_name: SERVICE.into(),
            state: state.into(),
            subnet_ids: vec!["subnet-aaaaaaaa".into()],
            security_group_ids: vec!["sg-11111111".into()],
            dns_entries: vec![(
                "vpce-11111111-x.vpce-svc.us-west-2.vpce.amazonaws.com".into(),
                Some("Z1".into()),
            )],
            private_dns_enabled: Some(false),
            network_interface_ids: vec![],
            tags: vec![],
        }
    }

    /// A VPC with nothing set up yet.
    fn nothing() -> Facts {
        Facts {
            cluster_id: "in01-abc".into(),
            vpc_id: "vpc-11111111".into(),
            cluster: Ok(ClusterFacts {
                status: Some("RUNNING".into()),
                plan: Some("Enterprise".into()),
                project_id: "proj-1".into(),
                region: RegionNames::from_aws("us-west-2"),
                address: None,
            }),
            service: Ok(Some((
                SERVICE.into(),
                vec!["us-west-2a".into(), "us-west-2b".into()],
            ))),
            vpc: Ok(ec2::Vpc {
                id: "vpc-11111111".into(),
                name: None,
                cidr_blocks: vec!["10.0.0.0/16".into()],
                is_default: false,
                dns_support: Some(true),
                dns_hostnames: Some(true),
            }),
            zones: Ok(vec![]),
            subnets: Ok(vec![
                Subnet::in_zone("subnet-aaaaaaaa", "us-west-2a"),
                Subnet::in_zone("subnet-bbbbbbbb", "us-west-2b"),
                Subnet::in_zone("subnet-cccccccc", "us-west-2c"),
            ]),
            endpoints: Ok(vec![]),
            registrations: Ok(vec![]),
            zone: Ok(None),
            record: Ok(None),
            endpoint_groups: Ok(vec![]),
            hub_endpoint: None,
        }
    }

    fn statuses(steps: &[Step]) -> Vec<(&str, StepStatus)> {
        steps.iter().map(|s| (s.step.as_str(), s.status)).collect()
    }

    fn with_address(mut f: Facts) -> Facts {
        if let Ok(c) = &mut f.cluster {
            c.address = Some(PrivateLinkAddress {
                host: HOST.into(),
                port: 19531,
            });
        }
        f
    }

    fn group(rules: Vec<Rule>) -> SecurityGroup {
        SecurityGroup {
            id: "sg-11111111".into(),
            name: "endpoint".into(),
            description: String::new(),
            vpc_id: Some("vpc-11111111".into()),
            inbound: rules,
            outbound: vec![],
            tags: vec![],
        }
    }

    #[test]
    fn nothing_set_up_proposes_the_endpoint_with_supported_subnets() {
        let (steps, next) = derive(&nothing());
        use StepStatus::*;
        assert_eq!(
            statuses(&steps),
            [
                ("cluster_ready", Done),
                ("endpoint_service", Done),
                ("vpc_endpoint", Missing),
                ("zilliz_registration", Missing),
                ("private_link_address", Missing),
                ("hosted_zone", Missing),
                ("alias_record", Missing),
                ("security_group", Missing),
            ]
        );
        let next = next.unwrap();
        assert_eq!(next.tool, "create_vpc_endpoint");
        assert_eq!(
            next.arguments["subnet_ids"],
            json!(["subnet-aaaaaaaa", "subnet-bbbbbbbb"])
        );
        assert_eq!(next.arguments["cluster_id"], json!("in01-abc"));
    }

    #[test]
    fn an_unregistered_endpoint_proposes_registration_even_while_pending() {
        let mut f = nothing();
        f.endpoints = Ok(vec![endpoint("pendingAcceptance")]);
        let (steps, next) = derive(&f);
        assert_eq!(steps[2].status, StepStatus::Pending);
        assert_eq!(next.unwrap().tool, "register_endpoint");
    }

    #[test]
    fn registered_without_an_address_waits() {
        let mut f = nothing();
        f.endpoints = Ok(vec![endpoint("available")]);
        f.registrations = Ok(vec!["vpce-11111111".into()]);
        let (steps, next) = derive(&f);
        assert_eq!(steps[3].status, StepStatus::Done);
        assert_eq!(steps[4].status, StepStatus::Pending);
        assert_eq!(next.unwrap().tool, "wait_for_endpoint");
    }

    #[test]
    fn with_an_address_and_no_zone_proposes_dns_then_access() {
        let mut f = with_address(nothing());
        f.endpoints = Ok(vec![endpoint("available")]);
        f.registrations = Ok(vec!["vpce-11111111".into()]);
        let (steps, next) = derive(&f);
        assert_eq!(steps[4].status, StepStatus::Done);
        let next = next.unwrap();
        assert_eq!(next.tool, "setup_private_dns");
        assert_eq!(next.arguments["endpoint_id"], json!("vpce-11111111"));

        f.zone = Ok(Some(Zone {
            id: "Z123".into(),
            name: HOST.into(),
        }));
        f.record = Ok(Some(ARecord::alias(
            HOST,
            (
                "vpce-11111111-x.vpce-svc.us-west-2.vpce.amazonaws.com",
                "Z1",
            ),
        )));
        f.endpoint_groups = Ok(vec![group(vec![])]);
        let (steps, next) = derive(&f);
        assert_eq!(steps[5].status, StepStatus::Done);
        assert_eq!(steps[6].status, StepStatus::Done);
        assert_eq!(steps[7].status, StepStatus::Missing);
        let next = next.unwrap();
        assert_eq!(next.tool, "allow_client_access");
        assert_eq!(
            next.arguments["endpoint_security_group_id"],
            json!("sg-11111111")
        );
        assert_eq!(next.arguments["source_cidr"], json!("10.0.0.0/16"));

        f.endpoint_groups = Ok(vec![group(vec![Rule::new(
            "tcp",
            Some((19531, 19531)),
            crate::aws::rules::Peer::Group("sg-22222222".into()),
        )])]);
        let (steps, next) = derive(&f);
        assert!(
            steps.iter().all(|s| s.status == StepStatus::Done),
            "{steps:?}"
        );
        assert!(next.is_none());
    }

    #[test]
    fn a_wrong_alias_or_plain_record_fails_and_proposes_dns() {
        let mut f = with_address(nothing());
        f.endpoints = Ok(vec![endpoint("available")]);
        f.registrations = Ok(vec!["vpce-11111111".into()]);
        f.zone = Ok(Some(Zone {
            id: "Z123".into(),
            name: HOST.into(),
        }));
        f.record = Ok(Some(ARecord::alias(HOST, ("elsewhere.example.com", "Z9"))));
        let (steps, next) = derive(&f);
        assert_eq!(steps[6].status, StepStatus::Failed);
        assert!(steps[6].detail.contains("elsewhere.example.com"));
        assert_eq!(next.unwrap().tool, "setup_private_dns");
    }

    #[test]
    fn a_failed_read_fails_only_its_steps() {
        let mut f = with_address(nothing());
        f.endpoints = Ok(vec![endpoint("available")]);
        f.registrations = Err("Zilliz GET … failed".into());
        f.zone = Err("AWS route53:ListHostedZonesByVPC failed: denied".into());
        let (steps, _) = derive(&f);
        use StepStatus::*;
        assert_eq!(steps[2].status, Done);
        assert_eq!(steps[3].status, Failed);
        assert_eq!(steps[5].status, Failed);
        assert!(steps[5].detail.contains("denied"));
        assert_eq!(steps[6].status, Failed);

        let mut f = nothing();
        f.cluster = Err("cluster not found".into());
        let (steps, next) = derive(&f);
        assert!(steps.iter().all(|s| s.status == Failed));
        assert_eq!(steps.len(), 8);
        assert!(next.is_none());
    }

    #[test]
    fn a_cluster_off_the_enterprise_plan_fails_first() {
        let mut f = nothing();
        if let Ok(c) = &mut f.cluster {
            c.plan = Some("Standard".into());
        }
        let (steps, _) = derive(&f);
        assert_eq!(steps[0].status, StepStatus::Failed);
        assert!(steps[0].detail.contains("Enterprise"));
    }

    #[test]
    fn a_plan_word_not_known_is_said_but_does_not_fail() {
        let mut f = nothing();
        if let Ok(c) = &mut f.cluster {
            c.plan = Some("Platinum".into());
        }
        let (steps, _) = derive(&f);
        assert_eq!(steps[0].status, StepStatus::Done);
        assert!(steps[0].detail.contains("Platinum"));
    }
}
