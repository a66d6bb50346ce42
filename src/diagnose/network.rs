//! The network between client and endpoint beyond the endpoint's own security group: the
//! client's outbound rules and the network ACLs of both subnets, judged over plain data.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::aws::ec2::{AclEntry, NetworkAcl, SecurityGroup};
use crate::finding::{self, Finding};
use crate::reach::{self, GroupVerdict};

/// The client's outbound rules towards the endpoint.
pub(super) fn outbound(
    client_groups: &[SecurityGroup],
    port: u16,
    endpoint_group_ids: &[String],
    endpoint_addresses: &[IpAddr],
) -> Finding {
    if client_groups.is_empty() {
        return finding::skip(
            "security_group_outbound",
            "the client's security groups are not known",
            "give client_instance_id or client_security_group_id",
        );
    }
    let endpoint_group = endpoint_group_ids.first().cloned().unwrap_or_default();
    match reach::outbound(client_groups, port, endpoint_group_ids, endpoint_addresses) {
        GroupVerdict::Allowed { group_id, rule } => finding::pass(
            "security_group_outbound",
            format!("{group_id} allows {rule}"),
        ),
        GroupVerdict::Unknown { group_id, rule } => finding::warn(
            "security_group_outbound",
            format!(
                "only `{rule}` on {group_id} might let the traffic out; prefix lists are not expanded here"
            ),
            format!(
                "check that the prefix list in `{rule}` holds the endpoint's addresses (VPC console, Managed prefix lists), or: aws ec2 authorize-security-group-egress --group-id {group_id} --ip-permissions IpProtocol=tcp,FromPort={port},ToPort={port},UserIdGroupPairs=[{{GroupId={endpoint_group}}}]"
            ),
        ),
        GroupVerdict::Denied => {
            let group = &client_groups[0].id;
            finding::fail(
                "security_group_outbound",
                format!(
                    "the client's groups ({}) do not allow tcp {port} out to the endpoint",
                    client_groups
                        .iter()
                        .map(|g| g.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                format!(
                    "aws ec2 authorize-security-group-egress --group-id {group} --ip-permissions IpProtocol=tcp,FromPort={port},ToPort={port},UserIdGroupPairs=[{{GroupId={endpoint_group}}}]"
                ),
            )
        }
    }
}

/// The parts of `source` whose TCP traffic on `port` in one direction the ACL denies, each
/// with the rule that decides it. Entries are read in rule-number order and the first that
/// matches an address wins, so a narrow deny before a broad allow denies only its part.
fn denied_ranges(
    entries: &[AclEntry],
    egress: bool,
    port: u16,
    source: IpNet,
) -> Vec<(IpNet, String)> {
    let mut ordered: Vec<&AclEntry> = entries
        .iter()
        .filter(|e| e.egress == egress)
        .filter(|e| {
            let tcp =
                e.protocol == "-1" || e.protocol == "6" || e.protocol.eq_ignore_ascii_case("tcp");
            let port_ok =
                e.protocol == "-1" || e.ports.is_none_or(|(from, to)| (from..=to).contains(&port));
            tcp && port_ok
        })
        .collect();
    ordered.sort_by_key(|e| e.rule_number);
    let mut undecided = vec![source];
    let mut denied = Vec::new();
    for entry in ordered {
        let Some(cidr) = entry.cidr else { continue };
        let mut still = Vec::new();
        for range in undecided {
            if cidr.contains(&range) {
                if !entry.allow {
                    denied.push((range, format!("rule {}", entry.rule_number)));
                }
            } else if range.contains(&cidr) {
                if !entry.allow {
                    denied.push((cidr, format!("rule {}", entry.rule_number)));
                }
                still.extend(exclude(range, cidr));
            } else {
                still.push(range);
            }
        }
        undecided = still;
        if undecided.is_empty() {
            break;
        }
    }
    denied.extend(
        undecided
            .into_iter()
            .map(|r| (r, "the default rule".to_string())),
    );
    denied.sort();
    denied
}

/// `range` without `hole` (which it contains), as the fewest networks: halve the range until
/// each half is clear of the hole or is the hole.
fn exclude(range: IpNet, hole: IpNet) -> Vec<IpNet> {
    if range == hole || hole.contains(&range) {
        return Vec::new();
    }
    let Ok(halves) = range.subnets(range.prefix_len() + 1) else {
        return Vec::new();
    };
    halves
        .flat_map(|half| {
            if half.contains(&hole) {
                exclude(half, hole)
            } else {
                vec![half]
            }
        })
        .collect()
}

/// Where traffic comes from, for the endpoint subnets' ACLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Sources {
    /// The client's own address or network.
    Client(IpNet),
    /// No exact client: the blocks of the VPC it is in (its own, else the endpoint's).
    Vpc(Vec<IpNet>),
}

/// Everything the ACL judgement reads.
#[derive(Debug, Clone)]
pub(super) struct AclInput<'a> {
    pub(super) acls: &'a [NetworkAcl],
    pub(super) endpoint_subnets: &'a [String],
    pub(super) client_subnet: Option<&'a str>,
    pub(super) endpoint_addresses: &'a [IpAddr],
    pub(super) port: u16,
    pub(super) sources: Sources,
}

