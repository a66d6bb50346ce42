//! Route 53 Resolver DNS Firewall: the rules of the rule groups associated with a VPC, each
//! with the domains of its list, read in two rounds (associations and domain lists, then
//! every group's rules and every list's domains at once).

use aws_sdk_route53resolver::Client;

use super::sdk_error;
use crate::error::{Error, FailedRead};

/// One rule of a rule group associated with the VPC.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct FirewallRule {
    pub(crate) group_id: String,
    /// The association's priority: lower is evaluated first.
    pub(crate) group_priority: i32,
    pub(crate) name: String,
    /// The rule's priority within its group: lower is evaluated first.
    pub(crate) priority: i32,
    /// `ALLOW`, `BLOCK` or `ALERT`.
    pub(crate) action: String,
    pub(crate) domain_list_id: Option<String>,
    /// The query type the rule is limited to (`A`, `AAAA`, `TYPE28`…); `None` for every type.
    pub(crate) qtype: Option<String>,
    /// The list's domains (`example.com`, `*.example.com`, `*`), lowercase without the
    /// trailing dot; `None` where they cannot be listed (AWS managed lists).
    pub(crate) domains: Option<Vec<String>>,
    /// Where a Route 53 Profile brings the rule's group: that Profile, as findings name it.
    pub(crate) via_profile: Option<String>,
    /// Why the domains of the rule's own list could not be read, where they could not (not an
    /// AWS managed list, whose domains are never listed): the rule may match the host.
    pub(crate) domains_unread: Option<FailedRead>,
}

fn rule_of(
    group_id: &str,
    group_priority: i32,
    rule: &aws_sdk_route53resolver::types::FirewallRule,
) -> FirewallRule {
    FirewallRule {
        group_id: group_id.to_string(),
        group_priority,
        name: rule.name().unwrap_or_default().to_string(),
        priority: rule.priority().unwrap_or_default(),
        action: rule.action().map_or("", |a| a.as_str()).to_string(),
        domain_list_id: rule.firewall_domain_list_id().map(str::to_string),
        qtype: rule.qtype().map(str::to_ascii_uppercase),
        domains: None,
        via_profile: None,
        domains_unread: None,
    }
}

fn normalized(domains: &[String]) -> Vec<String> {
    domains
        .iter()
        .map(|d| d.trim_end_matches('.').to_ascii_lowercase())
        .collect()
}

/// The rules of one rule group (a group a Route 53 Profile brings, at `group_priority`),
/// without their domains.
pub(super) async fn rules_of_group(
    client: &Client,
    group_id: &str,
    group_priority: i32,
) -> Result<Vec<FirewallRule>, Error> {
    let rules = client
        .list_firewall_rules()
        .firewall_rule_group_id(group_id)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| sdk_error("route53resolver:ListFirewallRules", e))?;
    Ok(rules
        .iter()
        .map(|r| rule_of(group_id, group_priority, r))
        .collect())
}

/// The rules with the domains of their lists, each list read once (a list that cannot be
/// read, such as an AWS managed one, leaves its rules' domains unknown).
pub(super) async fn with_domains(
    client: &Client,
    mut rules: Vec<FirewallRule>,
) -> Vec<FirewallRule> {
    let mut lists: Vec<String> = rules
        .iter()
        .filter_map(|r| r.domain_list_id.clone())
        .collect();
    lists.sort();
    lists.dedup();
    // These lists may be AWS managed ones, whose domains are never listed: a list that cannot
    // be read leaves its rules' domains unknown, as for a managed list.
    let domains: Vec<_> = domains_of(client, &lists)
        .await
        .into_iter()
        .filter(|(_, d)| d.is_ok())
        .collect();
    for rule in &mut rules {
        set_domains(rule, &domains);
    }
    rules
}

/// Domain lists read beside the rules at most; past this many, only the lists the rules use
/// are read, one round later.
const SPECULATIVE_LISTS: usize = 20;

/// The domains of each list, or why they could not be read.
async fn domains_of(
    client: &Client,
    lists: &[String],
) -> Vec<(String, Result<Vec<String>, FailedRead>)> {
    futures::future::join_all(lists.iter().map(|list| async move {
        let domains = client
            .list_firewall_domains()
            .firewall_domain_list_id(list)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| FailedRead::from(sdk_error("route53resolver:ListFirewallDomains", e)));
        (list.clone(), domains)
    }))
    .await
}

/// Gives a rule the domains of its list, or why they are unknown.
fn set_domains(rule: &mut FirewallRule, domains: &[(String, Result<Vec<String>, FailedRead>)]) {
    let Some(id) = &rule.domain_list_id else {
        return;
    };
    match domains.iter().find(|(l, _)| l == id) {
        Some((_, Ok(d))) => rule.domains = Some(normalized(d)),
        Some((_, Err(e))) => rule.domains_unread = Some(e.clone()),
        None => {}
    }
}

pub(crate) async fn rules_of_vpc(
    client: &Client,
    vpc_id: &str,
) -> Result<Vec<FirewallRule>, Error> {
    let (associations, lists) = tokio::join!(
        client
            .list_firewall_rule_group_associations()
            .vpc_id(vpc_id)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
        client
            .list_firewall_domain_lists()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
    );
    let associations = associations
        .map_err(|e| sdk_error("route53resolver:ListFirewallRuleGroupAssociations", e))?;
    let groups: Vec<(String, i32)> = associations
        .iter()
        .filter(|a| a.vpc_id() == Some(vpc_id))
        .filter_map(|a| Some((a.firewall_rule_group_id()?.to_string(), a.priority()?)))
        .collect();
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let lists = lists.map_err(|e| sdk_error("route53resolver:ListFirewallDomainLists", e))?;
    // The domains of every list this account owns (AWS managed lists do not list theirs), read
    // beside the rules to save a round; an account with many lists reads, after the rules,
    // only the lists they use.
    let own_lists: Vec<String> = lists
        .iter()
        .filter(|l| l.managed_owner_name().is_none())
        .filter_map(|l| l.id().map(str::to_string))
        .collect();
    let speculate = own_lists.len() <= SPECULATIVE_LISTS;
    let (rules, domains) = tokio::join!(
        futures::future::join_all(groups.iter().map(|(group, _)| {
            client
                .list_firewall_rules()
                .firewall_rule_group_id(group)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
        })),
        domains_of(client, if speculate { &own_lists } else { &[] }),
    );
    let mut domains = domains;
    if !speculate {
        let mut used: Vec<String> = rules
            .iter()
            .flatten()
            .flatten()
            .filter_map(|r| r.firewall_domain_list_id().map(str::to_string))
            .filter(|id| own_lists.contains(id))
            .collect();
        used.sort();
        used.dedup();
        domains = domains_of(client, &used).await;
    }
    let mut found = Vec::new();
    for ((group, group_priority), rules) in groups.iter().zip(rules) {
        let rules = rules.map_err(|e| sdk_error("route53resolver:ListFirewallRules", e))?;
        for rule in rules {
            let mut rule = rule_of(group, *group_priority, &rule);
            set_domains(&mut rule, &domains);
            found.push(rule);
        }
    }
    Ok(found)
}
