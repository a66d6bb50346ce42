//! What the logs say, judged beside the rules: a `flow_log` finding (the client's flows to the
//! endpoint on the link's port and what the endpoint's interfaces did with them) and a
//! `query_log` finding (what the VPC's resolver answered the client for the host). Each says
//! whether it agrees with the control plane's reading or contradicts it; where a log exists but
//! holds nothing from the client, it says so; where no log exists, one `logs` line says which
//! logging would answer next time, and proposes no change (logging costs money).
//!
//! Pure: over the evidence read once and the findings already made.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::evidence::flow::{Action, Direction, Flow};
use crate::evidence::query::{Answer, Query};
use crate::evidence::{Evidence, Logs, MAX_MINUTES, Outcome};
use crate::finding::{self, Finding, Fix, Status};

/// The checks of the rules a flow meets at the endpoint's interfaces (the client's own
/// outbound rules stop a packet before it gets there, so no flow there says anything of them).
const NETWORK_CHECKS: [&str; 3] = [
    "security_group_inbound",
    "security_group_reference",
    "network_acl",
];
/// The checks of what the VPC's resolver answers for the host.
const DNS_CHECKS: [&str; 8] = [
    "hosted_zone",
    "alias_record",
    "vpc_dns_attributes",
    "zone_shadowing",
    "dns_firewall",
    "resolver_rules",
    "dns_servers",
    "private_link_address",
];
/// The probes past DNS: a failure of theirs with accepted flows is not the network's.
const CONNECTION_PROBES: [&str; 2] = ["tcp_connect", "http"];

/// Who the client is, as far as the logs can tell it: its address (or network) and instance.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct LogClient {
    pub(super) network: Option<IpNet>,
    pub(super) instance: Option<String>,
}

impl LogClient {
    fn known(&self) -> bool {
        self.network.is_some() || self.instance.is_some()
    }

    fn named(&self) -> String {
        match (&self.instance, self.network) {
            (Some(i), Some(n)) => format!("{i} ({})", address_text(n)),
            (Some(i), None) => i.clone(),
            (None, Some(n)) => address_text(n),
            (None, None) => "the client".into(),
        }
    }

    fn sent(&self, address: IpAddr) -> bool {
        self.network.is_some_and(|n| n.contains(&address))
    }

    fn asked(&self, q: &Query) -> bool {
        q.instance.is_some() && q.instance == self.instance
            || q.client.is_some_and(|a| self.sent(a))
    }
}

fn address_text(n: IpNet) -> String {
    if n.prefix_len() == n.max_prefix_len() {
        n.addr().to_string()
    } else {
        n.to_string()
    }
}

/// The link the logs are read for.
#[derive(Debug, Clone)]
pub(super) struct LinkView<'a> {
    pub(super) vpc_id: &'a str,
    pub(super) host: Option<&'a str>,
    pub(super) port: Option<u16>,
    /// The cluster's public address, as Zilliz gives it (`connectAddress`).
    pub(super) public_address: Option<&'a str>,
}

/// The logs' findings: `flow_log` and `query_log`, or one `logs` line where neither kind of
/// logging covers the link.
pub(super) fn findings(
    e: &Evidence,
    client: &LogClient,
    judged: &[Finding],
    link: &LinkView<'_>,
) -> Vec<Finding> {
    let flows_exist =
        e.endpoint_known && (e.flows.unlisted.is_some() || !e.flows.sources.is_empty());
    let queries_exist = e.queries.unlisted.is_some() || !e.queries.sources.is_empty();
    let moving = public_address_finding(e, link, queries_exist);
    if !flows_exist && !queries_exist {
        return std::iter::once(no_logging(link, e.endpoint_known))
            .chain(moving)
            .collect();
    }
    let mut out = Vec::new();
    if flows_exist {
        out.push(flow_finding(e, client, judged, link));
    }
    if queries_exist {
        out.push(query_finding(e, client, judged, link));
    }
    out.extend(moving);
    out
}