/// The network ACLs of the endpoint's subnets (the port in, replies out) and, where the
/// client's subnet is known, of the client's (the port out, replies in).
/// One way through one network ACL: where, which direction, on which ports, to or from whom.
struct Way<'a> {
    place: &'a str,
    egress: bool,
    ports: &'a [u16],
    peers: &'a [IpNet],
}

/// What `acl` denies of `way`, as a finding with the entry that fixes it: a failure where it
/// denies every peer, a warning where it denies part of them, nothing where it denies none.
fn acl_finding(acl: &NetworkAcl, way: &Way<'_>, port: u16, all_of: &str) -> Option<Finding> {
    let Way {
        place,
        egress,
        ports,
        peers,
    } = *way;
    let mut denied: Vec<(IpNet, String)> = Vec::new();
    for peer in peers {
        for p in ports {
            for d in denied_ranges(&acl.entries, egress, *p, *peer) {
                if !denied.contains(&d) {
                    denied.push(d);
                }
            }
        }
    }
    if denied.is_empty() {
        return None;
    }
    let replies = ports != [port];
    let direction = if egress { "--egress" } else { "--ingress" };
    let range = if replies {
        "From=1024,To=65535".to_string()
    } else {
        format!("From={port},To={port}")
    };
    let what = if replies {
        "replies (ephemeral ports)".to_string()
    } else {
        format!("tcp {port}")
    };
    let shown = denied
        .iter()
        .map(|(n, rule)| format!("{n} ({rule})"))
        .collect::<Vec<_>>()
        .join(", ");
    let whole = peers
        .iter()
        .all(|p| denied.iter().any(|(n, _)| n.contains(p)));
    let fix = format!(
        "aws ec2 create-network-acl-entry --network-acl-id {} {direction} --rule-number <below the denying rule> --protocol tcp --port-range {range} --cidr-block {} --rule-action allow",
        acl.id, denied[0].0
    );
    let detail = format!(
        "{} ({place}) denies {what} {} {shown}",
        acl.id,
        if egress { "to" } else { "from" }
    );
    Some(if whole {
        finding::fail("network_acl", format!("{detail}: that is {all_of}"), fix)
    } else {
        finding::warn(
            "network_acl",
            format!("{detail}: part of {all_of}; clients there cannot connect"),
            fix,
        )
    })
}

/// Whom the network ACLs are judged for: the client's own network where it is known; else
/// the blocks its address is known to be in (its own VPC's, from its groups or its VPC); else
/// every block of the endpoint's VPC, whose clients it may be. Never the endpoint VPC's blocks
/// for a client known to be elsewhere.
pub(super) fn acl_sources(
    network: Option<IpNet>,
    within: &[IpNet],
    endpoint_vpc: impl FnOnce() -> Vec<IpNet>,
) -> Sources {
    match (network, within) {
        (Some(n), _) => Sources::Client(n),
        (None, []) => Sources::Vpc(endpoint_vpc()),
        (None, blocks) => Sources::Vpc(blocks.to_vec()),
    }
}

