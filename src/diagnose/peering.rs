//! A client in another VPC than the endpoint's (peering or a transit gateway): its VPC must be
//! tied to the private zone, and its route tables must send the endpoint subnets' addresses
//! across. Judged over plain data.

use ipnet::IpNet;

use crate::aws::ec2::{PeeringConnection, RouteTable, SecurityGroup};
use crate::aws::route53::Zone;
use crate::aws::rules::Peer;
use crate::finding::{self, Finding};
use crate::request::AccessRequest;
use crate::request::ToolCall;

/// Everything the judgement reads.
#[derive(Debug, Clone)]
pub(super) struct PeeringInput<'a> {
    pub(super) cluster_id: &'a str,
    pub(super) host: &'a str,
    pub(super) client_vpc: &'a str,
    pub(super) endpoint_vpc: &'a str,
    pub(super) endpoint_id: &'a str,
    /// The private zones tied to the client's VPC.
    pub(super) client_zones: &'a [Zone],
    pub(super) client_route_tables: &'a [RouteTable],
    /// The CIDR blocks of the endpoint's subnets.
    pub(super) endpoint_subnets: &'a [IpNet],
}

/// The target of the route a packet to `network` takes in `table`: the most specific one
/// that covers it, as VPC routing picks it.
fn route_for<'a>(table: &'a RouteTable, network: &IpNet) -> Option<&'a str> {
    table
        .routes
        .iter()
        .filter(|(destination, _)| destination.contains(network))
        .max_by_key(|(destination, _)| destination.prefix_len())
        .map(|(_, target)| target.as_str())
}

/// A route crosses to another VPC through peering or a transit gateway.
fn crosses(target: &str) -> bool {
    target.starts_with("pcx-") || target.starts_with("tgw-")
}

/// The targets (`pcx-…`, `tgw-…`) the tables' routes for `networks` go through, each once, so
/// that a passing route says which peering or transit gateway carries it.
pub(super) fn targets_for<'a>(
    tables: impl IntoIterator<Item = &'a RouteTable>,
    networks: &[IpNet],
    kinds: &[&str],
) -> Vec<&'a str> {
    let mut targets: Vec<&str> = tables
        .into_iter()
        .flat_map(|t| networks.iter().filter_map(move |n| route_for(t, n)))
        .filter(|target| kinds.iter().any(|k| target.starts_with(k)))
        .collect();
    targets.sort();
    targets.dedup();
    targets
}

pub(super) fn judge(p: &PeeringInput<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    out.push(match p.client_zones.iter().find(|z| z.name == p.host) {
        Some(zone) => finding::pass(
            "client_vpc_zone",
            format!(
                "private zone {} ({}) is tied to the client's {}",
                zone.id, p.host, p.client_vpc
            ),
        ),
        None => finding::fail(
            "client_vpc_zone",
            format!(
                "no private zone {} is tied to the client's {}: its instances resolve the \
                     host publicly, not to {} in {}",
                p.host, p.client_vpc, p.endpoint_id, p.endpoint_vpc
            ),
            ToolCall::setup_private_dns(p.cluster_id, p.client_vpc, Some(p.endpoint_id)),
        ),
    });
    // A broad peering route loses to a narrower one elsewhere.
    let missing: Vec<&IpNet> = p
        .endpoint_subnets
        .iter()
        .filter(|subnet| {
            !p.client_route_tables
                .iter()
                .any(|t| route_for(t, subnet).is_some_and(crosses))
        })
        .collect();
    out.push(if missing.is_empty() {
        finding::pass(
            "client_vpc_routes",
            format!(
                "the route tables of {} send the endpoint's subnets ({}) across to {} through {}",
                p.client_vpc,
                p.endpoint_subnets
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                p.endpoint_vpc,
                targets_for(p.client_route_tables, p.endpoint_subnets, ACROSS_VPCS).join(" and ")
            ),
        )
    } else {
        let shown = missing
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let table = p
            .client_route_tables
            .iter()
            .find(|t| t.main)
            .or(p.client_route_tables.first())
            .map_or("<the client subnet's route table>".to_string(), |t| {
                t.id.clone()
            });
        finding::fail(
            "client_vpc_routes",
            format!(
                "no route table of {} sends {shown} (the endpoint's subnets in {}) through a \
                 peering connection or transit gateway: connections from the client go nowhere",
                p.client_vpc, p.endpoint_vpc
            ),
            format!(
                "aws ec2 create-route --route-table-id {table} --destination-cidr-block {} \
                 --vpc-peering-connection-id <pcx-… between {} and {}> (or \
                 --transit-gateway-id <tgw-…>); and the way back in {}'s route tables",
                missing[0], p.client_vpc, p.endpoint_vpc, p.endpoint_vpc
            ),
        )
    });
    out
}