/// The move off the public address: who resolved the cluster's public host in the window (and
/// what they got) beside who resolved the private link host, the address the application
/// should use, and when public access can be turned off (Zilliz documents no API for it: the
/// console's step, the person's part, only once every client has moved).
fn public_address_finding(
    e: &Evidence,
    link: &LinkView<'_>,
    queries_exist: bool,
) -> Option<Finding> {
    let check = "public_address";
    let (Some(public), Some(host), Some(port)) = (link.public_address, link.host, link.port) else {
        return None;
    };
    let uri = format!("https://{host}:{port}");
    let use_it = format!(
        "set the application's Milvus client uri to {uri} (the private link address, this \
         port; the same token) in place of {public}"
    );
    let turn_off = "then turn the cluster's public endpoint off in the Zilliz Cloud console \
                    (Zilliz documents no API call for it; after turning it on again, DNS caches \
                    may need to expire)";
    if !queries_exist {
        return Some(finding::skip(
            check,
            format!(
                "who still uses the public address {public} cannot be told: no Resolver query \
                 logging covers {}; the application should use {uri}",
                link.vpc_id
            ),
            format!(
                "Resolver query logging on {} to CloudWatch Logs shows which clients resolve \
                 the public host; {use_it}",
                link.vpc_id
            ),
        ));
    }
    if !e.public_queries.read_any() {
        return Some(finding::skip(
            check,
            format!(
                "the query logs could not be read for the public host, so who still uses \
                 {public} is not known; the application should use {uri}"
            ),
            use_it,
        ));
    }
    let said = |answers: Vec<(String, usize, &Query)>| {
        answers
            .iter()
            .map(|(asker, n, q)| format!("{asker} ({n}×, last at {}: {})", q.at, q.answer))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let public_askers = last_answers(e.public_queries.records.iter());
    let private_askers = last_answers(e.queries.records.iter());
    let minutes = e.minutes;
    let moved = if private_askers.is_empty() {
        String::new()
    } else {
        format!(
            "; the private link host was resolved by {}",
            said(private_askers)
        )
    };
    if public_askers.is_empty() && moved.is_empty() {
        return Some(finding::skip(
            check,
            format!(
                "in the last {minutes} min no client in {} resolved the public host or the \
                 private link host: who uses which is not known yet",
                link.vpc_id
            ),
            format!("{use_it}; a longer log_minutes reads further back"),
        ));
    }
    Some(if public_askers.is_empty() {
        finding::pass(
            check,
            format!(
                "in the last {minutes} min no client in {} resolved the public host{moved}: the \
                 application uses {uri}; once every client has moved (the window may miss some), \
                 the public endpoint can be turned off in the Zilliz Cloud console{}",
                link.vpc_id,
                partial_text(&e.public_queries)
            ),
        )
    } else {
        finding::warn(
            check,
            format!(
                "in the last {minutes} min these clients in {} still resolved the public address \
                 {public}: {}{moved}",
                link.vpc_id,
                said(public_askers)
            ),
            format!("{use_it}; {turn_off}"),
        )
    })
}

fn no_logging(link: &LinkView<'_>, endpoint_known: bool) -> Finding {
    let vpc = link.vpc_id;
    let (missing, advice, them) = if endpoint_known {
        (
            format!(
                "no VPC flow log records the endpoint (on its interfaces, their subnets or its \
                 VPC) and no Resolver query logging covers {vpc}"
            ),
            format!(
                "a flow log on {vpc} and Resolver query logging on {vpc}, both to CloudWatch \
                 Logs, would show whether the client's packets reach the endpoint and what the \
                 resolver answers; both cost money"
            ),
            "them",
        )
    } else {
        (
            format!(
                "no Resolver query logging covers {vpc} (flow logs are read once the VPC has \
                 its endpoint)"
            ),
            format!(
                "Resolver query logging on {vpc}, to CloudWatch Logs, would show what the \
                 resolver answers; it costs money"
            ),
            "it",
        )
    };
    finding::skip(
        "logs",
        format!("{missing}: this diagnosis judged the rules, not what the client met"),
        format!(
            "nothing to change now. For this evidence next time, {advice} (CloudWatch Logs \
             ingestion and storage), so turn {them} on only if the person asks"
        ),
    )
}

/// Each source's line: `flow log fl-1 (ALL, on vpc-1) to log group /f: 3 events`.
fn sources_text<T>(logs: &Logs<T>, kind: &str) -> String {
    let mut parts: Vec<String> = logs
        .sources
        .iter()
        .map(|s| match &s.outcome {
            Outcome::Read { events } => format!("{}: {events} event(s) read", s.described),
            Outcome::Failed(_) => format!("{}: could not be read (see not_read)", s.described),
            Outcome::NotRead(why) => format!("{}: {why}", s.described),
        })
        .collect();
    if logs.unlisted.is_some() {
        parts.push(format!("the {kind} could not be listed (see not_read)"));
    }
    parts.join("; ")
}

fn window_text(e: &Evidence) -> String {
    format!("in the last {} minutes", e.minutes)
}

fn partial_text<T>(logs: &Logs<T>) -> &'static str {
    if logs.partial {
        // CloudWatch Logs returns a window's events oldest first, and offers no other order.
        " (a part of the window, its oldest events: the read stops at one page; a smaller \
         log_minutes reads the latest)"
    } else {
        ""
    }
}

/// Where no log of this kind could be read: why, and what would let it be.
fn unreadable<T>(check: &str, logs: &Logs<T>, kind: &str, what: &str) -> Finding {
    let fix = if logs.unlisted.is_some()
        || logs
            .sources
            .iter()
            .any(|s| matches!(s.outcome, Outcome::Failed(_)))
    {
        "grant the reads named in not_read (iam/read-only.json has them), then call again"
            .to_string()
    } else {
        format!("read {what} where the log is delivered (named above)")
    };
    finding::skip(
        check,
        format!("not judged from logs: {}", sources_text(logs, kind)),
        fix,
    )
}

/// Clients told in a finding: the first five, and how many more.
const CLIENTS_TOLD: usize = 5;

fn by_client(lines: impl ExactSizeIterator<Item = String>) -> String {
    let count = lines.len();
    let mut text = lines.take(CLIENTS_TOLD).collect::<Vec<_>>().join("; ");
    if count > CLIENTS_TOLD {
        text.push_str(&format!("; and {} more client(s)", count - CLIENTS_TOLD));
    }
    text
}

