//! The DNS path between an instance of the VPC and the private zone, as Route 53 Resolver
//! answers it: which DNS servers the instances ask (the DHCP option set), and which of the
//! VPC's Resolver rules and private zones decides the host.
//!
//! Resolver picks the most specific domain name among the rules associated with the VPC and
//! the rules it defines itself for each private zone tied to the VPC; at the same name, a
//! rule someone created overrides the zone's ("How Resolver determines whether the domain
//! name in a query matches any rules"; "Domain names that Resolver creates autodefined system
//! rules for"). So a forwarding rule for `zillizcloud.com` leaves a zone named for the host in
//! charge, and a forwarding rule for the host itself takes the query away from it.
//!
//! Route 53 Profiles bring zones, rules and DNS Firewall rule groups that join the same
//! precedence: the most specific name still wins, and at the same name the VPC's own
//! association wins over the Profile's ("How Route 53 Profile settings are prioritized").

use ipnet::IpNet;

use crate::aws::firewall::FirewallRule;
use crate::aws::resolver::ResolverRule;
use crate::aws::route53::Zone;
use crate::finding::{self, Finding};

/// `name` is `domain` or one of its subdomains.
fn within(name: &str, domain: &str) -> bool {
    name == domain || name.ends_with(&format!(".{domain}"))
}

fn labels(domain: &str) -> usize {
    domain.split('.').filter(|l| !l.is_empty()).count()
}

/// What decides how the host resolves in the VPC.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Decider<'a> {
    /// A Resolver rule someone associated with the VPC.
    Rule(&'a ResolverRule),
    /// A private zone tied to the VPC (Resolver's own rule for it).
    Zone(&'a Zone),
    /// Neither: the public DNS answers.
    Public,
}

/// The rule or zone that decides `host`, as Resolver picks it.
fn decider<'a>(host: &str, zones: &'a [Zone], rules: &'a [ResolverRule]) -> Decider<'a> {
    // At the same name, a rule of the VPC's own association wins over a Profile's.
    let rule = rules
        .iter()
        .filter(|r| within(host, &r.domain))
        .rev()
        .max_by_key(|r| (labels(&r.domain), r.via_profile.is_none()));
    let zone = zones
        .iter()
        .filter(|z| within(host, &z.name))
        .max_by_key(|z| labels(&z.name));
    match (rule, zone) {
        // At the same name, the rule someone made overrides the zone's autodefined one.
        (Some(r), Some(z)) if labels(&r.domain) >= labels(&z.name) => Decider::Rule(r),
        (_, Some(z)) => Decider::Zone(z),
        (Some(r), None) => Decider::Rule(r),
        (None, None) => Decider::Public,
    }
}

/// The VPC's own resolver: the base of its primary CIDR block plus two.
fn vpc_resolver(cidr: Option<&str>) -> String {
    cidr.and_then(|c| c.parse::<IpNet>().ok())
        .and_then(|net| match net.network() {
            std::net::IpAddr::V4(base) => Some(std::net::Ipv4Addr::from(u32::from(base) + 2)),
            std::net::IpAddr::V6(_) => None,
        })
        .map_or("the VPC's resolver (its CIDR base +2)".to_string(), |ip| {
            ip.to_string()
        })
}

/// Everything the DNS path is judged from.
#[derive(Debug, Clone)]
pub(super) struct PathInput<'a> {
    pub(super) host: &'a str,
    pub(super) vpc_id: &'a str,
    pub(super) vpc_cidr: Option<&'a str>,
    pub(super) zones: &'a [Zone],
    pub(super) rules: &'a [ResolverRule],
    /// The DHCP option set's DNS servers; empty for the default set.
    pub(super) dns_servers: &'a [String],
}

/// The two findings of the DNS path: the servers instances ask, and the rule that decides.
pub(super) fn judge(p: &PathInput<'_>) -> Vec<Finding> {
    let resolver = vpc_resolver(p.vpc_cidr);
    vec![dns_servers(p, &resolver), decided_by(p)]
}

