//! What AWS itself logged about a private link: VPC flow logs on the endpoint's interfaces
//! (did the client's packets arrive, and were they let in?) and Route 53 Resolver query logs
//! of the VPC (what did its resolver answer for the host?).
//!
//! Two steps, each one round: [`find`] lists the logs that exist beside the facts' second round
//! (which of them record the endpoint is known once the endpoint is); [`read`] reads, once the
//! facts are in, only what answers the question: one page of each CloudWatch Logs group's
//! events in the window, filtered at the source by the endpoint's interfaces and the port, or
//! by the host's name. Logs delivered to S3 or Firehose are named with where to look, never
//! read. Judging them is the diagnosis's (`diagnose::evidence`).

pub(crate) mod flow;
pub(crate) mod query;

use std::net::IpAddr;

use crate::aws::RegionClients;
use crate::aws::ec2::{self, FlowLogConfig};
use crate::aws::logs;
use crate::aws::resolver::{self, QueryLogConfig};
use crate::error::FailedRead;
use flow::Flow;
use query::Query;

/// The default window, in minutes, and the widest one (a day).
pub(crate) const DEFAULT_MINUTES: u32 = 15;
pub(crate) const MAX_MINUTES: u32 = 1440;
/// Events read from one log group: one page, never more.
const EVENTS_PER_LOG: i32 = 1000;

/// The logging that exists for the VPCs in question, as listed in round 2.
#[derive(Debug, Clone)]
pub(crate) struct Sources {
    flow_logs: Result<Vec<FlowLogConfig>, FailedRead>,
    query_logs: Result<Vec<QueryLogConfig>, FailedRead>,
}

/// Lists the account's flow logs and the query logging of `vpcs`, in one round.
pub(crate) async fn find(clients: &RegionClients, vpcs: &[String]) -> Sources {
    let (flow_logs, query_logs) = tokio::join!(
        ec2::flow_logs(&clients.ec2),
        resolver::query_log_configs(&clients.resolver, vpcs),
    );
    Sources {
        flow_logs: flow_logs.map_err(FailedRead::from),
        query_logs: query_logs.map_err(FailedRead::from),
    }
}

/// What the logs are asked: flows to the endpoint on the port, queries for the host.
#[derive(Debug, Clone, Default)]
pub(crate) struct Question {
    /// The endpoint's VPC, subnets and interfaces (a flow log on any of them records it).
    pub(crate) endpoint_vpc: Option<String>,
    pub(crate) subnets: Vec<String>,
    pub(crate) interfaces: Vec<String>,
    pub(crate) addresses: Vec<IpAddr>,
    pub(crate) port: Option<u16>,
    pub(crate) host: Option<String>,
    /// The host of the cluster's public address, whose queries tell who has not moved to the
    /// private link yet.
    pub(crate) public_host: Option<String>,
    /// The window's end (milliseconds since the epoch) and its length in minutes.
    pub(crate) end_ms: i64,
    pub(crate) minutes: u32,
}

impl Question {
    fn window(&self) -> (i64, i64) {
        (self.end_ms - i64::from(self.minutes) * 60_000, self.end_ms)
    }
}

/// Where a log is delivered, from its destination ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Destination {
    LogGroup(String),
    /// The bucket and the prefix (`bucket/prefix`).
    S3(String),
    Firehose(String),
    Unknown(String),
}

impl Destination {
    fn of_arn(arn: &str) -> Self {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        match parts.as_slice() {
            ["arn", _, "logs", _, _, rest] => match rest.strip_prefix("log-group:") {
                Some(group) => Self::LogGroup(group.trim_end_matches(":*").to_string()),
                None => Self::Unknown(arn.to_string()),
            },
            ["arn", _, "s3", _, _, bucket] => Self::S3(bucket.to_string()),
            ["arn", _, "firehose", _, _, rest] => Self::Firehose(
                rest.strip_prefix("deliverystream/")
                    .unwrap_or(rest)
                    .to_string(),
            ),
            _ => Self::Unknown(arn.to_string()),
        }
    }

