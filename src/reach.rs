//! Whether a client's traffic gets through security groups to the endpoint and back,
//! evaluated as AWS does, over plain data. (Network ACLs: `diagnose::network`.)

use std::net::IpAddr;

use ipnet::IpNet;

use crate::aws::ec2::SecurityGroup;
use crate::aws::rules::{Peer, Rule, tcp_allowed};

/// What is known of the client: its security groups and its address (or network).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ClientSide {
    pub(crate) group_ids: Vec<String>,
    pub(crate) network: Option<IpNet>,
    /// Where the address is not known: the blocks it lies within (the VPC of the client's
    /// security groups, whose every member has an address there).
    pub(crate) within: Vec<IpNet>,
}

/// The verdict on one direction through security groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GroupVerdict {
    /// Allowed by this group's rule.
    Allowed {
        group_id: String,
        rule: String,
    },
    /// Only a prefix-list rule might allow it; its entries are not expanded here.
    Unknown {
        group_id: String,
        rule: String,
    },
    Denied,
}

fn verdict<'a>(
    groups: &'a [SecurityGroup],
    port: u16,
    rules_of: impl Fn(&'a SecurityGroup) -> &'a [Rule],
    peers: &[Peer],
    direction: &str,
) -> GroupVerdict {
    for group in groups {
        for peer in peers {
            if let Some(rule) = tcp_allowed(rules_of(group), port, peer) {
                return GroupVerdict::Allowed {
                    group_id: group.id.clone(),
                    rule: rule.summary(direction),
                };
            }
        }
    }
    for group in groups {
        if let Some(rule) = rules_of(group)
            .iter()
            .find(|r| matches!(r.peer, Peer::PrefixList(_)) && r.admits_tcp(port))
        {
            return GroupVerdict::Unknown {
                group_id: group.id.clone(),
                rule: rule.summary(direction),
            };
        }
    }
    GroupVerdict::Denied
}

/// Do the endpoint's groups let the client in on `port`? A rule matches through a reference
/// to one of the client's groups, or a CIDR that contains the client's address.
/// A client known only by the blocks it lies within is admitted where every block lies in a
/// CIDR rule on the port (a rule from the VPC's own block admits every member of its groups).
pub(crate) fn inbound(
    endpoint_groups: &[SecurityGroup],
    port: u16,
    client: &ClientSide,
) -> GroupVerdict {
    let mut peers: Vec<Peer> = client.group_ids.iter().cloned().map(Peer::Group).collect();
    peers.extend(client.network.map(Peer::Cidr));
    let by_peer = verdict(endpoint_groups, port, |g| &g.inbound, &peers, "from");
    if !matches!(by_peer, GroupVerdict::Allowed { .. })
        && client.network.is_none()
        && !client.within.is_empty()
    {
        let covering = |block: &IpNet| {
            endpoint_groups.iter().find_map(|g| {
                tcp_allowed(&g.inbound, port, &Peer::Cidr(*block)).map(|rule| (g, rule))
            })
        };
        let covered: Option<Vec<(&SecurityGroup, &Rule)>> =
            client.within.iter().map(covering).collect();
        if let Some(first) = covered.as_ref().and_then(|c| c.first()) {
            return GroupVerdict::Allowed {
                group_id: first.0.id.clone(),
                rule: first.1.summary("from"),
            };
        }
    }
    by_peer
}

/// Do the client's groups let traffic out to the endpoint on `port`? A rule matches through
/// a reference to one of the endpoint's groups, or a CIDR that contains every endpoint address.
pub(crate) fn outbound(
    client_groups: &[SecurityGroup],
    port: u16,
    endpoint_group_ids: &[String],
    endpoint_addresses: &[IpAddr],
) -> GroupVerdict {
    let peers: Vec<Peer> = endpoint_group_ids
        .iter()
        .cloned()
        .map(Peer::Group)
        .collect();
    // A rule must cover every endpoint address; checking each as a host route gives that.
    let hosts: Vec<Peer> = endpoint_addresses
        .iter()
        .map(|a| Peer::Cidr(IpNet::from(*a)))
        .collect();
    if !hosts.is_empty() {
        let all_hosts_allowed = client_groups.iter().find_map(|g| {
            let rules: Vec<&Rule> = hosts
                .iter()
                .filter_map(|h| tcp_allowed(&g.outbound, port, h))
                .collect();
            (rules.len() == hosts.len()).then(|| (g, rules[0]))
        });
        if let Some((group, rule)) = all_hosts_allowed {
            return GroupVerdict::Allowed {
                group_id: group.id.clone(),
                rule: rule.summary("to"),
            };
        }
    }
    verdict(client_groups, port, |g| &g.outbound, &peers, "to")
}

/// Ports a client's side of a connection may use (Linux's default range, at its ends and
/// middle): replies go back to one of them.
pub(crate) const EPHEMERAL_SAMPLES: [u16; 3] = [32768, 49152, 60999];

#[cfg(test)]
mod tests {
    use super::*;