/// Which servers the VPC's instances ask: its own resolver, or servers of the DHCP option set
/// that must forward the host to it.
fn dns_servers(p: &PathInput<'_>, resolver: &str) -> Finding {
    let custom: Vec<&String> = p
        .dns_servers
        .iter()
        .filter(|s| !s.eq_ignore_ascii_case("AmazonProvidedDNS"))
        .collect();
    if custom.is_empty() {
        finding::pass(
            "dns_servers",
            format!(
                "instances of {} ask the VPC's own resolver (AmazonProvidedDNS)",
                p.vpc_id
            ),
        )
    } else {
        let servers = custom
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        finding::warn(
            "dns_servers",
            format!(
                "the DHCP option set of {} sends instances to {servers}, not to the VPC's resolver: \
 \
                 the private zone answers for {} only where those servers forward the name to {resolver}",
                p.vpc_id, p.host
            ),
            format!(
                "on {servers}, forward {} (or vectordb.zillizcloud.com) to {resolver}; or give {} \
 \
                 a DHCP option set with domain-name-servers=AmazonProvidedDNS",
                p.host, p.vpc_id
            ),
        )
    }
}

/// The rule or zone that decides the host, most specific first.
fn decided_by(p: &PathInput<'_>) -> Finding {
    match decider(p.host, p.zones, p.rules) {
        Decider::Zone(zone) => {
            let losing: Vec<String> = p
                .rules
                .iter()
                .filter(|r| within(p.host, &r.domain))
                .map(|r| format!("{} ({} {})", r.id, r.rule_type, r.domain))
                .collect();
            finding::pass(
                "resolver_rules",
                if losing.is_empty() {
                    format!("Resolver answers {} from private zone {}", p.host, zone.id)
                } else {
                    format!(
                        "Resolver answers {} from private zone {}; the less specific rule(s) {} \
                         do not apply to it",
                        p.host,
                        zone.id,
                        losing.join(", ")
                    )
                },
            )
        }
        Decider::Rule(rule) if rule.rule_type == "FORWARD" => forwarding(p, rule),
        Decider::Rule(rule) => finding::pass(
            "resolver_rules",
            format!(
                "Resolver rule {} ({} {}) keeps {} with the VPC's own resolver",
                rule.id, rule.rule_type, rule.domain, p.host
            ),
        ),
        Decider::Public => finding::pass(
            "resolver_rules",
            format!(
                "no Resolver rule or private zone of {} covers {}",
                p.vpc_id, p.host
            ),
        ),
    }
}

/// A forwarding rule decides the host: queries leave the VPC, and the private zone never
/// answers them.
fn forwarding(p: &PathInput<'_>, rule: &ResolverRule) -> Finding {
    let named = rule
        .name
        .as_deref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    let shared = if rule.shared {
        ", shared with this account"
    } else {
        ""
    };
    let fix = if let Some(profile) = &rule.via_profile {
        format!(
            "the rule comes with {profile}: its owner takes it out of the Profile (aws \
                 route53profiles disassociate-resource-from-profile --profile-id <that \
                 Profile> --resource-arn <the rule's ARN>); or, in this account, create a \
                 SYSTEM rule for exactly {} and associate it with {} (aws route53resolver \
                 create-resolver-rule --rule-type SYSTEM --domain-name {} --creator-request-id \
                 zilliz-{}, then associate-resolver-rule --vpc-id {}): the VPC's own rule \
                 wins over the Profile's at the same name, and the more specific one over a \
                 parent's",
            p.host, p.vpc_id, p.host, p.vpc_id, p.vpc_id
        )
    } else if rule.domain == p.host {
        format!(
            "aws route53resolver disassociate-resolver-rule --vpc-id {} --resolver-rule-id {} \
                 (a rule for exactly {} overrides the private zone)",
            p.vpc_id, rule.id, p.host
        )
    } else {
        format!(
            "aws route53resolver create-resolver-rule --rule-type SYSTEM --domain-name {} \
                 --creator-request-id zilliz-{} and associate it with {} (a SYSTEM rule for \
                 the host lets the private zone answer), or disassociate {}",
            p.host, p.vpc_id, p.vpc_id, rule.id
        )
    };
    let via = rule
        .via_profile
        .as_deref()
        .map(|p| format!(", brought by {p},"))
        .unwrap_or_default();
    finding::fail(
        "resolver_rules",
        format!(
            "Resolver rule {}{named}{shared}{via} forwards {} to {}: queries for {} leave \
                 the VPC and the private zone never answers them",
            rule.id,
            rule.domain,
            if rule.targets.is_empty() {
                "its targets".to_string()
            } else {
                rule.targets.join(", ")
            },
            p.host
        ),
        fix,
    )
}

