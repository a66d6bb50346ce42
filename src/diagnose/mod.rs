//! One engine behind `diagnose_private_link` and `zilliz-privatelink-mcp doctor`: checks every
//! link of the chain (control plane through the AWS and Zilliz APIs, data plane with real
//! DNS, TCP and HTTP probes) and names the broken one with its fix.
//!
//! The control plane is judged by [`crate::verdict`] over facts gathered once
//! ([`crate::facts`]), the same verdicts `get_setup_status` shows as steps; [`network`] adds
//! the client's outbound rules and the network ACLs; [`data_plane`] probes and reads the
//! results. Every failing or warning [`Finding`] carries its fix by construction.

mod arguments;
pub(crate) mod client;
mod data_plane;
mod dns_path;
mod evidence;
mod gather;
pub(crate) mod history;
mod judge;
mod network;
mod onprem;
mod peering;
mod probes;
pub(crate) mod remote;
mod transit;

use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::address::expected_private_link_host;
use crate::app::App;
use crate::cluster;
use crate::error::Error;
use crate::finding;
pub(crate) use crate::finding::{Finding, Status, mark};
use crate::request::DiagnoseRequest;
use crate::request::ToolCall;
use crate::summary::Summary;

const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// The control plane's reads get longer than the probes: AWS retries throttling.
const CONTROL_PLANE_DEADLINE: Duration = Duration::from_secs(30);

/// What a report concludes: three outcomes, since what could not be read is neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Outcome {
    /// Every check that applies was judged, and none failed.
    Healthy,
    /// A check failed.
    Broken,
    /// No check failed, but one that applies could not be judged: a read it needs failed.
    Unknown,
}

