//! Route 53 Resolver query log records (JSON, one query each): the filter pattern that keeps
//! the queries for the host from the VPCs in question, and each record read as who asked, when,
//! and what the resolver answered. Pure.

use std::net::IpAddr;

use serde::Deserialize;

/// The CloudWatch Logs filter pattern (JSON form) for queries of `host` from `vpcs`: the name
/// as Resolver logs it (with its final dot) or without it.
pub(super) fn pattern(host: &str, vpcs: &[String]) -> String {
    let host = host.trim_end_matches('.');
    let names = format!("$.query_name = \"{host}.\" || $.query_name = \"{host}\"");
    let vpcs = vpcs
        .iter()
        .map(|v| format!("$.vpc_id = \"{v}\""))
        .collect::<Vec<_>>()
        .join(" || ");
    if vpcs.is_empty() {
        format!("{{ {names} }}")
    } else {
        format!("{{ ({names}) && ({vpcs}) }}")
    }
}

/// What the resolver answered a query.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Answer {
    /// A records, every one an address of the endpoint.
    Endpoint(Vec<IpAddr>),
    /// A records with a public address among them: the public zone answered.
    Public(Vec<IpAddr>),
    /// Private addresses that are not the endpoint's.
    Elsewhere(Vec<IpAddr>),
    /// `NXDOMAIN`: no zone the VPC uses has the name.
    NxDomain,
    /// A DNS Firewall rule blocked (or answered for) the query.
    Blocked { rule_group: Option<String> },
    /// Another response code (`SERVFAIL`, `REFUSED`): the resolver could not answer.
    Failed(String),
    /// `NOERROR` without an address, or addresses that cannot be judged (the endpoint's are
    /// unknown): said, never judged.
    Other(String),
}

impl Answer {
    pub(crate) fn is_endpoint(&self) -> bool {
        matches!(self, Self::Endpoint(_))
    }
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |ips: &[IpAddr]| {
            ips.iter()
                .map(IpAddr::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Self::Endpoint(ips) => write!(f, "{} (the endpoint's)", list(ips)),
            Self::Public(ips) => write!(f, "{} (a public address)", list(ips)),
            Self::Elsewhere(ips) => write!(f, "{} (not the endpoint's)", list(ips)),
            Self::NxDomain => f.write_str("NXDOMAIN"),
            Self::Blocked { rule_group } => match rule_group {
                Some(g) => write!(f, "blocked by DNS Firewall rule group {g}"),
                None => f.write_str("blocked by DNS Firewall"),
            },
            Self::Failed(code) | Self::Other(code) => f.write_str(code),
        }
    }
}

/// One query for the host.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Query {
    pub(crate) client: Option<IpAddr>,
    pub(crate) instance: Option<String>,
    vpc_id: Option<String>,
    /// As logged (`2026-12-02T12:01:07Z`).
    pub(crate) at: String,
    pub(crate) answer: Answer,
}

