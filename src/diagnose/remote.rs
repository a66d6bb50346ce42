//! `probe_from_instance`: the data-plane probes run on the application's own instance through
//! SSM Run Command, so the answer is the instance's, not the laptop's. The script is fixed and
//! built only from validated values (host, port, timeout); it uses what a stock Amazon Linux or
//! Ubuntu has (`sh`, `bash` for its `/dev/tcp`, `getent`, `timeout`, `curl`) and prints one
//! `zpl …` line per result, which [`parse`] reads back into the local probes' results so that
//! the same reading ([`super::data_plane::interpret`]) judges them.
//!
//! Running a command on someone's machine is gated like a change: without `confirm` the tool
//! previews the exact script and runs nothing, `--read-only` hides it, and the person is asked
//! where the client can ask.

use std::net::IpAddr;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;

use super::data_plane::{self, ProbeContext, ProbeResults};
use super::probes::{Connect, HttpOutcome, Resolution};
use crate::address::{PrivateLinkAddress, ProbeTarget};
use crate::app::App;
use crate::aws::{Identity, ec2, ssm};
use crate::change::consent::Consent;
use crate::change::plan::Change;
use crate::change::{self, Proposal};
use crate::cluster;
use crate::error::Error;
use crate::facts;
use crate::finding::{self, Finding};
use crate::region::RegionNames;
use crate::request::InstanceProbeRequest;
use crate::summary::Summary;
use crate::validate::AwsId;

/// The variables through which curl, gRPC clients and most HTTP libraries take a proxy, and
/// the ones that exempt names from it.
const PROXY_VARIABLES: &str = "https_proxy HTTPS_PROXY http_proxy HTTP_PROXY grpc_proxy \
                               GRPC_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY";

/// Each probe's own limit on the instance.
const STEP_TIMEOUT_SECONDS: u64 = 3;
/// How long the command may run on the instance, and how long the tool waits for it.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct InstanceProbeOutput {
    /// True when the probe ran on the instance.
    applied: bool,
    instance_id: String,
    /// The probes' findings as seen from the instance (empty for a preview).
    findings: Vec<Finding>,
    /// Nothing failed (null when the probe did not run).
    healthy: Option<bool>,
    /// The exact script SSM runs (`AWS-RunShellScript`), one line each.
    script: Vec<String>,
    /// What the call does (or, without `confirm`, would do).
    preview: Vec<String>,
    host: String,
    port: u16,
    /// SSM's command id, when it ran.
    command_id: Option<String>,
    message: String,
    region_id: String,
    aws_region: String,
    identity: Identity,
}

impl Summary for InstanceProbeOutput {
    fn summary(&self) -> String {
        let mut text = self.message.clone();
        for f in &self.findings {
            if matches!(f.status, finding::Status::Fail | finding::Status::Warn) {
                text.push_str(&format!(
                    "\n[{}] {}: {}",
                    finding::mark(f.status),
                    f.check,
                    f.detail
                ));
                if let Some(fix) = &f.fix {
                    text.push_str(&format!("\n    fix: {fix}"));
                }
            }
        }
        if !self.applied {
            for line in &self.preview {
                text.push_str("\n- ");
                text.push_str(line);
            }
        }
        text
    }
}

