//! One engine behind `diagnose_private_link` and `zilliz-privatelink-mcp doctor`: checks every
//! link of the chain (control plane through the AWS and Zilliz APIs, data plane with real
//! DNS, TCP and HTTP probes) and names the broken one with its fix.
//!
//! The control plane is judged by [`crate::verdict`] over facts gathered once
//! ([`crate::facts`]), the same verdicts `get_setup_status` shows as steps; [`network`] adds
//! the client's outbound rules and the network ACLs; [`data_plane`] probes and reads the
//! results. Every failing or warning [`Finding`] carries its fix by construction.

pub(crate) mod data_plane;
pub(crate) mod dns_path;
pub(crate) mod finding;
pub(crate) mod network;
pub(crate) mod onprem;
pub(crate) mod peering;
pub(crate) mod probes;
pub(crate) mod remote;

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use ipnet::IpNet;
use schemars::JsonSchema;
use serde::Serialize;

use crate::address::{PrivateLinkAddress, expected_private_link_host};
use crate::app::App;
use crate::aws::ec2::{self, SecurityGroup};
use crate::aws::imds::Machine;
use crate::cluster;
use crate::error::Error;
use crate::facts::{self, Facts};
use crate::reach::ClientSide;
use crate::region::RegionNames;
use crate::request::DiagnoseRequest;
use crate::request::ToolCall;
use crate::summary::Summary;
use crate::validate::{self, AwsId};
use crate::verdict::{self, ClientView};
use crate::zilliz::model::{PlanSupport, plan_support};
use data_plane::ProbeContext;
pub(crate) use finding::{Finding, Status, mark};