    fn group(id: &str, inbound: Vec<Rule>, outbound: Vec<Rule>) -> SecurityGroup {
        SecurityGroup {
            id: id.into(),
            name: id.into(),
            description: String::new(),
            vpc_id: None,
            inbound,
            outbound,
            tags: vec![],
        }
    }

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn a_client_known_by_its_group_is_inside_that_groups_vpc() {
        let endpoint = [group(
            "sg-endpoint",
            vec![Rule::new("-1", None, Peer::Cidr(net("10.0.0.0/16")))],
            vec![],
        )];
        let in_vpc = ClientSide {
            group_ids: vec!["sg-app".into()],
            network: None,
            within: vec![net("10.0.0.0/16")],
        };
        assert!(matches!(
            inbound(&endpoint, 19531, &in_vpc),
            GroupVerdict::Allowed { ref rule, .. } if rule.contains("10.0.0.0/16")
        ));
        // A VPC with a second block the rule does not cover: a member may be there.
        let two_blocks = ClientSide {
            within: vec![net("10.0.0.0/16"), net("100.64.0.0/16")],
            ..in_vpc.clone()
        };
        assert_eq!(inbound(&endpoint, 19531, &two_blocks), GroupVerdict::Denied);
        // Both blocks covered, by two rules.
        let both = [group(
            "sg-endpoint",
            vec![
                Rule::new("tcp", Some((19531, 19531)), Peer::Cidr(net("10.0.0.0/16"))),
                Rule::new(
                    "tcp",
                    Some((19531, 19531)),
                    Peer::Cidr(net("100.64.0.0/10")),
                ),
            ],
            vec![],
        )];
        assert!(matches!(
            inbound(&both, 19531, &two_blocks),
            GroupVerdict::Allowed { .. }
        ));
        assert_eq!(inbound(&both, 19530, &two_blocks), GroupVerdict::Denied);
    }

    #[test]
    fn inbound_through_a_group_reference_or_a_containing_cidr() {
        let endpoint = [group(
            "sg-endpoint",
            vec![
                Rule::new("tcp", Some((19531, 19531)), Peer::Group("sg-app".into())),
                Rule::new("tcp", Some((19530, 19539)), Peer::Cidr(net("10.0.0.0/16"))),
            ],
            vec![],
        )];
        let by_group = ClientSide {
            group_ids: vec!["sg-app".into()],
            network: None,
            within: vec![],
        };
        assert!(matches!(
            inbound(&endpoint, 19531, &by_group),
            GroupVerdict::Allowed { .. }
        ));
        assert_eq!(
            inbound(&endpoint, 19540, &by_group),
            GroupVerdict::Denied,
            "wrong port"
        );
        let by_address = ClientSide {
            group_ids: vec!["sg-other".into()],
            network: Some(net("10.0.3.7/32")),
            within: vec![],
        };
        assert!(matches!(
            inbound(&endpoint, 19535, &by_address),
            GroupVerdict::Allowed { .. }
        ));
        let outside = ClientSide {
            group_ids: vec![],
            network: Some(net("10.1.3.7/32")),
            within: vec![],
        };
        assert_eq!(inbound(&endpoint, 19531, &outside), GroupVerdict::Denied);
        let v6 = ClientSide {
            group_ids: vec![],
            network: Some(net("2001:db8::5/128")),
            within: vec![],
        };
        assert_eq!(
            inbound(&endpoint, 19531, &v6),
            GroupVerdict::Denied,
            "IPv4 rules do not cover IPv6"
        );
    }

    #[test]
    fn all_traffic_and_prefix_lists() {
        let open = [group(
            "sg-open",
            vec![Rule::new("-1", None, Peer::Cidr(net("0.0.0.0/0")))],
            vec![],
        )];
        let client = ClientSide {
            group_ids: vec![],
            network: Some(net("10.0.3.7/32")),
            within: vec![],
        };
        assert!(matches!(
            inbound(&open, 443, &client),
            GroupVerdict::Allowed { .. }
        ));
        let listed = [group(
            "sg-pl",
            vec![Rule::new(
                "tcp",
                Some((443, 443)),
                Peer::PrefixList("pl-12345678".into()),
            )],
            vec![],
        )];
        assert!(matches!(
            inbound(&listed, 443, &client),
            GroupVerdict::Unknown { .. }
        ));
        assert_eq!(inbound(&listed, 19530, &client), GroupVerdict::Denied);
    }

    #[test]
    fn outbound_to_the_endpoints_group_or_all_its_addresses() {
        let addresses: Vec<IpAddr> =
            vec!["10.0.0.10".parse().unwrap(), "10.0.1.10".parse().unwrap()];
        let to_group = [group(
            "sg-app",
            vec![],
            vec![Rule::new(
                "tcp",
                Some((19531, 19531)),
                Peer::Group("sg-endpoint".into()),
            )],
        )];
        assert!(matches!(
            outbound(&to_group, 19531, &["sg-endpoint".into()], &addresses),
            GroupVerdict::Allowed { .. }
        ));
        let to_one_subnet = [group(
            "sg-app",
            vec![],
            vec![Rule::new("tcp", None, Peer::Cidr(net("10.0.0.0/24")))],
        )];
        assert_eq!(
            outbound(&to_one_subnet, 19531, &[], &addresses),
            GroupVerdict::Denied
        );
        let to_vpc = [group(
            "sg-app",
            vec![],
            vec![Rule::new("tcp", None, Peer::Cidr(net("10.0.0.0/16")))],
        )];
        assert!(matches!(
            outbound(&to_vpc, 19531, &[], &addresses),
            GroupVerdict::Allowed { .. }
        ));
        let default_egress = [group(
            "sg-app",
            vec![],
            vec![Rule::new("-1", None, Peer::Cidr(net("0.0.0.0/0")))],
        )];
        assert!(matches!(
            outbound(&default_egress, 19531, &[], &addresses),
            GroupVerdict::Allowed { .. }
        ));
    }
}