/// A DNS name or IPv4 address made of the only characters a shell cannot read as anything
/// else: the script quotes it too, but it never has to.
fn safe_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// The probe script for `host:port`, one line each. Refuses a host that is not a plain DNS
/// name or IPv4 address, so nothing a caller sends can become shell.
fn script(host: &str, port: u16, step_seconds: u64) -> Result<Vec<String>, Error> {
    if !safe_host(host) {
        return Err(Error::invalid(
            "address",
            host,
            "a DNS name or IPv4 address of letters, digits, dots and hyphens",
        ));
    }
    let t = step_seconds;
    let lines = [
        "# zilliz-privatelink-mcp probe: resolve, connect, speak HTTPS; one `zpl` line a result".to_string(),
        format!("h='{host}'; p='{port}'; t='{t}'"),
        // Names the target in the output, which SSM's history keeps: how the diagnosis finds
        // this run again for this address.
        "echo \"zpl target $h $p\"".into(),
        "echo \"zpl resolvers $(awk '/^nameserver/ {printf \"%s \", $2}' /etc/resolv.conf 2>/dev/null)\"".into(),
        // The proxies an application here would inherit: the agent's environment (which the
        // script runs in) and /etc/environment. A proxy's user and password never leave the
        // instance. curl below ignores them all (`--noproxy '*'`): it tests the path itself.
        format!(
            "for v in {PROXY_VARIABLES}; do eval \"x=\\${{$v:-}}\"; [ -n \"$x\" ] && echo \"zpl proxy env $v $x\" | sed -E 's#://[^@/ ]*@#://#'; done"
        ),
        "grep -E '^(export )?[A-Za-z_]*_(proxy|PROXY)=' /etc/environment 2>/dev/null | sed -E -e 's/^export //' -e \"s/[\\\"']//g\" -e 's#://[^@/ ]*@#://#' -e 's/=/ /' | while read -r k v; do echo \"zpl proxy file $k $v\"; done".into(),
        "a=$(timeout \"$t\" getent ahostsv4 \"$h\"); rc=$?".into(),
        "case $rc in 0) ;; 2) echo 'zpl dns nxdomain'; exit 0;; 124) echo 'zpl dns timeout'; exit 0;; *) echo \"zpl dns error $rc\"; exit 0;; esac".into(),
        "a=$(echo \"$a\" | awk '{print $1}' | sort -u | tr '\\n' ' ')".into(),
        "echo \"zpl dns ok $a\"".into(),
        "open=0".into(),
        "for ip in $a; do timeout \"$t\" bash -c 'exec 3<>\"/dev/tcp/$0/$1\"' \"$ip\" \"$p\" 2>/dev/null; rc=$?; case $rc in 0) r=open; open=1;; 124) r=timeout;; *) r=refused;; esac; echo \"zpl tcp $ip $r\"; done".into(),
        "[ \"$open\" = 1 ] || exit 0".into(),
        "c=$(curl -s --noproxy '*' -o /dev/null -w '%{http_code}' --connect-timeout \"$t\" -m \"$t\" \"https://$h:$p/\"); rc=$?; echo \"zpl https $rc $c\"".into(),
        "case $rc in 51|58|60) c=$(curl -sk --noproxy '*' -o /dev/null -w '%{http_code}' --connect-timeout \"$t\" -m \"$t\" \"https://$h:$p/\"); echo \"zpl https-insecure $? $c\";; 0) ;; *) c=$(curl -s --noproxy '*' -o /dev/null -w '%{http_code}' --connect-timeout \"$t\" -m \"$t\" \"http://$h:$p/\"); echo \"zpl http $? $c\";; esac".into(),
    ];
    Ok(lines.to_vec())
}

/// `rc code` of a curl line: the answer's status where curl got one.
fn curl_answer(rest: &[&str]) -> (Option<i32>, Option<u16>) {
    let rc = rest.first().and_then(|r| r.parse().ok());
    let code = rest
        .get(1)
        .and_then(|c| c.parse::<u16>().ok())
        .filter(|c| *c != 0);
    (rc, code)
}

/// What curl's exit code means, for the findings.
fn curl_failure(rc: i32) -> String {
    let what = match rc {
        6 => "could not resolve the host",
        7 => "could not connect",
        28 => "timed out",
        35 => "the TLS handshake failed",
        52 => "the server sent nothing",
        56 => "the connection broke while receiving",
        60 => "the certificate could not be verified",
        _ => "failed",
    };
    format!("curl exit {rc}: {what}")
}