impl Outcome {
    /// The outcome of a list of findings.
    fn of(findings: &[Finding]) -> Self {
        if findings.iter().any(|f| f.status == Status::Fail) {
            Self::Broken
        } else if findings.iter().any(|f| f.unjudged) {
            Self::Unknown
        } else {
            Self::Healthy
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct Report {
    /// True only when every check that applies was judged and none failed (`verdict`
    /// `healthy`).
    healthy: bool,
    /// `healthy`, `broken` (a check failed) or `unknown` (none failed, but a check that
    /// applies could not be judged: `unknown` says which and why).
    pub(crate) verdict: Outcome,
    /// The checks that could not be judged, each with the read that failed.
    pub(crate) unknown: Vec<String>,
    /// Reads that failed without leaving a check unjudged here (they decide nothing on this
    /// link, or only what this report also says otherwise), named so that nothing unread
    /// passes unsaid.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) not_read: Vec<String>,
    /// Whether the probes ran inside the VPC: true when the host resolved to the endpoint's
    /// own addresses, false when the results show they ran outside, null when unknown.
    pub(crate) ran_inside_vpc: Option<bool>,
    pub(crate) findings: Vec<Finding>,
    cluster_id: Option<String>,
    /// The endpoint's VPC.
    vpc_id: Option<String>,
    /// The VPC the application runs in, where it is not the endpoint's: its resolver, private
    /// zone, routes and transit gateway were judged for it (a spoke named as `vpc_id` is
    /// judged so, from the VPC whose endpoint it uses).
    #[serde(skip_serializing_if = "Option::is_none")]
    client_vpc_id: Option<String>,
    pub(crate) host: Option<String>,
    pub(crate) port: Option<u16>,
    region_id: Option<String>,
    aws_region: Option<String>,
    /// The VPC's region, where it is not the cluster's (a cross-region endpoint).
    #[serde(skip_serializing_if = "Option::is_none")]
    vpc_region: Option<String>,
    /// The command that runs the same diagnosis on an instance inside the VPC.
    doctor_command: Option<String>,
    pub(crate) elapsed_ms: u64,
}

impl Summary for Report {
    fn summary(&self) -> String {
        let failing: Vec<&Finding> = self
            .findings
            .iter()
            .filter(|f| f.status == Status::Fail)
            .collect();
        let mut text = match self.verdict {
            Outcome::Healthy => "Healthy: no check failed.".to_string(),
            Outcome::Broken => format!("{} check(s) failed.", failing.len()),
            Outcome::Unknown => format!(
                "Unknown: no check failed, but {} could not be judged: {}.",
                self.unknown.len(),
                self.unknown.join("; ")
            ),
        };
        for f in &self.findings {
            if matches!(f.status, Status::Fail | Status::Warn) {
                text.push_str(&format!("\n[{}] {}: {}", mark(f.status), f.check, f.detail));
                if let Some(fix) = &f.fix {
                    text.push_str(&format!("\n    fix: {fix}"));
                }
            }
        }
        if self.ran_inside_vpc == Some(false)
            && let Some(command) = &self.doctor_command
        {
            text.push_str(&format!(
                "\nThe probes ran outside the VPC; inside it run: {command}"
            ));
        }
        text
    }
}

/// What the control plane answered within its deadline.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ControlGathered {
    /// No cluster was read (none named, or its read failed).
    NoCluster,
    /// A cluster but no VPC: only what the cluster says is judged.
    WithoutVpc,
    /// AWS and Zilliz did not answer in time.
    TimedOut,
    Read {
        /// The endpoint's VPC the reads are of.
        vpc_id: String,
        reads: Box<Result<gather::ControlPlaneReads, Error>>,
        /// Where the VPC named was a spoke of another VPC's endpoint: that VPC.
        judged_from_hub: Option<String>,
    },
}

/// The control plane read within its deadline. Hub and spoke named by the spoke is read from
/// the hub's VPC, with the spoke as the client's VPC, as when it is named so (the same
/// findings either way).
async fn read_control_plane(
    (app, endpoint_app): (&App, Option<&App>),
    known: Option<&cluster::AwsCluster>,
    c: &arguments::CheckedRequest,
) -> ControlGathered {
    let (Some(t), Some(vpc)) = (known, &c.vpc_id) else {
        return match known {
            Some(_) => ControlGathered::WithoutVpc,
            None => ControlGathered::NoCluster,
        };
    };
    let deadline = tokio::time::Instant::now() + CONTROL_PLANE_DEADLINE;
    let read = |vpc: String, c: arguments::CheckedRequest| async move {
        let reads = Box::pin(gather::control_plane((app, endpoint_app), t, &vpc, &c));
        tokio::time::timeout_at(deadline, reads).await
    };
    let Ok(reads) = read(vpc.clone(), c.clone()).await else {
        return ControlGathered::TimedOut;
    };
    // Another account's hub, read with endpoint_profile: judged from it as it is.
    if let Ok(r) = &reads
        && let Some(hub) = r.across_accounts_hub.clone()
    {
        return ControlGathered::Read {
            vpc_id: hub.clone(),
            reads: Box::new(reads),
            judged_from_hub: Some(hub),
        };
    }
    let hub = match &reads {
        Ok(r) if c.client_vpc.is_none() => r.hub_vpc(vpc),
        _ => None,
    };
    let Some(hub) = hub else {
        return ControlGathered::Read {
            vpc_id: vpc.clone(),
            reads: Box::new(reads),
            judged_from_hub: None,
        };
    };
    let mut spoke = c.clone();
    spoke.vpc_id = Some(hub.clone());
    spoke.client_vpc = Some(vpc.clone());
    match read(hub.clone(), spoke).await {
        Ok(reads) => ControlGathered::Read {
            vpc_id: hub.clone(),
            reads: Box::new(reads),
            judged_from_hub: Some(hub),
        },
        Err(_) => ControlGathered::TimedOut,
    }
}

/// The control plane judged: the setup's verdicts, the diagnosis's own checks and the
/// client's side, with what the probes' reading needs.
fn judge_control_plane(
    known: Option<&cluster::AwsCluster>,
    control: ControlGathered,
) -> judge::ControlPlane {
    match (known, control) {
        (
            Some(t),
            ControlGathered::Read {
                vpc_id,
                reads,
                judged_from_hub,
            },
        ) => judge::ControlPlane {
            judged_from_hub,
            ..judge::control_plane(t, &vpc_id, *reads)
        },
        (_, ControlGathered::TimedOut) => judge::ControlPlane::timed_out(CONTROL_PLANE_DEADLINE),
        (Some(t), ControlGathered::WithoutVpc) => judge::ControlPlane {
            findings: judge::without_vpc(t),
            ..Default::default()
        },
        _ => judge::ControlPlane::default(),
    }
}

/// The `doctor` line that runs the same diagnosis on an instance in the VPC.
fn doctor_command(
    c: &arguments::CheckedRequest,
    region: Option<&crate::region::RegionNames>,
) -> Option<String> {
    c.cluster_id.as_ref().map(|id| {
        let mut command = format!("zilliz-privatelink-mcp doctor --cluster-id {id}");
        if let Some(vpc) = &c.vpc_id {
            command.push_str(&format!(" --vpc-id {vpc}"));
        }
        if let Some(r) = region {
            command.push_str(&format!(" --region {}", r.aws_region));
        }
        command
    })
}

/// `endpoint_app`: the server acting through `endpoint_profile`, where the VPC's zone for the
/// host belongs to that account (a landing zone's network account).
pub(crate) async fn diagnose(
    app: &App,
    endpoint_app: Option<&App>,
    request: DiagnoseRequest,
) -> Result<Report, Error> {
    Ok(judge(gather(app, endpoint_app, request).await?))
}

/// Everything a diagnosis read, as it was answered: all its judgement needs, and what a
/// bundle holds (`crate::bundle`).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Gathered {
    /// The arguments, checked and resolved (the VPCs and groups by their ids).
    request: arguments::CheckedRequest,
    /// The cluster, where one was named.
    cluster: Option<Result<cluster::AwsCluster, Error>>,
    control_plane: ControlGathered,
    probes: Option<data_plane::ProbeResults>,
    elapsed_ms: u64,
}

/// Reads everything the diagnosis judges: the cluster (round 1), then the control plane and
/// the probes side by side. Fails only on bad arguments; every read's failure stays in its
/// value.
pub(crate) async fn gather(
    app: &App,
    endpoint_app: Option<&App>,
    request: DiagnoseRequest,
) -> Result<Gathered, Error> {
    let c = arguments::check(&request, app.settings.dns_server)?;
    let started = Instant::now();
    // Round 1: the cluster (the facts reuse this read).
    let target = match &c.cluster_id {
        Some(id) => Some(cluster::read(app, id).await),
        None => None,
    };
    let known = target.as_ref().and_then(|t| t.as_ref().ok()).cloned();
    let region = known.as_ref().map(|t| t.region.clone());
    let c = c.resolve(app, region.as_ref()).await?;
    let (host, port) = link_of(&c, known.as_ref());
    let control = read_control_plane((app, endpoint_app), known.as_ref(), &c);
    let probes = async {
        match (&host, port, c.probe) {
            (Some(h), Some(p), true) => {
                Some(data_plane::run(h, p, c.dns_server, c.probe_timeout).await)
            }
            _ => None,
        }
    };
    let (control_plane, probes) = tokio::join!(control, probes);
    Ok(Gathered {
        request: c,
        cluster: target,
        control_plane,
        probes,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

/// The host and port the probes try: the address given, else the cluster's private link
/// address, else (a host only) the one Zilliz will give it.
fn link_of(
    c: &arguments::CheckedRequest,
    known: Option<&cluster::AwsCluster>,
) -> (Option<String>, Option<u16>) {
    let link = c
        .address
        .clone()
        .or_else(|| known.and_then(|t| t.address.clone()));
    let host = link
        .as_ref()
        .map(|l| l.host.clone())
        .or_else(|| known.map(|t| expected_private_link_host(t.cluster_id(), &t.region.region_id)));
    (host, link.as_ref().map(|l| l.port))
}

/// The report, from what was read: a pure function, so a bundle replays into the same one.
pub(crate) fn judge(g: Gathered) -> Report {
    let Gathered {
        request: mut c,
        cluster: target,
        control_plane,
        probes: probe_results,
        elapsed_ms,
    } = g;
    let mut findings = Vec::new();
    let known = target.as_ref().and_then(|t| t.as_ref().ok()).cloned();
    if let Some(Err(e)) = &target {
        findings.push(finding::fail(
            "cluster",
            e.to_string(),
            ToolCall::ListZillizClusters(Default::default()),
        ));
    }
    let region = known.as_ref().map(|t| t.region.clone());
    let (host, port) = link_of(&c, known.as_ref());
    let control = judge_control_plane(known.as_ref(), control_plane);
    if let Some(hub) = &control.judged_from_hub {
        c.client_vpc = c.vpc_id.replace(hub.clone());
    }
    findings.extend(control.findings);

    let (probe_findings, ran_inside_vpc) = judge::probes(
        probe_results.as_ref(),
        host.as_deref(),
        port,
        &c,
        control.hints,
    );
    findings.extend(probe_findings);
    // The logs last: they confirm or contradict what the rules and the probes said.
    if let (Some((logs, client)), Some(vpc_id)) = (&control.logs, &c.vpc_id) {
        let link = evidence::LinkView {
            vpc_id,
            host: host.as_deref(),
            port,
            public_address: known
                .as_ref()
                .and_then(|t| t.cluster.connect_address.as_deref()),
        };
        let said = evidence::findings(logs, client, &findings, &link);
        findings.extend(said);
    }
    let not_read = control.not_read;
    // `doctor` runs where the VPC is: its `--region` is the VPC's.
    let doctor_command = doctor_command(&c, c.vpc_region.as_ref().or(region.as_ref()));
    if ran_inside_vpc == Some(false)
        && let Some(command) = &doctor_command
    {
        findings.push(finding::warn(
            "probe_location",
            "the probes ran outside the VPC (the private zone does not answer here), so they say \
             nothing about the application's path",
            format!("run on an instance inside the VPC: {command}"),
        ));
    }
    let not_read: Vec<String> = not_read
        .into_iter()
        .filter(|e| !findings.iter().any(|f| f.names.contains(e)))
        .map(|e| e.to_string())
        .collect();
    // Across regions, every call the findings propose is about the VPC in its own region.
    let crossing = c
        .vpc_region
        .as_ref()
        .filter(|v| Some(*v) != region.as_ref());
    if let Some(vpc_region) = crossing {
        findings = findings
            .into_iter()
            .map(|f| f.in_vpc_region(&vpc_region.aws_region))
            .collect();
    }
    let verdict = Outcome::of(&findings);
    let unknown = findings
        .iter()
        .filter(|f| f.unjudged)
        .map(|f| format!("{}: {}", f.check, f.detail))
        .collect();
    Report {
        healthy: verdict == Outcome::Healthy,
        verdict,
        unknown,
        not_read,
        ran_inside_vpc,
        findings,
        cluster_id: c.cluster_id.clone(),
        vpc_id: c.vpc_id.clone(),
        client_vpc_id: c
            .client_vpc
            .clone()
            .filter(|v| Some(v) != c.vpc_id.as_ref()),
        host,
        port,
        vpc_region: c
            .vpc_region
            .as_ref()
            .filter(|v| Some(*v) != region.as_ref())
            .map(|v| v.aws_region.clone()),
        region_id: region.as_ref().map(|r| r.region_id.clone()),
        aws_region: region.map(|r| r.aws_region),
        doctor_command,
        elapsed_ms,
    }
}