fn first_failing<'a>(judged: &'a [Finding], checks: &[&str]) -> Option<&'a Finding> {
    judged
        .iter()
        .find(|f| f.status == Status::Fail && checks.contains(&f.check.as_str()))
}

fn fix_of(f: &Finding) -> Fix {
    match (&f.remedy, &f.fix) {
        (Some(call), _) => Fix::Call(call.clone()),
        (None, Some(text)) => Fix::Text(text.clone()),
        (None, None) => Fix::Text(format!("see the {} finding", f.check)),
    }
}

fn again(minutes_hint: bool) -> String {
    let mut text = "have the application connect again, then call diagnose_private_link again \
                    in a few minutes (logs arrive 1 to 10 minutes late)"
        .to_string();
    if minutes_hint {
        text.push_str(&format!(
            "; log_minutes widens the window (up to {MAX_MINUTES})"
        ));
    }
    text
}

/// Unix seconds as `2026-12-02T12:01:07Z`.
fn when(seconds: i64) -> String {
    use aws_sdk_cloudwatchlogs::primitives::{DateTime, DateTimeFormat};
    DateTime::from_secs(seconds)
        .fmt(DateTimeFormat::DateTime)
        .unwrap_or_else(|_| seconds.to_string())
}

/// Flows one way: how many of each action, and when each last was.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    accepted: usize,
    rejected: usize,
    last_accepted: Option<i64>,
    last_rejected: Option<i64>,
}

impl Counts {
    fn add(&mut self, f: &Flow) {
        let at = f.end.or(f.start);
        match f.action {
            Action::Accept => {
                self.accepted += 1;
                self.last_accepted = self.last_accepted.max(at);
            }
            Action::Reject => {
                self.rejected += 1;
                self.last_rejected = self.last_rejected.max(at);
            }
        }
    }

    /// The last word is a rejection: none accepted, or the last rejected after the last
    /// accepted.
    fn rejected_last(&self) -> bool {
        self.rejected > 0 && (self.accepted == 0 || self.last_rejected >= self.last_accepted)
    }

    fn text(&self) -> String {
        let part = |n: usize, what: &str, last: Option<i64>| {
            format!(
                "{n} {what}{}",
                last.map(|t| format!(" (last at {})", when(t)))
                    .unwrap_or_default()
            )
        };
        let mut parts = Vec::new();
        if self.rejected > 0 {
            parts.push(part(self.rejected, "rejected", self.last_rejected));
        }
        if self.accepted > 0 {
            parts.push(part(self.accepted, "accepted", self.last_accepted));
        }
        parts.join(", ")
    }
}

/// The flows of one client address: its packets to the endpoint, and the endpoint's answers
/// back to it.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    to: Counts,
    back: Counts,
}

/// What the flows of one client say, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Word {
    /// Its packets to the endpoint were rejected last.
    Rejected,
    /// The endpoint's answers to it were rejected last, on the way back.
    AnswersRejected,
    /// Its packets were let in; `both_ways` where the answers were recorded let out too.
    Accepted { both_ways: bool },
}

impl Tally {
    fn add(&mut self, f: &Flow) {
        match f.direction {
            Direction::ToEndpoint => self.to.add(f),
            Direction::Back => self.back.add(f),
        }
    }

    fn word(&self) -> Word {
        if self.to.rejected_last() {
            Word::Rejected
        } else if self.back.rejected_last() {
            Word::AnswersRejected
        } else {
            Word::Accepted {
                both_ways: self.back.accepted > 0,
            }
        }
    }

    fn text(&self) -> String {
        let mut parts = Vec::new();
        if self.to.accepted + self.to.rejected > 0 {
            parts.push(self.to.text());
        }
        if self.back.accepted + self.back.rejected > 0 {
            parts.push(format!("its answers back: {}", self.back.text()));
        }
        parts.join("; ")
    }
}

fn tallies<'a>(flows: impl Iterator<Item = &'a Flow>) -> BTreeMap<IpAddr, Tally> {
    let mut by_client: BTreeMap<IpAddr, Tally> = BTreeMap::new();
    for f in flows {
        by_client.entry(f.client).or_default().add(f);
    }
    by_client
}

/// Which actions the read flow logs record: a log of `REJECT` only cannot show acceptance.
fn recorded(e: &Evidence) -> String {
    let traffic: Vec<&str> = e
        .flows
        .sources
        .iter()
        .filter(|s| matches!(s.outcome, Outcome::Read { .. }))
        .filter_map(|s| s.traffic.as_deref())
        .collect();
    if traffic.iter().all(|t| *t == "REJECT") {
        " (these flow logs record rejected flows only)".into()
    } else if traffic.iter().all(|t| *t == "ACCEPT") {
        " (these flow logs record accepted flows only)".into()
    } else {
        String::new()
    }
}

