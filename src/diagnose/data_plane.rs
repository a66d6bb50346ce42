//! The data plane: resolve the host, connect to each address, speak HTTP, and read the
//! results against what the control plane knows.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use ipnet::IpNet;

use super::probes::{self, Connect, Resolution};
use crate::finding::{self, Finding};
use crate::request::AccessRequest;
use crate::request::ToolCall;

/// The raw results of the probes.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct ProbeResults {
    pub(super) resolution: Resolution,
    /// One per resolved address.
    pub(super) connects: Vec<(IpAddr, Connect)>,
    pub(super) http: Option<probes::HttpOutcome>,
    pub(super) timeout: Duration,
    pub(super) resolver: String,
    pub(super) custom_resolver: bool,
}

/// Resolve, connect, then speak HTTP, all within the probe timeout plus half a second.
pub(super) async fn run(
    host: &str,
    port: u16,
    dns_server: Option<SocketAddr>,
    timeout: Duration,
) -> ProbeResults {
    let deadline = tokio::time::Instant::now() + timeout + Duration::from_millis(500);
    let left = || {
        deadline
            .saturating_duration_since(tokio::time::Instant::now())
            .min(timeout)
    };
    let resolution = probes::resolve(host, dns_server, timeout).await;
    let mut results = ProbeResults {
        resolution: resolution.clone(),
        connects: Vec::new(),
        http: None,
        timeout,
        resolver: dns_server.map_or("the system's resolver".to_string(), |s| {
            format!("DNS server {s}")
        }),
        custom_resolver: dns_server.is_some(),
    };
    let Resolution::Addresses(addresses) = resolution else {
        return results;
    };
    let budget = left();
    let connects =
        futures::future::join_all(addresses.iter().map(|a| async move {
            (*a, probes::connect(SocketAddr::new(*a, port), budget).await)
        }))
        .await;
    let open = connects
        .iter()
        .find(|(_, c)| *c == Connect::Open)
        .map(|(a, _)| *a);
    results.connects = connects;
    if let Some(address) = open {
        let budget = left();
        if !budget.is_zero() {
            results.http =
                Some(probes::http(host, port, SocketAddr::new(address, port), budget).await);
        }
    }
    results
}

/// What the control plane and the machine know that the probes' reading needs.
#[derive(Debug, Clone, Default)]
pub(super) struct ProbeContext {
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) cluster_id: Option<String>,
    pub(super) vpc_id: Option<String>,
    pub(super) endpoint_id: Option<String>,
    pub(super) endpoint_addresses: Vec<IpAddr>,
    pub(super) endpoint_group_id: Option<String>,
    pub(super) client_network: Option<IpNet>,
    /// The zone, record and DNS attributes are in place, so a name that does not resolve
    /// means the probes ran outside the VPC (when `inside_vpc` is not known).
    pub(super) dns_configured: Option<bool>,
    /// Known from the instance metadata service: the probes run on an instance in the VPC
    /// (true) or in another one (false); `None` where there is no instance metadata.
    pub(super) inside_vpc: Option<bool>,
    /// Where the zone that answers comes with a Route 53 Profile: the change its owner makes,
    /// which replaces the local zone `setup_private_dns` would make (and shadow it with).
    pub(super) profile_dns_fix: Option<String>,
}

impl ProbeContext {
    fn dns_fix(&self) -> String {
        if let Some(fix) = &self.profile_dns_fix {
            return fix.clone();
        }
        match (&self.cluster_id, &self.vpc_id) {
            (Some(cluster), Some(vpc)) => ToolCall::setup_private_dns(cluster, vpc, None).text(),
            _ => format!(
                "give cluster_id and vpc_id to see which DNS link is missing; the host {} must \
                 resolve, inside the VPC, to the endpoint's private addresses through a private \
                 zone tied to the VPC",
                self.host
            ),
        }
    }
}

/// Turns probe results into findings: (findings, whether the probes ran inside the VPC).
pub(super) fn interpret(r: &ProbeResults, ctx: &ProbeContext) -> (Vec<Finding>, Option<bool>) {
    let (mut out, inside) = dns(r, ctx);
    // Without addresses, or outside the VPC, the connection probes say nothing more.
    if inside == Some(false) || !matches!(r.resolution, Resolution::Addresses(_)) {
        return (out, inside);
    }
    out.extend(connects(r, ctx));
    out.extend(http(r, ctx));
    (out, inside)
}