#[derive(Deserialize)]
struct Record {
    #[serde(default)]
    query_name: String,
    #[serde(default)]
    query_type: String,
    #[serde(default)]
    query_timestamp: String,
    #[serde(default)]
    rcode: String,
    #[serde(default)]
    answers: Vec<RecordAnswer>,
    srcaddr: Option<String>,
    #[serde(default)]
    srcids: SourceIds,
    vpc_id: Option<String>,
    firewall_rule_action: Option<String>,
    firewall_rule_group_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RecordAnswer {
    #[serde(default)]
    rdata: String,
    #[serde(default, rename = "Type")]
    kind: String,
}

#[derive(Deserialize, Default)]
struct SourceIds {
    instance: Option<String>,
}

/// One record as a query for `host` of its address (type A), judged against the endpoint's
/// addresses; `None` for another name or type, or a record that is not the query log's JSON.
pub(crate) fn query(message: &str, host: &str, endpoint: &[IpAddr]) -> Option<Query> {
    let r: Record = serde_json::from_str(message).ok()?;
    let host = host.trim_end_matches('.');
    if !r
        .query_name
        .trim_end_matches('.')
        .eq_ignore_ascii_case(host)
        || !r.query_type.eq_ignore_ascii_case("A")
    {
        return None;
    }
    let answer = if r
        .firewall_rule_action
        .as_deref()
        .is_some_and(|a| a.eq_ignore_ascii_case("BLOCK"))
    {
        Answer::Blocked {
            rule_group: r.firewall_rule_group_id.clone(),
        }
    } else if r.rcode.eq_ignore_ascii_case("NXDOMAIN") {
        Answer::NxDomain
    } else if !r.rcode.eq_ignore_ascii_case("NOERROR") {
        Answer::Failed(r.rcode.clone())
    } else {
        let ips: Vec<IpAddr> = r
            .answers
            .iter()
            .filter(|a| a.kind.eq_ignore_ascii_case("A"))
            .filter_map(|a| a.rdata.parse().ok())
            .collect();
        if ips.is_empty() {
            Answer::Other("NOERROR without an address".into())
        } else if !endpoint.is_empty() && ips.iter().all(|ip| endpoint.contains(ip)) {
            Answer::Endpoint(ips)
        } else if ips.iter().any(|ip| is_public(*ip)) {
            Answer::Public(ips)
        } else if endpoint.is_empty() {
            // The endpoint's addresses are unknown: private addresses may well be its own.
            Answer::Other(format!(
                "{} (the endpoint's addresses are unknown)",
                ips.iter()
                    .map(IpAddr::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        } else {
            Answer::Elsewhere(ips)
        }
    };
    Some(Query {
        client: r.srcaddr.and_then(|a| a.parse().ok()),
        instance: r.srcids.instance,
        vpc_id: r.vpc_id,
        at: r.query_timestamp,
        answer,
    })
}

/// An address a VPC's resolver answers only from a public zone: not private (RFC 1918), not
/// shared (100.64/10), not loopback or link-local.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let shared = v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64;
            !(v4.is_private()
                || shared
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified())
        }
        IpAddr::V6(v6) => {
            let unique_local = (v6.segments()[0] & 0xfe00) == 0xfc00;
            let link_local = (v6.segments()[0] & 0xffc0) == 0xfe80;
            !(unique_local || link_local || v6.is_loopback() || v6.is_unspecified())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "in01-abc.aws-us-west-2.vectordb.zillizcloud.com";

    fn record(rcode: &str, answers: &str, extra: &str) -> String {
        format!(
            r#"{{"version":"1.100000","account_id":"123456789012","region":"us-west-2",
            "vpc_id":"vpc-1","query_timestamp":"2026-12-02T12:01:07Z",
            "query_name":"{HOST}.","query_type":"A","query_class":"IN","rcode":"{rcode}",
            "answers":[{answers}],"srcaddr":"10.0.3.7","srcport":"51234","transport":"UDP",
            "srcids":{{"instance":"i-0abc"}}{extra}}}"#
        )
    }

    fn endpoint() -> Vec<IpAddr> {
        vec!["10.0.0.37".parse().unwrap(), "10.0.1.5".parse().unwrap()]
    }

    #[test]
    fn the_endpoints_addresses_are_the_endpoint() {
        let q = query(
            &record(
                "NOERROR",
                r#"{"Rdata":"10.0.0.37","Type":"A","Class":"IN"},{"Rdata":"10.0.1.5","Type":"A","Class":"IN"}"#,
                "",
            ),
            HOST,
            &endpoint(),
        )
        .unwrap();
        assert!(q.answer.is_endpoint());
        assert_eq!(q.instance.as_deref(), Some("i-0abc"));
        assert_eq!(q.client, Some("10.0.3.7".parse().unwrap()));
        assert_eq!(q.at, "2026-12-02T12:01:07Z");
    }

    #[test]
    fn nxdomain_a_public_address_and_a_firewall_block_are_each_named() {
        let nx = query(&record("NXDOMAIN", "", ""), HOST, &endpoint()).unwrap();
        assert_eq!(nx.answer, Answer::NxDomain);
        let servfail = query(&record("SERVFAIL", "", ""), HOST, &endpoint()).unwrap();
        assert_eq!(servfail.answer, Answer::Failed("SERVFAIL".into()));
        let public = query(
            &record(
                "NOERROR",
                r#"{"Rdata":"52.10.1.2","Type":"A","Class":"IN"}"#,
                "",
            ),
            HOST,
            &endpoint(),
        )
        .unwrap();
        assert_eq!(
            public.answer,
            Answer::Public(vec!["52.10.1.2".parse().unwrap()])
        );
        assert!(public.answer.to_string().contains("public"));
        let blocked = query(
            &record(
                "NXDOMAIN",
                "",
                r#","firewall_rule_action":"BLOCK","firewall_rule_group_id":"rslvr-frg-1""#,
            ),
            HOST,
            &endpoint(),
        )
        .unwrap();
        assert_eq!(
            blocked.answer,
            Answer::Blocked {
                rule_group: Some("rslvr-frg-1".into())
            }
        );
    }

    #[test]
    fn a_cname_chain_is_judged_by_its_addresses_and_a_shared_range_is_not_public() {
        let q = query(
            &record(
                "NOERROR",
                r#"{"Rdata":"vpce-1.example.","Type":"CNAME","Class":"IN"},{"Rdata":"100.64.0.9","Type":"A","Class":"IN"}"#,
                "",
            ),
            HOST,
            &endpoint(),
        )
        .unwrap();
        assert_eq!(
            q.answer,
            Answer::Elsewhere(vec!["100.64.0.9".parse().unwrap()])
        );
    }

    #[test]
    fn other_names_types_and_shapes_are_not_queries_for_the_host() {
        let other = record("NOERROR", "", "").replace(HOST, "example.com");
        assert_eq!(query(&other, HOST, &endpoint()), None);
        let aaaa =
            record("NOERROR", "", "").replace(r#""A","query_class"#, r#""AAAA","query_class"#);
        assert_eq!(query(&aaaa, HOST, &endpoint()), None);
        assert_eq!(query("2 123 eni-1 10.0.0.1", HOST, &endpoint()), None);
        // The name without its final dot, and in another case, is the same name.
        let bare = record("NXDOMAIN", "", "").replace(&format!("{HOST}."), &HOST.to_uppercase());
        assert!(query(&bare, HOST, &endpoint()).is_some());
    }

    #[test]
    fn the_pattern_names_the_host_both_ways_and_the_vpcs() {
        assert_eq!(
            pattern(HOST, &["vpc-1".into(), "vpc-2".into()]),
            format!(
                "{{ ($.query_name = \"{HOST}.\" || $.query_name = \"{HOST}\") && \
                 ($.vpc_id = \"vpc-1\" || $.vpc_id = \"vpc-2\") }}"
            )
        );
        assert!(!pattern(HOST, &[]).contains("vpc_id"));
    }
}