/// A DNS Firewall domain list entry covers `host`. A leading `*` stands for any characters, so
/// `*` covers every name, `*.d` the names below `d` (not `d` itself), and `*d` both `d` and
/// anything ending in it (`*example.com` covers `example.com`, `www.example.com` and
/// `myexample.com`); any other entry is that exact name.
fn firewall_entry_matches(entry: &str, host: &str) -> bool {
    match entry.strip_prefix('*') {
        Some(suffix) => host.ends_with(suffix),
        None => entry == host,
    }
}

/// A rule limited to a query type (`Qtype`) decides only queries of that type. `TYPE1` is the
/// numeric spelling of `A`.
fn applies_to_a_query(rule: &FirewallRule) -> bool {
    rule.qtype
        .as_deref()
        .is_none_or(|t| matches!(t, "A" | "TYPE1"))
}

/// DNS Firewall's decision for an `A` query of `host`: rule groups in their association's
/// priority order, rules in theirs, and the first rule whose domain list covers the host
/// decides, whatever its action: `ALLOW` and `ALERT` stop inspection and let the query
/// through (an `ALERT *` before a `BLOCK *` lets everything through), `BLOCK` stops it. A rule
/// whose list cannot be read (an AWS managed list) or whose `Qtype` is another type decides
/// nothing here. The deciding rule and its entry.
fn firewall_decision<'a>(
    host: &str,
    rules: &'a [FirewallRule],
) -> Option<(&'a FirewallRule, &'a str)> {
    let mut ordered: Vec<&FirewallRule> = rules.iter().collect();
    // A Profile's rule groups take their place among the VPC's by priority; at the same
    // priority the VPC's own association goes first.
    ordered.sort_by_key(|r| (r.group_priority, r.via_profile.is_some(), r.priority));
    ordered.into_iter().find_map(|rule| {
        if !applies_to_a_query(rule) {
            return None;
        }
        let entry = rule
            .domains
            .as_ref()?
            .iter()
            .find(|d| firewall_entry_matches(d, host))?;
        Some((rule, entry.as_str()))
    })
}

