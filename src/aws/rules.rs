//! Security group rules as plain data, so that summaries (and later, reachability checks)
//! are pure functions tested without AWS.

use std::fmt;

use aws_sdk_ec2::types::IpPermission;
use ipnet::IpNet;

/// Where a rule lets traffic come from (inbound) or go to (outbound).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Peer {
    Cidr(IpNet),
    Group(String),
    PrefixList(String),
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cidr(net) => write!(f, "{net}"),
            Self::Group(id) => f.write_str(id),
            Self::PrefixList(id) => write!(f, "prefix list {id}"),
        }
    }
}

/// One rule for one peer: AWS groups several peers under one permission; they are split here
/// because each is allowed or not on its own.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Rule {
    /// `tcp`, `udp`, `icmp`, `icmpv6`, a protocol number, or `-1` for all.
    pub(crate) protocol: String,
    /// The port range, or `None` where the protocol has no ports or the rule covers them all.
    pub(crate) ports: Option<(u16, u16)>,
    pub(crate) peer: Peer,
    pub(crate) description: Option<String>,
    /// For a group peer, the account the rule names it in (`111122223333/sg-…`): across a
    /// peering between accounts, AWS honours a reference only in that form.
    pub(crate) group_owner: Option<String>,
}

impl Rule {
    pub(crate) fn new(protocol: &str, ports: Option<(u16, u16)>, peer: Peer) -> Self {
        Self {
            protocol: protocol.into(),
            ports,
            peer,
            description: None,
            group_owner: None,
        }
    }

    /// The rule's protocol and ports admit TCP traffic to `port` (whoever the peer is).
    pub(crate) fn admits_tcp(&self, port: u16) -> bool {
        (self.protocol == "tcp" || self.protocol == "-1")
            && self
                .ports
                .is_none_or(|(from, to)| (from..=to).contains(&port))
    }

    /// Splits AWS permissions into one rule per peer.
    pub(super) fn from_permissions(permissions: &[IpPermission]) -> Vec<Rule> {
        permissions.iter().flat_map(Self::from_permission).collect()
    }

    fn from_permission(p: &IpPermission) -> Vec<Rule> {
        let protocol = normalize_protocol(p.ip_protocol().unwrap_or("-1"));
        let ports = match (p.from_port(), p.to_port()) {
            // -1 or an absent port means every port (or, for ICMP, every type).
            (Some(from), Some(to)) if from >= 0 && to >= 0 && protocol != "-1" => {
                let (from, to) = (clamp_port(from), clamp_port(to));
                (!(from == 0 && to == 65535)).then_some((from, to))
            }
            _ => None,
        };
        let mut rules = Vec::new();
        let mut push = |peer: Peer, description: Option<&str>, owner: Option<&str>| {
            rules.push(Rule {
                protocol: protocol.clone(),
                ports,
                peer,
                description: description.map(str::to_string).filter(|d| !d.is_empty()),
                group_owner: owner.map(str::to_string),
            })
        };
        for range in p.ip_ranges() {
            if let Some(net) = range.cidr_ip().and_then(|c| c.parse().ok()) {
                push(Peer::Cidr(net), range.description(), None);
            }
        }
        for range in p.ipv6_ranges() {
            if let Some(net) = range.cidr_ipv6().and_then(|c| c.parse().ok()) {
                push(Peer::Cidr(net), range.description(), None);
            }
        }
        for pair in p.user_id_group_pairs() {
            if let Some(id) = pair.group_id() {
                push(
                    Peer::Group(id.to_string()),
                    pair.description(),
                    pair.user_id(),
                );
            }
        }
        for list in p.prefix_list_ids() {
            if let Some(id) = list.prefix_list_id() {
                push(Peer::PrefixList(id.to_string()), list.description(), None);
            }
        }
        rules
    }

    /// Reads as `tcp 19530 from sg-0abc (app servers)`; `direction` is `from` or `to`.
    pub(crate) fn summary(&self, direction: &str) -> String {
        let what = match (self.protocol.as_str(), self.ports) {
            ("-1", _) => "all traffic".to_string(),
            (proto, None) => format!("{proto} all ports"),
            (proto, Some((from, to))) if from == to => format!("{proto} {from}"),
            (proto, Some((from, to))) => format!("{proto} {from}-{to}"),
        };
        match &self.description {
            Some(d) => format!("{what} {direction} {} ({d})", self.peer),
            None => format!("{what} {direction} {}", self.peer),
        }
    }
}