/// Reads the script's output back into the probes' results.
fn parse(stdout: &str, step: Duration) -> ProbeResults {
    let mut results = ProbeResults {
        resolution: Resolution::Failed("the probe printed no DNS result".into()),
        connects: Vec::new(),
        http: None,
        timeout: step,
        resolver: "the instance's resolver".into(),
        custom_resolver: false,
    };
    let mut http = HttpOutcome {
        answer: None,
        tls_problem: None,
        failure: None,
        timed_out: false,
    };
    let mut spoke_http = false;
    for line in stdout.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["zpl", "resolvers", servers @ ..] if !servers.is_empty() => {
                results.resolver = format!("the instance's resolver ({})", servers.join(", "));
            }
            ["zpl", "dns", "ok", addresses @ ..] => {
                let mut found: Vec<IpAddr> =
                    addresses.iter().filter_map(|a| a.parse().ok()).collect();
                found.sort();
                found.dedup();
                results.resolution = if found.is_empty() {
                    Resolution::NoSuchName
                } else {
                    Resolution::Addresses(found)
                };
            }
            ["zpl", "dns", "nxdomain"] => results.resolution = Resolution::NoSuchName,
            ["zpl", "dns", "timeout"] => results.resolution = Resolution::TimedOut,
            ["zpl", "dns", "error", rc] => {
                results.resolution = Resolution::Failed(format!("getent exit {rc}"));
            }
            ["zpl", "tcp", ip, outcome] => {
                if let Ok(ip) = ip.parse() {
                    let connect = match *outcome {
                        "open" => Connect::Open,
                        "timeout" => Connect::TimedOut,
                        _ => Connect::Refused,
                    };
                    results.connects.push((ip, connect));
                }
            }
            [
                "zpl",
                kind @ ("https" | "https-insecure" | "http"),
                rest @ ..,
            ] => {
                spoke_http = true;
                let (rc, code) = curl_answer(rest);
                match (*kind, rc, code) {
                    ("https", Some(0), Some(code)) => http.answer = Some((code, "https")),
                    ("https-insecure", Some(0), Some(code)) => {
                        http.answer = Some((code, "https"));
                    }
                    ("http", Some(0), Some(code)) => http.answer = Some((code, "http")),
                    (_, Some(rc), _) => {
                        if *kind == "https" && matches!(rc, 51 | 58 | 60) {
                            http.tls_problem = Some(curl_failure(rc));
                        }
                        http.timed_out |= rc == 28;
                        http.failure.get_or_insert(curl_failure(rc));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if http.answer.is_none() {
        http.tls_problem = None;
    }
    if spoke_http {
        results.http = Some(http);
    }
    results
}

/// A proxy variable set on the instance: where it was seen (`env`, the agent's environment
/// the script inherits; `file`, /etc/environment), its name and value (without credentials).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ProxySetting {
    source: String,
    variable: String,
    value: String,
}

/// The `zpl proxy` lines of the script's output.
fn proxy_settings(stdout: &str) -> Vec<ProxySetting> {
    stdout
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let ("zpl", "proxy", source, variable) =
                (words.next()?, words.next()?, words.next()?, words.next()?)
            else {
                return None;
            };
            let value = words.collect::<Vec<_>>().join(" ");
            // Never keep a credential, even if the instance's sed did not strip it.
            let value = match (value.find("://"), value.rfind('@')) {
                (Some(scheme), Some(at)) if at > scheme => {
                    format!("{}{}", &value[..scheme + 3], &value[at + 1..])
                }
                _ => value,
            };
            Some(ProxySetting {
                source: source.to_string(),
                variable: variable.to_string(),
                value,
            })
        })
        .collect()
}

/// `no_proxy` exempts `host`: an entry `*`, the host itself, or a domain above it (with or
/// without a leading dot), as curl, gRPC and most libraries read the list.
fn exempted(no_proxy: &str, host: &str) -> bool {
    no_proxy
        .split(',')
        .map(|e| e.trim().trim_start_matches("*.").trim_start_matches('.'))
        .filter(|e| !e.is_empty())
        .any(|e| e == "*" || host == e || host.ends_with(&format!(".{e}")))
}