/// The DNS Firewall finding for the host in the VPC.
pub(super) fn firewall(host: &str, vpc_id: &str, rules: &[FirewallRule]) -> Finding {
    if rules.is_empty() {
        return finding::pass(
            "dns_firewall",
            format!("no DNS Firewall rule group is associated with {vpc_id}"),
        );
    }
    let groups = {
        let mut g: Vec<&str> = rules.iter().map(|r| r.group_id.as_str()).collect();
        g.sort();
        g.dedup();
        g.join(", ")
    };
    let decision = firewall_decision(host, rules);
    // A rule before the deciding one (or any, where none decides) whose own list could not be
    // read may match the host first.
    let deciding_order =
        decision.map(|(r, _)| (r.group_priority, r.via_profile.is_some(), r.priority));
    if let Some((unread, why)) = rules.iter().find_map(|r| {
        let why = r.domains_unread.as_ref()?;
        (applies_to_a_query(r)
            && deciding_order
                .is_none_or(|o| (r.group_priority, r.via_profile.is_some(), r.priority) < o))
        .then_some((r, why))
    }) {
        return finding::unread(
            "dns_firewall",
            why,
            format!(
                "DNS Firewall rule `{}` ({}) of rule group {} in {vpc_id} may decide {host} first, \
                 but its domain list {} could not be read: {}",
                unread.name,
                unread.action,
                unread.group_id,
                unread.domain_list_id.as_deref().unwrap_or("?"),
                why
            ),
            finding::GRANT_AND_AGAIN,
        );
    }
    match decision {
        Some((rule, entry)) if rule.action == "BLOCK" => finding::fail(
            "dns_firewall",
            format!(
                "DNS Firewall rule `{}` (priority {}) of rule group {}{} blocks {host} in \
                 {vpc_id}: its domain list {} holds `{entry}`",
                rule.name,
                rule.priority,
                rule.group_id,
                rule.via_profile
                    .as_deref()
                    .map(|p| format!(" (brought by {p})"))
                    .unwrap_or_default(),
                rule.domain_list_id.as_deref().unwrap_or("?")
            ),
            format!(
                "{}let the host through before that rule: put {host} in a domain list and add \
                 `aws route53resolver create-firewall-rule --firewall-rule-group-id {} \
                 --firewall-domain-list-id <that list> --action ALLOW --priority <a number below \
                 {}> --name allow-zilliz-privatelink --creator-request-id zilliz-{vpc_id}`; or \
                 take `{entry}` out of list {}",
                rule.via_profile
                    .as_deref()
                    .map(|p| format!("the rule group comes with {p}, whose owner changes it: "))
                    .unwrap_or_default(),
                rule.group_id,
                rule.priority,
                rule.domain_list_id.as_deref().unwrap_or("?")
            ),
        ),
        Some((rule, entry)) if rule.action == "ALERT" => finding::pass(
            "dns_firewall",
            format!(
                "DNS Firewall rule `{}` (priority {}) of rule group {} matches {host} (`{entry}`) \
                 and only alerts: the query goes through and no later rule inspects it",
                rule.name, rule.priority, rule.group_id
            ),
        ),
        Some((rule, entry)) => finding::pass(
            "dns_firewall",
            format!(
                "DNS Firewall rule `{}` of rule group {} allows {host} (`{entry}`)",
                rule.name, rule.group_id
            ),
        ),
        None => finding::pass(
            "dns_firewall",
            format!("no rule of the DNS Firewall rule group(s) {groups} of {vpc_id} blocks {host}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;

    const HOST: &str = "in01-abc-privatelink.aws-us-west-2.vectordb.zillizcloud.com";

    fn rule(id: &str, rule_type: &str, domain: &str) -> ResolverRule {
        ResolverRule {
            id: id.into(),
            name: None,
            domain: domain.into(),
            rule_type: rule_type.into(),
            targets: vec!["10.10.0.2:53".into()],
            shared: false,
            via_profile: None,
        }
    }

    fn zone(name: &str) -> Zone {
        Zone {
            id: "Z1".into(),
            name: name.into(),
        }
    }

    fn path<'a>(
        zones: &'a [Zone],
        rules: &'a [ResolverRule],
        servers: &'a [String],
    ) -> Vec<Finding> {
        judge(&PathInput {
            host: HOST,
            vpc_id: "vpc-1",
            vpc_cidr: Some("10.0.0.0/16"),
            zones,
            rules,
            dns_servers: servers,
        })
    }

    #[test]
    fn a_forwarding_rule_for_a_parent_leaves_the_zone_in_charge() {
        let zones = [zone(HOST)];
        let rules = [rule("rslvr-rr-1", "FORWARD", "zillizcloud.com")];
        let found = path(&zones, &rules, &[]);
        assert_eq!(found[1].status, Status::Pass, "{:?}", found[1]);
        assert!(found[1].detail.contains("rslvr-rr-1"));
    }

    #[test]
    fn a_forwarding_rule_for_the_host_itself_takes_the_query_away() {
        let zones = [zone(HOST)];
        let rules = [rule("rslvr-rr-2", "FORWARD", HOST)];
        let found = path(&zones, &rules, &[]);
        assert_eq!(found[1].status, Status::Fail);
        assert!(found[1].detail.contains("rslvr-rr-2") && found[1].detail.contains("10.10.0.2:53"));
        assert!(
            found[1]
                .fix
                .as_deref()
                .unwrap()
                .contains("disassociate-resolver-rule")
        );
    }

    #[test]
    fn a_system_rule_keeps_the_host_inside() {
        let zones = [zone(HOST)];
        let rules = [
            rule("rslvr-rr-1", "FORWARD", "zillizcloud.com"),
            rule("rslvr-rr-3", "SYSTEM", HOST),
        ];
        assert_eq!(path(&zones, &rules, &[])[1].status, Status::Pass);
    }

    #[test]
    fn without_the_hosts_zone_a_parent_forwarding_rule_decides() {
        let zones = [zone("zillizcloud.com")];
        let rules = [rule("rslvr-rr-4", "FORWARD", "vectordb.zillizcloud.com")];
        assert_eq!(path(&zones, &rules, &[])[1].status, Status::Fail);
        // The more specific zone wins over a parent rule.
        let zones = [zone("vectordb.zillizcloud.com")];
        let rules = [rule("rslvr-rr-5", "FORWARD", "zillizcloud.com")];
        assert_eq!(path(&zones, &rules, &[])[1].status, Status::Pass);
    }

    #[test]
    fn custom_dns_servers_are_named_with_the_resolver_to_forward_to() {
        let servers = ["10.0.5.10".to_string(), "10.0.6.10".to_string()];
        let found = path(&[], &[], &servers);
        assert_eq!(found[0].status, Status::Warn);
        assert!(found[0].detail.contains("10.0.5.10, 10.0.6.10"));
        assert!(found[0].fix.as_deref().unwrap().contains("10.0.0.2"));
        let amazon = ["AmazonProvidedDNS".to_string()];
        assert_eq!(path(&[], &[], &amazon)[0].status, Status::Pass);
        assert_eq!(path(&[], &[], &[])[0].status, Status::Pass);
    }

    fn fw(
        group: (&str, i32),
        name: &str,
        priority: i32,
        action: &str,
        domains: &[&str],
    ) -> FirewallRule {
        FirewallRule {
            group_id: group.0.into(),
            group_priority: group.1,
            name: name.into(),
            priority,
            action: action.into(),
            domain_list_id: Some(format!("rslvr-fdl-{name}")),
            qtype: None,
            domains: Some(domains.iter().map(|d| d.to_string()).collect()),
            via_profile: None,
            domains_unread: None,
        }
    }

    #[test]
    fn firewall_entries_match_as_dns_firewall_matches_them() {
        // (entry, name, covered)
        let table = [
            ("*", HOST, true),
            ("*.zillizcloud.com", HOST, true),
            (HOST, HOST, true),
            ("zillizcloud.com", HOST, false),
            ("*.example.com", HOST, false),
            (
                "*.vectordb.zillizcloud.com",
                "vectordb.zillizcloud.com",
                false,
            ),
            // A star without a dot: any characters, so the domain itself and its subdomains.
            ("*zillizcloud.com", HOST, true),
            ("*zillizcloud.com", "zillizcloud.com", true),
            ("*zillizcloud.com", "notzillizcloud.com", true),
            ("*zillizcloud.com", "zillizcloud.com.evil.example", false),
        ];
        for (entry, name, covered) in table {
            assert_eq!(
                firewall_entry_matches(entry, name),
                covered,
                "{entry} over {name}"
            );
        }
    }

    #[test]
    fn the_first_matching_rule_decides_whatever_its_action() {
        let g = ("rslvr-frg-1", 101);
        // A walled garden: allow a list, block everything else.
        let garden = [
            fw(g, "block-all", 200, "BLOCK", &["*"]),
            fw(g, "allow-zilliz", 100, "ALLOW", &["*.zillizcloud.com"]),
        ];
        assert_eq!(firewall(HOST, "vpc-1", &garden).status, Status::Pass);
        // Without Zilliz on the list, the block names its rule and entry.
        let closed = [
            fw(g, "block-all", 200, "BLOCK", &["*"]),
            fw(g, "allow-corp", 100, "ALLOW", &["*.corp.example"]),
        ];
        let found = firewall(HOST, "vpc-1", &closed);
        assert_eq!(found.status, Status::Fail);
        assert!(found.detail.contains("block-all") && found.detail.contains("`*`"));
        assert!(found.fix.as_deref().unwrap().contains("below 200"));
        // A block rolled out in alert mode first: the alert matches first, stops inspection
        // and lets the query through, so the later block never sees it.
        let alert_first = [
            fw(g, "alert-all", 50, "ALERT", &["*"]),
            fw(g, "block-all", 200, "BLOCK", &["*"]),
        ];
        let found = firewall(HOST, "vpc-1", &alert_first);
        assert_eq!(found.status, Status::Pass, "{found:?}");
        assert!(found.detail.contains("alert-all") && found.detail.contains("only alerts"));
        // An alert after the block changes nothing.
        let alert_late = [
            fw(g, "block-all", 50, "BLOCK", &["*"]),
            fw(g, "alert-all", 200, "ALERT", &["*"]),
        ];
        assert_eq!(firewall(HOST, "vpc-1", &alert_late).status, Status::Fail);
        // An alert for other names does not decide the host.
        let alert_other = [
            fw(g, "alert-bad", 50, "ALERT", &["*.bad.example"]),
            fw(g, "block-all", 200, "BLOCK", &["*"]),
        ];
        assert_eq!(firewall(HOST, "vpc-1", &alert_other).status, Status::Fail);
        // Group order comes before rule order.
        let groups = [
            fw(("rslvr-frg-2", 300), "allow-late", 1, "ALLOW", &[HOST]),
            fw(
                ("rslvr-frg-1", 100),
                "block-early",
                500,
                "BLOCK",
                &["*.zillizcloud.com"],
            ),
        ];
        assert_eq!(firewall(HOST, "vpc-1", &groups).status, Status::Fail);
        // A block for another name is no finding; nor is a list that cannot be read.
        let other = [fw(g, "block-bad", 1, "BLOCK", &["*.bad.example"])];
        assert_eq!(firewall(HOST, "vpc-1", &other).status, Status::Pass);
        let mut managed = fw(g, "aws-malware", 1, "BLOCK", &[]);
        managed.domains = None;
        assert_eq!(firewall(HOST, "vpc-1", &[managed]).status, Status::Pass);
        assert_eq!(firewall(HOST, "vpc-1", &[]).status, Status::Pass);
    }

    #[test]
    fn an_own_list_that_cannot_be_read_leaves_the_firewall_unjudged_only_where_it_comes_first() {
        let g = ("rslvr-frg-1", 101);
        let mut unread = fw(g, "block-corp", 5, "BLOCK", &[]);
        unread.domains = None;
        unread.domains_unread = Some("route53resolver:ListFirewallDomains failed: denied".into());
        let found = firewall(HOST, "vpc-1", &[unread.clone()]);
        assert!(found.unjudged && found.status == Status::Skip, "{found:?}");
        assert!(found.detail.contains("ListFirewallDomains"));
        // An allow that decides first settles it; an unread rule after it decides nothing.
        let allow = fw(g, "allow-zilliz", 1, "ALLOW", &["*.zillizcloud.com"]);
        let found = firewall(HOST, "vpc-1", &[allow, unread]);
        assert!(!found.unjudged && found.status == Status::Pass, "{found:?}");
    }

    #[test]
    fn a_rule_for_another_query_type_does_not_decide_an_a_query() {
        let g = ("rslvr-frg-1", 101);
        let mut aaaa_only = fw(g, "block-aaaa", 10, "BLOCK", &["*"]);
        aaaa_only.qtype = Some("AAAA".into());
        assert_eq!(
            firewall(HOST, "vpc-1", &[aaaa_only.clone()]).status,
            Status::Pass
        );
        // Nor does an allow for AAAA shield the A query from a later block.
        let mut allow_aaaa = fw(g, "allow-aaaa", 10, "ALLOW", &["*"]);
        allow_aaaa.qtype = Some("AAAA".into());
        let block = fw(g, "block-all", 20, "BLOCK", &["*"]);
        let found = firewall(HOST, "vpc-1", &[allow_aaaa, block]);
        assert_eq!(found.status, Status::Fail);
        assert!(found.detail.contains("block-all"));
        // A rule for A queries, by name or number, decides them.
        for qtype in ["A", "TYPE1"] {
            let mut a_only = fw(g, "block-a", 10, "BLOCK", &["*"]);
            a_only.qtype = Some(qtype.into());
            assert_eq!(firewall(HOST, "vpc-1", &[a_only]).status, Status::Fail);
        }
    }

    #[test]
    fn the_vpc_resolver_is_the_base_plus_two() {
        assert_eq!(vpc_resolver(Some("10.0.0.0/16")), "10.0.0.2");
        assert_eq!(vpc_resolver(Some("172.31.16.0/20")), "172.31.16.2");
        assert!(vpc_resolver(None).contains("+2"));
    }
}