/// The first rule that lets TCP traffic to `port` come from `source` (or, for outbound
/// rules, go to it). A CIDR source is covered by any rule whose block contains it; a group
/// or a prefix list only by a rule naming that same group or list.
pub(crate) fn tcp_allowed<'a>(rules: &'a [Rule], port: u16, source: &Peer) -> Option<&'a Rule> {
    rules.iter().find(|rule| {
        let peer_ok = match (&rule.peer, source) {
            (Peer::Cidr(rule_net), Peer::Cidr(source_net)) => rule_net.contains(source_net),
            (a, b) => a == b,
        };
        rule.admits_tcp(port) && peer_ok
    })
}

fn clamp_port(port: i32) -> u16 {
    u16::try_from(port.clamp(0, 65535)).unwrap_or(u16::MAX)
}

/// AWS answers protocols as names or numbers; the common numbers are given their names.
fn normalize_protocol(raw: &str) -> String {
    match raw.to_ascii_lowercase().as_str() {
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        "58" => "icmpv6".into(),
        "all" => "-1".into(),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_ec2::types::{IpRange, Ipv6Range, PrefixListId, UserIdGroupPair};

    use super::*;

    #[test]
    fn one_rule_per_peer_with_readable_summaries() {
        let permission = IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(19530)
            .to_port(19530)
            .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/16").build())
            .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("2001:db8::/56").build())
            .user_id_group_pairs(
                UserIdGroupPair::builder()
                    .group_id("sg-0123456789abcdef0")
                    .description("app servers")
                    .build(),
            )
            .prefix_list_ids(
                PrefixListId::builder()
                    .prefix_list_id("pl-12345678")
                    .build(),
            )
            .build();
        let summaries: Vec<String> = Rule::from_permissions(&[permission])
            .iter()
            .map(|r| r.summary("from"))
            .collect();
        assert_eq!(
            summaries,
            [
                "tcp 19530 from 10.0.0.0/16",
                "tcp 19530 from 2001:db8::/56",
                "tcp 19530 from sg-0123456789abcdef0 (app servers)",
                "tcp 19530 from prefix list pl-12345678",
            ]
        );
    }

    #[test]
    fn tcp_allowed_follows_protocol_ports_and_peers() {
        let group = Peer::Group("sg-0123456789abcdef0".into());
        let client = Peer::Cidr("10.0.1.0/24".parse().unwrap());
        let exact = [Rule::new("tcp", Some((19531, 19531)), group.clone())];
        assert!(tcp_allowed(&exact, 19531, &group).is_some());
        assert!(tcp_allowed(&exact, 19530, &group).is_none(), "wrong port");
        assert!(tcp_allowed(&exact, 19531, &Peer::Group("sg-99999999".into())).is_none());
        let range = [Rule::new(
            "tcp",
            Some((19530, 19539)),
            Peer::Cidr("10.0.0.0/16".parse().unwrap()),
        )];
        assert!(
            tcp_allowed(&range, 19535, &client).is_some(),
            "a wider block covers"
        );
        assert!(tcp_allowed(&range, 19535, &Peer::Cidr("10.1.0.0/24".parse().unwrap())).is_none());
        assert!(
            tcp_allowed(&range, 19535, &Peer::Cidr("10.0.0.0/8".parse().unwrap())).is_none(),
            "a narrower rule does not cover a wider source"
        );
        let all = [Rule::new(
            "-1",
            None,
            Peer::Cidr("0.0.0.0/0".parse().unwrap()),
        )];
        assert!(tcp_allowed(&all, 443, &client).is_some());
        let udp = [Rule::new(
            "udp",
            None,
            Peer::Cidr("0.0.0.0/0".parse().unwrap()),
        )];
        assert!(tcp_allowed(&udp, 443, &client).is_none());
        let v6 = [Rule::new("tcp", None, Peer::Cidr("::/0".parse().unwrap()))];
        assert!(
            tcp_allowed(&v6, 443, &client).is_none(),
            "IPv6 rules do not cover IPv4"
        );
    }

    #[test]
    fn all_traffic_ranges_and_numbers() {
        let all = IpPermission::builder()
            .ip_protocol("-1")
            .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
            .build();
        let range = IpPermission::builder()
            .ip_protocol("6")
            .from_port(19530)
            .to_port(19539)
            .ip_ranges(IpRange::builder().cidr_ip("10.1.0.0/24").build())
            .build();
        let every_udp_port = IpPermission::builder()
            .ip_protocol("udp")
            .from_port(0)
            .to_port(65535)
            .ip_ranges(IpRange::builder().cidr_ip("10.1.0.0/24").build())
            .build();
        let rules = Rule::from_permissions(&[all, range, every_udp_port]);
        assert_eq!(rules[0].summary("to"), "all traffic to 0.0.0.0/0");
        assert_eq!(rules[1].summary("from"), "tcp 19530-19539 from 10.1.0.0/24");
        assert_eq!(rules[1].ports, Some((19530, 19539)));
        assert_eq!(rules[2].summary("from"), "udp all ports from 10.1.0.0/24");
    }
}
