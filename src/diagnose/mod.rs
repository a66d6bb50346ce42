//! One engine behind `diagnose_private_link` and `zilliz-privatelink-mcp doctor`: checks every
//! link of the chain (control plane through the AWS and Zilliz APIs, data plane with real
//! DNS, TCP and HTTP probes) and names the broken one with its fix.

pub mod probes;
pub mod reach;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use ipnet::IpNet;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};

use crate::address::{PrivateLinkAddress, expected_private_link_host};
use crate::app::App;
use crate::aws::ec2::{self, SecurityGroup, VpcEndpoint};
use crate::aws::route53;
use crate::endpoint_state::{self, Phase};
use crate::error::Error;
use crate::region::RegionNames;
use crate::setup;
use crate::status::{self, Facts};
use crate::summary::Summary;
use crate::validate::{self, AwsId};
use crate::zilliz::model::{PlanSupport, plan_support};
use probes::{Connect, Resolution};
use reach::{ClientSide, GroupVerdict};

pub const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// The control plane's reads get longer than the probes: AWS retries throttling.
const CONTROL_PLANE_DEADLINE: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Default)]
pub struct DiagnoseRequest {
    pub cluster_id: Option<String>,
    pub address: Option<String>,
    pub vpc_id: Option<String>,
    pub client_instance_id: Option<String>,
    pub client_security_group_id: Option<String>,
    pub client_cidr: Option<String>,
    /// Run the data-plane probes (default true).
    pub probe: Option<bool>,
    pub dns_server: Option<String>,
    pub probe_timeout_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Finding {
    /// A stable id, such as `hosted_zone` or `tcp_connect`.
    pub check: String,
    pub status: Status,
    /// What was seen, with the resource ids and values.
    pub detail: String,
    /// The exact change: a tool call with its arguments, or an AWS CLI command.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Report {
    /// Nothing failed.
    pub healthy: bool,
    /// Whether the probes ran inside the VPC: true when the host resolved to the endpoint's
    /// own addresses, false when the results show they ran outside, null when unknown.
    pub ran_inside_vpc: Option<bool>,
    pub findings: Vec<Finding>,
    pub cluster_id: Option<String>,
    pub vpc_id: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub region_id: Option<String>,
    pub aws_region: Option<String>,
    /// The command that runs the same diagnosis on an instance inside the VPC.
    pub doctor_command: Option<String>,
    pub elapsed_ms: u64,
}

impl Summary for Report {
    fn summary(&self) -> String {
        let failing: Vec<&Finding> = self
            .findings
            .iter()
            .filter(|f| f.status == Status::Fail)
            .collect();
        let mut text = if self.healthy {
            "Healthy: no check failed.".to_string()
        } else {
            format!("{} check(s) failed.", failing.len())
        };
        for f in &self.findings {
            if matches!(f.status, Status::Fail | Status::Warn) {
                text.push_str(&format!("\n[{}] {}: {}", mark(f.status), f.check, f.detail));
                if let Some(fix) = &f.fix {
                    text.push_str(&format!("\n    fix: {fix}"));
                }
            }
        }
        if self.ran_inside_vpc == Some(false)
            && let Some(command) = &self.doctor_command
        {
            text.push_str(&format!(
                "\nThe probes ran outside the VPC; inside it run: {command}"
            ));
        }
        text
    }
}

pub fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Warn => "warn",
        Status::Fail => "FAIL",
        Status::Skip => "skip",
    }
}

fn finding(check: &str, status: Status, detail: impl Into<String>, fix: Option<String>) -> Finding {
    Finding {
        check: check.to_string(),
        status,
        detail: detail.into(),
        fix,
    }
}

/// A fix that is a call of one of this server's tools (previewed first, as always).
fn tool_fix(tool: &str, arguments: Value) -> Option<String> {
    Some(format!(
        "{tool} {arguments} (preview, then again with confirm: true)"
    ))
}

/// Everything the checks need to know about the client.
#[derive(Debug, Clone, Default)]
struct Client {
    side: ClientSide,
    groups: Vec<SecurityGroup>,
    subnet_id: Option<String>,
    described_as: Option<String>,
}

/// The request, checked.
struct Checked {
    cluster_id: Option<String>,
    address: Option<PrivateLinkAddress>,
    vpc_id: Option<String>,
    instance_id: Option<String>,
    client_group: Option<String>,
    client_network: Option<IpNet>,
    probe: bool,
    dns_server: Option<SocketAddr>,
    probe_timeout: Duration,
}

fn check(app: &App, r: &DiagnoseRequest) -> Result<Checked, Error> {
    let cluster_id = r
        .cluster_id
        .as_deref()
        .map(validate::cluster_id)
        .transpose()?;
    let address = r
        .address
        .as_deref()
        .map(PrivateLinkAddress::parse)
        .transpose()?;
    if cluster_id.is_none() && address.is_none() {
        return Err(Error::missing(
            "cluster_id",
            "pass cluster_id (list_zilliz_clusters shows them) or the private link address",
        ));
    }
    let dns_server = match r
        .dns_server
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => app.settings.dns_server,
        Some(s) => Some(
            s.parse::<SocketAddr>()
                .or_else(|_| s.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                .map_err(|_| {
                    Error::invalid(
                        "dns_server",
                        s,
                        "expected IP or IP:PORT, such as `10.0.0.2` or `127.0.0.1:5353`",
                    )
                })?,
        ),
    };
    let probe_timeout = match r.probe_timeout_ms {
        None => DEFAULT_PROBE_TIMEOUT,
        Some(ms) if (100..=60_000).contains(&ms) => Duration::from_millis(ms),
        Some(ms) => {
            return Err(Error::invalid(
                "probe_timeout_ms",
                &ms.to_string(),
                "expected 100 to 60000 milliseconds",
            ));
        }
    };
    Ok(Checked {
        cluster_id,
        address,
        vpc_id: r
            .vpc_id
            .as_deref()
            .map(|v| AwsId::Vpc.check(v))
            .transpose()?,
        instance_id: r
            .client_instance_id
            .as_deref()
            .map(|i| AwsId::Instance.check(i))
            .transpose()?,
        client_group: r
            .client_security_group_id
            .as_deref()
            .map(|g| AwsId::SecurityGroup.check_field("client_security_group_id", g))
            .transpose()?,
        client_network: r
            .client_cidr
            .as_deref()
            .map(|c| validate::cidr("client_cidr", c))
            .transpose()?,
        probe: r.probe.unwrap_or(true),
        dns_server,
        probe_timeout,
    })
}