    /// Where to look for a log this server does not read.
    fn elsewhere(&self, kind: &str) -> Option<String> {
        match self {
            Self::LogGroup(_) => None,
            Self::S3(bucket) => Some(format!(
                "delivered to S3 (s3://{bucket}/AWSLogs/, under the account, `{kind}` and the \
                 region, by date): not read here"
            )),
            Self::Firehose(stream) => Some(format!(
                "delivered to Firehose stream {stream}: not read here; look where the stream \
                 delivers"
            )),
            Self::Unknown(arn) => Some(format!("delivered to {arn}: not read here")),
        }
    }
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::LogGroup(g) => write!(f, "log group {g}"),
            Self::S3(b) => write!(f, "s3://{b}"),
            Self::Firehose(s) => write!(f, "Firehose stream {s}"),
            Self::Unknown(d) => f.write_str(d),
        }
    }
}

/// What became of one log that covers the link.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Outcome {
    /// Read: the events that matched in the window.
    Read { events: usize },
    /// The read failed (the error's text, naming the call).
    Failed(FailedRead),
    /// Not read, and why: delivered elsewhere (with where to look), or its format cannot
    /// answer the question.
    NotRead(String),
}

/// One log that covers the link: `fl-0abc (ALL, on vpc-1) to log group /vpc/flows`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Source {
    pub(crate) described: String,
    /// For flow logs: `ALL`, `ACCEPT` or `REJECT`.
    pub(crate) traffic: Option<String>,
    pub(crate) outcome: Outcome,
}

/// The logs of one kind that cover the link, and their records, merged.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Logs<T> {
    /// Where the logs of this kind could not be listed: the error.
    pub(crate) unlisted: Option<FailedRead>,
    pub(crate) sources: Vec<Source>,
    pub(crate) records: Vec<T>,
    /// A read returned a full page, or CloudWatch Logs had more to search: the records are a
    /// part of the window's.
    pub(crate) partial: bool,
}

impl<T> Default for Logs<T> {
    fn default() -> Self {
        Self {
            unlisted: None,
            sources: Vec::new(),
            records: Vec::new(),
            partial: false,
        }
    }
}

impl<T> Logs<T> {
    /// Whether some log of this kind was read.
    pub(crate) fn read_any(&self) -> bool {
        self.sources
            .iter()
            .any(|s| matches!(s.outcome, Outcome::Read { .. }))
    }

    /// The failures to keep as reads not done: the listing's and each read's.
    pub(crate) fn failures(&self) -> Vec<FailedRead> {
        self.unlisted
            .iter()
            .cloned()
            .chain(self.sources.iter().filter_map(|s| match &s.outcome {
                Outcome::Failed(e) => Some(e.clone()),
                _ => None,
            }))
            .collect()
    }
}

/// What the logs said, and the window they were read in.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Evidence {
    pub(crate) minutes: u32,
    pub(crate) flows: Logs<Flow>,
    pub(crate) queries: Logs<Query>,
    /// The queries for the cluster's public host, from the same logs.
    pub(crate) public_queries: Logs<Query>,
    /// Whether the flows could be asked at all: the endpoint and the port are known.
    pub(crate) endpoint_known: bool,
}

/// A CloudWatch Logs read to make: the group and the pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Read {
    group: String,
    pattern: String,
}

/// A flow log's reads (to the endpoint, and back where its format can tell), with its format.
type FlowReads = (Vec<Read>, flow::Format);

/// One log that covers the link, as planned: what it is, and the reads it takes, or why it is
/// not read. Its outcome is known once the reads are answered (`gathered`).
struct Planned<P> {
    described: String,
    traffic: Option<String>,
    reads: Result<P, String>,
}