/// The DNS probe's reading, and whether it shows the machine inside the VPC.
fn dns(r: &ProbeResults, ctx: &ProbeContext) -> (Vec<Finding>, Option<bool>) {
    let host = ctx.host.as_str();
    let mut out = Vec::new();
    let seconds = r.timeout.as_secs_f64();
    let mut inside = ctx.inside_vpc;
    let resolver_fix = format!(
        "check that {} answers from here: inside a VPC the resolver is the VPC's (its CIDR base \
         +2, or 169.254.169.253); a custom DNS server must forward {host} to it",
        r.resolver
    );
    let addresses = match &r.resolution {
        Resolution::Addresses(a) => a.clone(),
        Resolution::NoSuchName => {
            // Outside the VPC the private zone cannot answer. Where the machine's place is
            // not known, DNS set up right and the system's resolver mean "outside".
            let outside = ctx.inside_vpc == Some(false)
                || (ctx.inside_vpc.is_none()
                    && !r.custom_resolver
                    && ctx.dns_configured == Some(true));
            if outside {
                inside = Some(false);
                out.push(finding::skip(
                    "dns_resolution",
                    format!(
                        "{host} does not resolve here although its private zone is in place: \
                         this machine is outside the VPC"
                    ),
                    "run the probes on an instance inside the VPC: zilliz-privatelink-mcp doctor",
                ));
            } else {
                out.push(finding::fail(
                    "dns_resolution",
                    format!(
                        "{host} does not resolve ({}: no such name){}: applications cannot find \
                         the private link",
                        r.resolver,
                        if ctx.inside_vpc == Some(true) {
                            ", on an instance inside the VPC"
                        } else {
                            ""
                        }
                    ),
                    ctx.dns_fix(),
                ));
            }
            return (out, inside);
        }
        Resolution::TimedOut => {
            out.push(finding::fail(
                "dns_resolution",
                format!(
                    "{} did not answer for {host} within {seconds} s",
                    r.resolver
                ),
                resolver_fix,
            ));
            return (out, inside);
        }
        Resolution::Failed(e) => {
            out.push(finding::fail(
                "dns_resolution",
                format!("resolving {host} failed: {e}"),
                resolver_fix,
            ));
            return (out, inside);
        }
    };
    let shown = addresses
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let public: Vec<&IpAddr> = addresses
        .iter()
        .filter(|a| !probes::is_private(a))
        .collect();
    if !public.is_empty() {
        if !r.custom_resolver && ctx.inside_vpc.is_none() {
            inside = Some(false);
        }
        out.push(finding::fail(
            "dns_resolution",
            format!(
                "{host} resolves to public address(es) {shown}: the private zone is not answering \
                 here, so traffic would leave the VPC"
            ),
            ctx.dns_fix(),
        ));
    } else if !ctx.endpoint_addresses.is_empty()
        && addresses.iter().all(|a| ctx.endpoint_addresses.contains(a))
    {
        inside = inside.or(Some(true));
        out.push(finding::pass(
            "dns_resolution",
            format!("{host} resolves to the endpoint's addresses {shown}"),
        ));
    } else if !ctx.endpoint_addresses.is_empty() {
        out.push(finding::warn(
            "dns_resolution",
            format!(
                "{host} resolves to {shown}, not to the endpoint's addresses ({}): another \
                 endpoint, or a stale record?",
                ctx.endpoint_addresses
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ctx.dns_fix(),
        ));
    } else {
        out.push(finding::pass(
            "dns_resolution",
            format!("{host} resolves to {shown}"),
        ));
    }
    (out, inside)
}

/// Each resolved address's TCP probe: a timeout is a security group or network ACL, a
/// refusal a wrong address or port.
fn connects(r: &ProbeResults, ctx: &ProbeContext) -> Vec<Finding> {
    let (host, port) = (ctx.host.as_str(), ctx.port);
    let seconds = r.timeout.as_secs_f64();

    let access_fix = match &ctx.endpoint_group_id {
        Some(g) => {
            let access = ToolCall::AllowClientAccess(AccessRequest {
                endpoint_security_group_id: g.clone(),
                cluster_id: ctx.cluster_id.clone(),
                port: ctx.cluster_id.is_none().then_some(i64::from(port)),
                source_cidr: ctx.client_network.map(|n| n.to_string()),
                ..Default::default()
            });
            format!(
                "{access} — and check the network ACLs of the endpoint's subnets and the client's"
            )
        }
        None => format!(
            "let tcp {port} in on the endpoint's security group from the client, and through the \
             network ACLs of both subnets (diagnose with cluster_id and vpc_id names the rule)"
        ),
    };
    let mut out = Vec::new();
    for (address, result) in &r.connects {
        out.push(match result {
            Connect::Open => finding::pass(
                "tcp_connect",
                format!("{address}:{port} accepts connections"),
            ),
            Connect::Refused => finding::fail(
                "tcp_connect",
                format!(
                    "{address}:{port} refused the connection: nothing listens on port {port} \
                     there (a wrong port, or an address that is not the endpoint)"
                ),
                format!(
                    "connect to https://{host}:{port}, the private link address (not the public \
                     address or another port); if that is what the application uses, {host} \
                     resolves to the wrong place: {}",
                    ctx.dns_fix()
                ),
            ),
            Connect::TimedOut => finding::fail(
                "tcp_connect",
                format!(
                    "{address}:{port} did not answer within {seconds} s: a security group or \
                     network ACL drops the traffic"
                ),
                access_fix.clone(),
            ),
            Connect::Failed(e) => finding::fail(
                "tcp_connect",
                format!("{address}:{port}: {e}"),
                "check this machine's own network (routes, firewall) towards the endpoint's subnets",
            ),
        });
    }
    out
}

/// The HTTPS request's reading: any HTTP answer means the path to Zilliz works.
fn http(r: &ProbeResults, ctx: &ProbeContext) -> Option<Finding> {
    let (host, port) = (ctx.host.as_str(), ctx.port);
    let seconds = r.timeout.as_secs_f64();
    let quote = match (&ctx.endpoint_id, &ctx.cluster_id) {
        (Some(e), Some(c)) => format!("endpoint {e} and cluster {c}"),
        (Some(e), None) => format!("endpoint {e}"),
        (None, Some(c)) => format!("cluster {c}"),
        (None, None) => format!("the host {host}"),
    };
    let silent_fix = format!(
        "the endpoint took the connection, so the network is open; a private link that then says \
         nothing is Zilliz's side: check that the endpoint is `available` and registered \
         (get_setup_status) and the cluster RUNNING; if they are, contact Zilliz support quoting \
         {quote}"
    );
    let h = r.http.as_ref()?;
    Some(match (&h.answer, &h.tls_problem, h.timed_out) {
        (Some((code, scheme)), tls, _) => {
            let mut detail =
                format!("{scheme}://{host}:{port}/ answered HTTP {code}: the path to Zilliz works");
            if *code == 400 {
                detail.push_str(" (400 is the private link's usual answer to a bare request)");
            }
            match tls {
                Some(problem) => finding::warn(
                    "http",
                    format!("{detail}; but TLS verification failed: {problem}"),
                    format!(
                        "connect by the name {host} (not an address), so that the certificate \
                         matches; if the name was used, a proxy or a stale trust store on \
                         this machine is in the way"
                    ),
                ),
                None => finding::pass("http", detail),
            }
        }
        (None, _, true) => finding::fail(
            "http",
            format!(
                "{host}:{port} accepted the connection but sent no HTTP answer within {seconds} s"
            ),
            silent_fix,
        ),
        (None, _, false) => finding::fail(
            "http",
            format!(
                "no HTTP answer from {host}:{port}: {}",
                h.failure.clone().unwrap_or_default()
            ),
            silent_fix,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;

    const HOST: &str = "in01-abc-privatelink.aws-us-west-2.vectordb.zillizcloud.com";

    fn results(resolution: Resolution, custom_resolver: bool) -> ProbeResults {
        ProbeResults {
            resolution,
            connects: Vec::new(),
            http: None,
            timeout: Duration::from_secs(3),
            resolver: "test".into(),
            custom_resolver,
        }
    }

    fn view(addresses: &[&str], dns_configured: bool) -> ProbeContext {
        ProbeContext {
            host: HOST.into(),
            port: 19530,
            cluster_id: Some("in01-abc".into()),
            vpc_id: Some("vpc-11111111".into()),
            endpoint_id: Some("vpce-11111111".into()),
            endpoint_addresses: addresses.iter().map(|a| a.parse().unwrap()).collect(),
            endpoint_group_id: Some("sg-11111111".into()),
            client_network: None,
            dns_configured: Some(dns_configured),
            inside_vpc: None,
            profile_dns_fix: None,
        }
    }

    #[test]
    fn the_endpoints_own_addresses_mean_the_probes_ran_inside() {
        let ip: IpAddr = "10.0.0.10".parse().unwrap();
        let mut r = results(Resolution::Addresses(vec![ip]), false);
        r.connects = vec![(ip, Connect::TimedOut)];
        let (findings, inside) = interpret(&r, &view(&["10.0.0.10"], true));
        assert_eq!(inside, Some(true));
        assert_eq!(findings[0].status, Status::Pass);
        let tcp = &findings[1];
        assert_eq!(
            (tcp.check.as_str(), tcp.status),
            ("tcp_connect", Status::Fail)
        );
        assert!(tcp.detail.contains("security group or network ACL"));
        assert!(
            tcp.fix
                .as_deref()
                .unwrap()
                .starts_with("allow_client_access")
        );
    }

    #[test]
    fn no_such_name_with_dns_in_place_means_outside_the_vpc() {
        let (findings, inside) = interpret(
            &results(Resolution::NoSuchName, false),
            &view(&["10.0.0.10"], true),
        );
        assert_eq!(inside, Some(false));
        assert_eq!(findings[0].status, Status::Skip);
        assert!(findings[0].detail.contains("outside the VPC"));
        // Against a resolver the user named, or with DNS not in place, it is a failure.
        let (findings, inside) =
            interpret(&results(Resolution::NoSuchName, true), &view(&[], true));
        assert_eq!((inside, findings[0].status), (None, Status::Fail));
        let (findings, _) = interpret(&results(Resolution::NoSuchName, false), &view(&[], false));
        assert_eq!(findings[0].status, Status::Fail);
        assert!(
            findings[0]
                .fix
                .as_deref()
                .unwrap()
                .starts_with("setup_private_dns")
        );

        // On an instance known to be in the VPC, a name that does not resolve is a failure.
        let mut inside_view = view(&["10.0.0.10"], true);
        inside_view.inside_vpc = Some(true);
        let (findings, inside) = interpret(&results(Resolution::NoSuchName, false), &inside_view);
        assert_eq!((inside, findings[0].status), (Some(true), Status::Fail));
        assert!(findings[0].detail.contains("inside the VPC"));
    }

    #[test]
    fn a_refused_port_and_a_silent_one_say_what_to_do() {
        let ip: IpAddr = "10.0.0.10".parse().unwrap();
        let mut r = results(Resolution::Addresses(vec![ip]), false);
        r.connects = vec![(ip, Connect::Refused)];
        let (findings, _) = interpret(&r, &view(&["10.0.0.10"], true));
        let tcp = findings.iter().find(|f| f.check == "tcp_connect").unwrap();
        assert_eq!(tcp.status, Status::Fail);
        let fix = tcp.fix.as_deref().unwrap();
        assert!(fix.contains(&format!("https://{HOST}:19530")), "{fix}");

        r.connects = vec![(ip, Connect::Open)];
        r.http = Some(probes::HttpOutcome {
            answer: None,
            tls_problem: None,
            failure: None,
            timed_out: true,
        });
        let (findings, _) = interpret(&r, &view(&["10.0.0.10"], true));
        let http = findings.iter().find(|f| f.check == "http").unwrap();
        assert_eq!(http.status, Status::Fail);
        let fix = http.fix.as_deref().unwrap();
        assert!(
            fix.contains("Zilliz support")
                && fix.contains("vpce-11111111")
                && fix.contains("in01-abc"),
            "{fix}"
        );
    }

    #[test]
    fn public_addresses_fail_and_mean_outside() {
        let r = results(
            Resolution::Addresses(vec!["3.5.140.2".parse().unwrap()]),
            false,
        );
        let (findings, inside) = interpret(&r, &view(&["10.0.0.10"], true));
        assert_eq!(inside, Some(false));
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].detail.contains("public"));
        assert_eq!(
            findings.len(),
            1,
            "no connection probes are read from outside"
        );
    }

    #[test]
    fn other_private_addresses_warn() {
        let r = results(
            Resolution::Addresses(vec!["10.9.9.9".parse().unwrap()]),
            false,
        );
        let (findings, inside) = interpret(&r, &view(&["10.0.0.10"], true));
        assert_eq!((inside, findings[0].status), (None, Status::Warn));
        assert!(findings[0].detail.contains("10.0.0.10"));
    }

    #[test]
    fn http_answers_and_tls_problems() {
        let ip: IpAddr = "10.0.0.10".parse().unwrap();
        let mut r = results(Resolution::Addresses(vec![ip]), false);
        r.connects = vec![(ip, Connect::Open)];
        r.http = Some(probes::HttpOutcome {
            answer: Some((400, "https")),
            tls_problem: Some("invalid peer certificate: UnknownIssuer".into()),
            failure: None,
            timed_out: false,
        });
        let (findings, _) = interpret(&r, &view(&["10.0.0.10"], true));
        let http = findings.iter().find(|f| f.check == "http").unwrap();
        assert_eq!(http.status, Status::Warn);
        assert!(http.detail.contains("HTTP 400") && http.detail.contains("UnknownIssuer"));
    }
}