pub async fn diagnose(app: &App, request: DiagnoseRequest) -> Result<Report, Error> {
    let c = check(app, &request)?;
    let started = Instant::now();
    let mut findings = Vec::new();

    let target = match &c.cluster_id {
        Some(id) => match setup::target(app, id).await {
            Ok(t) => Some(t),
            Err(e) => {
                findings.push(finding(
                    "cluster",
                    Status::Fail,
                    e.to_string(),
                    tool_fix("list_zilliz_clusters", json!({})),
                ));
                None
            }
        },
        None => None,
    };
    let region = target.as_ref().map(|t| t.region.clone());
    let link = c
        .address
        .clone()
        .or_else(|| target.as_ref().and_then(|t| t.address.clone()));
    let host = link.as_ref().map(|l| l.host.clone()).or_else(|| {
        target
            .as_ref()
            .map(|t| expected_private_link_host(t.cluster_id(), &t.region.region_id))
    });
    let port = link.as_ref().map(|l| l.port);

    let control = async {
        match (&target, &c.vpc_id) {
            (Some(t), Some(vpc)) => {
                match tokio::time::timeout(CONTROL_PLANE_DEADLINE, control_plane(app, t, vpc, &c))
                    .await
                {
                    Ok(result) => result,
                    Err(_) => (
                        vec![finding(
                            "control_plane",
                            Status::Fail,
                            format!(
                                "AWS and Zilliz did not answer within {} s",
                                CONTROL_PLANE_DEADLINE.as_secs()
                            ),
                            None,
                        )],
                        ControlView::default(),
                    ),
                }
            }
            (Some(t), None) => (
                vec![
                    cluster_finding(t),
                    finding(
                        "vpc",
                        Status::Skip,
                        "no vpc_id given: the endpoint, DNS and security group checks need it",
                        None,
                    ),
                ],
                ControlView::default(),
            ),
            (None, _) => (Vec::new(), ControlView::default()),
        }
    };
    let probes = async {
        match (&host, port, c.probe) {
            (_, _, false) => None,
            (Some(h), Some(p), true) => Some(data_plane(h, p, c.dns_server, c.probe_timeout).await),
            _ => None,
        }
    };
    let ((control_findings, view), probe_results) = tokio::join!(control, probes);
    findings.extend(control_findings);

    let ran_inside_vpc = match (&probe_results, host.as_deref(), port) {
        (Some(results), Some(h), Some(p)) => {
            let (probe_findings, inside) = interpret(results, h, p, &view, &c, target.as_ref());
            findings.extend(probe_findings);
            inside
        }
        _ => {
            let why = if !c.probe {
                "probe: false".to_string()
            } else if port.is_none() {
                "the private link address (its port) is not known yet".to_string()
            } else {
                "no host to probe".to_string()
            };
            findings.push(finding(
                "dns_resolution",
                Status::Skip,
                format!("not run: {why}"),
                None,
            ));
            None
        }
    };
    let doctor_command = c.cluster_id.as_ref().map(|id| {
        let mut command = format!("zilliz-privatelink-mcp doctor --cluster-id {id}");
        if let Some(vpc) = &c.vpc_id {
            command.push_str(&format!(" --vpc-id {vpc}"));
        }
        if let Some(r) = &region {
            command.push_str(&format!(" --region {}", r.aws_region));
        }
        command
    });
    if ran_inside_vpc == Some(false)
        && let Some(command) = &doctor_command
    {
        findings.push(finding(
            "probe_location",
            Status::Warn,
            "the probes ran outside the VPC (the private zone does not answer here), so they say \
             nothing about the application's path",
            Some(format!("run on an instance inside the VPC: {command}")),
        ));
    }
    Ok(Report {
        healthy: !findings.iter().any(|f| f.status == Status::Fail),
        ran_inside_vpc,
        findings,
        cluster_id: c.cluster_id.clone(),
        vpc_id: c.vpc_id.clone(),
        host,
        port,
        region_id: region.as_ref().map(|r| r.region_id.clone()),
        aws_region: region.map(|r| r.aws_region),
        doctor_command,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

fn cluster_finding(t: &setup::Target) -> Finding {
    let status = t.cluster.status.as_deref().unwrap_or("unknown");
    let plan = t.cluster.plan.as_deref().unwrap_or("unknown");
    if plan_support(t.cluster.plan.as_deref()) == PlanSupport::No {
        return finding(
            "cluster",
            Status::Fail,
            format!(
                "{} is on the {plan} plan: private links need the Enterprise plan",
                t.cluster_id()
            ),
            Some("upgrade the project to the Enterprise plan in the Zilliz Cloud console".into()),
        );
    }
    if !status.eq_ignore_ascii_case("running") {
        return finding(
            "cluster",
            Status::Fail,
            format!("{} is {status}, not RUNNING", t.cluster_id()),
            Some("resume or wait for the cluster in the Zilliz Cloud console".into()),
        );
    }
    match &t.address {
        Some(a) => finding(
            "cluster",
            Status::Pass,
            format!(
                "{} is RUNNING on {plan} in {}; private link https://{}:{}",
                t.cluster_id(),
                t.region.region_id,
                a.host,
                a.port
            ),
            None,
        ),
        None => finding(
            "cluster",
            Status::Fail,
            format!(
                "{} has no private link address: no VPC endpoint is registered and accepted for project {} in {}",
                t.cluster_id(),
                t.project_id,
                t.region.region_id
            ),
            tool_fix("get_setup_status", json!({ "cluster_id": t.cluster_id() })),
        ),
    }
}

/// What the control plane learnt that the probes' reading needs.
#[derive(Debug, Clone, Default)]
struct ControlView {
    endpoint_addresses: Vec<IpAddr>,
    /// The zone and record are in place, so a name that does not resolve means "outside".
    dns_configured: Option<bool>,
    endpoint_group_id: Option<String>,
}

async fn control_plane(
    app: &App,
    t: &setup::Target,
    vpc_id: &str,
    c: &Checked,
) -> (Vec<Finding>, ControlView) {
    let facts = status::gather(app, t.cluster_id(), vpc_id).await;
    let region = t.region.clone();
    let mut view = ControlView::default();
    let mut out = vec![cluster_finding(t)];
    if plan_support(t.cluster.plan.as_deref()) == PlanSupport::Unknown {
        out.push(finding(
            "cluster_plan",
            Status::Warn,
            format!(
                "{}'s plan `{}` is not one this tool knows; private links need the Enterprise plan",
                t.cluster_id(),
                t.cluster.plan.as_deref().unwrap_or("(none given)")
            ),
            Some(
                "check the project's plan in the Zilliz Cloud console (Billing): Enterprise or above serves private links"
                    .into(),
            ),
        ));
    }
    let cluster_arg = json!(t.cluster_id());

    let clients = match app.aws.clients(Some(&region)).await {
        Ok(c) => c,
        Err(e) => {
            out.push(finding("aws", Status::Fail, e.to_string(), None));
            return (out, view);
        }
    };

    // endpoint_service
    let service = match &facts.service {
        Ok(Some((name, zones))) => {
            out.push(finding(
                "endpoint_service",
                Status::Pass,
                format!(
                    "{name} ({})",
                    if zones.is_empty() {
                        "zones unknown".into()
                    } else {
                        zones.join(", ")
                    }
                ),
                None,
            ));
            Some((name.clone(), zones.clone()))
        }
        Ok(None) => {
            out.push(finding(
                "endpoint_service",
                Status::Fail,
                format!(
                    "Zilliz offers no private link endpoint service in {}",
                    region.region_id
                ),
                None,
            ));
            None
        }
        Err(e) => {
            out.push(finding("endpoint_service", Status::Fail, e.clone(), None));
            None
        }
    };

    // vpc_endpoint
    let endpoint: Option<VpcEndpoint> = match (&facts.endpoints, &service) {
        (Err(e), _) => {
            out.push(finding("vpc_endpoint", Status::Fail, e.clone(), None));
            None
        }
        (Ok(_), None) => None,
        (Ok(list), Some((name, _))) => {
            let chosen = status::zilliz_endpoint(list, name)
                .or(facts.hub_endpoint.as_ref())
                .cloned();
            match &chosen {
                None => out.push(finding(
                    "vpc_endpoint",
                    Status::Fail,
                    format!("{vpc_id} has no VPC endpoint to {name}"),
                    tool_fix("create_vpc_endpoint", json!({ "vpc_id": vpc_id, "cluster_id": cluster_arg, "subnet_ids": ["…one per supported zone, from list_subnets…"] })),
                )),
                Some(e) => {
                    let (status, fix) = match endpoint_state::phase(&e.state) {
                        Phase::Ready => (Status::Pass, None),
                        Phase::Waiting => (Status::Warn, tool_fix("wait_for_endpoint", json!({ "endpoint_id": e.id }))),
                        _ => (Status::Fail, tool_fix("create_vpc_endpoint", json!({ "vpc_id": vpc_id, "cluster_id": cluster_arg, "subnet_ids": e.subnet_ids }))),
                    };
                    out.push(finding(
                        "vpc_endpoint",
                        status,
                        format!("{} is `{}`: {}", e.id, e.state, endpoint_state::explain(&e.state)),
                        fix,
                    ));
                    if e.private_dns_enabled == Some(true) {
                        out.push(finding(
                            "endpoint_private_dns",
                            Status::Warn,
                            format!("{} has private DNS on; the private hosted zone does that job, and Zilliz's guide turns it off", e.id),
                            Some(format!("aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --no-private-dns-enabled", e.id)),
                        ));
                    }
                    let zones: std::collections::BTreeSet<&str> = match &facts.subnets {
                        Ok(subnets) => subnets
                            .iter()
                            .filter(|s| e.subnet_ids.contains(&s.id))
                            .map(|s| s.availability_zone.as_str())
                            .collect(),
                        Err(_) => Default::default(),
                    };
                    if zones.len() == 1 {
                        out.push(finding(
                            "endpoint_availability_zones",
                            Status::Warn,
                            format!("{} has subnets in one zone only ({}): clients in other zones cross zones, and a zone outage cuts the link", e.id, zones.iter().next().copied().unwrap_or("")),
                            Some(format!("aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --add-subnet-ids <a subnet in another supported zone>", e.id)),
                        ));
                    } else if zones.len() > 1 {
                        out.push(finding(
                            "endpoint_availability_zones",
                            Status::Pass,
                            format!("{} spans {}", e.id, zones.into_iter().collect::<Vec<_>>().join(", ")),
                            None,
                        ));
                    }
                }
            }
            chosen
        }
    };
    view.endpoint_group_id = endpoint
        .as_ref()
        .and_then(|e| e.security_group_ids.first().cloned());

    // registration
    match (&facts.registrations, &endpoint) {
        (Err(e), _) => out.push(finding("registration", Status::Fail, e.clone(), None)),
        (Ok(_), None) => out.push(finding("registration", Status::Skip, "no VPC endpoint to check", None)),
        (Ok(ids), Some(e)) if ids.contains(&e.id) => out.push(finding(
            "registration",
            Status::Pass,
            format!("{} is registered with project {} in {}", e.id, t.project_id, region.region_id),
            None,
        )),
        (Ok(_), Some(e)) => out.push(finding(
            "registration",
            Status::Fail,
            format!("{} is not registered with Zilliz project {} in {}: Zilliz does not accept its connections", e.id, t.project_id, region.region_id),
            tool_fix("register_endpoint", json!({ "endpoint_id": e.id, "cluster_id": cluster_arg })),
        )),
    }

    // vpc_dns_attributes
    match &facts.vpc {
        Err(e) => out.push(finding("vpc_dns_attributes", Status::Fail, e.clone(), None)),
        Ok(vpc) => {
            let mut off = Vec::new();
            if vpc.dns_support != Some(true) {
                off.push(("enableDnsSupport", "--enable-dns-support"));
            }
            if vpc.dns_hostnames != Some(true) {
                off.push(("enableDnsHostnames", "--enable-dns-hostnames"));
            }
            if off.is_empty() {
                out.push(finding(
                    "vpc_dns_attributes",
                    Status::Pass,
                    format!("{vpc_id} has enableDnsSupport and enableDnsHostnames"),
                    None,
                ));
            } else {
                out.push(finding(
                    "vpc_dns_attributes",
                    Status::Fail,
                    format!(
                        "{vpc_id} has {} off: its private hosted zones do not answer",
                        off.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(" and ")
                    ),
                    Some(
                        off.iter()
                            .map(|(_, flag)| format!("aws ec2 modify-vpc-attribute --vpc-id {vpc_id} {flag} '{{\"Value\":true}}'"))
                            .collect::<Vec<_>>()
                            .join(" && "),
                    ),
                ));
            }
        }
    }

    // The rest needs more reads: run them together.
    let host = t
        .address
        .as_ref()
        .map(|a| a.host.clone())
        .unwrap_or_else(|| expected_private_link_host(t.cluster_id(), &region.region_id));
    let (extra_zones, parent_records, addresses, client) = tokio::join!(
        zones_elsewhere(&clients.route53, &facts, &host),
        parent_zone_records(&clients.route53, &facts, &host),
        async {
            match &endpoint {
                Some(e) => ec2::interface_addresses(&clients.ec2, &e.network_interface_ids)
                    .await
                    .unwrap_or_default(),
                None => Vec::new(),
            }
        },
        client(&clients.ec2, c, &region),
    );
    view.endpoint_addresses = addresses;

    let dns_dns = dns_findings(
        &facts,
        &host,
        endpoint.as_ref(),
        extra_zones,
        parent_records,
        t,
        vpc_id,
    );
    view.dns_configured = Some(dns_dns.iter().all(|f| f.status == Status::Pass));
    out.extend(dns_dns);

    match client {
        Err(e) => out.push(finding("client", Status::Fail, e.to_string(), None)),
        Ok(client) => {
            out.extend(security_findings(
                &facts,
                endpoint.as_ref(),
                t,
                &client,
                &view,
            ));
            out.extend(
                acl_findings(&clients.ec2, &facts, endpoint.as_ref(), t, &client, &view).await,
            );
        }
    }
    (out, view)
}

/// Private zones named for the host that are not tied to this VPC, with the VPCs they are tied to.
async fn zones_elsewhere(
    r53: &aws_sdk_route53::Client,
    facts: &Facts,
    host: &str,
) -> Vec<(String, Vec<String>)> {
    if !matches!(facts.zone, Ok(None)) {
        return Vec::new();
    }
    let Ok(zones) = route53::private_zones_named(r53, host).await else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for zone in zones {
        let vpcs = route53::zone_vpcs(r53, &zone.id).await.unwrap_or_default();
        found.push((zone.id, vpcs.into_iter().map(|(id, _)| id).collect()));
    }
    found
}

/// Zones tied to the VPC for a parent of the host (such as `vectordb.zillizcloud.com`), with
/// whether each has a record for the host: without the host's own zone, they answer for it.
async fn parent_zone_records(
    r53: &aws_sdk_route53::Client,
    facts: &Facts,
    host: &str,
) -> Vec<(route53::Zone, bool)> {
    let Ok(zones) = &facts.zones else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for zone in zones
        .iter()
        .filter(|z| host.ends_with(&format!(".{}", z.name)))
    {
        let has = matches!(route53::a_record(r53, &zone.id, host).await, Ok(Some(_)));
        found.push((zone.clone(), has));
    }
    found
}

fn dns_findings(
    facts: &Facts,
    host: &str,
    endpoint: Option<&VpcEndpoint>,
    elsewhere: Vec<(String, Vec<String>)>,
    parents: Vec<(route53::Zone, bool)>,
    t: &setup::Target,
    vpc_id: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let dns_fix = tool_fix(
        "setup_private_dns",
        json!({ "cluster_id": t.cluster_id(), "vpc_id": vpc_id }),
    );
    match &facts.zone {
        Err(e) => {
            out.push(finding("hosted_zone", Status::Fail, e.clone(), None));
            return out;
        }
        Ok(Some(zone)) => out.push(finding(
            "hosted_zone",
            Status::Pass,
            format!("private zone {} ({host}) is tied to {vpc_id}", zone.id),
            None,
        )),
        Ok(None) => {
            let detail = match elsewhere.first() {
                Some((id, vpcs)) => format!(
                    "private zone {id} ({host}) exists but is tied to {}, not to {vpc_id}",
                    if vpcs.is_empty() {
                        "no VPC".to_string()
                    } else {
                        vpcs.join(", ")
                    }
                ),
                None => format!("no private hosted zone named {host} is tied to {vpc_id}"),
            };
            // Tying this VPC to another VPC's zone would make it resolve to that VPC's
            // endpoint: right only for hub and spoke, which setup_private_dns checks.
            let fix = match (elsewhere.first(), endpoint) {
                (Some((_, vpcs)), None) => Some(format!(
                    "where {vpc_id} reaches the endpoint of {} over peering or a transit gateway, \
                     call setup_private_dns with that endpoint's id as endpoint_id (it ties \
                     {vpc_id} to the zone and changes no record); otherwise {}",
                    vpcs.join(", "),
                    tool_fix(
                        "create_vpc_endpoint",
                        json!({ "vpc_id": vpc_id, "cluster_id": t.cluster_id() })
                    )
                    .unwrap_or_default()
                )),
                _ => dns_fix.clone(),
            };
            out.push(finding("hosted_zone", Status::Fail, detail, fix));
        }
    }
    // Shadowing: a parent zone answers for the host only where the host has no zone of its own.
    let own_zone = matches!(facts.zone, Ok(Some(_)));
    for (zone, has_record) in &parents {
        if !own_zone && !has_record {
            out.push(finding(
                "zone_shadowing",
                Status::Fail,
                format!(
                    "private zone {} ({}) is tied to {vpc_id} and has no record for {host}: inside the VPC it answers NXDOMAIN for the name",
                    zone.id, zone.name
                ),
                dns_fix.clone(),
            ));
        }
    }
    if let Ok(Some(zone)) = &facts.zone {
        let wanted = endpoint
            .and_then(|e| e.regional_dns_entry())
            .map(|(n, z)| (route53::bare_name(n), z.unwrap_or_default().to_string()));
        match (&facts.record, wanted) {
            (Err(e), _) => out.push(finding("alias_record", Status::Fail, e.clone(), None)),
            (Ok(None), _) => out.push(finding(
                "alias_record",
                Status::Fail,
                format!("zone {} has no A record at {host}", zone.id),
                dns_fix.clone(),
            )),
            (Ok(Some(record)), wanted) => {
                let target = record.alias_target.clone();
                match (target, wanted) {
                    (Some(t), Some(w)) if t == w => out.push(finding(
                        "alias_record",
                        Status::Pass,
                        format!("{host} is an alias to {}", t.0),
                        None,
                    )),
                    (Some(t), Some(w)) => out.push(finding(
                        "alias_record",
                        Status::Fail,
                        format!(
                            "{host} is an alias to {} (zone {}), not to the endpoint's {} (zone {}): {vpc_id} resolves the host to addresses it should not use",
                            t.0, t.1, w.0, w.1
                        ),
                        dns_fix.clone(),
                    )),
                    (Some(t), None) => out.push(finding(
                        "alias_record",
                        Status::Warn,
                        format!(
                            "{host} is an alias to {}; there is no endpoint to compare it with",
                            t.0
                        ),
                        Some(format!(
                            "create an endpoint with create_vpc_endpoint for {vpc_id}, or, where {vpc_id} reaches another VPC's endpoint, run setup_private_dns with that endpoint_id"
                        )),
                    )),
                    (None, _) => out.push(finding(
                        "alias_record",
                        Status::Fail,
                        format!(
                            "{host} is a plain A record ({}), not an alias to the endpoint",
                            record.addresses.join(", ")
                        ),
                        dns_fix.clone(),
                    )),
                }
            }
        }
    }
    out
}

async fn client(
    ec2c: &aws_sdk_ec2::Client,
    c: &Checked,
    region: &RegionNames,
) -> Result<Client, Error> {
    let mut client = Client {
        side: ClientSide {
            group_ids: c.client_group.iter().cloned().collect(),
            network: c.client_network,
        },
        ..Default::default()
    };
    if let Some(id) = &c.instance_id {
        let instance = ec2::instance(ec2c, id).await.map_err(|e| match e {
            Error::NotFound { .. } => Error::not_found(
                format!("instance `{id}` in {}", region.aws_region),
                "Check the client_instance_id",
            ),
            other => other,
        })?;
        client
            .side
            .group_ids
            .extend(instance.security_group_ids.iter().cloned());
        if client.side.network.is_none() {
            client.side.network = instance.private_ip.map(IpNet::from);
        }
        client.subnet_id = instance.subnet_id.clone();
        client.described_as = Some(format!(
            "instance {id}{}",
            instance
                .private_ip
                .map(|ip| format!(" ({ip})"))
                .unwrap_or_default()
        ));
    }
    client.side.group_ids.sort();
    client.side.group_ids.dedup();
    if !client.side.group_ids.is_empty() {
        client.groups = ec2::security_groups(ec2c, &client.side.group_ids, Vec::new()).await?;
    }
    if client.described_as.is_none() {
        let mut parts = Vec::new();
        if !client.side.group_ids.is_empty() {
            parts.push(format!("group(s) {}", client.side.group_ids.join(", ")));
        }
        if let Some(n) = client.side.network {
            parts.push(n.to_string());
        }
        if !parts.is_empty() {
            client.described_as = Some(format!("the client ({})", parts.join(", ")));
        }
    }
    Ok(client)
}

fn security_findings(
    facts: &Facts,
    endpoint: Option<&VpcEndpoint>,
    t: &setup::Target,
    client: &Client,
    view: &ControlView,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let (Some(endpoint), Some(port)) = (endpoint, t.address.as_ref().map(|a| a.port)) else {
        out.push(finding(
            "security_group_inbound",
            Status::Skip,
            "needs a VPC endpoint and the private link's port",
            None,
        ));
        return out;
    };
    let groups = match &facts.endpoint_groups {
        Ok(g) => g,
        Err(e) => {
            out.push(finding(
                "security_group_inbound",
                Status::Fail,
                e.clone(),
                None,
            ));
            return out;
        }
    };
    let endpoint_group = endpoint
        .security_group_ids
        .first()
        .cloned()
        .unwrap_or_default();
    let Some(who) = &client.described_as else {
        // No client named: at least some rule must let the port in.
        let any = groups
            .iter()
            .flat_map(|g| g.inbound.iter().map(move |r| (g, r)))
            .find(|(_, r)| r.admits_tcp(port));
        out.push(match any {
            Some((g, r)) => finding(
                "security_group_inbound",
                Status::Pass,
                format!("{} allows {} (give client_instance_id, client_security_group_id or client_cidr to check a particular client)", g.id, r.summary("from")),
                None,
            ),
            None => finding(
                "security_group_inbound",
                Status::Fail,
                format!("no security group of {} ({}) allows tcp {port} in: connections time out", endpoint.id, endpoint.security_group_ids.join(", ")),
                tool_fix("allow_client_access", json!({ "endpoint_security_group_id": endpoint_group, "cluster_id": t.cluster_id(), "source_cidr": facts.vpc.as_ref().ok().and_then(|v| v.cidr_blocks.first().cloned()).unwrap_or_default() })),
            ),
        });
        out.push(finding(
            "security_group_outbound",
            Status::Skip,
            "no client given",
            None,
        ));
        return out;
    };
    match reach::inbound(groups, port, &client.side) {
        GroupVerdict::Allowed { group_id, rule } => out.push(finding(
            "security_group_inbound",
            Status::Pass,
            format!("{group_id} allows {rule}, which covers {who}"),
            None,
        )),
        GroupVerdict::Unknown { group_id, rule } => out.push(finding(
            "security_group_inbound",
            Status::Warn,
            format!(
                "only `{rule}` on {group_id} might let {who} in; prefix lists are not expanded here"
            ),
            None,
        )),
        GroupVerdict::Denied => {
            let mut arguments = json!({ "endpoint_security_group_id": endpoint_group, "cluster_id": t.cluster_id() });
            match (client.side.group_ids.first(), client.side.network) {
                (Some(g), _) => arguments["source_security_group_id"] = json!(g),
                (None, Some(n)) => arguments["source_cidr"] = json!(n.to_string()),
                _ => {}
            }
            out.push(finding(
                "security_group_inbound",
                Status::Fail,
                format!(
                    "no rule of {} ({}) allows tcp {port} from {who}: connections time out",
                    endpoint.id,
                    endpoint.security_group_ids.join(", ")
                ),
                tool_fix("allow_client_access", arguments),
            ));
        }
    }
    if client.groups.is_empty() {
        out.push(finding(
            "security_group_outbound",
            Status::Skip,
            "the client's security groups are not known (give client_instance_id or client_security_group_id)",
            None,
        ));
    } else {
        match reach::outbound(&client.groups, port, &endpoint.security_group_ids, &view.endpoint_addresses) {
            GroupVerdict::Allowed { group_id, rule } => out.push(finding(
                "security_group_outbound",
                Status::Pass,
                format!("{group_id} allows {rule}"),
                None,
            )),
            GroupVerdict::Unknown { group_id, rule } => out.push(finding(
                "security_group_outbound",
                Status::Warn,
                format!("only `{rule}` on {group_id} might let the traffic out; prefix lists are not expanded here"),
                None,
            )),
            GroupVerdict::Denied => out.push(finding(
                "security_group_outbound",
                Status::Fail,
                format!("the client's groups ({}) do not allow tcp {port} out to the endpoint", client.side.group_ids.join(", ")),
                Some(format!(
                    "aws ec2 authorize-security-group-egress --group-id {} --ip-permissions IpProtocol=tcp,FromPort={port},ToPort={port},UserIdGroupPairs=[{{GroupId={endpoint_group}}}]",
                    client.side.group_ids[0]
                )),
            )),
        }
    }
    out
}

async fn acl_findings(
    ec2c: &aws_sdk_ec2::Client,
    facts: &Facts,
    endpoint: Option<&VpcEndpoint>,
    t: &setup::Target,
    client: &Client,
    view: &ControlView,
) -> Vec<Finding> {
    let (Some(endpoint), Some(port), Some(network)) = (
        endpoint,
        t.address.as_ref().map(|a| a.port),
        client.side.network,
    ) else {
        return vec![finding(
            "network_acl",
            Status::Skip,
            "needs the endpoint, the port and the client's address (client_instance_id or client_cidr)",
            None,
        )];
    };
    // Each check: the ACL, where it sits, the direction, the ports and the peer.
    let mut problems: Vec<AclProblem> = Vec::new();
    let mut check = |acl_id: &str,
                     entries: &[ec2::AclEntry],
                     place: String,
                     ingress: bool,
                     ports: &[u16],
                     peer: &IpNet| {
        if let Err(why) = reach::acl_allows(entries, !ingress, ports, peer) {
            problems.push(AclProblem {
                acl_id: acl_id.to_string(),
                detail: format!("{acl_id} ({place}): {why}"),
                ingress,
                replies: ports != [port],
            });
        }
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut read_errors = Vec::new();
    for subnet in &endpoint.subnet_ids {
        match ec2::network_acl_of_subnet(ec2c, subnet).await {
            Ok(Some((acl_id, entries))) if seen.insert(acl_id.clone()) => {
                let place = format!("endpoint subnet {subnet}");
                check(
                    &acl_id,
                    &entries,
                    format!("{place}, inbound"),
                    true,
                    &[port],
                    &network,
                );
                check(
                    &acl_id,
                    &entries,
                    format!("{place}, replies out"),
                    false,
                    &reach::EPHEMERAL_SAMPLES,
                    &network,
                );
            }
            Ok(_) => {}
            Err(e) => read_errors.push(e.to_string()),
        }
    }
    let client_subnet = client.subnet_id.clone().or_else(|| {
        facts.subnets.as_ref().ok().and_then(|subnets| {
            subnets
                .iter()
                .find(|s| {
                    s.cidr
                        .as_deref()
                        .and_then(|c| c.parse::<IpNet>().ok())
                        .is_some_and(|c| c.contains(&network))
                })
                .map(|s| s.id.clone())
        })
    });
    if let Some(subnet) = client_subnet
        && let Ok(Some((acl_id, entries))) = ec2::network_acl_of_subnet(ec2c, &subnet).await
    {
        for address in &view.endpoint_addresses {
            let endpoint_net = IpNet::from(*address);
            let place = format!("client subnet {subnet}");
            check(
                &acl_id,
                &entries,
                format!("{place}, outbound"),
                false,
                &[port],
                &endpoint_net,
            );
            check(
                &acl_id,
                &entries,
                format!("{place}, replies in"),
                true,
                &reach::EPHEMERAL_SAMPLES,
                &endpoint_net,
            );
        }
    }
    let mut out: Vec<Finding> = read_errors
        .into_iter()
        .map(|e| finding("network_acl", Status::Fail, e, None))
        .collect();
    if problems.is_empty() && out.is_empty() {
        return vec![finding(
            "network_acl",
            Status::Pass,
            format!(
                "the network ACLs of the endpoint's subnets{} let tcp {port} through, with replies",
                if client.subnet_id.is_some() {
                    " and the client's"
                } else {
                    ""
                }
            ),
            None,
        )];
    }
    out.extend(problems.into_iter().map(|p| {
        let direction = if p.ingress { "--ingress" } else { "--egress" };
        let range = if p.replies { "From=1024,To=65535".to_string() } else { format!("From={port},To={port}") };
        let fix = format!(
            "aws ec2 create-network-acl-entry --network-acl-id {} {direction} --rule-number <below the denying rule> --protocol tcp --port-range {range} --cidr-block {network} --rule-action allow",
            p.acl_id
        );
        finding("network_acl", Status::Fail, p.detail, Some(fix))
    }));
    out
}

/// A network ACL that blocks one direction of the connection.
struct AclProblem {
    acl_id: String,
    detail: String,
    ingress: bool,
    /// The replies (ephemeral ports) are blocked, not the private link's port.
    replies: bool,
}

/// The raw results of the probes.
#[derive(Debug, Clone)]
struct ProbeResults {
    resolution: Resolution,
    /// One per resolved address.
    connects: Vec<(IpAddr, Connect)>,
    http: Option<probes::HttpOutcome>,
    timeout: Duration,
    resolver: String,
    custom_resolver: bool,
}

/// Resolve, connect, then speak HTTP, all within the probe timeout plus half a second.
async fn data_plane(
    host: &str,
    port: u16,
    dns_server: Option<SocketAddr>,
    timeout: Duration,
) -> ProbeResults {
    let deadline = tokio::time::Instant::now() + timeout + Duration::from_millis(500);
    let left = || {
        deadline
            .saturating_duration_since(tokio::time::Instant::now())
            .min(timeout)
    };
    let resolution = probes::resolve(host, dns_server, timeout).await;
    let mut results = ProbeResults {
        resolution: resolution.clone(),
        connects: Vec::new(),
        http: None,
        timeout,
        resolver: dns_server.map_or("the system's resolver".to_string(), |s| {
            format!("DNS server {s}")
        }),
        custom_resolver: dns_server.is_some(),
    };
    let Resolution::Addresses(addresses) = resolution else {
        return results;
    };
    let budget = left();
    let connects =
        futures::future::join_all(addresses.iter().map(|a| async move {
            (*a, probes::connect(SocketAddr::new(*a, port), budget).await)
        }))
        .await;
    let open = connects
        .iter()
        .find(|(_, c)| *c == Connect::Open)
        .map(|(a, _)| *a);
    results.connects = connects;
    if let Some(address) = open {
        let budget = left();
        if !budget.is_zero() {
            results.http =
                Some(probes::http(host, port, SocketAddr::new(address, port), budget).await);
        }
    }
    results
}

/// Turns probe results into findings, reading them against what the control plane knows.
fn interpret(
    r: &ProbeResults,
    host: &str,
    port: u16,
    view: &ControlView,
    c: &Checked,
    target: Option<&setup::Target>,
) -> (Vec<Finding>, Option<bool>) {
    let mut out = Vec::new();
    let dns_fix = match (target, &c.vpc_id) {
        (Some(t), Some(vpc)) => tool_fix(
            "setup_private_dns",
            json!({ "cluster_id": t.cluster_id(), "vpc_id": vpc }),
        ),
        _ => None,
    };
    let seconds = r.timeout.as_secs_f64();
    let mut inside = None;
    let addresses = match &r.resolution {
        Resolution::Addresses(a) => a.clone(),
        Resolution::NoSuchName => {
            // With the system's resolver and DNS set up right, a missing name means the
            // private zone does not answer here: this machine is outside the VPC.
            if !r.custom_resolver && view.dns_configured == Some(true) {
                inside = Some(false);
                out.push(finding(
                    "dns_resolution",
                    Status::Skip,
                    format!("{host} does not resolve here although its private zone is in place: this machine is outside the VPC"),
                    None,
                ));
            } else {
                out.push(finding(
                    "dns_resolution",
                    Status::Fail,
                    format!("{host} does not resolve ({}: no such name): applications cannot find the private link", r.resolver),
                    dns_fix,
                ));
            }
            return (out, inside);
        }
        Resolution::TimedOut => {
            out.push(finding(
                "dns_resolution",
                Status::Fail,
                format!(
                    "{} did not answer for {host} within {seconds} s",
                    r.resolver
                ),
                None,
            ));
            return (out, inside);
        }
        Resolution::Failed(e) => {
            out.push(finding(
                "dns_resolution",
                Status::Fail,
                format!("resolving {host} failed: {e}"),
                None,
            ));
            return (out, inside);
        }
    };
    let shown = addresses
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let public: Vec<&IpAddr> = addresses
        .iter()
        .filter(|a| !probes::is_private(a))
        .collect();
    if !public.is_empty() {
        if !r.custom_resolver {
            inside = Some(false);
        }
        out.push(finding(
            "dns_resolution",
            Status::Fail,
            format!("{host} resolves to public address(es) {shown}: the private zone is not answering here, so traffic would leave the VPC"),
            dns_fix,
        ));
    } else if !view.endpoint_addresses.is_empty()
        && addresses
            .iter()
            .all(|a| view.endpoint_addresses.contains(a))
    {
        inside = Some(true);
        out.push(finding(
            "dns_resolution",
            Status::Pass,
            format!("{host} resolves to the endpoint's addresses {shown}"),
            None,
        ));
    } else if !view.endpoint_addresses.is_empty() {
        out.push(finding(
            "dns_resolution",
            Status::Warn,
            format!(
                "{host} resolves to {shown}, not to the endpoint's addresses ({}): another endpoint, or a stale record?",
                view.endpoint_addresses.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            ),
            dns_fix,
        ));
    } else {
        out.push(finding(
            "dns_resolution",
            Status::Pass,
            format!("{host} resolves to {shown}"),
            None,
        ));
    }
    if inside == Some(false) {
        return (out, inside);
    }

    let access_fix = view.endpoint_group_id.as_ref().and_then(|g| {
        let mut arguments = json!({ "endpoint_security_group_id": g });
        if let Some(t) = target {
            arguments["cluster_id"] = json!(t.cluster_id());
        } else {
            arguments["port"] = json!(port);
        }
        if let Some(n) = c.client_network {
            arguments["source_cidr"] = json!(n.to_string());
        }
        tool_fix("allow_client_access", arguments)
    });
    for (address, result) in &r.connects {
        out.push(match result {
            Connect::Open => finding("tcp_connect", Status::Pass, format!("{address}:{port} accepts connections"), None),
            Connect::Refused => finding(
                "tcp_connect",
                Status::Fail,
                format!("{address}:{port} refused the connection: nothing listens on port {port} there (a wrong port, or an address that is not the endpoint)"),
                None,
            ),
            Connect::TimedOut => finding(
                "tcp_connect",
                Status::Fail,
                format!("{address}:{port} did not answer within {seconds} s: a security group or network ACL drops the traffic"),
                access_fix.clone(),
            ),
            Connect::Failed(e) => finding("tcp_connect", Status::Fail, format!("{address}:{port}: {e}"), None),
        });
    }
    match &r.http {
        None => {}
        Some(h) => out.push(match (&h.answer, &h.tls_problem, h.timed_out) {
            (Some((code, scheme)), tls, _) => {
                let mut detail = format!("{scheme}://{host}:{port}/ answered HTTP {code}: the path to Zilliz works");
                if *code == 400 {
                    detail.push_str(" (400 is the private link's usual answer to a bare request)");
                }
                match tls {
                    Some(problem) => finding(
                        "http",
                        Status::Warn,
                        format!("{detail}; but TLS verification failed: {problem}"),
                        None,
                    ),
                    None => finding("http", Status::Pass, detail, None),
                }
            }
            (None, _, true) => finding(
                "http",
                Status::Fail,
                format!("{host}:{port} accepted the connection but sent no HTTP answer within {seconds} s"),
                None,
            ),
            (None, _, false) => finding(
                "http",
                Status::Fail,
                format!("no HTTP answer from {host}:{port}: {}", h.failure.clone().unwrap_or_default()),
                None,
            ),
        }),
    }
    (out, inside)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "in01-abc-privatelink.aws-us-west-2.vectordb.zillizcloud.com";

    fn checked(custom_resolver: bool) -> Checked {
        Checked {
            cluster_id: Some("in01-abc".into()),
            address: None,
            vpc_id: Some("vpc-11111111".into()),
            instance_id: None,
            client_group: None,
            client_network: None,
            probe: true,
            dns_server: custom_resolver.then(|| "127.0.0.1:53".parse().unwrap()),
            probe_timeout: Duration::from_secs(3),
        }
    }

    fn results(resolution: Resolution, custom_resolver: bool) -> ProbeResults {
        ProbeResults {
            resolution,
            connects: Vec::new(),
            http: None,
            timeout: Duration::from_secs(3),
            resolver: "test".into(),
            custom_resolver,
        }
    }

    fn view(addresses: &[&str], dns_configured: bool) -> ControlView {
        ControlView {
            endpoint_addresses: addresses.iter().map(|a| a.parse().unwrap()).collect(),
            dns_configured: Some(dns_configured),
            endpoint_group_id: Some("sg-11111111".into()),
        }
    }

    #[test]
    fn the_endpoints_own_addresses_mean_the_probes_ran_inside() {
        let ip: IpAddr = "10.0.0.10".parse().unwrap();
        let mut r = results(Resolution::Addresses(vec![ip]), false);
        r.connects = vec![(ip, Connect::TimedOut)];
        let (findings, inside) = interpret(
            &r,
            HOST,
            19530,
            &view(&["10.0.0.10"], true),
            &checked(false),
            None,
        );
        assert_eq!(inside, Some(true));
        assert_eq!(findings[0].status, Status::Pass);
        let tcp = &findings[1];
        assert_eq!(
            (tcp.check.as_str(), tcp.status),
            ("tcp_connect", Status::Fail)
        );
        assert!(tcp.detail.contains("security group or network ACL"));
        assert!(
            tcp.fix
                .as_deref()
                .unwrap()
                .starts_with("allow_client_access")
        );
    }

    #[test]
    fn no_such_name_with_dns_in_place_means_outside_the_vpc() {
        let (findings, inside) = interpret(
            &results(Resolution::NoSuchName, false),
            HOST,
            19530,
            &view(&["10.0.0.10"], true),
            &checked(false),
            None,
        );
        assert_eq!(inside, Some(false));
        assert_eq!(findings[0].status, Status::Skip);
        assert!(findings[0].detail.contains("outside the VPC"));
        // Against a resolver the user named, or with DNS not in place, it is a failure.
        let (findings, inside) = interpret(
            &results(Resolution::NoSuchName, true),
            HOST,
            19530,
            &view(&[], true),
            &checked(true),
            None,
        );
        assert_eq!((inside, findings[0].status), (None, Status::Fail));
        let (findings, _) = interpret(
            &results(Resolution::NoSuchName, false),
            HOST,
            19530,
            &view(&[], false),
            &checked(false),
            None,
        );
        assert_eq!(findings[0].status, Status::Fail);
    }

    #[test]
    fn public_addresses_fail_and_mean_outside() {
        let r = results(
            Resolution::Addresses(vec!["3.5.140.2".parse().unwrap()]),
            false,
        );
        let (findings, inside) = interpret(
            &r,
            HOST,
            19530,
            &view(&["10.0.0.10"], true),
            &checked(false),
            None,
        );
        assert_eq!(inside, Some(false));
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].detail.contains("public"));
        assert_eq!(
            findings.len(),
            1,
            "no connection probes are read from outside"
        );
    }

    #[test]
    fn other_private_addresses_warn() {
        let r = results(
            Resolution::Addresses(vec!["10.9.9.9".parse().unwrap()]),
            false,
        );
        let (findings, inside) = interpret(
            &r,
            HOST,
            19530,
            &view(&["10.0.0.10"], true),
            &checked(false),
            None,
        );
        assert_eq!((inside, findings[0].status), (None, Status::Warn));
        assert!(findings[0].detail.contains("10.0.0.10"));
    }

    #[test]
    fn http_answers_and_tls_problems() {
        let ip: IpAddr = "10.0.0.10".parse().unwrap();
        let mut r = results(Resolution::Addresses(vec![ip]), false);
        r.connects = vec![(ip, Connect::Open)];
        r.http = Some(probes::HttpOutcome {
            answer: Some((400, "https")),
            tls_problem: Some("invalid peer certificate: UnknownIssuer".into()),
            failure: None,
            timed_out: false,
        });
        let (findings, _) = interpret(
            &r,
            HOST,
            19530,
            &view(&["10.0.0.10"], true),
            &checked(false),
            None,
        );
        let http = findings.iter().find(|f| f.check == "http").unwrap();
        assert_eq!(http.status, Status::Warn);
        assert!(http.detail.contains("HTTP 400") && http.detail.contains("UnknownIssuer"));
    }
}