/// Which flow logs record the endpoint, each with the reads it takes (the flows to the
/// endpoint and, where the format has the source port, its answers back), or why none.
fn flow_plan(configs: &[FlowLogConfig], q: &Question) -> Vec<Planned<FlowReads>> {
    let port = match q.port {
        Some(p) if !q.interfaces.is_empty() || !q.addresses.is_empty() => p,
        _ => return Vec::new(),
    };
    let covers = |id: &str| {
        q.endpoint_vpc.as_deref() == Some(id)
            || q.subnets.iter().any(|s| s == id)
            || q.interfaces.iter().any(|i| i == id)
    };
    configs
        .iter()
        .filter(|c| covers(&c.resource_id))
        .map(|c| {
            let destination = match (&c.log_group, c.destination_type.as_str()) {
                (Some(group), "cloud-watch-logs") => Destination::LogGroup(group.clone()),
                _ => c
                    .destination
                    .as_deref()
                    .map(Destination::of_arn)
                    .unwrap_or_else(|| Destination::Unknown(c.destination_type.clone())),
            };
            let mut described = format!(
                "flow log {} ({}, on {}) to {}",
                c.id, c.traffic_type, c.resource_id, destination
            );
            if let Some(e) = &c.delivery_error {
                described.push_str(&format!(" (its delivery fails: {e})"));
            }
            let traffic = Some(c.traffic_type.clone());
            let not_read = |why| Planned {
                described: described.clone(),
                traffic: traffic.clone(),
                reads: Err(why),
            };
            if let Some(elsewhere) = destination.elsewhere("vpcflowlogs") {
                return not_read(elsewhere);
            }
            let Destination::LogGroup(group) = destination else {
                unreachable!("every other destination is elsewhere")
            };
            let format = match flow::Format::parse(c.log_format.as_deref()) {
                Ok(f) => f,
                Err(e) => return not_read(e),
            };
            let pattern = |direction| format.pattern(direction, port, &q.interfaces, &q.addresses);
            let Some(to_endpoint) = pattern(flow::Direction::ToEndpoint) else {
                return not_read(format!(
                    "its format lacks {}: it cannot tell this link's flows",
                    format.missing().join(", ")
                ));
            };
            let mut reads = vec![Read {
                group: group.clone(),
                pattern: to_endpoint,
            }];
            match pattern(flow::Direction::Back) {
                Some(back) => reads.push(Read {
                    group,
                    pattern: back,
                }),
                None => described.push_str(" (without srcport: the way back is not read)"),
            }
            Planned {
                described,
                traffic,
                reads: Ok((reads, format)),
            }
        })
        .collect()
}

/// Which query logs record the VPCs' queries, each with the read it takes (or why none).
fn query_plan(configs: &[QueryLogConfig], host: Option<&str>) -> Vec<Planned<Vec<Read>>> {
    let Some(host) = host else {
        return Vec::new();
    };
    configs
        .iter()
        .map(|c| {
            let destination = c
                .destination_arn
                .as_deref()
                .map(Destination::of_arn)
                .unwrap_or_else(|| {
                    Destination::Unknown("a destination this account cannot list".into())
                });
            let described = format!(
                "query logging {}{} (on {}) to {}",
                c.id,
                c.name
                    .as_deref()
                    .map(|n| format!(" `{n}`"))
                    .unwrap_or_default(),
                c.vpc_id,
                destination
            );
            let reads = match &destination {
                Destination::LogGroup(group) => Ok(vec![Read {
                    group: group.clone(),
                    pattern: query::pattern(host, std::slice::from_ref(&c.vpc_id)),
                }]),
                other => Err(other.elsewhere("vpcdnsquerylogs").unwrap_or_default()),
            };
            Planned {
                described,
                traffic: None,
                reads,
            }
        })
        .collect()
}

