//! The probes `probe_from_instance` ran, read back from SSM's command history: whether the
//! link was tested from where the application runs, and what that showed. The diagnosis
//! reports the newest run on the application's instances; the status proposes a probe on one
//! of them where none passed.

use ipnet::IpNet;

use super::remote::{self, Run};
use crate::address::PrivateLinkAddress;
use crate::aws::{RegionClients, ec2, ssm};
use crate::error::Error;
use crate::facts::Facts;
use crate::finding::{self, Finding, Fix};
use crate::request::{InstanceProbeRequest, ListInstancesRequest, ToolCall};

/// How far back SSM's history is read.
pub(crate) const LOOKBACK_HOURS: i64 = 24;

/// Where the application runs, as far as the call tells: its VPC and, where given, its
/// instance, its groups or its network.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct AppScope {
    pub(crate) vpc_id: String,
    pub(crate) instance_id: Option<String>,
    pub(crate) group_ids: Vec<String>,
    pub(crate) network: Option<IpNet>,
}

impl AppScope {
    /// The instance is one the application runs on, as far as the scope can tell.
    pub(crate) fn holds(&self, i: &ec2::Instance) -> bool {
        if let Some(id) = &self.instance_id {
            return i.id == *id;
        }
        i.vpc_id.as_deref() == Some(self.vpc_id.as_str())
            && (self.group_ids.is_empty()
                || i.security_group_ids
                    .iter()
                    .any(|g| self.group_ids.contains(g)))
            && self
                .network
                .is_none_or(|n| i.private_ip.is_some_and(|ip| n.contains(&ip)))
    }

    fn describe(&self) -> String {
        if let Some(id) = &self.instance_id {
            return format!("instance {id}");
        }
        let mut out = format!("the instances of {}", self.vpc_id);
        if !self.group_ids.is_empty() {
            out.push_str(&format!(" in {}", self.group_ids.join(" or ")));
        }
        if let Some(n) = self.network {
            out.push_str(&format!(" within {n}"));
        }
        out
    }
}

/// A past run with the instance it ran on.
pub(crate) type RunOn = (ssm::PastRun, ec2::Instance);

/// The runs of the probe for `address` in the last day, newest first, each with its instance
/// (SSM's history, then the instances it names, in one task).
pub(crate) async fn read(
    clients: &RegionClients,
    address: &PrivateLinkAddress,
) -> Result<Vec<RunOn>, Error> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let runs: Vec<ssm::PastRun> = ssm::probe_runs(&clients.ssm, now - LOOKBACK_HOURS * 3600)
        .await?
        .into_iter()
        .filter(|r| probed(r, address))
        .collect();
    let mut ids: Vec<String> = runs.iter().map(|r| r.instance_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let instances = ec2::instances(&clients.ec2, &ids).await?;
    Ok(runs
        .into_iter()
        .filter_map(|r| {
            let instance = instances.iter().find(|i| i.id == r.instance_id)?.clone();
            Some((r, instance))
        })
        .collect())
}

/// The run's output names this address (`zpl target HOST PORT`).
fn probed(run: &ssm::PastRun, address: &PrivateLinkAddress) -> bool {
    let port = address.port.to_string();
    run.output.lines().any(|line| {
        line.split_whitespace().collect::<Vec<_>>()
            == ["zpl", "target", address.host.as_str(), port.as_str()]
    })
}

/// What the newest run where the application runs showed.
#[derive(Debug, Clone)]
struct Tested {
    instance_id: String,
    healthy: bool,
    finding: Finding,
}

/// The newest run on an instance of `scope`, read as `probe_from_instance` read it then.
fn newest(
    runs: &[RunOn],
    scope: &AppScope,
    address: &PrivateLinkAddress,
    cluster_id: &str,
    facts: Option<&Facts>,
) -> Option<Tested> {
    let (run, instance) = runs.iter().find(|(_, i)| scope.holds(i))?;
    let when = when(run.requested_at);
    let again = probe_call(cluster_id, &instance.id);
    let invocation = ssm::Invocation {
        status: run.status.clone(),
        stdout: run.output.clone(),
        stderr: String::new(),
    };
    let (findings, healthy, message) = remote::judge_run(&Run {
        instance_id: &instance.id,
        command_id: &run.command_id,
        invocation: &invocation,
        address,
        cluster_id: Some(cluster_id),
        instance,
        facts,
    });
    let finding = if healthy {
        finding::pass(
            "application_probe",
            format!(
                "probe_from_instance ran on {} at {when} (command {}): {message}",
                instance.id, run.command_id
            ),
        )
    } else {
        // A past run may predate a fix: it warns, and the fix is to run it again.
        let broken = findings
            .iter()
            .find(|f| f.status == finding::Status::Fail)
            .map(|f| f.detail.clone())
            .unwrap_or(message);
        finding::warn(
            "application_probe",
            format!(
                "the last probe_from_instance on {} at {when} (command {}) found the link broken \
                 there: {broken}",
                instance.id, run.command_id
            ),
            Fix::Call(again),
        )
    };
    Some(Tested {
        instance_id: instance.id.clone(),
        healthy,
        finding,
    })
}