/// Whether a proxy the instance sets would carry the application's connections to `host`: a
/// proxy that takes HTTPS or gRPC traffic without `host` in `no_proxy` is a warning naming the
/// variables and the line that exempts the host.
fn proxy_finding(host: &str, settings: &[ProxySetting]) -> Finding {
    let capturing = |v: &str| {
        matches!(
            v.to_ascii_lowercase().as_str(),
            "https_proxy" | "grpc_proxy" | "all_proxy" | "http_proxy"
        )
    };
    let mut capturing_sources = Vec::new();
    for source in ["env", "file"] {
        let here: Vec<&ProxySetting> = settings.iter().filter(|s| s.source == source).collect();
        let proxies: Vec<&ProxySetting> = here
            .iter()
            .copied()
            .filter(|s| capturing(&s.variable))
            .collect();
        if proxies.is_empty() {
            continue;
        }
        let no_proxy: Vec<&str> = here
            .iter()
            .filter(|s| s.variable.eq_ignore_ascii_case("no_proxy"))
            .map(|s| s.value.as_str())
            .collect();
        if !no_proxy.iter().any(|list| exempted(list, host)) {
            capturing_sources.push((source, proxies, no_proxy));
        }
    }
    if capturing_sources.is_empty() {
        return if settings.iter().any(|s| capturing(&s.variable)) {
            finding::pass(
                "proxy",
                format!("the instance sets a proxy, and no_proxy exempts {host}"),
            )
        } else {
            finding::pass("proxy", "the instance sets no proxy variable")
        };
    }
    let named: Vec<String> = capturing_sources
        .iter()
        .flat_map(|(source, proxies, _)| {
            proxies.iter().map(move |p| {
                format!(
                    "{}={} ({})",
                    p.variable,
                    p.value,
                    if *source == "env" {
                        "the SSM agent's environment"
                    } else {
                        "/etc/environment"
                    }
                )
            })
        })
        .collect();
    let existing = capturing_sources
        .iter()
        .flat_map(|(_, _, lists)| lists.iter())
        .next()
        .map(|l| format!("{l},"))
        .unwrap_or_default();
    finding::warn(
        "proxy",
        format!(
            "{} without {host} in no_proxy: an application that honours them (curl, Milvus's \
             gRPC clients through grpc_proxy/https_proxy) sends the private link's traffic to the \
             proxy, which cannot reach the endpoint",
            named.join(", ")
        ),
        format!(
            "exempt the host where the application's environment is set (/etc/environment, the \
             service's unit or container): no_proxy={existing}.zillizcloud.com and \
             NO_PROXY={existing}.zillizcloud.com"
        ),
    )
}

/// Why SSM cannot run the probe on an instance it does not manage (or cannot reach), with what
/// makes it manageable.
pub(super) fn unmanaged(
    instance_id: &str,
    managed: Option<&ssm::Managed>,
    region: &str,
) -> Option<Error> {
    let fix = format!(
        "make {instance_id} a managed instance: the SSM agent running (stock on Amazon Linux and \
         Ubuntu AMIs), an instance profile with the AWS managed policy AmazonSSMManagedInstanceCore, \
         and a way out to SSM (HTTPS to ssm, ssmmessages and ec2messages.{region}.amazonaws.com, \
         through a NAT or VPC endpoints for those three); then call again. Without SSM, run \
         `zilliz-privatelink-mcp doctor` on the instance itself"
    );
    match managed {
        None => Some(Error::Conflict(format!(
            "SSM does not manage instance {instance_id} in {region}, so it cannot run the probe \
             there. Fix: {fix}"
        ))),
        Some(m) if m.ping_status != "Online" => Some(Error::Conflict(format!(
            "SSM manages {instance_id} but its agent is {} (not Online), so a command would not \
             reach it. Fix: {fix}",
            m.ping_status
        ))),
        Some(m) if m.platform == "Windows" => Some(Error::Conflict(format!(
            "{instance_id} runs Windows; the probe is a shell script for Linux. Run \
             `zilliz-privatelink-mcp doctor` on the instance instead"
        ))),
        Some(_) => None,
    }
}