pub(crate) const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// The control plane's reads get longer than the probes: AWS retries throttling.
const CONTROL_PLANE_DEADLINE: Duration = Duration::from_secs(30);

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct Report {
    /// Nothing failed.
    pub(crate) healthy: bool,
    /// Whether the probes ran inside the VPC: true when the host resolved to the endpoint's
    /// own addresses, false when the results show they ran outside, null when unknown.
    pub(crate) ran_inside_vpc: Option<bool>,
    pub(crate) findings: Vec<Finding>,
    pub(crate) cluster_id: Option<String>,
    pub(crate) vpc_id: Option<String>,
    pub(crate) host: Option<String>,
    pub(crate) port: Option<u16>,
    pub(crate) region_id: Option<String>,
    pub(crate) aws_region: Option<String>,
    /// The command that runs the same diagnosis on an instance inside the VPC.
    pub(crate) doctor_command: Option<String>,
    pub(crate) elapsed_ms: u64,
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

/// The request, checked.
struct Checked {
    cluster_id: Option<String>,
    address: Option<PrivateLinkAddress>,
    vpc_id: Option<String>,
    instance_id: Option<String>,
    client_group: Option<String>,
    client_network: Option<IpNet>,
    client_vpc: Option<String>,
    probe: bool,
    dns_server: Option<SocketAddr>,
    probe_timeout: Duration,
    machine: Option<Machine>,
}

impl Checked {
    /// The client is given by its address alone: it may be in another VPC of the region, or
    /// outside them all (on premises).
    fn address_only(&self) -> bool {
        self.client_network.is_some() && self.client_vpc.is_none() && self.instance_id.is_none()
    }
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
    // On an instance, its VPC is the one meant, and the instance is the client, unless the
    // caller said otherwise.
    let machine = r.machine.clone();
    Ok(Checked {
        cluster_id,
        address,
        vpc_id: r
            .vpc_id
            .as_deref()
            .map(|v| AwsId::Vpc.check(v))
            .transpose()?
            .or_else(|| machine.as_ref().map(|m| m.vpc_id.clone())),
        instance_id: r
            .client_instance_id
            .as_deref()
            .map(|i| AwsId::Instance.check(i))
            .transpose()?
            .or_else(|| machine.as_ref().map(|m| m.instance_id.clone())),
        client_group: r
            .client_security_group_id
            .as_deref()
            .map(|g| AwsId::SecurityGroup.check_field("client_security_group_id", g))
            .transpose()?,
        client_vpc: r
            .client_vpc_id
            .as_deref()
            .map(|v| AwsId::Vpc.check_field("client_vpc_id", v))
            .transpose()?,
        client_network: r
            .client_cidr
            .as_deref()
            .map(|c| validate::cidr("client_cidr", c))
            .transpose()?,
        probe: r.probe.unwrap_or(true),
        dns_server,
        probe_timeout,
        machine,
    })
}

/// Everything the checks know about the client: who it is and its groups and subnet.
#[derive(Debug, Default)]
struct Client {
    view: ClientView,
    groups: Vec<SecurityGroup>,
    subnet_id: Option<String>,
    /// The client's own VPC where it is not the endpoint's, with what was read of it.
    elsewhere: Option<(String, Result<ClientVpc, Error>)>,
    /// Where only an address was given: every VPC of the region with its blocks, to find the
    /// client's VPC or to tell that it is outside them all (on premises).
    networks: Option<Result<Vec<VpcBlocks>, Error>>,
}

/// A VPC's id and its address blocks.
type VpcBlocks = (String, Vec<IpNet>);

/// The client's own VPC, its private zones and its route tables.
type ClientVpc = (
    ec2::Vpc,
    Vec<crate::aws::route53::Zone>,
    Vec<ec2::RouteTable>,
);

pub(crate) async fn diagnose(app: &App, request: DiagnoseRequest) -> Result<Report, Error> {
    let c = check(app, &request)?;
    let started = Instant::now();
    let mut findings = Vec::new();

    // Round 1: the cluster (the facts reuse this read).
    let target = match &c.cluster_id {
        Some(id) => Some(cluster::read(app, id).await),
        None => None,
    };
    let known = target.as_ref().and_then(|t| t.as_ref().ok()).cloned();
    if let Some(Err(e)) = &target {
        findings.push(finding::fail(
            "cluster",
            e.to_string(),
            ToolCall::ListZillizClusters(Default::default()),
        ));
    }
    let region = known.as_ref().map(|t| t.region.clone());
    let link = c
        .address
        .clone()
        .or_else(|| known.as_ref().and_then(|t| t.address.clone()));
    let host = link.as_ref().map(|l| l.host.clone()).or_else(|| {
        known
            .as_ref()
            .map(|t| expected_private_link_host(t.cluster_id(), &t.region.region_id))
    });
    let port = link.as_ref().map(|l| l.port);

    let control = async {
        match (&known, &c.vpc_id) {
            (Some(t), Some(vpc)) => {
                match tokio::time::timeout(CONTROL_PLANE_DEADLINE, control_plane(app, t, vpc, &c))
                    .await
                {
                    Ok(result) => result,
                    Err(_) => (
                        vec![finding::fail(
                            "control_plane",
                            format!(
                                "AWS and Zilliz did not answer within {} s",
                                CONTROL_PLANE_DEADLINE.as_secs()
                            ),
                            "call again; if it persists, check the AWS region's and Zilliz \
                             Cloud's status pages and this machine's network",
                        )],
                        Sight::default(),
                    ),
                }
            }
            (Some(t), None) => (without_vpc(t), Sight::default()),
            (None, _) => (Vec::new(), Sight::default()),
        }
    };
    let probes = async {
        match (&host, port, c.probe) {
            (Some(h), Some(p), true) => {
                Some(data_plane::run(h, p, c.dns_server, c.probe_timeout).await)
            }
            _ => None,
        }
    };
    let ((control_findings, sight), probe_results) = tokio::join!(control, probes);
    findings.extend(control_findings);

    let ran_inside_vpc = match (&probe_results, &host, port) {
        (Some(results), Some(h), Some(p)) => {
            let context = ProbeContext {
                host: h.clone(),
                port: p,
                cluster_id: c.cluster_id.clone(),
                vpc_id: c.vpc_id.clone(),
                endpoint_id: sight.endpoint_id,
                endpoint_addresses: sight.endpoint_addresses,
                endpoint_group_id: sight.endpoint_group_id,
                client_network: c.client_network,
                dns_configured: sight.dns_configured,
                profile_dns_fix: sight.profile_dns_fix,
                inside_vpc: match (&c.machine, &c.vpc_id) {
                    (Some(m), Some(vpc)) => Some(&m.vpc_id == vpc),
                    _ => None,
                },
            };
            let (probe_findings, inside) = data_plane::interpret(results, &context);
            findings.extend(probe_findings);
            inside
        }
        _ => {
            let (why, fix) = if !c.probe {
                (
                    "probe: false",
                    "call again with probe: true (on an instance inside the VPC: zilliz-privatelink-mcp doctor)",
                )
            } else if port.is_none() {
                (
                    "the private link address (its port) is not known yet",
                    "the probes run once Zilliz has allocated the address: fix the failing checks above first",
                )
            } else {
                (
                    "no host to probe",
                    "give cluster_id or the private link address",
                )
            };
            findings.push(finding::skip(
                "dns_resolution",
                format!("not run: {why}"),
                fix,
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
        findings.push(finding::warn(
            "probe_location",
            "the probes ran outside the VPC (the private zone does not answer here), so they say \
             nothing about the application's path",
            format!("run on an instance inside the VPC: {command}"),
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

/// The cluster alone, when no VPC is named.
fn without_vpc(t: &cluster::AwsCluster) -> Vec<Finding> {
    let cluster = facts::ClusterFacts::of(t);
    let mut out = vec![finding::from_verdict(&verdict::cluster_ready(
        &t.cluster.cluster_id,
        &cluster,
    ))];
    out.extend(plan_warning(t));
    if t.address.is_none() {
        out.push(finding::fail(
            "private_link_address",
            format!(
                "{} has no private link address: no VPC endpoint is registered and accepted for \
                 project {} in {}",
                t.cluster_id(),
                t.project_id,
                t.region.region_id
            ),
            "give vpc_id (the VPC the application runs in) to see which step is missing, or ask \
             get_setup_status with it",
        ));
    }
    out.push(finding::skip(
        "vpc",
        "no vpc_id given: the endpoint, DNS and security group checks need it",
        "give vpc_id: the VPC the application runs in (list_vpcs shows them)",
    ));
    out
}

/// A plan word this tool does not know: said, not failed.
fn plan_warning(t: &cluster::AwsCluster) -> Option<Finding> {
    (plan_support(t.cluster.plan.as_deref()) == PlanSupport::Unknown).then(|| {
        finding::warn(
            "cluster_plan",
            format!(
                "{}'s plan `{}` is not one this tool knows; private links need the Enterprise plan",
                t.cluster_id(),
                t.cluster.plan.as_deref().unwrap_or("(none given)")
            ),
            "check the project's plan in the Zilliz Cloud console (Billing): Enterprise or above \
             serves private links",
        )
    })
}

/// What the control plane learnt that the probes' reading needs.
#[derive(Debug, Clone, Default)]
struct Sight {
    endpoint_id: Option<String>,
    endpoint_addresses: Vec<IpAddr>,
    endpoint_group_id: Option<String>,
    /// The zone, record and DNS attributes are in place.
    dns_configured: Option<bool>,
    /// The DNS change to propose where a Route 53 Profile brings the zone.
    profile_dns_fix: Option<String>,
}

async fn control_plane(
    app: &App,
    t: &cluster::AwsCluster,
    vpc_id: &str,
    c: &Checked,
) -> (Vec<Finding>, Sight) {
    let region = t.region.clone();
    let clients = match app.aws.clients(Some(&region)).await {
        Ok(clients) => clients,
        Err(e) => {
            return (
                vec![finding::fail(
                    "aws",
                    e.to_string(),
                    "check the AWS credentials and profile the server runs with (see the README's \
                     Configuration)",
                )],
                Sight::default(),
            );
        }
    };
    // Rounds 2 and 3: the facts; the client (and its own VPC) beside them; and, for a client
    // that may be outside the VPC, the endpoint VPC's routes (the way back) and, for an address
    // alone, the inbound Resolver endpoints (on premises).
    let outside = c.client_vpc.is_some() || c.instance_id.is_some() || c.client_network.is_some();
    let (facts, client, surroundings) = tokio::join!(
        facts::gather_from(app, t.cluster_id(), Ok(t.clone()), vpc_id),
        client(&clients, c, vpc_id, &region),
        async {
            if !outside {
                return None;
            }
            let (tables, inbound, peerings) = tokio::join!(
                ec2::route_tables_of_vpc(&clients.ec2, vpc_id),
                async {
                    if c.address_only() {
                        Some(crate::aws::resolver::inbound_endpoints(&clients.resolver).await)
                    } else {
                        None
                    }
                },
                async {
                    if c.client_vpc.is_some() {
                        ec2::peering_connections_of_vpc(&clients.ec2, vpc_id)
                            .await
                            .unwrap_or_default()
                    } else {
                        Vec::new()
                    }
                },
            );
            Some((tables, inbound, peerings))
        },
    );
    // A VPC of another region: the one verdict says so; nothing else is judged across them.
    if facts.vpc_region.is_some() {
        return (judged(&facts, None, t), Sight::default());
    }
    let client = match client {
        Ok(client) => client,
        Err(e) => {
            let mut out = judged(&facts, None, t);
            out.push(finding::fail(
                "client",
                e.to_string(),
                "check client_instance_id and client_security_group_id: they must be in the \
                 cluster's region",
            ));
            return (out, Sight::default());
        }
    };
    let mut client = client;
    let client_vpc = client.elsewhere.take();
    let other_vpc = client_vpc.as_ref().map(|(id, _)| id.clone());
    let client_vpc = client_vpc.map(|(_, reads)| reads);
    // A client VPC this account cannot read in this region, joined to the endpoint's VPC by a
    // peering: the peering tells its account, region and blocks.
    let peerings = match &surroundings {
        Some((_, _, peerings)) => peerings.as_slice(),
        None => &[],
    };
    let across = match (&client_vpc, &other_vpc) {
        (Some(Err(Error::NotFound { .. })), Some(id)) => {
            peerings.iter().find(|p| p.other_side(vpc_id).vpc_id == *id)
        }
        _ => None,
    };
    let mut across_findings = Vec::new();
    if let Some(peering) = across {
        let judged = peering::across_peering(&peering::AcrossPeering {
            cluster_id: t.cluster_id(),
            endpoint_vpc: vpc_id,
            this_region: &region.aws_region,
            peering,
            endpoint_groups: facts.endpoint_groups.as_deref().unwrap_or_default(),
            client_groups: &client.view.side.group_ids,
            port: t.address.as_ref().map(|a| a.port),
        });
        let side = &mut client.view.side;
        if !judged.group_reference_honoured {
            side.group_ids.clear();
        }
        if side.network.is_none() {
            side.network = judged.network;
            if let Some(n) = judged.network {
                client.view.described_as =
                    format!("clients in {} ({n})", peering.other_side(vpc_id).vpc_id);
            }
        }
        across_findings = judged.findings;
    }
    // A client in another VPC, given by that VPC alone, is its address range.
    if let Some(Ok((vpc, _, _))) = &client_vpc
        && client.view.side.network.is_none()
        && client.view.side.group_ids.is_empty()
        && let Some(cidr) = vpc.cidr_blocks.first().and_then(|c| c.parse().ok())
    {
        client.view.side.network = Some(cidr);
        client.view.described_as = format!("clients in {} ({cidr})", vpc.id);
    }
    // A client known by its security groups has an address in their VPC's blocks.
    if client.view.side.network.is_none() {
        let group_vpcs: BTreeSet<&str> = client
            .groups
            .iter()
            .filter_map(|g| g.vpc_id.as_deref())
            .collect();
        let blocks = |vpc: &ec2::Vpc| -> Vec<IpNet> {
            vpc.cidr_blocks
                .iter()
                .filter_map(|c| c.parse().ok())
                .collect()
        };
        if let [only] = group_vpcs.into_iter().collect::<Vec<_>>()[..] {
            let endpoint_vpc = facts.vpc.as_ref().ok().filter(|v| v.id == only);
            let other_vpc = match &client_vpc {
                Some(Ok((v, _, _))) if v.id == only => Some(v),
                _ => None,
            };
            if let Some(vpc) = endpoint_vpc.or(other_vpc) {
                client.view.side.within = blocks(vpc);
            }
        }
    }
    let described = !client.view.described_as.is_empty();
    let mut out = judged(&facts, described.then_some(&client.view), t);
    out.extend(extra_findings(&facts, t, vpc_id, &client));
    let endpoint_tables = match &surroundings {
        Some((Ok(tables), _, _)) => Some(tables.as_slice()),
        _ => None,
    };
    match (
        client_vpc,
        other_vpc.as_deref(),
        facts.endpoint(),
        &t.address,
    ) {
        (
            Some(Ok((client_vpc_read, zones, tables))),
            Some(client_vpc),
            Some(endpoint),
            Some(address),
        ) => {
            let endpoint_subnets: Vec<IpNet> = facts
                .subnets
                .as_ref()
                .map(|subnets| {
                    subnets
                        .iter()
                        .filter(|s| endpoint.subnet_ids.contains(&s.id))
                        .filter_map(|s| s.cidr.as_deref()?.parse().ok())
                        .collect()
                })
                .unwrap_or_default();
            out.extend(peering::judge(&peering::PeeringInput {
                cluster_id: t.cluster_id(),
                host: &address.host,
                client_vpc,
                endpoint_vpc: vpc_id,
                endpoint_id: &endpoint.id,
                client_zones: &zones,
                client_route_tables: &tables,
                endpoint_subnets: &endpoint_subnets,
            }));
            if let (Ok(groups), Some(port)) =
                (&facts.endpoint_groups, t.address.as_ref().map(|a| a.port))
            {
                out.extend(peering::group_reference(
                    groups,
                    &client.view.side.group_ids,
                    &tables,
                    &endpoint_subnets,
                    port,
                    client_vpc_read
                        .cidr_blocks
                        .first()
                        .and_then(|c| c.parse().ok())
                        .as_ref(),
                ));
            }
            let client_networks: Vec<IpNet> = client_vpc_read
                .cidr_blocks
                .iter()
                .filter_map(|c| c.parse().ok())
                .collect();
            if let Some(tables) = endpoint_tables {
                out.push(peering::way_back(&peering::WayBack {
                    endpoint_vpc: vpc_id,
                    endpoint_subnets: &endpoint.subnet_ids,
                    tables,
                    client: &client_networks,
                    client_is: &format!("the client's {client_vpc}"),
                    through: peering::ACROSS_VPCS,
                }));
            }
        }
        (Some(Err(_)), _, _, _) if across.is_some() => out.append(&mut across_findings),
        (Some(Err(e)), _, _, _) => out.push(finding::fail(
            "client_vpc",
            e.to_string(),
            "check client_vpc_id: it must be a VPC of the cluster's region in this account",
        )),
        _ => {}
    }

    // A client outside every VPC of the region: on premises, over a VPN or Direct Connect.
    if let (Some((_, Some(inbound), _)), Some(Ok(networks)), Some(network), None, Some(address)) = (
        &surroundings,
        &client.networks,
        client.view.side.network,
        &other_vpc,
        &t.address,
    ) && !networks
        .iter()
        .any(|(_, blocks)| blocks.iter().any(|b| b.contains(&network)))
    {
        out.push(match inbound {
            Ok(inbound) => onprem::dns(&onprem::OnPremises {
                host: &address.host,
                vpc_id,
                answering_vpcs: &answering_vpcs(&facts),
                inbound,
                client: network,
            }),
            Err(e) => finding::skip(
                "on_premises_dns",
                format!("the inbound Resolver endpoints could not be read: {e}"),
                "grant route53resolver:ListResolverEndpoints and \
                 ListResolverEndpointIpAddresses, then diagnose again",
            ),
        });
        if let (Some(tables), Some(endpoint)) = (endpoint_tables, facts.endpoint()) {
            out.push(peering::way_back(&peering::WayBack {
                endpoint_vpc: vpc_id,
                endpoint_subnets: &endpoint.subnet_ids,
                tables,
                client: &[network],
                client_is: &format!("the client network {network} outside the region's VPCs"),
                through: peering::FROM_PREMISES,
            }));
        }
    }
    let endpoint = facts.endpoint();
    let dns_checks = [
        "hosted_zone",
        "alias_record",
        "vpc_dns_attributes",
        "zone_shadowing",
    ];
    let sight = Sight {
        endpoint_id: endpoint.map(|e| e.id.clone()),
        endpoint_addresses: facts.endpoint_addresses.clone(),
        endpoint_group_id: endpoint.and_then(|e| e.security_group_ids.first().cloned()),
        profile_dns_fix: match (&facts.zone, &t.address) {
            (Ok(Some(zone)), Some(address)) => {
                verdict::profile_record_remedy(&facts, zone, &address.host, endpoint)
                    .map(|r| r.text())
            }
            _ => None,
        },
        dns_configured: Some(
            out.iter()
                .filter(|f| dns_checks.contains(&f.check.as_str()))
                .all(|f| matches!(f.status, Status::Pass | Status::Warn)),
        ),
    };
    (out, sight)
}

/// The VPCs where a private zone answers for the host: the endpoint's own (where its zone
/// does), every other VPC that zone is tied to, every VPC the Profile that brings it reaches,
/// and the VPCs of other zones named for the host.
fn answering_vpcs(facts: &Facts) -> Vec<String> {
    let mut vpcs = Vec::new();
    if let Ok(Some(_)) = &facts.zone {
        vpcs.push(facts.vpc_id.clone());
        vpcs.extend(facts.zone_vpcs.iter().cloned());
        if let (Some(resource), Ok(brought)) = (&facts.zone_profile, &facts.profiles) {
            vpcs.extend(
                brought
                    .profile_vpcs
                    .iter()
                    .filter(|(p, _)| *p == resource.profile_id)
                    .flat_map(|(_, v)| v.iter().cloned()),
            );
        }
    }
    vpcs.extend(facts.elsewhere.iter().flat_map(|(_, v)| v.iter().cloned()));
    vpcs.sort();
    vpcs.dedup();
    vpcs
}

/// The setup's verdicts as findings, and the plan word where it is not known.
fn judged(facts: &Facts, client: Option<&ClientView>, t: &cluster::AwsCluster) -> Vec<Finding> {
    let mut out: Vec<Finding> = verdict::judge(facts, client)
        .iter()
        .map(finding::from_verdict)
        .collect();
    if let Some(warning) = plan_warning(t) {
        out.insert(1, warning);
    }
    out
}

/// The diagnosis's own checks beyond the setup's steps: the VPC's DNS attributes, the
/// endpoint's private DNS and zones, zones that shadow the host, the client's outbound rules
/// and the network ACLs.
fn extra_findings(
    facts: &Facts,
    t: &cluster::AwsCluster,
    vpc_id: &str,
    client: &Client,
) -> Vec<Finding> {
    let mut out = Vec::new();
    match &facts.vpc {
        Err(e) => out.push(finding::fail(
            "vpc_dns_attributes",
            e.clone(),
            "check the vpc_id and the region",
        )),
        Ok(vpc) => {
            let mut off = Vec::new();
            if vpc.dns_support != Some(true) {
                off.push(("enableDnsSupport", "--enable-dns-support"));
            }
            if vpc.dns_hostnames != Some(true) {
                off.push(("enableDnsHostnames", "--enable-dns-hostnames"));
            }
            if off.is_empty() {
                out.push(finding::pass(
                    "vpc_dns_attributes",
                    format!("{vpc_id} has enableDnsSupport and enableDnsHostnames"),
                ));
            } else {
                out.push(finding::fail(
                    "vpc_dns_attributes",
                    format!(
                        "{vpc_id} has {} off: its private hosted zones do not answer",
                        off.iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                    // setup_private_dns turns both attributes on (its preview lists them).
                    ToolCall::setup_private_dns(t.cluster_id(), vpc_id, None),
                ));
            }
        }
    }
    let endpoint = facts.endpoint();
    if let Some(e) = endpoint {
        if e.private_dns_enabled == Some(true) {
            out.push(finding::warn(
                "endpoint_private_dns",
                format!(
                    "{} has private DNS on; the private hosted zone does that job, and Zilliz's \
                     guide turns it off",
                    e.id
                ),
                format!(
                    "aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --no-private-dns-enabled",
                    e.id
                ),
            ));
        }
        let zones: BTreeSet<&str> = match &facts.subnets {
            Ok(subnets) => subnets
                .iter()
                .filter(|s| e.subnet_ids.contains(&s.id))
                .map(|s| s.availability_zone.as_str())
                .collect(),
            Err(_) => BTreeSet::new(),
        };
        if zones.len() == 1 {
            out.push(finding::warn(
                "endpoint_availability_zones",
                format!(
                    "{} has subnets in one zone only ({}): clients in other zones cross zones, and \
                     a zone outage cuts the link",
                    e.id,
                    zones.iter().next().copied().unwrap_or("")
                ),
                format!(
                    "aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --add-subnet-ids <a subnet \
                     in another supported zone>",
                    e.id
                ),
            ));
        } else if zones.len() > 1 {
            out.push(finding::pass(
                "endpoint_availability_zones",
                format!(
                    "{} spans {}",
                    e.id,
                    zones.into_iter().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    // The DNS path: which servers instances ask, and which rule or zone decides the host.
    if let Some(address) = &t.address {
        match (&facts.zones, &facts.resolver_rules, &facts.dns_servers) {
            (Ok(zones), Ok(rules), Ok(servers)) => {
                // What a Route 53 Profile brings counts as the VPC's own for Resolver.
                let mut zones = zones.clone();
                if let (Some(_), Ok(Some(zone))) = (&facts.zone_via, &facts.zone)
                    && !zones.contains(zone)
                {
                    zones.push(zone.clone());
                }
                let mut rules = rules.clone();
                let mut unreadable = Vec::new();
                if let Ok(brought) = &facts.profiles {
                    for carried in &brought.zones {
                        if let Some(name) = &carried.name {
                            let zone = crate::aws::route53::Zone {
                                id: carried.resource.resource_id.clone(),
                                name: name.clone(),
                            };
                            if !zones.contains(&zone) {
                                zones.push(zone);
                            }
                        }
                    }
                    rules.extend(brought.rules.iter().cloned());
                    unreadable.extend(brought.unreadable_rules.iter().map(|(r, e)| {
                        format!("{} ({}; {e})", r.resource_id, r.origin())
                    }));
                }
                let (zones, rules) = (&zones, &rules);
                let cidr = facts
                    .vpc
                    .as_ref()
                    .ok()
                    .and_then(|v| v.cidr_blocks.first().map(String::as_str));
                let mut path = dns_path::judge(&dns_path::PathInput {
                    host: &address.host,
                    vpc_id,
                    vpc_cidr: cidr,
                    zones,
                    rules,
                    dns_servers: servers,
                });
                if !unreadable.is_empty()
                    && let Some(decided) = path.iter_mut().find(|f| f.check == "resolver_rules")
                {
                    decided.detail.push_str(&format!(
                        "; the VPC's Profiles also bring Resolver rule(s) this account cannot \
                         read: {} (the probes from inside the VPC tell whether one takes the \
                         host away)",
                        unreadable.join(", ")
                    ));
                }
                out.extend(path);
            }
            // Without these reads the path is unknown, not broken: the check did not run.
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => out.push(finding::skip(
                "resolver_rules",
                format!("the DNS path could not be read: {e}"),
                "grant the action the error names (iam/read-only.json grants every read of the diagnosis), then diagnose again",
            )),
        }
    }
    if let Some(address) = &t.address {
        out.push(match &facts.firewall {
            Ok(rules) => {
                let mut found = dns_path::firewall(&address.host, vpc_id, rules);
                let unreadable: Vec<String> = facts
                    .profiles
                    .as_ref()
                    .map(|b| {
                        b.unreadable_firewall_groups
                            .iter()
                            .map(|(g, e)| format!("{} ({}; {e})", g.resource_id, g.origin()))
                            .collect()
                    })
                    .unwrap_or_default();
                if !unreadable.is_empty() {
                    found.detail.push_str(&format!(
                        "; the VPC's Profiles also bring DNS Firewall rule group(s) this account \
                         cannot read: {} (the probes from inside the VPC tell whether one blocks \
                         the host)",
                        unreadable.join(", ")
                    ));
                }
                found
            }
            Err(e) => finding::skip(
                "dns_firewall",
                format!("the DNS Firewall rules of {vpc_id} could not be read: {e}"),
                "grant route53resolver:ListFirewallRuleGroupAssociations, ListFirewallRules, \
                 ListFirewallDomainLists and ListFirewallDomains (iam/read-only.json grants them), then \
                 diagnose again",
            ),
        });
    }
    // A parent zone answers for the host only where the host has no zone of its own.
    if matches!(facts.zone, Ok(None)) {
        let host = t
            .address
            .as_ref()
            .map(|a| a.host.as_str())
            .unwrap_or_default();
        let fix = ToolCall::setup_private_dns(t.cluster_id(), vpc_id, None);
        for parent in &facts.parent_zones {
            let zone = &parent.zone;
            match &parent.answering {
                None => out.push(finding::fail(
                    "zone_shadowing",
                    format!(
                        "private zone {} ({}) is tied to {vpc_id} and has no record for {host}: \
                         inside the VPC it answers NXDOMAIN for the name",
                        zone.id, zone.name
                    ),
                    fix.clone(),
                )),
                // A wildcard answers with whatever it holds, which is not this endpoint.
                Some(name) if name.starts_with("*.") => out.push(finding::fail(
                    "zone_shadowing",
                    format!(
                        "private zone {} ({}) is tied to {vpc_id} and its wildcard record {name} \
                         answers for {host}: inside the VPC the name resolves to what the \
                         wildcard holds, not to the endpoint",
                        zone.id, zone.name
                    ),
                    format!(
                        "{fix} (a zone named exactly for the host is more specific than the \
                         wildcard and answers instead)"
                    ),
                )),
                Some(_) => {}
            }
        }
    }
    let (Some(e), Some(port)) = (endpoint, t.address.as_ref().map(|a| a.port)) else {
        out.push(finding::skip(
            "network_acl",
            "needs the endpoint and the private link's port",
            "follows from an earlier check: fix the failing endpoint or address check above",
        ));
        return out;
    };
    out.push(network::outbound(
        &client.groups,
        port,
        &e.security_group_ids,
        &facts.endpoint_addresses,
    ));
    match &facts.acls {
        Err(err) => out.push(finding::fail(
            "network_acl",
            err.clone(),
            "resolve the read error (it names the call and what it needs), then diagnose again",
        )),
        Ok(acls) => {
            let sources = match client.view.side.network {
                Some(n) => network::Sources::Client(n),
                None => network::Sources::Vpc(
                    facts
                        .vpc
                        .as_ref()
                        .map(|v| {
                            v.cidr_blocks
                                .iter()
                                .filter_map(|c| c.parse().ok())
                                .collect()
                        })
                        .unwrap_or_default(),
                ),
            };
            let client_subnet = client.subnet_id.clone().or_else(|| {
                let network = client.view.side.network?;
                facts.subnets.as_ref().ok()?.iter().find_map(|s| {
                    let cidr: IpNet = s.cidr.as_deref()?.parse().ok()?;
                    cidr.contains(&network).then(|| s.id.clone())
                })
            });
            out.extend(network::acls(&network::AclInput {
                acls,
                endpoint_subnets: &e.subnet_ids,
                client_subnet: client_subnet.as_deref(),
                endpoint_addresses: &facts.endpoint_addresses,
                port,
                sources,
            }));
        }
    }
    out
}

/// The client's own VPC, its private zones and its route tables, in one round.
async fn client_vpc_reads(
    clients: &crate::aws::RegionClients,
    vpc_id: &str,
    region: &RegionNames,
) -> Result<ClientVpc, Error> {
    let (vpc, zones, tables) = tokio::join!(
        ec2::vpc(&clients.ec2, vpc_id, region),
        crate::aws::route53::zones_of_vpc(&clients.route53, vpc_id, &region.aws_region),
        ec2::route_tables_of_vpc(&clients.ec2, vpc_id),
    );
    Ok((vpc?, zones?, tables?))
}

/// Reads what the caller said of the client: an instance (its groups, address, subnet and
/// VPC) and groups, in two rounds at most (the instance, then every group beside the client's
/// own VPC where that is not the endpoint's: `client_vpc_id`, else the instance's).
async fn client(
    clients: &crate::aws::RegionClients,
    c: &Checked,
    vpc_id: &str,
    region: &RegionNames,
) -> Result<Client, Error> {
    let ec2c = &clients.ec2;
    let mut instance_vpc = None;
    let mut client = Client {
        view: ClientView {
            side: ClientSide {
                group_ids: c.client_group.iter().cloned().collect(),
                network: c.client_network,
                within: vec![],
            },
            described_as: String::new(),
        },
        ..Default::default()
    };
    // Round 2: the instance, or, for an address alone, the region's VPCs.
    let (instance, networks) = tokio::join!(
        async {
            match &c.instance_id {
                Some(id) => Some(ec2::instance(ec2c, id).await),
                None => None,
            }
        },
        async {
            if c.address_only() {
                Some(ec2::vpc_networks(ec2c).await)
            } else {
                None
            }
        },
    );
    // The VPC whose blocks hold the address, most specific first.
    let address_vpc = match (&networks, c.client_network) {
        (Some(Ok(networks)), Some(network)) => networks
            .iter()
            .flat_map(|(id, blocks)| blocks.iter().map(move |b| (id, b)))
            .filter(|(_, b)| b.contains(&network))
            .max_by_key(|(_, b)| b.prefix_len())
            .map(|(id, _)| id.clone()),
        _ => None,
    };
    client.networks = networks;
    if let (Some(id), Some(instance)) = (&c.instance_id, instance) {
        let instance = instance.map_err(|e| match e {
            Error::NotFound { .. } => Error::not_found(
                format!("instance `{id}` in {}", region.aws_region),
                "Check the client_instance_id",
            ),
            other => other,
        })?;
        let side = &mut client.view.side;
        side.group_ids
            .extend(instance.security_group_ids.iter().cloned());
        if side.network.is_none() {
            side.network = instance.private_ip.map(IpNet::from);
        }
        client.subnet_id = instance.subnet_id.clone();
        instance_vpc = instance.vpc_id.clone();
        client.view.described_as = format!(
            "instance {id}{}",
            instance
                .private_ip
                .map(|ip| format!(" ({ip})"))
                .unwrap_or_default()
        );
    }
    let side = &mut client.view.side;
    side.group_ids.sort();
    side.group_ids.dedup();
    let elsewhere = c
        .client_vpc
        .clone()
        .or(instance_vpc)
        .or(address_vpc)
        .filter(|v| v != vpc_id);
    let group_ids = side.group_ids.clone();
    let (groups, elsewhere) = tokio::join!(ec2::security_groups_by_id(ec2c, &group_ids), async {
        match elsewhere {
            Some(v) => {
                let reads = client_vpc_reads(clients, &v, region).await;
                Some((v, reads))
            }
            None => None,
        }
    },);
    client.groups = match groups {
        Ok(groups) => groups,
        // A group of a client VPC this account or region cannot read is known through the
        // peering that joins it, not through a read.
        Err(Error::NotFound { .. }) if c.client_vpc.is_some() => Vec::new(),
        Err(e) => return Err(e),
    };
    client.elsewhere = elsewhere;
    if client.view.described_as.is_empty() {
        let mut parts = Vec::new();
        if !client.view.side.group_ids.is_empty() {
            parts.push(format!(
                "group(s) {}",
                client.view.side.group_ids.join(", ")
            ));
        }
        if let Some(n) = client.view.side.network {
            parts.push(n.to_string());
        }
        if !parts.is_empty() {
            client.view.described_as = format!("the client ({})", parts.join(", "));
        }
    }
    Ok(client)
}