/// The diagnosis's word on the test from where the application runs: the newest run's, or
/// that none ran (with the call that runs one).
pub(crate) fn finding(
    runs: Option<&[RunOn]>,
    scope: &AppScope,
    address: &PrivateLinkAddress,
    cluster_id: &str,
    facts: &Facts,
) -> Finding {
    let Some(runs) = runs else {
        return finding::skip(
            "application_probe",
            format!(
                "whether a probe ran on {} is not known: SSM's command history could not be \
                 read (not_read names the call)",
                scope.describe()
            ),
            "grant the read not_read names (iam/read-only.json has it) to see the probes that \
             ran where the application runs",
        );
    };
    if let Some(tested) = newest(runs, scope, address, cluster_id, Some(facts)) {
        return tested.finding;
    }
    let fix = match &scope.instance_id {
        Some(id) => Fix::Call(probe_call(cluster_id, id)),
        None => Fix::Call(ToolCall::ListInstances(ListInstancesRequest {
            vpc_id: scope.vpc_id.clone(),
            security_group_id: scope.group_ids.first().cloned(),
            ..Default::default()
        })),
    };
    finding::skip(
        "application_probe",
        format!(
            "no probe_from_instance ran on {} in the last {LOOKBACK_HOURS} h: these findings are \
             from where this server runs; the probe on an instance SSM manages (list_instances \
             shows which) tests from where the application runs",
            scope.describe()
        ),
        fix,
    )
}

fn probe_call(cluster_id: &str, instance_id: &str) -> ToolCall {
    ToolCall::ProbeFromInstance(InstanceProbeRequest {
        cluster_id: Some(cluster_id.to_string()),
        client_instance_id: instance_id.to_string(),
        ..Default::default()
    })
}

/// `2026-12-03T14:05:09Z`.
fn when(epoch_seconds: i64) -> String {
    aws_sdk_ssm::primitives::DateTime::from_secs(epoch_seconds)
        .fmt(aws_sdk_ssm::primitives::DateTimeFormat::DateTime)
        .unwrap_or_else(|_| epoch_seconds.to_string())
}

/// The test from where the application runs, for a complete setup: what the newest run on
/// its instances showed, and, unless it passed, the probe on one of them that SSM manages with
/// its agent online (the one that ran last first). The history and the instances are read
/// side by side.
pub(crate) async fn next_probe(
    clients: &RegionClients,
    scope: &AppScope,
    address: &PrivateLinkAddress,
    cluster_id: &str,
) -> Result<(Option<ToolCall>, Option<Finding>), Error> {
    let (runs, candidates) =
        tokio::join!(read(clients, address), managed_instances(clients, scope));
    let last = newest(&runs?, scope, address, cluster_id, None);
    if let Some(t) = last.as_ref().filter(|t| t.healthy) {
        return Ok((None, Some(t.finding.clone())));
    }
    let mut candidates = candidates?;
    if let Some(t) = &last {
        candidates.sort_by_key(|id| *id != t.instance_id);
    }
    Ok((
        candidates.first().map(|id| probe_call(cluster_id, id)),
        last.map(|t| t.finding),
    ))
}