/// Each finding says it was seen from the instance.
fn seen_from(instance_id: &str, findings: Vec<Finding>) -> Vec<Finding> {
    findings
        .into_iter()
        .map(|mut f| {
            f.detail = format!("from {instance_id}: {}", f.detail);
            f
        })
        .collect()
}

/// The instance (it must exist in the region) and who acts, in one round beside SSM's view
/// of it; an instance SSM cannot run the probe on is refused with what makes it manageable.
async fn managed_instance(
    app: &App,
    clients: &crate::aws::RegionClients,
    instance_id: &str,
) -> Result<(ec2::Instance, Identity), Error> {
    let region = &clients.region;
    let (instance, managed, identity) = tokio::join!(
        ec2::instance(&clients.ec2, instance_id),
        ssm::managed(&clients.ssm, instance_id),
        app.aws.identity(region),
    );
    let identity = identity?;
    let instance = instance.map_err(|e| match e {
        Error::NotFound { .. } => Error::not_found(
            format!("instance `{instance_id}` in {}", region.aws_region),
            "Check the client_instance_id and the region",
        ),
        other => other,
    })?;
    if let Some(why) = unmanaged(instance_id, managed?.as_ref(), &region.aws_region) {
        return Err(why);
    }
    Ok((instance, identity))
}

pub(crate) async fn probe_from_instance(
    app: &App,
    request: InstanceProbeRequest,
    consent: &Consent,
) -> Result<InstanceProbeOutput, Error> {
    let instance_id =
        AwsId::Instance.check_field("client_instance_id", &request.client_instance_id)?;
    let target = ProbeTarget::parse(request.cluster_id.as_deref(), request.address.as_deref())?;
    let asked_region = RegionNames::parse_optional(request.region.as_deref())?;
    if let Some(a) = target.given_address() {
        script(&a.host, a.port, STEP_TIMEOUT_SECONDS)?;
    }
    let cluster_id = target.cluster_id().map(str::to_string);
    let located = cluster::locate(app, cluster_id.as_deref(), asked_region).await?;
    let address = match (target.given_address(), &located.cluster) {
        (Some(given), _) => given.clone(),
        (None, Some(cluster)) => cluster.require_address()?.clone(),
        (None, None) => return Err(Error::Bug("a probe target without an address".into())),
    };
    // The instance is where the VPC is (a cross-region link's is not the cluster's region).
    let region = located.aws;
    let lines = script(&address.host, address.port, STEP_TIMEOUT_SECONDS)?;
    let clients = app.aws.clients(Some(&region)).await?;
    let (instance, identity) = managed_instance(app, &clients, &instance_id).await?;
    let mut proposal = Proposal::new("probe_from_instance", &identity, &region);
    proposal.vpc_id = instance.vpc_id.clone();
    proposal.cluster_id = cluster_id.clone();
    proposal.changes = vec![Change::RunProbe {
        instance_id: instance_id.clone(),
        host: address.host.clone(),
        port: address.port,
        lines: lines.clone(),
        timeout_seconds: COMMAND_TIMEOUT.as_secs(),
    }];
    let mut output = InstanceProbeOutput {
        applied: false,
        instance_id: instance_id.clone(),
        findings: Vec::new(),
        healthy: None,
        script: lines,
        preview: Vec::new(),
        host: address.host.clone(),
        port: address.port,
        command_id: None,
        message: String::new(),
        region_id: region.region_id.clone(),
        aws_region: region.aws_region.clone(),
        identity: identity.clone(),
    };
    let (report, applied) =
        change::settle(app, &clients, proposal, request.confirm, consent).await?;
    output.preview = report.preview;
    output.message = report.message;
    let Some(command_id) = applied.and_then(|a| a.made.command_id) else {
        return Ok(output);
    };
    // While the command runs, the facts of the instance's VPC say which endpoint the host
    // should resolve to there: the probe's reading then matches the diagnosis's. Inside the
    // host's patience: a command still running then is said so, with how to read it, rather
    // than cut off with no answer.
    let (invocation, facts) = tokio::join!(
        ssm::wait_for(
            &clients.ssm,
            &command_id,
            &instance_id,
            (COMMAND_TIMEOUT + Duration::from_secs(15)).min(app.settings.call_budget),
        ),
        async {
            match (&cluster_id, &instance.vpc_id) {
                (Some(id), Some(vpc)) => Some(facts::gather(app, id, vpc, Some(&region)).await),
                _ => None,
            }
        },
    );
    let invocation = invocation?;
    output.command_id = Some(command_id.clone());
    output.applied = true;
    if matches!(
        invocation.status.as_str(),
        "Pending" | "InProgress" | "Delayed"
    ) {
        let read = format!(
            "aws ssm get-command-invocation --command-id {command_id} --instance-id {instance_id}"
        );
        output.findings = vec![finding::undecided(
            "instance_probe",
            format!(
                "the command {command_id} is still `{}` on {instance_id} after {} s, the time \
                 this call has",
                invocation.status,
                app.settings.call_budget.as_secs()
            ),
            format!(
                "read its output once it ends ({read}), or call probe_from_instance again later \
                 (it runs the probe anew)"
            ),
        )];
        output.message = format!(
            "The probe is still running on {instance_id}; its result is not known yet ({read})."
        );
        return Ok(output);
    }
    let (findings, healthy, message) = judge_run(&Run {
        instance_id: &instance_id,
        command_id: &command_id,
        invocation: &invocation,
        address: &address,
        cluster_id: cluster_id.as_deref(),
        instance: &instance,
        facts: facts.as_ref(),
    });
    output.findings = findings;
    output.healthy = Some(healthy);
    output.message = message;
    Ok(output)
}