fn flow_finding(
    e: &Evidence,
    client: &LogClient,
    judged: &[Finding],
    link: &LinkView<'_>,
) -> Finding {
    let check = "flow_log";
    if !e.flows.read_any() {
        return unreadable(check, &e.flows, "flow logs", "the flows to the endpoint");
    }
    let port = link.port.unwrap_or_default();
    let to = format!("the endpoint on port {port}");
    let caveat = format!("{}{}", recorded(e), partial_text(&e.flows));
    let (tallies, who) = if client.network.is_some() {
        (
            tallies(e.flows.records.iter().filter(|f| client.sent(f.client))),
            client.named(),
        )
    } else {
        (tallies(e.flows.records.iter()), "any client".to_string())
    };
    if tallies.is_empty() {
        let others = if client.network.is_some() && !e.flows.records.is_empty() {
            format!(" ({} from other clients)", e.flows.records.len())
        } else {
            String::new()
        };
        return finding::skip(
            check,
            format!(
                "no flow from {who} to {to} {}{others}{caveat}: it may not have tried in the \
                 window, or its packets may not leave it (its own group's outbound rules, its \
                 routes); read: {}",
                window_text(e),
                sources_text(&e.flows, "flow logs")
            ),
            again(true),
        );
    }
    let listed = by_client(
        tallies
            .iter()
            .map(|(ip, t)| format!("from {ip}: {}", t.text())),
    );
    let seen = format!(
        "flows to {to} {}: {listed}{caveat} (read: {})",
        window_text(e),
        sources_text(&e.flows, "flow logs")
    );
    let worst = tallies.values().map(Tally::word).min();
    let named = |word: Word| {
        tallies
            .iter()
            .filter(|(_, t)| t.word() == word)
            .map(|(ip, _)| ip.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let network_fails = first_failing(judged, &NETWORK_CHECKS);
    match worst {
        Some(Word::Rejected) => rejected(check, &named(Word::Rejected), &seen, network_fails),
        Some(Word::AnswersRejected) => answers_rejected(
            check,
            &named(Word::AnswersRejected),
            &seen,
            first_failing(judged, &["network_acl"]),
        ),
        _ => accepted(
            check,
            &seen,
            worst == Some(Word::Accepted { both_ways: true }),
            network_fails,
            first_failing(judged, &CONNECTION_PROBES),
        ),
    }
}

/// The client's packets were rejected at the endpoint's interfaces: by a security group or a
/// network ACL, which the rules read now say or contradict.
fn rejected(check: &str, clients: &str, seen: &str, network_fails: Option<&Finding>) -> Finding {
    let said = format!("the endpoint's interfaces rejected {clients}'s flows: {seen}");
    match network_fails {
        Some(f) => finding::fail(
            check,
            format!("{said}. This agrees with {}: {}", f.check, f.detail),
            fix_of(f),
        ),
        None => finding::warn(
            check,
            format!(
                "{said}. This contradicts the rules read now (the endpoint's security groups \
                 and the network ACLs admit it): they may have changed since the last rejection"
            ),
            again(false),
        ),
    }
}

/// The packets came in and the answers were rejected going out: security groups are stateful,
/// so only the endpoint subnets' network ACLs (their outbound rules) do that.
fn answers_rejected(
    check: &str,
    clients: &str,
    seen: &str,
    acl_fails: Option<&Finding>,
) -> Finding {
    let said = format!(
        "the endpoint let {clients}'s packets in, but its answers were rejected on the way \
         back: {seen}"
    );
    match acl_fails {
        Some(f) => finding::fail(
            check,
            format!("{said}. This agrees with {}: {}", f.check, f.detail),
            fix_of(f),
        ),
        None => finding::warn(
            check,
            format!(
                "{said}. Security groups answer what they let in, so a network ACL of the \
                 endpoint's subnets drops the answers (outbound to the client's ephemeral \
                 ports); this contradicts the network ACLs read now, which let them out"
            ),
            again(false),
        ),
    }
}

fn accepted(
    check: &str,
    seen: &str,
    both_ways: bool,
    network_fails: Option<&Finding>,
    probe_fails: Option<&Finding>,
) -> Finding {
    let said = if both_ways {
        format!("the endpoint accepted the flows, both ways: {seen}")
    } else {
        format!("the endpoint accepted the flows: {seen}")
    };
    match (network_fails, probe_fails) {
        (Some(f), _) => finding::warn(
            check,
            format!(
                "{said}. This contradicts {}, which fails now (the rule may have been removed \
                 since)",
                f.check
            ),
            fix_of(f),
        ),
        (None, Some(p)) => finding::pass(
            check,
            format!(
                "{said}. The network lets the packets through, so the failing {} points away \
                 from the network: {}",
                p.check,
                if both_ways {
                    "to TLS or the application"
                } else {
                    "to the way back (not recorded here), TLS or the application"
                }
            ),
        ),
        (None, None) => finding::pass(
            check,
            format!("{said}; the network lets the packets through"),
        ),
    }
}

/// The answers of one asker (instance or address): the last one counts, the rest are told.
fn last_answers<'a>(queries: impl Iterator<Item = &'a Query>) -> Vec<(String, usize, &'a Query)> {
    let mut by_asker: BTreeMap<String, (usize, &Query)> = BTreeMap::new();
    for q in queries {
        let asker = match (&q.instance, q.client) {
            (Some(i), Some(a)) => format!("{i} ({a})"),
            (Some(i), None) => i.clone(),
            (None, Some(a)) => a.to_string(),
            (None, None) => "an unknown client".into(),
        };
        let entry = by_asker.entry(asker).or_insert((0, q));
        entry.0 += 1;
        if q.at >= entry.1.at {
            entry.1 = q;
        }
    }
    by_asker
        .into_iter()
        .map(|(asker, (n, q))| (asker, n, q))
        .collect()
}

fn query_finding(
    e: &Evidence,
    client: &LogClient,
    judged: &[Finding],
    link: &LinkView<'_>,
) -> Finding {
    let check = "query_log";
    if !e.queries.read_any() {
        return unreadable(
            check,
            &e.queries,
            "query logging configurations",
            "the queries for the host",
        );
    }
    let host = link.host.unwrap_or("the host");
    let caveat = partial_text(&e.queries);
    let answers = if client.known() {
        last_answers(e.queries.records.iter().filter(|q| client.asked(q)))
    } else {
        last_answers(e.queries.records.iter())
    };
    if answers.is_empty() {
        let who = if client.known() {
            client.named()
        } else {
            "any client".into()
        };
        let others = if client.known() && !e.queries.records.is_empty() {
            format!(" ({} from other clients)", e.queries.records.len())
        } else {
            String::new()
        };
        return finding::skip(
            check,
            format!(
                "no query from {who} for {host} {}{others}{caveat}: it may not have asked in the \
                 window (or answered from its own cache), or it may not use this VPC's resolver \
                 (a DNS server of its own, or another VPC's); read: {}",
                window_text(e),
                sources_text(&e.queries, "query logging configurations")
            ),
            again(true),
        );
    }
    let listed =
        by_client(answers.iter().map(|(asker, n, q)| {
            format!("{asker} asked {n} time(s), last at {}: {}", q.at, q.answer)
        }));
    let seen = format!(
        "the VPC's resolver {} for {host}: {listed}{caveat} (read: {})",
        window_text(e),
        sources_text(&e.queries, "query logging configurations")
    );
    let bad: Vec<&(String, usize, &Query)> = answers
        .iter()
        // An answer that cannot be judged (no address, the endpoint's addresses unknown) is
        // told, never held against the link.
        .filter(|(_, _, q)| !q.answer.is_endpoint() && !matches!(q.answer, Answer::Other(_)))
        .collect();
    let dns_fails = first_failing(judged, &DNS_CHECKS);
    if !bad.is_empty() {
        // The check that explains these answers best, where it fails: a block is the
        // firewall's, before any other DNS check that fails too.
        let blocked = bad
            .iter()
            .any(|(_, _, q)| matches!(q.answer, Answer::Blocked { .. }));
        let explains = blocked
            .then(|| first_failing(judged, &["dns_firewall"]))
            .flatten();
        return match explains.or(dns_fails) {
            Some(f) => finding::fail(
                check,
                format!("{seen}. This agrees with {}: {}", f.check, f.detail),
                fix_of(f),
            ),
            None => finding::warn(
                check,
                format!(
                    "{seen}. This contradicts the zones and rules read now, which answer with \
                     the endpoint: they may have changed since, or the client asked a resolver \
                     the VPC's settings do not decide (a cached answer, a DNS server of its own)"
                ),
                again(false),
            ),
        };
    }
    if answers.iter().all(|(_, _, q)| !q.answer.is_endpoint()) {
        return finding::warn(
            check,
            format!("{seen}. No answer is judged here (the endpoint's addresses are unknown)"),
            again(false),
        );
    }
    match dns_fails {
        Some(f) => finding::warn(
            check,
            format!(
                "{seen}. This contradicts {}, which fails now (a change since the last query?)",
                f.check
            ),
            fix_of(f),
        ),
        None => finding::pass(
            check,
            format!("{seen}: the resolver answers with the endpoint"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{Source, flow::Format, query};

    const HOST: &str = "in01-x.aws-us-west-2.vectordb.zillizcloud.com";

    fn link() -> LinkView<'static> {
        LinkView {
            vpc_id: "vpc-1",
            host: Some(HOST),
            port: Some(19530),
            public_address: None,
        }
    }

    fn read_source(traffic: &str) -> Source {
        Source {
            described: "flow log fl-1 (ALL, on vpc-1) to log group /flows".into(),
            traffic: Some(traffic.into()),
            outcome: Outcome::Read { events: 1 },
        }
    }

    fn flows(lines: &[&str]) -> Logs<Flow> {
        let f = Format::parse(None).unwrap();
        Logs {
            sources: vec![read_source("ALL")],
            records: lines.iter().filter_map(|l| f.flow(l, 19530)).collect(),
            ..Logs::default()
        }
    }

    fn evidence(flows: Logs<Flow>, queries: Logs<Query>) -> Evidence {
        Evidence {
            minutes: 15,
            flows,
            queries,
            public_queries: Logs::default(),
            endpoint_known: true,
        }
    }

    fn client() -> LogClient {
        LogClient {
            network: Some("10.0.3.7/32".parse().unwrap()),
            instance: Some("i-0abc".into()),
        }
    }

    fn sg_fails() -> Finding {
        finding::fail(
            "security_group_inbound",
            "no rule of sg-1 admits 10.0.3.7 on 19530",
            "allow_client_access …",
        )
    }

    const REJECTED: &str =
        "2 1 eni-0aaa 10.0.3.7 10.0.0.37 49761 19530 6 3 180 1800000000 1800000060 REJECT OK";
    const ACCEPTED: &str =
        "2 1 eni-0aaa 10.0.3.7 10.0.0.37 49762 19530 6 9 900 1800000100 1800000160 ACCEPT OK";

    fn one(out: Vec<Finding>, check: &str) -> Finding {
        out.into_iter().find(|f| f.check == check).unwrap()
    }

    #[test]
    fn rejected_flows_agree_with_the_missing_rule_and_carry_its_fix() {
        let e = evidence(flows(&[REJECTED, REJECTED]), Logs::default());
        let f = one(findings(&e, &client(), &[sg_fails()], &link()), "flow_log");
        assert_eq!(f.status, Status::Fail);
        assert!(
            f.detail.contains("10.0.3.7") && f.detail.contains("2 rejected"),
            "{f:?}"
        );
        assert!(
            f.detail.contains("agrees with security_group_inbound"),
            "{f:?}"
        );
        assert_eq!(f.fix.as_deref(), Some("allow_client_access …"));
    }

    #[test]
    fn rejected_flows_the_rules_now_admit_are_a_contradiction_not_a_failure() {
        let e = evidence(flows(&[REJECTED]), Logs::default());
        let f = one(findings(&e, &client(), &[], &link()), "flow_log");
        assert_eq!(f.status, Status::Warn);
        assert!(f.detail.contains("contradicts"), "{f:?}");
    }

    #[test]
    fn accepted_flows_with_a_failing_probe_point_away_from_the_network() {
        let e = evidence(flows(&[REJECTED, ACCEPTED]), Logs::default());
        let tcp = finding::fail("tcp_connect", "timed out", "…");
        let f = one(findings(&e, &client(), &[tcp], &link()), "flow_log");
        assert_eq!(f.status, Status::Pass, "{f:?}");
        assert!(f.detail.contains("points away from the network"), "{f:?}");
        // The same flows against a rule that fails now: said to contradict it.
        let f = one(findings(&e, &client(), &[sg_fails()], &link()), "flow_log");
        assert_eq!(f.status, Status::Warn);
        assert!(
            f.detail.contains("contradicts security_group_inbound"),
            "{f:?}"
        );
    }

    const ANSWER_REJECTED: &str =
        "2 1 eni-0aaa 10.0.0.37 10.0.3.7 19530 49762 6 9 900 1800000100 1800000170 REJECT OK";
    const ANSWER_ACCEPTED: &str =
        "2 1 eni-0aaa 10.0.0.37 10.0.3.7 19530 49762 6 9 900 1800000100 1800000170 ACCEPT OK";

    #[test]
    fn answers_rejected_on_the_way_back_are_the_network_acls() {
        let e = evidence(flows(&[ACCEPTED, ANSWER_REJECTED]), Logs::default());
        let acl = finding::fail(
            "network_acl",
            "acl-1 denies outbound to 1024-65535",
            "allow it",
        );
        // A failing inbound rule is not what drops answers: only the ACL agrees.
        let f = one(
            findings(&e, &client(), &[sg_fails(), acl.clone()], &link()),
            "flow_log",
        );
        assert_eq!(f.status, Status::Fail, "{f:?}");
        assert!(f.detail.contains("rejected on the way back"), "{f:?}");
        assert!(f.detail.contains("its answers back: 1 rejected"), "{f:?}");
        assert!(f.detail.contains("agrees with network_acl"), "{f:?}");
        assert_eq!(f.fix.as_deref(), Some("allow it"));
        let f = one(findings(&e, &client(), &[], &link()), "flow_log");
        assert_eq!(f.status, Status::Warn);
        assert!(f.detail.contains("contradicts the network ACLs"), "{f:?}");
    }

    #[test]
    fn accepted_both_ways_with_a_failing_probe_point_to_tls_or_the_application() {
        let e = evidence(flows(&[ACCEPTED, ANSWER_ACCEPTED]), Logs::default());
        let http = finding::fail("http", "TLS handshake failed", "…");
        let f = one(findings(&e, &client(), &[http], &link()), "flow_log");
        assert_eq!(f.status, Status::Pass);
        assert!(f.detail.contains("accepted the flows, both ways"), "{f:?}");
        assert!(f.detail.contains("to TLS or the application"), "{f:?}");
    }

    #[test]
    fn flows_of_other_clients_are_not_the_clients() {
        let other = REJECTED.replace("10.0.3.7", "10.0.9.9");
        let e = evidence(flows(&[&other]), Logs::default());
        let f = one(findings(&e, &client(), &[sg_fails()], &link()), "flow_log");
        assert_eq!(f.status, Status::Skip);
        assert!(f.detail.contains("no flow from i-0abc (10.0.3.7)"), "{f:?}");
        assert!(f.detail.contains("1 from other clients"), "{f:?}");
        assert!(!f.unjudged);
        // Without a client, every client is told.
        let f = one(
            findings(&e, &LogClient::default(), &[sg_fails()], &link()),
            "flow_log",
        );
        assert_eq!(f.status, Status::Fail);
        assert!(f.detail.contains("from 10.0.9.9: 1 rejected"), "{f:?}");
    }

    #[test]
    fn a_read_cut_at_one_page_says_it_holds_the_oldest_events() {
        let mut cut = flows(&[ACCEPTED]);
        cut.partial = true;
        let f = one(
            findings(&evidence(cut, Logs::default()), &client(), &[], &link()),
            "flow_log",
        );
        assert!(f.detail.contains("its oldest events"), "{f:?}");
        assert!(
            f.detail.contains("smaller log_minutes reads the latest"),
            "{f:?}"
        );
    }

    #[test]
    fn five_clients_are_told_and_the_rest_counted() {
        let lines: Vec<String> = (1..=7)
            .map(|i| ACCEPTED.replace("10.0.3.7", &format!("10.0.3.{i}")))
            .collect();
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let e = evidence(flows(&lines), Logs::default());
        let f = one(
            findings(&e, &LogClient::default(), &[], &link()),
            "flow_log",
        );
        assert_eq!(f.status, Status::Pass);
        assert!(f.detail.contains("from 10.0.3.5: 1 accepted"), "{f:?}");
        assert!(!f.detail.contains("from 10.0.3.6"), "{f:?}");
        assert!(f.detail.contains("and 2 more client(s)"), "{f:?}");
    }

    fn queries(records: Vec<String>) -> Logs<Query> {
        let endpoint: Vec<IpAddr> = vec!["10.0.0.37".parse().unwrap()];
        Logs {
            sources: vec![Source {
                described: "query logging rqlc-1 (on vpc-1) to log group /dns".into(),
                traffic: None,
                outcome: Outcome::Read { events: 1 },
            }],
            records: records
                .iter()
                .filter_map(|r| query::query(r, HOST, &endpoint))
                .collect(),
            ..Logs::default()
        }
    }

    fn record(rcode: &str, answer: Option<&str>, instance: &str, at: &str) -> String {
        let answers = answer
            .map(|a| format!(r#"{{"Rdata":"{a}","Type":"A","Class":"IN"}}"#))
            .unwrap_or_default();
        format!(
            r#"{{"vpc_id":"vpc-1","query_timestamp":"{at}","query_name":"{HOST}.","query_type":"A","rcode":"{rcode}","answers":[{answers}],"srcaddr":"10.0.3.7","srcids":{{"instance":"{instance}"}}}}"#
        )
    }

    #[test]
    fn who_still_resolves_the_public_address_is_named_with_the_address_to_use() {
        const PUBLIC: &str = "in01-0123456789abcdef.aws-us-west-2.vectordb.zillizcloud.com";
        let public_record = |instance: &str, ip: &str| {
            record(
                "NOERROR",
                Some("52.10.1.7"),
                instance,
                "2026-12-02T12:01:07Z",
            )
            .replace(&format!("{HOST}."), &format!("{PUBLIC}."))
            .replace("10.0.3.7", ip)
        };
        let private = queries(vec![record(
            "NOERROR",
            Some("10.0.0.37"),
            "i-0new",
            "2026-12-02T12:02:00Z",
        )]);
        let mut public = queries(vec![]);
        public.records = [public_record("i-0old", "10.0.3.9")]
            .iter()
            .filter_map(|r| query::query(r, PUBLIC, &[]))
            .collect();
        let view = LinkView {
            public_address: Some(
                "https://in01-0123456789abcdef.aws-us-west-2.vectordb.zillizcloud.com:19530",
            ),
            ..link()
        };
        let mut e = evidence(Logs::default(), private.clone());
        e.public_queries = public;
        let f = one(
            findings(&e, &LogClient::default(), &[], &view),
            "public_address",
        );
        assert_eq!(f.status, Status::Warn, "{f:?}");
        assert!(
            f.detail.contains("i-0old (10.0.3.9)") && f.detail.contains("52.10.1.7"),
            "{f:?}"
        );
        assert!(
            f.detail
                .contains("private link host was resolved by i-0new"),
            "{f:?}"
        );
        let fix = f.fix.as_deref().unwrap();
        assert!(
            fix.contains(&format!("uri to https://{HOST}:19530")),
            "{fix}"
        );
        assert!(fix.contains("console"), "{fix}");
        // Everyone moved: it passes, and public access may go (the console's step).
        let mut moved = evidence(Logs::default(), private);
        moved.public_queries = queries(vec![]);
        let f = one(
            findings(&moved, &LogClient::default(), &[], &view),
            "public_address",
        );
        assert_eq!(f.status, Status::Pass, "{f:?}");
        assert!(f.detail.contains("can be turned off"), "{f:?}");
        // No query logging: not known, and what would show it.
        let none = evidence(Logs::default(), Logs::default());
        let f = one(
            findings(&none, &LogClient::default(), &[], &view),
            "public_address",
        );
        assert_eq!(f.status, Status::Skip);
        assert!(
            f.fix.as_deref().unwrap().contains("Resolver query logging"),
            "{f:?}"
        );
        // Without the public address known, nothing is said.
        assert!(
            findings(&e, &LogClient::default(), &[], &link())
                .iter()
                .all(|f| f.check != "public_address")
        );
    }

    #[test]
    fn nxdomain_names_the_client_and_agrees_with_a_missing_zone() {
        let e = evidence(
            Logs::default(),
            queries(vec![record(
                "NXDOMAIN",
                None,
                "i-0abc",
                "2026-12-02T12:01:07Z",
            )]),
        );
        let zone = finding::fail(
            "hosted_zone",
            "no private zone for the host",
            "setup_private_dns …",
        );
        let f = one(findings(&e, &client(), &[zone], &link()), "query_log");
        assert_eq!(f.status, Status::Fail);
        assert!(
            f.detail.contains(
                "i-0abc (10.0.3.7) asked 1 time(s), last at 2026-12-02T12:01:07Z: NXDOMAIN"
            ),
            "{f:?}"
        );
        assert!(f.detail.contains("agrees with hosted_zone"), "{f:?}");
        // Against zones that answer now, a contradiction.
        let f = one(findings(&e, &client(), &[], &link()), "query_log");
        assert_eq!(f.status, Status::Warn);
        assert!(f.detail.contains("contradicts"), "{f:?}");
    }

    #[test]
    fn a_firewall_block_is_the_firewalls_before_a_missing_zone() {
        let blocked = record("NXDOMAIN", None, "i-0abc", "2026-12-02T12:01:07Z").replace(
            r#""vpc_id""#,
            r#""firewall_rule_action":"BLOCK","firewall_rule_group_id":"rslvr-frg-1","vpc_id""#,
        );
        let e = evidence(Logs::default(), queries(vec![blocked]));
        let zone = finding::fail("hosted_zone", "no zone", "setup_private_dns …");
        let firewall = finding::fail("dns_firewall", "rule blocks", "allow it");
        let f = one(
            findings(&e, &client(), &[zone, firewall], &link()),
            "query_log",
        );
        assert!(f.detail.contains("agrees with dns_firewall"), "{f:?}");
        assert_eq!(f.fix.as_deref(), Some("allow it"));
    }

    #[test]
    fn the_last_answer_counts_and_the_endpoint_passes() {
        let e = evidence(
            Logs::default(),
            queries(vec![
                record(
                    "NOERROR",
                    Some("52.1.2.3"),
                    "i-0abc",
                    "2026-12-02T12:00:00Z",
                ),
                record(
                    "NOERROR",
                    Some("10.0.0.37"),
                    "i-0abc",
                    "2026-12-02T12:05:00Z",
                ),
            ]),
        );
        let f = one(findings(&e, &client(), &[], &link()), "query_log");
        assert_eq!(f.status, Status::Pass, "{f:?}");
        assert!(f.detail.contains("asked 2 time(s)"), "{f:?}");
    }

    #[test]
    fn a_public_answer_is_a_dns_verdict_naming_the_client() {
        let e = evidence(
            Logs::default(),
            queries(vec![record(
                "NOERROR",
                Some("52.1.2.3"),
                "i-0abc",
                "2026-12-02T12:00:00Z",
            )]),
        );
        let shadow = finding::fail("zone_shadowing", "a parent zone answers", "…");
        let f = one(findings(&e, &client(), &[shadow], &link()), "query_log");
        assert_eq!(f.status, Status::Fail);
        assert!(
            f.detail.contains("i-0abc") && f.detail.contains("52.1.2.3 (a public address)"),
            "{f:?}"
        );
    }

    #[test]
    fn no_logging_at_all_is_one_line_of_advice_and_no_change() {
        let e = evidence(Logs::default(), Logs::default());
        let out = findings(&e, &client(), &[], &link());
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].check.as_str(), out[0].status),
            ("logs", Status::Skip)
        );
        assert!(out[0].remedy.is_none());
        assert!(
            out[0]
                .fix
                .as_deref()
                .unwrap()
                .contains("only if the person asks")
        );
    }

    #[test]
    fn before_the_endpoint_exists_only_query_logging_is_advised() {
        let e = Evidence {
            endpoint_known: false,
            ..evidence(Logs::default(), Logs::default())
        };
        let [advice] = findings(&e, &client(), &[], &link()).try_into().unwrap();
        assert!(
            advice
                .detail
                .contains("no Resolver query logging covers vpc-1"),
            "{advice:?}"
        );
        assert!(
            !advice.fix.as_deref().unwrap().contains("flow log"),
            "{advice:?}"
        );
    }

    #[test]
    fn logs_that_cannot_be_listed_or_read_are_said_so_and_never_pass() {
        let e = evidence(
            Logs {
                unlisted: Some(crate::error::FailedRead::not_made(
                    "AWS ec2:DescribeFlowLogs: denied",
                )),
                ..Logs::default()
            },
            Logs::default(),
        );
        let out = findings(&e, &client(), &[], &link());
        let f = one(out, "flow_log");
        assert_eq!(f.status, Status::Skip);
        assert!(
            f.detail.contains("could not be listed (see not_read)"),
            "{f:?}"
        );
        assert!(
            !f.detail.contains("DescribeFlowLogs"),
            "named in not_read only: {f:?}"
        );
    }
}