/// The instances of the scope that SSM manages with its agent online, by id.
async fn managed_instances(
    clients: &RegionClients,
    scope: &AppScope,
) -> Result<Vec<String>, Error> {
    let found = ec2::instances_of_vpc(
        &clients.ec2,
        &scope.vpc_id,
        None,
        match &scope.group_ids[..] {
            [only] => Some(only.as_str()),
            _ => None,
        },
    )
    .await?;
    let ids: Vec<String> = found
        .iter()
        .filter(|i| i.state == "running")
        .filter(|i| {
            scope.holds(&ec2::Instance {
                id: i.id.clone(),
                vpc_id: Some(scope.vpc_id.clone()),
                subnet_id: i.subnet_id.clone(),
                private_ip: i.private_ips.first().and_then(|ip| ip.parse().ok()),
                security_group_ids: i.security_groups.iter().map(|(id, _)| id.clone()).collect(),
            })
        })
        .map(|i| i.id.clone())
        .take(100)
        .collect();
    let managed = ssm::managed_among(&clients.ssm, &ids).await?;
    Ok(ids
        .into_iter()
        .filter(|id| {
            // The probe's own rule of where it can run, not a copy of it.
            managed.iter().any(|(m, info)| {
                m == id && remote::unmanaged(id, Some(info), &clients.region.aws_region).is_none()
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "in01-0123456789abcdef-privatelink.aws-us-west-2.vectordb.zillizcloud.com";

    fn address() -> PrivateLinkAddress {
        PrivateLinkAddress::parse(&format!("https://{HOST}:19531")).unwrap()
    }

    fn instance(id: &str, group: &str, ip: &str) -> ec2::Instance {
        ec2::Instance {
            id: id.into(),
            vpc_id: Some("vpc-1".into()),
            subnet_id: Some("subnet-a".into()),
            private_ip: ip.parse().ok(),
            security_group_ids: vec![group.into()],
        }
    }

    fn run(instance: &str, at: i64, output: &str) -> ssm::PastRun {
        ssm::PastRun {
            command_id: format!("cmd-{instance}-{at}"),
            instance_id: instance.into(),
            requested_at: at,
            status: "Success".into(),
            output: output.into(),
        }
    }

    fn working() -> String {
        format!(
            "zpl target {HOST} 19531\nzpl resolvers 10.0.0.2\nzpl dns ok 10.0.1.5\n\
             zpl tcp 10.0.1.5 open\nzpl https 0 400\n"
        )
    }

    fn not_resolving() -> String {
        format!("zpl target {HOST} 19531\nzpl resolvers 10.0.0.2\nzpl dns nxdomain\n")
    }

    #[test]
    fn a_run_counts_for_the_address_it_names_only() {
        assert!(probed(&run("i-1", 1, &working()), &address()));
        let other_port = working().replace(" 19531", " 19530");
        assert!(!probed(&run("i-1", 1, &other_port), &address()));
        // A run of an older script, which named no target, is not taken for this address.
        let unnamed = working().replace(&format!("zpl target {HOST} 19531\n"), "");
        assert!(!probed(&run("i-1", 1, &unnamed), &address()));
    }

    #[test]
    fn the_scope_is_the_instance_else_the_vpc_narrowed_by_group_and_network() {
        let app = instance("i-app", "sg-app", "10.0.1.9");
        let batch = instance("i-batch", "sg-batch", "10.0.2.9");
        let vpc = AppScope {
            vpc_id: "vpc-1".into(),
            ..Default::default()
        };
        assert!(vpc.holds(&app) && vpc.holds(&batch));
        let group = AppScope {
            group_ids: vec!["sg-app".into()],
            ..vpc.clone()
        };
        assert!(group.holds(&app) && !group.holds(&batch));
        let network = AppScope {
            network: Some("10.0.2.0/24".parse().unwrap()),
            ..vpc.clone()
        };
        assert!(!network.holds(&app) && network.holds(&batch));
        let one = AppScope {
            instance_id: Some("i-batch".into()),
            ..group
        };
        assert!(one.holds(&batch) && !one.holds(&app));
        let elsewhere = AppScope {
            vpc_id: "vpc-2".into(),
            ..Default::default()
        };
        assert!(!elsewhere.holds(&app));
    }

    #[test]
    fn the_newest_run_where_the_application_runs_decides() {
        let app = instance("i-app", "sg-app", "10.0.1.9");
        let batch = instance("i-batch", "sg-batch", "10.0.2.9");
        let scope = AppScope {
            vpc_id: "vpc-1".into(),
            group_ids: vec!["sg-app".into()],
            ..Default::default()
        };
        // Newest first, as `read` answers: batch's newer run is not the application's.
        let runs = vec![
            (run("i-batch", 30, &not_resolving()), batch.clone()),
            (run("i-app", 20, &working()), app.clone()),
            (run("i-app", 10, &not_resolving()), app.clone()),
        ];
        let tested = newest(&runs, &scope, &address(), "in01-0123456789abcdef", None).unwrap();
        assert!(tested.healthy, "{:?}", tested.finding);
        assert_eq!(tested.finding.status, finding::Status::Pass);
        assert!(tested.finding.detail.contains("cmd-i-app-20"));
        // A newer broken run there warns (it may predate a fix) and proposes running it again.
        let mut broken = runs.clone();
        broken.insert(0, (run("i-app", 40, &not_resolving()), app));
        let tested = newest(&broken, &scope, &address(), "in01-0123456789abcdef", None).unwrap();
        assert!(!tested.healthy);
        assert_eq!(tested.finding.status, finding::Status::Warn);
        assert!(
            tested.finding.detail.contains("does not resolve"),
            "{}",
            tested.finding.detail
        );
        let Some(call) = &tested.finding.remedy else {
            panic!("{:?}", tested.finding)
        };
        assert_eq!(call.tool(), "probe_from_instance");
        assert_eq!(call.arguments()["client_instance_id"], "i-app");
        // Nothing in scope: nothing to say.
        let only_batch = &runs[..1];
        assert!(
            newest(
                only_batch,
                &scope,
                &address(),
                "in01-0123456789abcdef",
                None
            )
            .is_none()
        );
    }
}
