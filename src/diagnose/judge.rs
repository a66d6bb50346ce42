//! The diagnosis's judgement of the control plane, as pure functions over what `gather` read:
//! the setup's verdicts as findings, then the diagnosis's own checks (DNS attributes, the
//! endpoint's placement, the DNS path and firewall, zones that shadow the host, the network),
//! then the client's side where it is outside the endpoint's VPC (another VPC, on premises).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use ipnet::IpNet;

use super::arguments::CheckedRequest;
use super::data_plane::{self, ProbeContext, ProbeResults};
use super::evidence::LogClient;
use super::gather::{ClientVpc, ControlPlaneReads, KnownClient, OtherVpc, Surroundings};
use super::{dns_path, network, onprem, peering, transit};
use crate::aws::ec2::{self, PeeringConnection, RouteTable};
use crate::cluster::AwsCluster;
use crate::error::{Error, FailedRead};
use crate::evidence::Evidence;
use crate::facts::{self, Facts};
use crate::finding::{self, Finding, Status};
use crate::request::ToolCall;
use crate::verdict::{self, ClientView, SetupStep};
use crate::zilliz::model::{PlanSupport, plan_support};

/// What the control plane learnt that the reading of the probes needs.
#[derive(Debug, Clone, Default)]
pub(super) struct ProbeHints {
    pub(super) endpoint_id: Option<String>,
    pub(super) endpoint_addresses: Vec<IpAddr>,
    pub(super) endpoint_group_id: Option<String>,
    /// The zone, record and DNS attributes are in place.
    pub(super) dns_configured: Option<bool>,
    /// The DNS change to propose where a Route 53 Profile brings the zone.
    pub(super) profile_dns_fix: Option<String>,
}

/// The control plane judged, with what the probes' reading needs, the reads that failed aside,
/// and the logs, judged once the probes are in.
#[derive(Debug, Default)]
pub(super) struct ControlPlane {
    pub(super) findings: Vec<Finding>,
    pub(super) hints: ProbeHints,
    pub(super) not_read: Vec<FailedRead>,
    pub(super) logs: Option<(Evidence, LogClient)>,
    /// Where the VPC named was a spoke of another VPC's endpoint: that VPC, from which the
    /// link was judged (the named VPC as the client's).
    pub(super) judged_from_hub: Option<String>,
}

impl ControlPlane {
    pub(super) fn timed_out(deadline: std::time::Duration) -> Self {
        Self {
            findings: vec![finding::fail(
                "control_plane",
                format!(
                    "AWS and Zilliz did not answer within {} s",
                    deadline.as_secs()
                ),
                "call again; if it persists, check the AWS region's and Zilliz Cloud's status \
                 pages and this machine's network",
            )],
            ..Default::default()
        }
    }
}

/// The control plane judged: AWS unreachable is one finding; otherwise the verdicts, the
/// diagnosis's own checks and the client's side, with what the probes' reading needs.
pub(super) fn control_plane(
    t: &AwsCluster,
    vpc_id: &str,
    reads: Result<ControlPlaneReads, Error>,
) -> ControlPlane {
    let (logs, judged) = match reads {
        Ok(mut reads) => {
            let logs = std::mem::take(&mut reads.logs);
            (Some(logs), judge_reads(t, vpc_id, Ok(reads)))
        }
        Err(e) => (None, judge_reads(t, vpc_id, Err(e))),
    };
    let (findings, hints, mut not_read) = judged;
    if let Some((evidence, _)) = &logs {
        not_read.extend(evidence.flows.failures());
        not_read.extend(evidence.queries.failures());
    }
    ControlPlane {
        findings,
        hints,
        not_read,
        logs,
        judged_from_hub: None,
    }
}

