//! Data-plane probes: resolve the private link host, connect to it, speak HTTP to it. Each
//! probe has its own timeout; none of them fails the whole diagnosis.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use tokio::net::TcpStream;

/// What resolving the host gave.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) enum Resolution {
    Addresses(Vec<IpAddr>),
    /// NXDOMAIN, or a name with no address records.
    NoSuchName,
    TimedOut,
    Failed(String),
}

/// Resolves `host` with the system's resolver, or with `server` when given.
pub(super) async fn resolve(
    host: &str,
    server: Option<SocketAddr>,
    timeout: Duration,
) -> Resolution {
    let builder = match server {
        Some(server) => {
            let mut name_server = NameServerConfig::udp_and_tcp(server.ip());
            for connection in &mut name_server.connections {
                connection.port = server.port();
            }
            TokioResolver::builder_with_config(
                ResolverConfig::from_name_servers(vec![name_server]),
                TokioRuntimeProvider::default(),
            )
        }
        None => match TokioResolver::builder_tokio() {
            Ok(builder) => builder,
            Err(e) => {
                return Resolution::Failed(format!(
                    "the system's resolver configuration could not be read: {e}"
                ));
            }
        },
    };
    let mut builder = builder;
    let options = builder.options_mut();
    options.timeout = timeout;
    options.attempts = 1;
    options.cache_size = 0;
    if server.is_some() {
        options.use_hosts_file = ResolveHosts::Never;
    }
    let resolver = match builder.build() {
        Ok(r) => r,
        Err(e) => return Resolution::Failed(format!("the resolver could not be built: {e}")),
    };
    let fqdn = format!("{}.", host.trim_end_matches('.'));
    match tokio::time::timeout(timeout, resolver.lookup_ip(fqdn.as_str())).await {
        Err(_) => Resolution::TimedOut,
        Ok(Ok(found)) => {
            let mut addresses: Vec<IpAddr> = found.iter().collect();
            addresses.sort();
            addresses.dedup();
            if addresses.is_empty() {
                Resolution::NoSuchName
            } else {
                Resolution::Addresses(addresses)
            }
        }
        Ok(Err(e)) if e.is_nx_domain() || e.is_no_records_found() => Resolution::NoSuchName,
        Ok(Err(e)) => {
            let text = e.to_string();
            if text.to_ascii_lowercase().contains("timed out")
                || text.to_ascii_lowercase().contains("timeout")
            {
                Resolution::TimedOut
            } else {
                Resolution::Failed(text)
            }
        }
    }
}

/// What a TCP connection attempt gave.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) enum Connect {
    Open,
    Refused,
    TimedOut,
    Failed(String),
}

pub(super) async fn connect(address: SocketAddr, timeout: Duration) -> Connect {
    match tokio::time::timeout(timeout, TcpStream::connect(address)).await {
        Err(_) => Connect::TimedOut,
        Ok(Ok(_)) => Connect::Open,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => Connect::Refused,
        Ok(Err(e)) => Connect::Failed(e.to_string()),
    }
}

/// An answer's status and scheme read back from a bundle: the scheme is one of the two tried.
fn answer_of<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<(u16, &'static str)>, D::Error> {
    let answer: Option<(u16, String)> = serde::Deserialize::deserialize(d)?;
    Ok(answer.map(|(status, scheme)| (status, if scheme == "https" { "https" } else { "http" })))
}

/// What speaking HTTP to the private link gave.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct HttpOutcome {
    /// The status of the first HTTP answer, and over which scheme.
    #[serde(deserialize_with = "answer_of")]
    pub(super) answer: Option<(u16, &'static str)>,
    /// The TLS verification failure, when HTTPS answered only without verification.
    pub(super) tls_problem: Option<String>,
    /// Why no attempt got an answer.
    pub(super) failure: Option<String>,
    pub(super) timed_out: bool,
}

/// Tries HTTPS with certificate checks, then without (reporting the TLS problem), then plain
/// HTTP; any HTTP answer means the path works (Zilliz's private link answers 400 to `GET /`).
/// `address` pins the connection to one resolved address.
pub(super) async fn http(
    host: &str,
    port: u16,
    address: SocketAddr,
    timeout: Duration,
) -> HttpOutcome {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut outcome = HttpOutcome {
        answer: None,
        tls_problem: None,
        failure: None,
        timed_out: false,
    };
    let attempts: [(&'static str, bool); 3] = [("https", true), ("https", false), ("http", true)];
    for (scheme, verify) in attempts {
        if !verify && outcome.tls_problem.is_none() {
            continue;
        }
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        if remaining.is_zero() {
            outcome.timed_out = true;
            break;
        }
        let client = match reqwest::Client::builder()
            .resolve(host, address)
            .danger_accept_invalid_certs(!verify)
            .timeout(remaining)
            .connect_timeout(remaining)
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                outcome.failure = Some(e.to_string());
                break;
            }
        };
        match client
            .get(format!("{scheme}://{host}:{port}/"))
            .send()
            .await
        {
            Ok(response) => {
                outcome.answer = Some((response.status().as_u16(), scheme));
                break;
            }
            Err(e) if e.is_timeout() => {
                outcome.timed_out = true;
                break;
            }
            Err(e) => {
                let chain = error_chain(&e);
                if scheme == "https" && verify && is_certificate_problem(&chain) {
                    outcome.tls_problem = Some(chain);
                } else {
                    outcome.failure = Some(chain);
                }
            }
        }
    }
    outcome
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}

fn is_certificate_problem(chain: &str) -> bool {
    let lower = chain.to_ascii_lowercase();
    lower.contains("certificate")
        || lower.contains("unknownissuer")
        || lower.contains("not valid for name")
}

/// Addresses a VPC endpoint can have: private ranges (and, for tests on one machine, loopback).
pub(super) fn is_private(address: &IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                // 100.64.0.0/10, shared address space, is used inside VPCs too.
                || (v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]))
        }
        IpAddr::V6(v6) => v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_public_addresses() {
        for private in [
            "10.0.1.5",
            "172.16.0.1",
            "192.168.1.1",
            "100.64.0.1",
            "127.0.0.1",
            "fd00::1",
        ] {
            assert!(is_private(&private.parse().unwrap()), "{private}");
        }
        for public in ["3.5.140.2", "8.8.8.8", "100.128.0.1", "2600:1f14::1"] {
            assert!(!is_private(&public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn connect_tells_refused_from_open() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap();
        assert_eq!(connect(open, Duration::from_secs(2)).await, Connect::Open);
        drop(listener);
        assert_eq!(
            connect(open, Duration::from_secs(2)).await,
            Connect::Refused
        );
    }
}