/// Reads what answers the question, every read at once (one round): one page of each log
/// group's matching events in the window. Two logs to the same group with the same pattern
/// are read once.
pub(crate) async fn read(clients: &RegionClients, sources: Sources, q: &Question) -> Evidence {
    let flows = flow_plan(sources.flow_logs.as_deref().unwrap_or_default(), q);
    let configs = sources.query_logs.as_deref().unwrap_or_default();
    let queries = query_plan(configs, q.host.as_deref());
    let public = query_plan(configs, q.public_host.as_deref());
    let mut reads: Vec<Read> = flows
        .iter()
        .filter_map(|p| p.reads.as_ref().ok().map(|(reads, _)| reads.clone()))
        .chain(queries.iter().filter_map(|p| p.reads.clone().ok()))
        .chain(public.iter().filter_map(|p| p.reads.clone().ok()))
        .flatten()
        .collect();
    reads.sort_by(|a, b| (&a.group, &a.pattern).cmp(&(&b.group, &b.pattern)));
    reads.dedup();
    let window = q.window();
    let results = futures::future::join_all(
        reads
            .iter()
            .map(|r| logs::filtered(&clients.logs, &r.group, &r.pattern, window, EVENTS_PER_LOG)),
    )
    .await;
    let answered: Vec<(&Read, Result<logs::Events, FailedRead>)> = reads
        .iter()
        .zip(results.into_iter().map(|r| r.map_err(FailedRead::from)))
        .collect();
    Evidence {
        minutes: q.minutes,
        endpoint_known: q.port.is_some() && !q.interfaces.is_empty(),
        flows: gathered(
            sources.flow_logs.err(),
            flows,
            &answered,
            |(reads, _)| reads,
            |(_, format), message| {
                format
                    .flow(message, q.port.unwrap_or_default())
                    .filter(|f| f.at_endpoint(&q.interfaces, &q.addresses))
            },
        ),
        queries: gathered(
            sources.query_logs.as_ref().err().cloned(),
            queries,
            &answered,
            |reads| reads,
            |_, message| query::query(message, q.host.as_deref().unwrap_or(""), &q.addresses),
        ),
        public_queries: gathered(
            sources.query_logs.as_ref().err().cloned(),
            public,
            &answered,
            |reads| reads,
            |_, message| {
                query::query(
                    message,
                    q.public_host.as_deref().unwrap_or(""),
                    &q.addresses,
                )
            },
        ),
    }
}