fn judge_reads(
    t: &AwsCluster,
    vpc_id: &str,
    reads: Result<ControlPlaneReads, Error>,
) -> (Vec<Finding>, ProbeHints, Vec<FailedRead>) {
    let ControlPlaneReads {
        facts,
        client,
        surroundings,
        logs: _,
        probes,
        client_facts,
        across_accounts_hub: _,
    } = match reads {
        Ok(reads) => reads,
        Err(e) => {
            let unreachable = finding::fail(
                "aws",
                e.to_string(),
                "check the AWS credentials and profile the server runs with (see the README's \
                 Configuration)",
            );
            return (vec![unreachable], ProbeHints::default(), Vec::new());
        }
    };
    let mut not_read = facts.failed_reads();
    // A client in another VPC asks that VPC's resolver: the DNS side is judged there, the
    // endpoint's side where the endpoint is.
    let facts = match client_facts.and_then(|asking| asking.reached_through(&facts)) {
        Some(asking) => {
            for read in asking.failed_reads() {
                if !not_read.contains(&read) {
                    not_read.push(read);
                }
            }
            asking
        }
        None => facts,
    };
    if let Some(s) = &surroundings {
        if let Err(e) = &s.route_tables {
            not_read.push(FailedRead::from(e));
        }
        if let Err(e) = &s.peerings {
            not_read.push(FailedRead::from(e));
        }
    }
    let mut client = match client {
        Ok(client) => client,
        Err(e) => {
            let mut out = judged(&facts, None, t);
            out.push(finding::fail(
                "client",
                e.to_string(),
                "check client_instance_id and client_security_group_id: they must be in the \
                 cluster's region",
            ));
            return (out, ProbeHints::default(), not_read);
        }
    };
    let other_vpc = client.other_vpc.take();
    if let Some(OtherVpc { read: Ok(read), .. }) = &other_vpc {
        let transit = &read.transit;
        not_read.extend(transit.attachments.as_ref().err().map(FailedRead::from));
        not_read.extend(transit.zone_of.as_ref().err().map(FailedRead::from));
        not_read.extend(
            transit
                .routes
                .values()
                .filter_map(|r| r.as_ref().err().map(FailedRead::from)),
        );
    }
    let peerings = surroundings
        .as_ref()
        .and_then(|s| s.peerings.as_ref().ok())
        .map_or(&[][..], Vec::as_slice);
    let across = across_peering(other_vpc.as_ref(), peerings, vpc_id);
    let across_findings = place_client(&mut client, &facts, t, vpc_id, other_vpc.as_ref(), across);
    let described = !client.view.described_as.is_empty();
    let mut out = judged(&facts, described.then_some(&client.view), t);
    out.extend(extra_findings(&facts, t, &client));
    let endpoint_tables = match &surroundings {
        Some(Surroundings {
            route_tables: Ok(tables),
            ..
        }) => Some(tables.as_slice()),
        _ => None,
    };
    match &other_vpc {
        Some(OtherVpc { id, read: Ok(read) }) => out.extend(client_vpc_findings(
            &facts,
            t,
            vpc_id,
            &client,
            id,
            read,
            endpoint_tables,
        )),
        Some(OtherVpc { read: Err(_), .. }) if across.is_some() => out.extend(across_findings),
        Some(OtherVpc { read: Err(e), .. }) => out.push(finding::fail(
            "client_vpc",
            e.to_string(),
            "check client_vpc_id: it must be a VPC of the cluster's region in this account",
        )),
        None => out.extend(on_premises_findings(
            &facts,
            t,
            vpc_id,
            &client,
            surroundings.as_ref(),
            endpoint_tables,
        )),
    }
    // The history of probes decides nothing of the link's health: where it cannot be read,
    // the finding says it is not known and the read is named among those not made.
    if let (Some((runs, scope)), Some(address)) = (&probes, &t.address) {
        if let Err(e) = runs {
            not_read.push(FailedRead::from(e));
        }
        out.push(super::history::finding(
            runs.as_deref().ok(),
            scope,
            address,
            t.cluster_id(),
            &facts,
        ));
    }
    let hints = probe_hints(&facts, t, &out);
    (out, hints, not_read)
}

/// A client VPC this account cannot read in this region, joined to the endpoint's VPC by a
/// peering: the peering tells its account, region and blocks.
pub(super) fn across_peering<'a>(
    other_vpc: Option<&OtherVpc>,
    peerings: &'a [PeeringConnection],
    vpc_id: &str,
) -> Option<&'a PeeringConnection> {
    match other_vpc {
        Some(OtherVpc {
            id,
            read: Err(Error::NotFound { .. }),
        }) => peerings.iter().find(|p| p.other_side(vpc_id).vpc_id == *id),
        _ => None,
    }
}