pub(super) fn acls(input: &AclInput<'_>) -> Vec<Finding> {
    let port = input.port;
    let acl_of = |subnet: &str| {
        input
            .acls
            .iter()
            .find(|a| a.subnet_ids.iter().any(|s| s == subnet))
    };
    let sources: Vec<IpNet> = match &input.sources {
        Sources::Client(n) => vec![*n],
        Sources::Vpc(blocks) => blocks.clone(),
    };
    let all_of = match &input.sources {
        Sources::Client(n) => format!("the client ({n})"),
        Sources::Vpc(blocks) => format!(
            "every client in the VPC ({})",
            blocks
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut out = Vec::new();
    let mut judged = std::collections::BTreeSet::new();
    let mut judge =
        |acl: &NetworkAcl, place: &str, egress: bool, ports: &[u16], peers: &[IpNet]| {
            let way = Way {
                place,
                egress,
                ports,
                peers,
            };
            out.extend(acl_finding(acl, &way, port, &all_of));
        };
    for subnet in input.endpoint_subnets {
        let Some(acl) = acl_of(subnet) else { continue };
        if !judged.insert(acl.id.clone()) {
            continue;
        }
        let place = format!("endpoint subnet {subnet}");
        judge(acl, &format!("{place}, inbound"), false, &[port], &sources);
        judge(
            acl,
            &format!("{place}, replies out"),
            true,
            &reach::EPHEMERAL_SAMPLES,
            &sources,
        );
    }
    if let Some(subnet) = input.client_subnet
        && let Some(acl) = acl_of(subnet)
    {
        let endpoints: Vec<IpNet> = input
            .endpoint_addresses
            .iter()
            .map(|a| IpNet::from(*a))
            .collect();
        let place = format!("client subnet {subnet}");
        judge(
            acl,
            &format!("{place}, outbound"),
            true,
            &[port],
            &endpoints,
        );
        judge(
            acl,
            &format!("{place}, replies in"),
            false,
            &reach::EPHEMERAL_SAMPLES,
            &endpoints,
        );
    }
    if out.is_empty() {
        out.push(finding::pass(
            "network_acl",
            format!(
                "the network ACLs of the endpoint's subnets{} let tcp {port} through for {all_of}, with replies",
                if input.client_subnet.is_some() {
                    " and the client's"
                } else {
                    ""
                }
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;

    fn entry(
        rule_number: i32,
        egress: bool,
        ports: Option<(u16, u16)>,
        cidr: &str,
        allow: bool,
    ) -> AclEntry {
        AclEntry {
            rule_number,
            egress,
            protocol: if ports.is_some() {
                "6".into()
            } else {
                "-1".into()
            },
            ports,
            cidr: Some(cidr.parse().unwrap()),
            allow,
        }
    }

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn default_acl() -> Vec<AclEntry> {
        vec![
            entry(100, false, None, "0.0.0.0/0", true),
            entry(100, true, None, "0.0.0.0/0", true),
            entry(32767, false, None, "0.0.0.0/0", false),
            entry(32767, true, None, "0.0.0.0/0", false),
        ]
    }

    #[test]
    fn a_narrow_deny_before_a_broad_allow_denies_only_its_part() {
        let mut entries = default_acl();
        entries.push(entry(50, false, Some((19531, 19531)), "10.0.5.0/24", false));
        let denied = denied_ranges(&entries, false, 19531, net("10.0.0.0/16"));
        assert_eq!(denied, vec![(net("10.0.5.0/24"), "rule 50".to_string())]);
        // Another port is not touched by that rule.
        assert!(denied_ranges(&entries, false, 443, net("10.0.0.0/16")).is_empty());
    }

    #[test]
    fn a_deny_for_every_source_and_the_default_rule() {
        let mut entries = default_acl();
        entries.push(entry(10, false, Some((19531, 19531)), "0.0.0.0/0", false));
        assert_eq!(
            denied_ranges(&entries, false, 19531, net("10.0.0.0/16")),
            vec![(net("10.0.0.0/16"), "rule 10".to_string())]
        );
        let only_default = vec![entry(32767, false, None, "0.0.0.0/0", false)];
        assert_eq!(
            denied_ranges(&only_default, false, 19531, net("10.0.1.7/32")),
            vec![(net("10.0.1.7/32"), "rule 32767".to_string())]
        );
        let nothing: Vec<AclEntry> = Vec::new();
        assert_eq!(
            denied_ranges(&nothing, false, 19531, net("10.0.1.7/32"))[0].1,
            "the default rule"
        );
    }

    #[test]
    fn an_allow_before_a_deny_wins() {
        let mut entries = default_acl();
        entries.push(entry(10, false, Some((19531, 19531)), "10.0.0.0/16", true));
        entries.push(entry(20, false, Some((19531, 19531)), "0.0.0.0/0", false));
        assert!(denied_ranges(&entries, false, 19531, net("10.0.0.0/16")).is_empty());
    }

    #[test]
    fn exclusion_leaves_the_fewest_networks() {
        let rest = exclude(net("10.0.0.0/16"), net("10.0.5.0/24"));
        assert_eq!(rest.len(), 8);
        assert!(rest.iter().all(|r| !r.contains(&net("10.0.5.0/24"))));
        let covered: u128 = rest.iter().map(|r| 1u128 << (32 - r.prefix_len())).sum();
        assert_eq!(covered, (1 << 16) - (1 << 8));
    }

    fn input<'a>(acls: &'a [NetworkAcl], sources: Sources) -> AclInput<'a> {
        AclInput {
            acls,
            endpoint_subnets: &[],
            client_subnet: None,
            endpoint_addresses: &[],
            port: 19531,
            sources,
        }
    }

    #[test]
    fn a_client_known_to_be_in_its_own_vpc_is_judged_for_that_vpcs_blocks() {
        let endpoint_vpc = || vec![net("10.0.0.0/16")];
        let peered = [net("10.1.0.0/16"), net("10.2.0.0/16")];
        assert_eq!(
            acl_sources(None, &peered, endpoint_vpc),
            Sources::Vpc(peered.to_vec())
        );
        assert_eq!(
            acl_sources(None, &[], endpoint_vpc),
            Sources::Vpc(vec![net("10.0.0.0/16")])
        );
        assert_eq!(
            acl_sources(Some(net("10.1.3.4/32")), &peered, endpoint_vpc),
            Sources::Client(net("10.1.3.4/32"))
        );
    }

    #[test]
    fn without_an_exact_client_the_vpc_blocks_are_judged() {
        let subnets = ["subnet-e1".to_string()];
        let judged = |deny_from: Option<&str>| {
            let mut entries = default_acl();
            if let Some(cidr) = deny_from {
                entries.push(entry(10, false, Some((19531, 19531)), cidr, false));
            }
            let acls = [NetworkAcl {
                id: "acl-1".into(),
                subnet_ids: subnets.to_vec(),
                entries,
            }];
            let mut i = input(&acls, Sources::Vpc(vec![net("10.0.0.0/16")]));
            i.endpoint_subnets = &subnets;
            super::acls(&i)
        };
        let found = judged(Some("0.0.0.0/0"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].status, Status::Fail);
        assert!(
            found[0].detail.contains("every client in the VPC"),
            "{}",
            found[0].detail
        );
        assert!(found[0].fix.as_deref().unwrap().contains("acl-1"));
        // A deny for part of the VPC warns and names the range.
        let found = judged(Some("10.0.5.0/24"));
        assert_eq!(found[0].status, Status::Warn);
        assert!(found[0].detail.contains("10.0.5.0/24"));
        // A healthy ACL passes.
        assert_eq!(judged(None)[0].status, Status::Pass);
    }
}