/// What a run on the instance showed.
pub(super) struct Run<'a> {
    pub(super) instance_id: &'a str,
    pub(super) command_id: &'a str,
    pub(super) invocation: &'a ssm::Invocation,
    pub(super) address: &'a PrivateLinkAddress,
    pub(super) cluster_id: Option<&'a str>,
    pub(super) instance: &'a ec2::Instance,
    /// The facts of the instance's VPC, where a cluster was named.
    pub(super) facts: Option<&'a crate::facts::Facts>,
}

/// The run's output read as the diagnosis reads its own probes: the findings (seen from the
/// instance), whether the link is healthy there, and the one-line message.
pub(super) fn judge_run(run: &Run<'_>) -> (Vec<Finding>, bool, String) {
    let Run {
        instance_id,
        command_id,
        invocation,
        address,
        cluster_id,
        instance,
        facts,
    } = *run;
    if !invocation.stdout.contains("zpl ") {
        let stderr = invocation
            .stderr
            .lines()
            .take(3)
            .collect::<Vec<_>>()
            .join(" / ");
        let failed = finding::fail(
            "instance_probe",
            format!(
                "the command {command_id} ended {} on {instance_id} without probe results{}",
                invocation.status,
                if stderr.is_empty() {
                    String::new()
                } else {
                    format!(": {stderr}")
                }
            ),
            format!(
                "aws ssm get-command-invocation --command-id {command_id} --instance-id \
                 {instance_id} shows the whole output; the instance needs sh, bash, getent, \
                 timeout and curl"
            ),
        );
        return (
            vec![failed],
            false,
            format!("The probe did not run to the end on {instance_id}."),
        );
    }
    let step = Duration::from_secs(STEP_TIMEOUT_SECONDS);
    let results = parse(&invocation.stdout, step);
    let endpoint = facts.and_then(|f| f.endpoint());
    let context = ProbeContext {
        host: address.host.clone(),
        port: address.port,
        cluster_id: cluster_id.map(str::to_string),
        vpc_id: instance.vpc_id.clone(),
        endpoint_id: endpoint.map(|e| e.id.clone()),
        endpoint_addresses: facts
            .map(|f| f.endpoint_addresses.clone())
            .unwrap_or_default(),
        endpoint_group_id: endpoint.and_then(|e| e.security_group_ids.first().cloned()),
        // The instance is where the application runs: its answer is the one that counts.
        inside_vpc: Some(true),
        client_network: instance.private_ip.map(ipnet::IpNet::from),
        dns_configured: None,
        profile_dns_fix: facts.and_then(|f| {
            let zone = f.zone.as_ref().ok()?.as_ref()?;
            crate::verdict::profile_record_remedy(f, zone, &address.host, endpoint)
                .map(|r| r.text())
        }),
    };
    let (mut findings, _) = data_plane::interpret(&results, &context);
    findings.push(proxy_finding(
        &address.host,
        &proxy_settings(&invocation.stdout),
    ));
    let findings = seen_from(instance_id, findings);
    let healthy = !findings.iter().any(|f| f.status == finding::Status::Fail);
    let message = if healthy {
        format!(
            "Seen from {instance_id}: {}:{} resolves, connects and answers.",
            address.host, address.port
        )
    } else {
        format!("Seen from {instance_id}: the private link is broken there.")
    };
    (findings, healthy, message)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_proxy_without_the_host_in_no_proxy_is_a_warning_and_secrets_stay_out() {
        const H: &str = "in01-abc-privatelink.aws-us-west-2.vectordb.zillizcloud.com";
        let out = "zpl proxy env https_proxy http://user:s3cret@proxy.corp:3128\n\
                   zpl proxy env no_proxy localhost,169.254.169.254\n";
        let settings = proxy_settings(out);
        assert!(
            settings.iter().all(|s| !s.value.contains("s3cret")),
            "{settings:?}"
        );
        let found = proxy_finding(H, &settings);
        assert_eq!(found.status, finding::Status::Warn);
        assert!(found.detail.contains("https_proxy=http://proxy.corp:3128"));
        let fix = found.fix.unwrap();
        assert!(
            fix.contains("no_proxy=localhost,169.254.169.254,.zillizcloud.com"),
            "{fix}"
        );
        // Exempted, in each form a list may take.
        for list in [
            ".zillizcloud.com",
            "zillizcloud.com",
            "*.zillizcloud.com",
            "*",
            H,
        ] {
            let out = format!(
                "zpl proxy file HTTPS_PROXY http://proxy:3128\nzpl proxy file NO_PROXY {list}\n"
            );
            assert_eq!(
                proxy_finding(H, &proxy_settings(&out)).status,
                finding::Status::Pass,
                "{list}"
            );
        }
        assert!(!exempted("cloud.com.evil,zilliz.com", H));
        assert_eq!(proxy_finding(H, &[]).status, finding::Status::Pass);
    }

    use super::*;

    const HOST: &str = "in01-abc-privatelink.aws-us-west-2.vectordb.zillizcloud.com";

    #[test]
    fn the_script_holds_only_validated_values() {
        let lines = script(HOST, 19531, 3).unwrap();
        assert!(lines[1].contains(HOST) && lines[1].contains("19531"));
        for hostile in [
            "a;reboot",
            "$(id)",
            "a'b",
            "`id`",
            "a b",
            "-x",
            "A.example.com",
            "",
        ] {
            assert!(script(hostile, 443, 3).is_err(), "{hostile} was accepted");
        }
        assert!(script("10.0.1.5", 443, 3).is_ok());
    }

    #[test]
    fn a_working_path_reads_as_addresses_open_ports_and_an_answer() {
        let out = "zpl resolvers 10.0.0.2 \nzpl dns ok 10.0.1.5 10.0.2.7 \n\
                   zpl tcp 10.0.1.5 open\nzpl tcp 10.0.2.7 open\nzpl https 0 400\n";
        let r = parse(out, Duration::from_secs(3));
        assert_eq!(
            r.resolution,
            Resolution::Addresses(vec![
                "10.0.1.5".parse().unwrap(),
                "10.0.2.7".parse().unwrap()
            ])
        );
        assert_eq!(r.connects.len(), 2);
        assert!(r.connects.iter().all(|(_, c)| *c == Connect::Open));
        assert_eq!(r.http.unwrap().answer, Some((400, "https")));
        assert!(r.resolver.contains("10.0.0.2"));
    }

    #[test]
    fn failures_read_as_what_they_are() {
        let r = parse(
            "zpl resolvers 10.0.0.2\nzpl dns nxdomain\n",
            Duration::from_secs(3),
        );
        assert_eq!(r.resolution, Resolution::NoSuchName);
        assert!(r.http.is_none());
        let r = parse("zpl dns timeout\n", Duration::from_secs(3));
        assert_eq!(r.resolution, Resolution::TimedOut);
        let r = parse(
            "zpl dns ok 10.0.1.5\nzpl tcp 10.0.1.5 timeout\n",
            Duration::from_secs(3),
        );
        assert_eq!(r.connects[0].1, Connect::TimedOut);
        // TLS refused by verification but answering without it.
        let r = parse(
            "zpl dns ok 10.0.1.5\nzpl tcp 10.0.1.5 open\nzpl https 60 000\nzpl https-insecure 0 400\n",
            Duration::from_secs(3),
        );
        let http = r.http.unwrap();
        assert_eq!(http.answer, Some((400, "https")));
        assert!(http.tls_problem.unwrap().contains("60"));
        // Silence after the connection.
        let r = parse(
            "zpl dns ok 10.0.1.5\nzpl tcp 10.0.1.5 open\nzpl https 28 000\nzpl http 28 000\n",
            Duration::from_secs(3),
        );
        let http = r.http.unwrap();
        assert!(http.answer.is_none() && http.timed_out);
        // Nothing printed at all.
        assert!(matches!(
            parse("", Duration::from_secs(3)).resolution,
            Resolution::Failed(_)
        ));
    }

    #[test]
    fn an_instance_ssm_cannot_reach_says_how_to_make_it_reachable() {
        let none = unmanaged("i-0123456789abcdef0", None, "us-west-2")
            .unwrap()
            .to_string();
        assert!(none.contains("AmazonSSMManagedInstanceCore") && none.contains("doctor"));
        let lost = ssm::Managed {
            ping_status: "ConnectionLost".into(),
            platform: "Linux".into(),
        };
        assert!(
            unmanaged("i-1", Some(&lost), "us-west-2")
                .unwrap()
                .to_string()
                .contains("ConnectionLost")
        );
        let online = ssm::Managed {
            ping_status: "Online".into(),
            platform: "Linux".into(),
        };
        assert!(unmanaged("i-1", Some(&online), "us-west-2").is_none());
    }

    #[test]
    fn a_run_is_read_as_the_instance_sees_it() {
        let instance = ec2::Instance {
            id: "i-0123456789abcdef0".into(),
            vpc_id: Some("vpc-11111111".into()),
            subnet_id: None,
            private_ip: Some("10.0.3.7".parse().unwrap()),
            security_group_ids: vec![],
        };
        let address = PrivateLinkAddress {
            host: "in01-abc-privatelink.aws-us-west-2.vectordb.zillizcloud.com".into(),
            port: 19531,
        };
        let run = |stdout: &str, stderr: &str| {
            let invocation = ssm::Invocation {
                status: "Success".into(),
                stdout: stdout.into(),
                stderr: stderr.into(),
            };
            judge_run(&Run {
                instance_id: &instance.id,
                command_id: "cmd-1",
                invocation: &invocation,
                address: &address,
                cluster_id: None,
                instance: &instance,
                facts: None,
            })
        };
        let (findings, healthy, message) = run(
            "zpl resolvers 10.0.0.2\nzpl dns ok 10.0.1.5\nzpl tcp 10.0.1.5 open\nzpl https 0 400\n",
            "",
        );
        assert!(healthy, "{findings:?}");
        assert!(message.contains("resolves, connects and answers"));
        let (findings, healthy, _) = run("", "bash: curl: command not found");
        assert!(!healthy);
        assert_eq!(findings.len(), 1);
        assert!(findings[0].detail.contains("curl: command not found"));
    }
}