/// Works out where the client is, from what is known beyond what the caller said: across a
/// peering (its blocks, and whether a group reference holds), a client VPC given alone (its
/// block), a client known by its groups (inside their VPC's blocks). Answers the peering's
/// own findings.
pub(super) fn place_client(
    client: &mut KnownClient,
    facts: &Facts,
    t: &AwsCluster,
    vpc_id: &str,
    other_vpc: Option<&OtherVpc>,
    across: Option<&PeeringConnection>,
) -> Vec<Finding> {
    let mut across_findings = Vec::new();
    if let Some(peering) = across {
        let judged = peering::across_peering(&peering::AcrossPeering {
            cluster_id: t.cluster_id(),
            endpoint_vpc: vpc_id,
            this_region: &t.region.aws_region,
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
    let client_vpc = match other_vpc {
        Some(OtherVpc { read: Ok(read), .. }) => Some(&read.vpc),
        _ => None,
    };
    // A client in another VPC, given by that VPC alone, is its address range.
    if let Some(vpc) = client_vpc
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
        if let [only] = group_vpcs.into_iter().collect::<Vec<_>>()[..] {
            let endpoint_vpc = facts.vpc.as_ref().ok().filter(|v| v.id == only);
            let own_vpc = client_vpc.filter(|v| v.id == only);
            if let Some(vpc) = endpoint_vpc.or(own_vpc) {
                client.view.side.within = blocks(vpc);
            }
        }
    }
    across_findings
}

fn blocks(vpc: &ec2::Vpc) -> Vec<IpNet> {
    vpc.cidr_blocks
        .iter()
        .filter_map(|c| c.parse().ok())
        .collect()
}

/// A client in another VPC of this account and region: that VPC's zone and routes, a group
/// reference across the peering or transit gateway, and the endpoint VPC's way back.
fn client_vpc_findings(
    facts: &Facts,
    t: &AwsCluster,
    vpc_id: &str,
    client: &KnownClient,
    client_vpc: &str,
    read: &ClientVpc,
    endpoint_tables: Option<&[RouteTable]>,
) -> Vec<Finding> {
    let (Some(endpoint), Some(address)) = (facts.endpoint(), &t.address) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // The endpoint's subnets as the VPC has them: their blocks and their zones.
    let placed: Vec<&ec2::Subnet> = facts
        .subnets
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter(|s| endpoint.subnet_ids.contains(&s.id))
        .collect();
    let endpoint_subnets: Vec<IpNet> = placed
        .iter()
        .filter_map(|s| s.cidr.as_deref()?.parse().ok())
        .collect();
    // Where the DNS side was judged for the client's VPC, its zone is the hosted_zone step's.
    let zone_judged = facts.vpc_id == client_vpc;
    out.extend(
        peering::judge(&peering::PeeringInput {
            cluster_id: t.cluster_id(),
            host: &address.host,
            client_vpc,
            endpoint_vpc: vpc_id,
            endpoint_id: &endpoint.id,
            client_zones: &read.zones,
            client_route_tables: &read.route_tables,
            endpoint_subnets: &endpoint_subnets,
        })
        .into_iter()
        .filter(|f| !(zone_judged && f.check == "client_vpc_zone")),
    );
    let client_networks = blocks(&read.vpc);
    if let Ok(groups) = &facts.endpoint_groups {
        out.extend(peering::group_reference(
            groups,
            &client.view.side.group_ids,
            &read.route_tables,
            &endpoint_subnets,
            address.port,
            client_networks.first(),
        ));
    }
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
    let endpoint_zones: Vec<String> = placed
        .iter()
        .map(|s| s.availability_zone.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    out.extend(transit_findings(&TransitPath {
        client,
        client_vpc,
        read,
        client_networks: &client_networks,
        endpoint_vpc: vpc_id,
        endpoint_subnets: &endpoint_subnets,
        endpoint_zones: &endpoint_zones,
        endpoint_tables,
    }));
    out
}

/// Both VPCs of a client reached through a transit gateway, as `transit_findings` reads them.
struct TransitPath<'a> {
    client: &'a KnownClient,
    client_vpc: &'a str,
    read: &'a ClientVpc,
    client_networks: &'a [IpNet],
    endpoint_vpc: &'a str,
    endpoint_subnets: &'a [IpNet],
    endpoint_zones: &'a [String],
    endpoint_tables: Option<&'a [RouteTable]>,
}

/// Each way a VPC route table sends through a transit gateway, judged in the gateway's own
/// route tables: the client's packets to the endpoint's subnets (from the client instance's
/// zone, where known), and the answers back to the client's network (from the zones of the
/// endpoint's interfaces).
fn transit_findings(p: &TransitPath<'_>) -> Vec<Finding> {
    let transit = &p.read.transit;
    let there = peering::targets_for(&p.read.route_tables, p.endpoint_subnets, &["tgw-"]);
    let back_to: Vec<IpNet> = p
        .client
        .view
        .side
        .network
        .filter(|n| p.client_networks.iter().any(|b| b.contains(n)))
        .map_or_else(|| p.client_networks.to_vec(), |n| vec![n]);
    let back = p
        .endpoint_tables
        .map(|tables| peering::targets_for(tables, &back_to, &["tgw-"]))
        .unwrap_or_default();
    if there.is_empty() && back.is_empty() {
        return Vec::new();
    }
    let attachments = match &transit.attachments {
        Ok(attachments) => attachments,
        Err(e) => {
            let read = FailedRead::from(e);
            return vec![finding::unread(
                "transit_gateway",
                &read,
                format!(
                    "the route to the endpoint goes through {}, whose attachments could not be                      read: {e}",
                    there
                        .iter()
                        .chain(&back)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                finding::GRANT_AND_AGAIN,
            )];
        }
    };
    let empty = BTreeMap::new();
    let zone_of = transit.zone_of.as_ref().unwrap_or(&empty);
    let view = transit::TransitView {
        attachments,
        routes: &transit.routes,
        zone_of,
    };
    let client_zone: Option<Vec<String>> = p
        .client
        .subnet_id
        .as_ref()
        .and_then(|s| zone_of.get(s))
        .map(|z| vec![z.clone()]);
    let mut out: Vec<Finding> = there
        .iter()
        .map(|tgw| {
            transit::judge(
                &transit::Crossing {
                    check: "transit_gateway",
                    transit_gateway_id: tgw,
                    from_vpc: p.client_vpc,
                    from_zones: client_zone.as_deref(),
                    to_vpc: p.endpoint_vpc,
                    destinations: p.endpoint_subnets,
                    destinations_are: "the endpoint's subnets",
                },
                &view,
            )
        })
        .collect();
    out.extend(back.iter().map(|tgw| {
        transit::judge(
            &transit::Crossing {
                check: "transit_gateway_back",
                transit_gateway_id: tgw,
                from_vpc: p.endpoint_vpc,
                from_zones: (!p.endpoint_zones.is_empty()).then_some(p.endpoint_zones),
                to_vpc: p.client_vpc,
                destinations: &back_to,
                destinations_are: "the client's network",
            },
            &view,
        )
    }));
    out
}

/// A client outside every VPC of the region: on premises, over a VPN or Direct Connect. Its
/// DNS (the inbound Resolver endpoints it must forward to) and the endpoint VPC's way back.
fn on_premises_findings(
    facts: &Facts,
    t: &AwsCluster,
    vpc_id: &str,
    client: &KnownClient,
    surroundings: Option<&Surroundings>,
    endpoint_tables: Option<&[RouteTable]>,
) -> Vec<Finding> {
    let (Some(inbound), Some(Ok(networks)), Some(network), Some(address)) = (
        surroundings.and_then(|s| s.inbound.as_ref()),
        &client.networks,
        client.view.side.network,
        &t.address,
    ) else {
        return Vec::new();
    };
    if networks
        .iter()
        .any(|(_, blocks)| blocks.iter().any(|b| b.contains(&network)))
    {
        return Vec::new();
    }
    let mut out = vec![match inbound {
        Ok(inbound) => onprem::dns(&onprem::OnPremises {
            host: &address.host,
            vpc_id,
            answering_vpcs: &answering_vpcs(facts),
            inbound,
            client: network,
        }),
        Err(e) => finding::skip(
            "on_premises_dns",
            format!("the inbound Resolver endpoints could not be read: {e}"),
            "grant route53resolver:ListResolverEndpoints and \
             ListResolverEndpointIpAddresses, then diagnose again",
        ),
    }];
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
    out
}

/// The probes read with what the control plane learnt, or why they did not run; and whether
/// they ran inside the VPC.
pub(super) fn probes(
    probe_results: Option<&ProbeResults>,
    host: Option<&str>,
    port: Option<u16>,
    c: &CheckedRequest,
    hints: ProbeHints,
) -> (Vec<Finding>, Option<bool>) {
    match (probe_results, host, port) {
        (Some(results), Some(h), Some(p)) => {
            let context = ProbeContext {
                host: h.to_string(),
                port: p,
                cluster_id: c.cluster_id.clone(),
                vpc_id: c.vpc_id.clone(),
                endpoint_id: hints.endpoint_id,
                endpoint_addresses: hints.endpoint_addresses,
                endpoint_group_id: hints.endpoint_group_id,
                client_network: c.client_network,
                dns_configured: hints.dns_configured,
                profile_dns_fix: hints.profile_dns_fix,
                inside_vpc: match (&c.machine, &c.vpc_id) {
                    (Some(m), Some(vpc)) => Some(&m.vpc_id == vpc),
                    _ => None,
                },
            };
            data_plane::interpret(results, &context)
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
            let skipped = finding::skip("dns_resolution", format!("not run: {why}"), fix);
            (vec![skipped], None)
        }
    }
}

/// What the probes' reading needs from the control plane's findings.
fn probe_hints(facts: &Facts, t: &AwsCluster, out: &[Finding]) -> ProbeHints {
    let endpoint = facts.endpoint();
    let dns_checks = [
        SetupStep::HostedZone.check(),
        SetupStep::AliasRecord.check(),
        "vpc_dns_attributes",
        "zone_shadowing",
    ];
    ProbeHints {
        endpoint_id: endpoint.map(|e| e.id.clone()),
        endpoint_addresses: facts.endpoint_addresses.clone(),
        endpoint_group_id: endpoint.and_then(|e| e.security_group_ids.first().cloned()),
        profile_dns_fix: match (&facts.zone, &t.address) {
            (Ok(Some(zone)), Some(address)) => {
                verdict::profile_record_remedy(facts, zone, &address.host, endpoint)
                    .map(|r| r.text())
            }
            _ => None,
        },
        dns_configured: Some(
            out.iter()
                .filter(|f| dns_checks.contains(&f.check.as_str()))
                .all(|f| matches!(f.status, Status::Pass | Status::Warn)),
        ),
    }
}

/// The cluster alone, when no VPC is named.
pub(super) fn without_vpc(t: &AwsCluster) -> Vec<Finding> {
    let cluster = facts::ClusterFacts::of(t);
    let mut out = vec![finding::from_verdict(&verdict::cluster_ready(
        &t.cluster.cluster_id,
        &cluster,
    ))];
    out.extend(plan_warning(t));
    if t.address.is_none() {
        out.push(finding::fail(
            SetupStep::PrivateLinkAddress.check(),
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
fn plan_warning(t: &AwsCluster) -> Option<Finding> {
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
    vpcs.extend(
        facts
            .other_vpcs_host_zones
            .iter()
            .flat_map(|(_, v)| v.iter().cloned()),
    );
    vpcs.sort();
    vpcs.dedup();
    vpcs
}

/// The setup's verdicts as findings, and the plan word where it is not known.
fn judged(facts: &Facts, client: Option<&ClientView>, t: &AwsCluster) -> Vec<Finding> {
    let mut out: Vec<Finding> = verdict::judge(facts, client)
        .iter()
        .map(finding::from_verdict)
        .collect();
    if let Some(warning) = plan_warning(t) {
        out.insert(1, warning);
    }
    out
}

/// The diagnosis's own checks beyond the setup's steps, each a function of its own.
/// The diagnosis's own checks: the DNS side (attributes, path, firewall, shadowing zones) of the
/// VPC whose resolver the client asks (`facts.vpc_id`), the endpoint's placement and the
/// network on the endpoint's side.
fn extra_findings(facts: &Facts, t: &AwsCluster, client: &KnownClient) -> Vec<Finding> {
    let vpc_id = facts.vpc_id.as_str();
    let mut out = Vec::new();
    out.push(dns_attributes(facts, t, vpc_id));
    out.extend(endpoint_placement(facts));
    if let Some(address) = &t.address {
        out.extend(dns_path_findings(facts, &address.host, vpc_id));
        out.push(firewall_finding(facts, &address.host, vpc_id));
    }
    out.extend(shadowing(facts, t, vpc_id));
    out.extend(network_findings(facts, t, client));
    out
}

/// The VPC's DNS attributes: with either off, its private zones do not answer.
fn dns_attributes(facts: &Facts, t: &AwsCluster, vpc_id: &str) -> Finding {
    let vpc = match &facts.vpc {
        // A call that failed (denied, throttled, unavailable) leaves the attributes unknown; a
        // VPC that is not there is the argument's fault.
        Err(e) if e.call_failed() => {
            return finding::unread(
                "vpc_dns_attributes",
                e,
                format!("the DNS attributes of {vpc_id} could not be read: {e}"),
                finding::GRANT_AND_AGAIN,
            );
        }
        Err(e) => {
            return finding::fail(
                "vpc_dns_attributes",
                e.message(),
                "check the vpc_id and the region",
            )
            .naming(e);
        }
        Ok(vpc) => vpc,
    };
    let off: Vec<&str> = [
        (vpc.dns_support, "enableDnsSupport"),
        (vpc.dns_hostnames, "enableDnsHostnames"),
    ]
    .into_iter()
    .filter(|(on, _)| *on != Some(true))
    .map(|(_, name)| name)
    .collect();
    if off.is_empty() {
        return finding::pass(
            "vpc_dns_attributes",
            format!("{vpc_id} has enableDnsSupport and enableDnsHostnames"),
        );
    }
    finding::fail(
        "vpc_dns_attributes",
        format!(
            "{vpc_id} has {} off: its private hosted zones do not answer",
            off.join(" and ")
        ),
        // setup_private_dns turns both attributes on (its preview lists them).
        ToolCall::setup_private_dns(t.cluster_id(), vpc_id, None),
    )
}

/// The endpoint's private DNS (off, as the guide says) and its zones (more than one).
fn endpoint_placement(facts: &Facts) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(e) = facts.endpoint() {
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
            Err(err) => {
                out.push(finding::unread(
                    "endpoint_availability_zones",
                    err,
                    format!("the zones of {}'s subnets could not be read: {err}", e.id),
                    finding::GRANT_AND_AGAIN,
                ));
                return out;
            }
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
    out
}

/// The DNS path: which servers instances ask, and which rule or zone decides the host.
fn dns_path_findings(facts: &Facts, host: &str, vpc_id: &str) -> Vec<Finding> {
    let mut path = vpc_dns_path(facts, host, vpc_id);
    // A Profile can bring a Resolver rule for the host: without the Profiles, the VPC's own
    // rules settle nothing, unless one of them already takes the host away.
    if let Err(e) = &facts.profiles
        && let Some(decided) = path.iter_mut().find(|f| f.check == "resolver_rules")
        && decided.status != finding::Status::Fail
    {
        *decided = finding::unread(
            "resolver_rules",
            e,
            format!(
                "the Route 53 Profiles of {vpc_id} could not be read ({e}): one could bring a \
                 Resolver rule that takes {host} away, so the VPC's own rules do not settle it"
            ),
            finding::GRANT_AND_AGAIN,
        );
    }
    path
}

/// The DNS path from the VPC's own rules and zones, and what its Profiles bring.
fn vpc_dns_path(facts: &Facts, host: &str, vpc_id: &str) -> Vec<Finding> {
    match (&facts.zones, &facts.resolver_rules, &facts.dns_servers) {
        (Ok(zones), Ok(rules), Ok(servers)) => {
            // What a Route 53 Profile brings counts as the VPC's own for Resolver.
            let mut zones = zones.clone();
            if let (Some(_), Ok(Some(zone))) = (&facts.zone_reached_by, &facts.zone)
                && !zones.contains(zone)
            {
                zones.push(zone.clone());
            }
            let mut rules = rules.clone();
            let mut unreadable = Vec::new();
            let mut unread_reads = Vec::new();
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
                unreadable.extend(
                    brought
                        .unreadable_rules
                        .iter()
                        .map(|(r, e)| format!("{} ({}; {e})", r.resource_id, r.origin())),
                );
                unread_reads.extend(brought.unreadable_rules.iter().map(|(_, e)| e));
            }
            let (zones, rules) = (&zones, &rules);
            let cidr = facts
                .vpc
                .as_ref()
                .ok()
                .and_then(|v| v.cidr_blocks.first().map(String::as_str));
            let mut path = dns_path::judge(&dns_path::PathInput {
                host,
                vpc_id,
                vpc_cidr: cidr,
                zones,
                rules,
                dns_servers: servers,
            });
            // A rule the Profiles bring that cannot be read may take the host away: unless a
            // rule already fails it, the path is not settled (the probes from inside the VPC
            // tell).
            if let Some((first, rest)) = unread_reads.split_first()
                && let Some(decided) = path.iter_mut().find(|f| f.check == "resolver_rules")
                && decided.status != finding::Status::Fail
            {
                *decided = finding::unread(
                    "resolver_rules",
                    first,
                    format!(
                        "{}; but the VPC's Profiles also bring Resolver rule(s) this account \
                         cannot read: {}, and one could take the host away",
                        decided.detail,
                        unreadable.join(", ")
                    ),
                    "grant route53resolver:GetResolverRule for those rules (iam/read-only.json \
                     grants it; another account's rule needs that account's share), or probe \
                     from inside the VPC (probe_from_instance, or `zilliz-privatelink-mcp \
                     doctor` on an instance), which shows what Resolver answers",
                );
                *decided = rest.iter().fold(decided.clone(), |f, e| f.naming(e));
            }
            path
        }
        // Without these reads the path is unknown, not broken: the check did not run.
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => vec![finding::unread(
            "resolver_rules",
            e,
            format!("the DNS path could not be read: {e}"),
            finding::GRANT_AND_AGAIN,
        )],
    }
}

/// The VPC's DNS Firewall, as AWS evaluates it for the host.
fn firewall_finding(facts: &Facts, host: &str, vpc_id: &str) -> Finding {
    // A Profile can bring a rule group that blocks the host: without the Profiles, the VPC's
    // own groups do not settle it.
    if let (Err(e), Ok(_)) = (&facts.profiles, &facts.firewall) {
        return finding::unread(
            "dns_firewall",
            e,
            format!(
                "the Route 53 Profiles of {vpc_id} could not be read ({e}): one could bring a DNS \
                 Firewall rule group that blocks {host}, so the VPC's own groups do not settle it"
            ),
            finding::GRANT_AND_AGAIN,
        );
    }
    match &facts.firewall {
        Ok(rules) => {
            let mut found = dns_path::firewall(host, vpc_id, rules);
            let unreadable = facts
                .profiles
                .as_ref()
                .map(|b| b.unreadable_firewall_groups.as_slice())
                .unwrap_or_default();
            // A rule group the Profiles bring that cannot be read may block the host: unless a
            // rule already blocks it, the firewall is not settled (the probes tell).
            if let Some(((_, first), rest)) = unreadable.split_first()
                && found.status != finding::Status::Fail
            {
                let named: Vec<String> = unreadable
                    .iter()
                    .map(|(g, e)| format!("{} ({}; {e})", g.resource_id, g.origin()))
                    .collect();
                found = finding::unread(
                    "dns_firewall",
                    first,
                    format!(
                        "{}; but the VPC's Profiles also bring DNS Firewall rule group(s) this \
                         account cannot read: {}, and one could block the host",
                        found.detail,
                        named.join(", ")
                    ),
                    "grant route53resolver:ListFirewallRules for those groups \
                     (iam/read-only.json grants it; another account's group needs that \
                     account's share), or probe from inside the VPC (probe_from_instance, or \
                     `zilliz-privatelink-mcp doctor` on an instance), which shows what Resolver \
                     answers",
                );
                found = rest.iter().fold(found, |f, (_, e)| f.naming(e));
            }
            found
        }
        Err(e) => finding::unread(
            "dns_firewall",
            e,
            format!("the DNS Firewall rules of {vpc_id} could not be read: {e}"),
            "grant route53resolver:ListFirewallRuleGroupAssociations, ListFirewallRules, \
             ListFirewallDomainLists and ListFirewallDomains (iam/read-only.json grants them), then \
             diagnose again",
        ),
    }
}

/// Parent zones tied to the VPC that answer for the host where it has no zone of its own.
fn shadowing(facts: &Facts, t: &AwsCluster, vpc_id: &str) -> Vec<Finding> {
    let mut out = Vec::new();
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
            if let Some(e) = &parent.unread {
                out.push(finding::unread(
                    "zone_shadowing",
                    e,
                    format!(
                        "private zone {} ({}) is tied to {vpc_id} and answers for {host} where no \
                         zone of its own name does, but its records could not be read: {e}",
                        zone.id, zone.name
                    ),
                    finding::GRANT_AND_AGAIN,
                ));
                continue;
            }
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
    out
}

/// The client's outbound rules and the network ACLs on the way, in both directions.
fn network_findings(facts: &Facts, t: &AwsCluster, client: &KnownClient) -> Vec<Finding> {
    let mut out = Vec::new();
    let endpoint = facts.endpoint();
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
        Err(err) => out.push(
            finding::fail(
                "network_acl",
                err.message(),
                "resolve the read error (it names the call and what it needs), then diagnose again",
            )
            .naming(err),
        ),
        Ok(acls) => {
            let side = &client.view.side;
            let sources = network::acl_sources(side.network, &side.within, || {
                facts.vpc.as_ref().map(blocks).unwrap_or_default()
            });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::PrivateLinkAddress;
    use crate::aws::resolver::InboundEndpoint;
    use crate::facts::fixtures::*;
    use crate::reach::ClientSide;
    use crate::region::RegionNames;
    use crate::zilliz::model::Cluster;

    fn cluster() -> AwsCluster {
        AwsCluster {
            cluster: Cluster {
                cluster_id: "in01-abc".into(),
                cluster_name: None,
                project_id: Some("proj-1".into()),
                region_id: Some("aws-us-west-2".into()),
                plan: Some("Enterprise".into()),
                status: Some("RUNNING".into()),
                connect_address: None,
                private_link_address: None,
            },
            project_id: "proj-1".into(),
            region: RegionNames::from_aws("us-west-2"),
            address: Some(PrivateLinkAddress {
                host: HOST.into(),
                port: 19531,
            }),
        }
    }

    fn reads(facts: Facts, client: KnownClient) -> Result<ControlPlaneReads, Error> {
        Ok(ControlPlaneReads {
            facts,
            client: Ok(client),
            surroundings: None,
            logs: Default::default(),
            probes: None,
            client_facts: None,
            across_accounts_hub: None,
        })
    }

    fn checks(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.check.as_str()).collect()
    }

    #[test]
    fn aws_out_of_reach_is_one_finding_and_nothing_is_judged() {
        let ControlPlane {
            findings: out,
            hints,
            ..
        } = control_plane(
            &cluster(),
            "vpc-11111111",
            Err(Error::Config("no credentials".into())),
        );
        assert_eq!(checks(&out), ["aws"]);
        assert_eq!(out[0].status, Status::Fail);
        assert!(hints.dns_configured.is_none());
    }

    #[test]
    fn a_cross_region_link_is_judged_as_a_link() {
        let mut facts = with_address(nothing());
        facts.cross_region = Some(crate::facts::CrossRegion {
            vpc_region: crate::region::RegionNames::parse("us-east-1").unwrap(),
            offered: Some(true),
        });
        let out = control_plane(
            &cluster(),
            "vpc-11111111",
            reads(facts, KnownClient::default()),
        )
        .findings;
        // Judged on, check by check; the one missing piece is proposed in the VPC's region.
        assert!(checks(&out).contains(&"network_acl"), "{:?}", checks(&out));
        let endpoint = out.iter().find(|f| f.check == "vpc_endpoint").unwrap();
        let Some(ToolCall::CreateVpcEndpoint(call)) = &endpoint.remedy else {
            panic!("{endpoint:?}")
        };
        assert_eq!(call.region.as_deref(), Some("us-east-1"));
    }

    #[test]
    fn dns_attributes_off_are_fixed_by_setup_private_dns() {
        let mut facts = with_address(nothing());
        let t = cluster();
        assert_eq!(
            dns_attributes(&facts, &t, "vpc-11111111").status,
            Status::Pass
        );
        if let Ok(vpc) = &mut facts.vpc {
            vpc.dns_hostnames = Some(false);
        }
        let off = dns_attributes(&facts, &t, "vpc-11111111");
        assert_eq!(off.status, Status::Fail);
        assert!(off.detail.contains("enableDnsHostnames") && !off.detail.contains("Support"));
        assert_eq!(
            off.remedy.as_ref().map(ToolCall::tool).as_deref(),
            Some("setup_private_dns")
        );
    }

    #[test]
    fn a_client_known_by_its_group_is_inside_its_vpc_blocks() {
        let facts = with_address(nothing());
        let mut client = KnownClient {
            groups: vec![group(vec![])],
            ..Default::default()
        };
        client.view.side = ClientSide {
            group_ids: vec!["sg-11111111".into()],
            ..Default::default()
        };
        place_client(&mut client, &facts, &cluster(), "vpc-11111111", None, None);
        assert_eq!(
            client.view.side.within,
            vec!["10.0.0.0/16".parse::<IpNet>().unwrap()]
        );
        assert!(client.view.side.network.is_none());
    }

    #[test]
    fn on_premises_is_judged_only_for_an_address_outside_every_vpc() {
        let facts = with_address(nothing());
        let surroundings = Surroundings {
            route_tables: Ok(vec![]),
            inbound: Some(Ok(vec![InboundEndpoint {
                id: "rslvr-in-1".into(),
                vpc_id: "vpc-11111111".into(),
                addresses: vec!["10.0.0.53".into()],
            }])),
            peerings: Ok(vec![]),
        };
        let client_at = |network: &str| {
            let mut client = KnownClient {
                networks: Some(Ok(vec![(
                    "vpc-11111111".into(),
                    vec!["10.0.0.0/16".parse().unwrap()],
                )])),
                ..Default::default()
            };
            client.view.side.network = Some(network.parse().unwrap());
            client
        };
        let t = cluster();
        let outside = on_premises_findings(
            &facts,
            &t,
            "vpc-11111111",
            &client_at("192.168.1.0/24"),
            Some(&surroundings),
            None,
        );
        assert_eq!(checks(&outside), ["on_premises_dns"]);
        let inside = on_premises_findings(
            &facts,
            &t,
            "vpc-11111111",
            &client_at("10.0.3.7/32"),
            Some(&surroundings),
            None,
        );
        assert!(inside.is_empty());
    }

    #[test]
    fn the_probes_learn_whether_the_dns_is_in_place() {
        let facts = with_address(nothing());
        let t = cluster();
        let passing = vec![finding::pass("hosted_zone", "zone Z1")];
        assert_eq!(probe_hints(&facts, &t, &passing).dns_configured, Some(true));
        let failing = vec![
            finding::pass("hosted_zone", "zone Z1"),
            finding::fail("alias_record", "no record", "setup_private_dns"),
        ];
        assert_eq!(
            probe_hints(&facts, &t, &failing).dns_configured,
            Some(false)
        );
    }
}