/// A rule on the endpoint's groups that admits the client by its security group works across
/// VPCs only where AWS resolves the reference: a peering in the region does; a transit gateway
/// does only with security group referencing turned on (on the gateway and its VPC
/// attachments). Nothing to say where no rule admits the client by group.
pub(super) fn group_reference(
    endpoint_groups: &[SecurityGroup],
    client_groups: &[String],
    client_route_tables: &[RouteTable],
    endpoint_subnets: &[IpNet],
    port: u16,
    client_cidr: Option<&IpNet>,
) -> Option<Finding> {
    let referencing: Vec<(&str, &str)> = endpoint_groups
        .iter()
        .flat_map(|g| g.inbound.iter().map(move |r| (g, r)))
        .filter(|(_, r)| r.admits_tcp(port))
        .filter_map(|(g, r)| match &r.peer {
            Peer::Group(id) if client_groups.contains(id) => Some((g.id.as_str(), id.as_str())),
            _ => None,
        })
        .collect();
    let (endpoint_group, client_group) = referencing.first()?;
    let gateways: Vec<&str> = client_route_tables
        .iter()
        .flat_map(|t| {
            endpoint_subnets
                .iter()
                .filter_map(move |subnet| route_for(t, subnet))
        })
        .filter(|target| target.starts_with("tgw-"))
        .collect();
    Some(match gateways.first() {
        None => finding::pass(
            "security_group_reference",
            format!(
                "{endpoint_group} admits {client_group} by reference, which a peering in the \
                 region resolves"
            ),
        ),
        Some(tgw) => finding::warn(
            "security_group_reference",
            format!(
                "{endpoint_group} admits {client_group} by reference, but the client reaches the \
                 endpoint through transit gateway {tgw}: the reference holds only where {tgw} \
                 and both VPC attachments have security group referencing turned on"
            ),
            format!(
                "aws ec2 modify-transit-gateway --transit-gateway-id {tgw} --options \
                 SecurityGroupReferencingSupport=enable (and on both VPC attachments); or admit \
                 the client's addresses instead: {}",
                admit_addresses(Some(endpoint_group), None, Some(port), client_cidr)
            ),
        ),
    })
}

/// The fix that admits the client by its addresses: the `allow_client_access` call where the
/// endpoint's group and the client's network are known, otherwise what to ask the person first
/// (a call with a placeholder would be refused).
fn admit_addresses(
    endpoint_group: Option<&str>,
    cluster_id: Option<&str>,
    port: Option<u16>,
    client_cidr: Option<&IpNet>,
) -> finding::Fix {
    match (endpoint_group, client_cidr) {
        (Some(group), Some(cidr)) => {
            finding::Fix::Call(ToolCall::AllowClientAccess(AccessRequest {
                endpoint_security_group_id: group.to_string(),
                source_cidr: Some(cidr.to_string()),
                cluster_id: cluster_id.map(str::to_string),
                port: cluster_id
                    .is_none()
                    .then_some(port)
                    .flatten()
                    .map(i64::from),
                ..Default::default()
            }))
        }
        _ => finding::Fix::Text(format!(
            "ask the person for the client VPC's CIDR block{}, then call allow_client_access with              it as source_cidr{}",
            if endpoint_group.is_none() {
                " and the endpoint's security group"
            } else {
                ""
            },
            match (endpoint_group, cluster_id, port) {
                (Some(g), Some(c), _) => {
                    format!(" (endpoint_security_group_id {g}, cluster_id {c})")
                }
                (Some(g), None, Some(p)) => format!(" (endpoint_security_group_id {g}, port {p})"),
                _ => String::new(),
            }
        )),
    }
}