/// One kind's sources with their reads' outcomes and records, merged: a record read through
/// two logs counts once.
fn gathered<P, T: PartialEq>(
    unlisted: Option<FailedRead>,
    plan: Vec<Planned<P>>,
    answered: &[(&Read, Result<logs::Events, FailedRead>)],
    reads_of: impl Fn(&P) -> &[Read],
    parse: impl Fn(&P, &str) -> Option<T>,
) -> Logs<T> {
    let mut out = Logs {
        unlisted,
        ..Logs::default()
    };
    let mut seen: Vec<&(i64, String)> = Vec::new();
    for planned in plan {
        let outcome = match &planned.reads {
            Err(why) => Outcome::NotRead(why.clone()),
            Ok(p) => {
                let mut events_read = 0;
                let mut failed = None;
                for read in reads_of(p) {
                    match answered.iter().find(|(r, _)| *r == read).map(|(_, a)| a) {
                        Some(Ok(events)) => {
                            events_read += events.messages.len();
                            out.partial |=
                                events.more || events.messages.len() >= EVENTS_PER_LOG as usize;
                            for event in &events.messages {
                                if !seen.contains(&event) {
                                    seen.push(event);
                                    out.records.extend(parse(p, &event.1));
                                }
                            }
                        }
                        Some(Err(e)) => failed = failed.or_else(|| Some(e.clone())),
                        None => failed = failed.or_else(|| Some(FailedRead::not_made("not read"))),
                    }
                }
                match failed {
                    Some(e) => Outcome::Failed(e),
                    None => Outcome::Read {
                        events: events_read,
                    },
                }
            }
        };
        out.sources.push(Source {
            described: planned.described,
            traffic: planned.traffic,
            outcome,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(id: &str, resource: &str, kind: &str, group: Option<&str>) -> FlowLogConfig {
        FlowLogConfig {
            id: id.into(),
            resource_id: resource.into(),
            traffic_type: "ALL".into(),
            destination_type: kind.into(),
            destination: match kind {
                "s3" => Some("arn:aws:s3:::corp-flows/vpc".into()),
                _ => group.map(|g| format!("arn:aws:logs:us-west-2:123456789012:log-group:{g}")),
            },
            log_group: group.map(str::to_string),
            log_format: None,
            delivery_error: None,
        }
    }

    fn question() -> Question {
        Question {
            endpoint_vpc: Some("vpc-1".into()),
            subnets: vec!["subnet-a".into()],
            interfaces: vec!["eni-0aaa".into()],
            addresses: vec!["10.0.0.37".parse().unwrap()],
            port: Some(19530),
            host: Some("in01-x.aws-us-west-2.vectordb.zillizcloud.com".into()),
            public_host: None,
            end_ms: 1_800_000_000_000,
            minutes: 15,
        }
    }

    #[test]
    fn flow_logs_on_the_vpc_its_subnets_or_interfaces_cover_the_endpoint_and_no_other() {
        let configs = vec![
            config("fl-vpc", "vpc-1", "cloud-watch-logs", Some("/flows")),
            config("fl-subnet", "subnet-a", "cloud-watch-logs", Some("/flows")),
            config("fl-eni", "eni-0aaa", "s3", None),
            config("fl-other", "vpc-2", "cloud-watch-logs", Some("/other")),
        ];
        let plan = flow_plan(&configs, &question());
        let described: Vec<&str> = plan.iter().map(|p| p.described.as_str()).collect();
        assert_eq!(plan.len(), 3, "{described:?}");
        assert!(described.iter().all(|d| !d.contains("fl-other")));
        let Err(s3) = &plan[2].reads else {
            panic!("a flow log to S3 is not read")
        };
        assert!(s3.contains("s3://corp-flows/vpc/AWSLogs/"), "{s3}");
        let Ok((reads, _)) = &plan[0].reads else {
            panic!("the VPC's flow log is read")
        };
        // Both ways: the flows to the endpoint, and its answers back.
        assert_eq!(reads.len(), 2);
        assert!(reads.iter().all(|r| r.group == "/flows"));
        assert!(reads[0].pattern.contains("f5, f_port = 19530"), "{reads:?}");
        assert!(reads[1].pattern.contains("f4, f_port = 19530"), "{reads:?}");
    }

    #[test]
    fn without_the_endpoint_or_the_port_no_flow_log_is_asked() {
        let configs = vec![config(
            "fl-vpc",
            "vpc-1",
            "cloud-watch-logs",
            Some("/flows"),
        )];
        let q = Question {
            interfaces: vec![],
            addresses: vec![],
            ..question()
        };
        assert!(flow_plan(&configs, &q).is_empty());
    }

    #[test]
    fn destinations_are_read_from_their_arns() {
        assert_eq!(
            Destination::of_arn("arn:aws:logs:us-west-2:123456789012:log-group:/dns/queries:*"),
            Destination::LogGroup("/dns/queries".into())
        );
        assert_eq!(
            Destination::of_arn("arn:aws:s3:::bucket/prefix"),
            Destination::S3("bucket/prefix".into())
        );
        assert_eq!(
            Destination::of_arn("arn:aws:firehose:us-west-2:123456789012:deliverystream/dns"),
            Destination::Firehose("dns".into())
        );
        assert!(matches!(
            Destination::of_arn("nonsense"),
            Destination::Unknown(_)
        ));
    }

    #[test]
    fn query_logging_to_s3_is_named_with_where_to_look() {
        let configs = vec![
            QueryLogConfig {
                id: "rqlc-1".into(),
                name: Some("dns".into()),
                vpc_id: "vpc-1".into(),
                destination_arn: Some("arn:aws:s3:::corp-dns".into()),
            },
            QueryLogConfig {
                id: "rqlc-2".into(),
                name: None,
                vpc_id: "vpc-1".into(),
                destination_arn: Some("arn:aws:logs:us-west-2:123456789012:log-group:/dns".into()),
            },
        ];
        let plan = query_plan(&configs, question().host.as_deref());
        assert!(matches!(&plan[0].reads, Err(w) if w.contains("s3://corp-dns/AWSLogs/")));
        let read = &plan[1].reads.as_ref().unwrap()[0];
        assert_eq!(read.group, "/dns");
        assert!(read.pattern.contains("$.vpc_id = \"vpc-1\""));
    }

    #[test]
    fn records_read_through_two_logs_count_once_and_a_full_page_is_partial() {
        let read = Read {
            group: "/flows".into(),
            pattern: "[...]".into(),
        };
        let events = logs::Events {
            messages: vec![(1, "a".into()), (2, "b".into())],
            more: true,
        };
        let answered = vec![(&read, Ok(events))];
        let plan = ["one", "two"]
            .map(|described| Planned {
                described: described.into(),
                traffic: None,
                reads: Ok(vec![read.clone()]),
            })
            .into();
        let logs = gathered(None, plan, &answered, Vec::as_slice, |_, m| {
            Some(m.to_string())
        });
        assert_eq!(logs.records, vec!["a".to_string(), "b".to_string()]);
        assert!(logs.partial && logs.read_any());
        assert_eq!(logs.sources[1].outcome, Outcome::Read { events: 2 });
    }
}