/// A client VPC this server cannot read (another account, or another region), known through
/// the peering that joins it to the endpoint's VPC.
#[derive(Debug, Clone)]
pub(super) struct AcrossPeering<'a> {
    pub(super) cluster_id: &'a str,
    pub(super) endpoint_vpc: &'a str,
    /// The region the server reads (the cluster's).
    pub(super) this_region: &'a str,
    pub(super) peering: &'a PeeringConnection,
    pub(super) endpoint_groups: &'a [SecurityGroup],
    /// The security groups the caller named for the client.
    pub(super) client_groups: &'a [String],
    pub(super) port: Option<u16>,
}

/// What the peering tells of a client beyond it.
#[derive(Debug, Clone, Default)]
pub(super) struct AcrossJudgement {
    pub(super) findings: Vec<Finding>,
    /// The client's addresses: the peer VPC's first block.
    pub(super) network: Option<IpNet>,
    /// A rule may admit the client by its group: AWS resolves the reference across this
    /// peering (same region; across accounts only in the account-qualified form).
    pub(super) group_reference_honoured: bool,
}

/// AWS resolves a reference to a peer VPC's security group only within a region, and across
/// accounts only where the rule names the account (`111122223333/sg-…`): elsewhere a rule by
/// group admits nobody, and the client's addresses are what a rule must name.
pub(super) fn across_peering(a: &AcrossPeering<'_>) -> AcrossJudgement {
    let other = a.peering.other_side(a.endpoint_vpc);
    let region = other.region.as_deref().unwrap_or(a.this_region);
    let owner = other.owner_id.as_deref();
    let this_owner = a.peering.other_side(&other.vpc_id).owner_id.as_deref();
    let network: Option<IpNet> = other.cidr_blocks.first().and_then(|c| c.parse().ok());
    let cross_region = region != a.this_region;
    let cross_account = owner.is_some() && owner != this_owner;
    let mut findings = vec![finding::warn(
        "client_vpc",
        format!(
            "{} is in {}{}, joined to {} by peering {}: this server reads {} in {} only, so the \
             client VPC's zones and routes are not judged here",
            other.vpc_id,
            owner.map_or(String::new(), |o| format!("account {o}, ")),
            region,
            a.endpoint_vpc,
            a.peering.id,
            this_owner.map_or("this account".to_string(), |o| format!("account {o}")),
            a.this_region
        ),
        format!(
            "run the probes where the application runs, with that account's credentials: \
             zilliz-privatelink-mcp doctor --cluster-id {} on an instance of {} (its VPC needs \
             the private zone: a hub-and-spoke association, or a Route 53 Profile)",
            a.cluster_id, other.vpc_id
        ),
    )];
    let port = a.port.unwrap_or_default();
    let referencing: Vec<(&SecurityGroup, &crate::aws::rules::Rule)> = a
        .endpoint_groups
        .iter()
        .flat_map(|g| g.inbound.iter().map(move |r| (g, r)))
        .filter(|(_, r)| a.port.is_none_or(|p| r.admits_tcp(p)))
        .filter(|(_, r)| matches!(&r.peer, Peer::Group(id) if a.client_groups.contains(id)))
        .collect();
    let qualified = referencing
        .iter()
        .any(|(_, r)| owner.is_some() && r.group_owner.as_deref() == owner);
    let honoured = !cross_region && (!cross_account || qualified);
    let cidr_alternative = admit_addresses(
        a.endpoint_groups.first().map(|g| g.id.as_str()),
        Some(a.cluster_id),
        None,
        network.as_ref(),
    );
    if let Some(group) = a.client_groups.first() {
        findings.push(if honoured {
            finding::pass(
                "security_group_reference",
                format!(
                    "a reference to {group} resolves across peering {}{}",
                    a.peering.id,
                    if cross_account {
                        " (it names the account)"
                    } else {
                        ""
                    }
                ),
            )
        } else if cross_region {
            finding::warn(
                "security_group_reference",
                format!(
                    "{group} belongs to {} in {region}: AWS does not resolve a reference to a peer \
                     VPC's security group across regions, so a rule can admit the client only by \
                     its addresses",
                    other.vpc_id
                ),
                cidr_alternative,
            )
        } else {
            finding::warn(
                "security_group_reference",
                format!(
                    "{group} belongs to account {}: across accounts AWS resolves a reference only \
                     where the rule names the account ({}/{group}), which no rule on port {port} \
                     does",
                    owner.unwrap_or("?"),
                    owner.unwrap_or("?")
                ),
                format!(
                    "aws ec2 authorize-security-group-ingress --group-id {} --ip-permissions \
                     'IpProtocol=tcp,FromPort={port},ToPort={port},UserIdGroupPairs=[{{UserId={},\
                     GroupId={group},VpcPeeringConnectionId={}}}]'; or admit the addresses: {}",
                    a.endpoint_groups
                        .first()
                        .map_or("<the endpoint's group>", |g| g.id.as_str()),
                    owner.unwrap_or("?"),
                    a.peering.id,
                    cidr_alternative
                ),
            )
        });
    }
    AcrossJudgement {
        findings,
        network,
        group_reference_honoured: honoured,
    }
}

/// Route targets that cross to another VPC.
pub(super) const ACROSS_VPCS: &[&str] = &["pcx-", "tgw-"];
/// Route targets that reach a network outside AWS (a VPN or Direct Connect).
pub(super) const FROM_PREMISES: &[&str] = &["vgw-", "tgw-"];

/// The way back: the endpoint answers from its subnets, so their route tables must send the
/// client's addresses where they came from.
#[derive(Debug, Clone)]
pub(super) struct WayBack<'a> {
    pub(super) endpoint_vpc: &'a str,
    pub(super) endpoint_subnets: &'a [String],
    /// Every route table of the endpoint's VPC.
    pub(super) tables: &'a [RouteTable],
    pub(super) client: &'a [IpNet],
    /// How the findings name the client.
    pub(super) client_is: &'a str,
    /// The route targets (by prefix) that lead there.
    pub(super) through: &'a [&'a str],
}

/// The route table that serves a subnet: its own association, else the VPC's main table.
fn table_of<'a>(subnet: &str, tables: &'a [RouteTable]) -> Option<&'a RouteTable> {
    tables
        .iter()
        .find(|t| t.subnet_ids.iter().any(|s| s == subnet))
        .or_else(|| tables.iter().find(|t| t.main))
}

pub(super) fn way_back(w: &WayBack<'_>) -> Finding {
    let mut missing: Vec<&str> = w
        .endpoint_subnets
        .iter()
        .filter_map(|subnet| table_of(subnet, w.tables))
        .filter(|table| {
            !w.client.iter().all(|client| {
                route_for(table, client)
                    .is_some_and(|target| w.through.iter().any(|p| target.starts_with(p)))
            })
        })
        .map(|t| t.id.as_str())
        .collect();
    missing.sort();
    missing.dedup();
    let clients = w
        .client
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let through = w.through.join(" or ");
    if missing.is_empty() {
        return finding::pass(
            "endpoint_vpc_routes",
            format!(
                "the route tables of the endpoint's subnets in {} send {clients} back through {}",
                w.endpoint_vpc,
                targets_for(
                    w.endpoint_subnets
                        .iter()
                        .filter_map(|subnet| table_of(subnet, w.tables)),
                    w.client,
                    w.through
                )
                .join(" and ")
            ),
        );
    }
    let target = if w.through.contains(&"pcx-") {
        "--vpc-peering-connection-id <pcx-…> (or --transit-gateway-id <tgw-…>)"
    } else {
        "--gateway-id <vgw-… of the VPN or Direct Connect> (or --transit-gateway-id <tgw-…>)"
    };
    finding::fail(
        "endpoint_vpc_routes",
        format!(
            "route table(s) {} of the endpoint's subnets in {} have no route for {clients} ({}) through {through}: the endpoint's answers never get back",
            missing.join(", "),
            w.endpoint_vpc,
            w.client_is
        ),
        format!(
            "aws ec2 create-route --route-table-id {} --destination-cidr-block {} {target}{}",
            missing[0],
            w.client
                .first()
                .map(ToString::to_string)
                .unwrap_or_default(),
            if missing.len() > 1 {
                format!(", and the same in {}", missing[1..].join(", "))
            } else {
                String::new()
            }
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;

    fn peering(region: &str, owner: &str) -> PeeringConnection {
        use crate::aws::ec2::PeeringSide;
        PeeringConnection {
            id: "pcx-1".into(),
            requester: PeeringSide {
                vpc_id: "vpc-endpoint".into(),
                owner_id: Some("123456789012".into()),
                region: Some("us-west-2".into()),
                cidr_blocks: vec!["10.0.0.0/16".into()],
            },
            accepter: PeeringSide {
                vpc_id: "vpc-client".into(),
                owner_id: Some(owner.into()),
                region: Some(region.into()),
                cidr_blocks: vec!["10.8.0.0/16".into()],
            },
            status: Some("active".into()),
        }
    }

    #[test]
    fn a_group_reference_across_a_peering_holds_as_aws_resolves_it() {
        use crate::aws::rules::Rule;
        let rule = |owner: Option<&str>| {
            let mut r = Rule::new("tcp", Some((19531, 19531)), Peer::Group("sg-client".into()));
            r.group_owner = owner.map(str::to_string);
            SecurityGroup {
                id: "sg-endpoint".into(),
                name: "endpoint".into(),
                description: String::new(),
                vpc_id: Some("vpc-endpoint".into()),
                inbound: vec![r],
                outbound: vec![],
                tags: vec![],
            }
        };
        let judge = |p: &PeeringConnection, groups: &[SecurityGroup]| {
            across_peering(&AcrossPeering {
                cluster_id: "in01-abc",
                endpoint_vpc: "vpc-endpoint",
                this_region: "us-west-2",
                peering: p,
                endpoint_groups: groups,
                client_groups: &["sg-client".to_string()],
                port: Some(19531),
            })
        };
        let status = |j: &AcrossJudgement| {
            j.findings
                .iter()
                .find(|f| f.check == "security_group_reference")
                .map(|f| f.status)
        };
        // Another region: never, whatever the rule says.
        let j = judge(&peering("us-east-1", "123456789012"), &[rule(None)]);
        assert!(!j.group_reference_honoured);
        assert_eq!(status(&j), Some(Status::Warn));
        assert_eq!(j.network, Some("10.8.0.0/16".parse().unwrap()));
        // Another account, same region: only the account-qualified reference.
        let j = judge(&peering("us-west-2", "111111111111"), &[rule(None)]);
        assert_eq!(status(&j), Some(Status::Warn));
        assert!(
            j.findings[1]
                .fix
                .as_deref()
                .unwrap()
                .contains("UserId=111111111111")
        );
        let j = judge(
            &peering("us-west-2", "111111111111"),
            &[rule(Some("111111111111"))],
        );
        assert!(j.group_reference_honoured);
        assert_eq!(status(&j), Some(Status::Pass));
        // The client VPC is never judged from here: a warning that says where to look.
        assert_eq!(j.findings[0].status, Status::Warn);
    }

    const HOST: &str = "in01-abc-privatelink.aws-us-west-2.vectordb.zillizcloud.com";

    fn table(routes: &[(&str, &str)]) -> RouteTable {
        RouteTable {
            id: "rtb-1".into(),
            main: true,
            subnet_ids: vec![],
            routes: routes
                .iter()
                .map(|(d, t)| (d.parse().unwrap(), t.to_string()))
                .collect(),
        }
    }

    fn judged(zones: &[Zone], tables: &[RouteTable]) -> Vec<Finding> {
        let subnets: Vec<IpNet> = vec![
            "10.0.0.0/24".parse().unwrap(),
            "10.0.1.0/24".parse().unwrap(),
        ];
        judge(&PeeringInput {
            cluster_id: "in01-abc",
            host: HOST,
            client_vpc: "vpc-client",
            endpoint_vpc: "vpc-hub",
            endpoint_id: "vpce-1",
            client_zones: zones,
            client_route_tables: tables,
            endpoint_subnets: &subnets,
        })
    }

    #[test]
    fn a_group_reference_across_a_transit_gateway_needs_referencing_on() {
        use crate::aws::rules::Rule;
        let endpoint = SecurityGroup {
            id: "sg-endpoint".into(),
            name: "endpoint".into(),
            description: String::new(),
            vpc_id: Some("vpc-hub".into()),
            inbound: vec![Rule::new(
                "tcp",
                Some((19531, 19531)),
                Peer::Group("sg-client".into()),
            )],
            outbound: vec![],
            tags: vec![],
        };
        let subnets: Vec<IpNet> = vec!["10.0.0.0/24".parse().unwrap()];
        let clients = ["sg-client".to_string()];
        let cidr: IpNet = "10.3.0.0/16".parse().unwrap();
        let judged = |tables: &[RouteTable]| {
            group_reference(
                std::slice::from_ref(&endpoint),
                &clients,
                tables,
                &subnets,
                19531,
                Some(&cidr),
            )
        };
        let over_tgw = judged(&[table(&[("10.0.0.0/8", "tgw-1")])]).unwrap();
        assert_eq!(over_tgw.status, Status::Warn);
        let fix = over_tgw.fix.as_deref().unwrap();
        assert!(
            fix.contains("SecurityGroupReferencingSupport=enable") && fix.contains("10.3.0.0/16")
        );
        let over_peering = judged(&[table(&[("10.0.0.0/16", "pcx-1")])]).unwrap();
        assert_eq!(over_peering.status, Status::Pass);
        // A broader transit gateway route loses to the peering's more specific one.
        let both = judged(&[table(&[("10.0.0.0/8", "tgw-1"), ("10.0.0.0/16", "pcx-1")])]).unwrap();
        assert_eq!(both.status, Status::Pass);
        // A rule by CIDR, or on another port, says nothing of references.
        assert!(
            group_reference(
                std::slice::from_ref(&endpoint),
                &clients,
                &[table(&[("10.0.0.0/8", "tgw-1")])],
                &subnets,
                443,
                None
            )
            .is_none()
        );
    }

    #[test]
    fn the_way_back_follows_each_endpoint_subnets_own_table() {
        let client: Vec<IpNet> = vec!["10.3.0.0/16".parse().unwrap()];
        let subnets = ["subnet-a".to_string(), "subnet-b".to_string()];
        let own = RouteTable {
            id: "rtb-a".into(),
            main: false,
            subnet_ids: vec!["subnet-a".into()],
            routes: vec![("10.3.0.0/16".parse().unwrap(), "pcx-1".into())],
        };
        let main_without = table(&[("10.0.0.0/16", "local")]);
        let judge = |tables: &[RouteTable], through| {
            way_back(&WayBack {
                endpoint_vpc: "vpc-hub",
                endpoint_subnets: &subnets,
                tables,
                client: &client,
                client_is: "the client's vpc-client",
                through,
            })
        };
        // subnet-b falls back to the main table, which has no way back.
        let found = judge(&[own.clone(), main_without], ACROSS_VPCS);
        assert_eq!(found.status, Status::Fail);
        assert!(found.detail.contains("rtb-1") && !found.detail.contains("rtb-a"));
        assert!(
            found
                .fix
                .as_deref()
                .unwrap()
                .contains("--route-table-id rtb-1")
        );
        let main_with = table(&[("10.0.0.0/8", "tgw-1")]);
        let found = judge(&[own.clone(), main_with], ACROSS_VPCS);
        assert_eq!(found.status, Status::Pass);
        // The way back names what carries it, each once, not the kinds of target.
        assert!(
            found.detail.ends_with("back through pcx-1 and tgw-1"),
            "{}",
            found.detail
        );
        // A narrower route elsewhere wins over the way back.
        let shadowed = RouteTable {
            routes: vec![
                ("10.3.0.0/16".parse().unwrap(), "pcx-1".into()),
                ("10.3.1.0/24".parse().unwrap(), "nat-1".into()),
            ],
            ..own.clone()
        };
        let wide = vec!["10.3.1.0/24".parse().unwrap()];
        let found = way_back(&WayBack {
            endpoint_vpc: "vpc-hub",
            endpoint_subnets: &subnets[..1],
            tables: &[shadowed],
            client: &wide,
            client_is: "the client's vpc-client",
            through: ACROSS_VPCS,
        });
        assert_eq!(found.status, Status::Fail);
        // A peering route is no way back to premises.
        let found = judge(&[own], FROM_PREMISES);
        assert_eq!(found.status, Status::Fail);
        assert!(found.fix.as_deref().unwrap().contains("vgw-"));
    }

    #[test]
    fn a_peered_client_needs_the_zone_and_a_route_across() {
        let zone = [Zone {
            id: "Z1".into(),
            name: HOST.into(),
        }];
        let routed = [table(&[("10.0.0.0/16", "pcx-1"), ("10.9.0.0/16", "local")])];
        let found = judged(&zone, &routed);
        assert!(found.iter().all(|f| f.status == Status::Pass), "{found:?}");
        assert!(
            found[1].detail.ends_with("through pcx-1"),
            "{}",
            found[1].detail
        );

        // No zone tied: the fix ties the hub's zone (hub and spoke).
        let found = judged(&[], &routed);
        assert_eq!(found[0].status, Status::Fail);
        let fix = found[0].fix.as_deref().unwrap();
        assert!(
            fix.starts_with("setup_private_dns")
                && fix.contains("vpce-1")
                && fix.contains("vpc-client")
        );

        // A route to part of the endpoint's subnets only, or through the internet gateway.
        let partial = [table(&[("10.0.0.0/24", "pcx-1"), ("10.0.1.0/24", "igw-1")])];
        let found = judged(&zone, &partial);
        assert_eq!(found[1].status, Status::Fail);
        assert!(
            found[1].detail.contains("10.0.1.0/24") && !found[1].detail.contains("10.0.0.0/24,")
        );
        assert!(found[1].fix.as_deref().unwrap().contains("rtb-1"));
        // A narrower route elsewhere wins over the peering's.
        let shadowed = [table(&[("10.0.0.0/16", "pcx-1"), ("10.0.1.0/24", "igw-1")])];
        assert_eq!(judged(&zone, &shadowed)[1].status, Status::Fail);
        // A transit gateway route counts.
        assert_eq!(
            judged(&zone, &[table(&[("10.0.0.0/8", "tgw-1")])])[1].status,
            Status::Pass
        );
    }
}
