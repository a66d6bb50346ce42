//! What the server is told at start-up. Reading it touches no network.

use std::net::SocketAddr;
use std::{env, fmt};

use url::Url;

/// The Zilliz control plane when `ZILLIZ_CLOUD_URI` is not set.
const DEFAULT_ZILLIZ_URI: &str = "https://api.cloud.zilliz.com";

#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) aws: AwsSettings,
    pub(crate) zilliz: ZillizSettings,
    /// Changing tools are hidden and refused.
    pub(crate) read_only: bool,
    /// Resolver for the data-plane probes, instead of the system's.
    pub(crate) dns_server: Option<SocketAddr>,
    /// How a change gets the person's yes.
    pub(crate) consent: ConsentMode,
    /// How long a call that can run long (a wait, an instance probe) runs when its caller
    /// does not say, before it answers with what it has and how to go on: inside the ~60 s
    /// after which Claude Desktop gives up on a call.
    pub(crate) call_budget: std::time::Duration,
}

/// The default of `--call-seconds`.
pub(crate) const DEFAULT_CALL_SECONDS: u64 = 40;

/// How a change gets the person's own yes (`--consent`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ConsentMode {
    /// Ask the person through the client (MCP elicitation) where the client can ask;
    /// elsewhere `confirm: true` alone decides.
    #[default]
    Auto,
    /// Always ask the person; refuse changes from a client that cannot ask.
    Elicit,
    /// Never ask through the client: `confirm: true` decides (for a client whose elicitation
    /// is broken).
    Confirm,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct AwsSettings {
    /// `--profile`; otherwise the default chain decides (`AWS_PROFILE`, then `default`).
    pub(crate) profile: Option<String>,
    /// `--region`, in AWS's form; otherwise the default chain decides.
    pub(crate) region: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct ZillizSettings {
    pub(crate) api_key: Option<Secret>,
    pub(crate) base_url: Url,
}

impl ZillizSettings {
    /// `ZILLIZ_CLOUD_API_KEY`, else `ZILLIZ_CLOUD_TOKEN`; `ZILLIZ_CLOUD_URI`, else the public
    /// control plane. The key is read from the environment only, never from a flag, so that it
    /// does not show in `ps` or in `--help`.
    pub(crate) fn from_env() -> Result<Self, String> {
        let api_key = ["ZILLIZ_CLOUD_API_KEY", "ZILLIZ_CLOUD_TOKEN"]
            .iter()
            .filter_map(|name| env::var(name).ok())
            .map(|v| v.trim().to_string())
            .find(|v| !v.is_empty())
            .map(Secret::new);
        let uri = env::var("ZILLIZ_CLOUD_URI")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_ZILLIZ_URI.to_string());
        let base_url = parse_base_url(&uri)?;
        Ok(Self { api_key, base_url })
    }
}

/// The control plane's root, without `/v2` (the client adds it), with one trailing slash so
/// that joining paths keeps any prefix the URI has.
fn parse_base_url(uri: &str) -> Result<Url, String> {
    let trimmed = uri.trim().trim_end_matches('/');
    let trimmed = trimmed.strip_suffix("/v2").unwrap_or(trimmed);
    let url = Url::parse(&format!("{trimmed}/"))
        .map_err(|e| format!("ZILLIZ_CLOUD_URI `{trimmed}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "ZILLIZ_CLOUD_URI `{trimmed}` must start with https:// (or http:// for a local fake)"
        ));
    }
    if let Some(host) = url.host_str()
        && is_cluster_endpoint(host)
    {
        let control_plane = if host.ends_with(".cn") {
            "https://api.cloud.zilliz.com.cn"
        } else {
            DEFAULT_ZILLIZ_URI
        };
        return Err(format!(
            "ZILLIZ_CLOUD_URI `{trimmed}` is a cluster's endpoint (what Milvus clients connect \
             to), not Zilliz Cloud's control plane: unset it, or set it to {control_plane}"
        ));
    }
    Ok(url)
}

/// A cluster's own endpoint, which many Milvus examples put in `ZILLIZ_CLOUD_URI`:
/// `in01-….aws-us-west-2.vectordb.zillizcloud.com` (dedicated) or
/// `in03-….serverless.gcp-us-west1.cloud.zilliz.com` (serverless).
fn is_cluster_endpoint(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let host = host.trim_end_matches('.');
    host.ends_with(".vectordb.zillizcloud.com")
        || host.ends_with(".vectordb.zillizcloud.com.cn")
        || (host.contains(".serverless.") && host.contains(".zilliz."))
}

/// A value that must never be printed: its `Debug` and `Display` say only that it is there.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The one way to read the value, named so that every use is easy to find.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("sk-very-secret");
        assert!(!format!("{s:?} {s}").contains("very-secret"));
        let z = ZillizSettings {
            api_key: Some(s),
            base_url: parse_base_url(DEFAULT_ZILLIZ_URI).unwrap(),
        };
        assert!(!format!("{z:?}").contains("very-secret"));
    }

    #[test]
    fn base_url_drops_v2_and_keeps_prefixes() {
        assert_eq!(
            parse_base_url("https://api.cloud.zilliz.com/v2/")
                .unwrap()
                .as_str(),
            "https://api.cloud.zilliz.com/"
        );
        assert_eq!(
            parse_base_url("http://127.0.0.1:8080/fake")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/fake/"
        );
        assert!(parse_base_url("ftp://x").is_err());
        assert!(parse_base_url("https://api.cloud.zilliz.com.cn").is_ok());
        assert!(parse_base_url("not a url").is_err());
    }

    #[test]
    fn a_cluster_endpoint_is_refused_naming_the_control_plane() {
        for (uri, control_plane) in [
            (
                "https://in01-840ec44485bf25d.aws-us-west-2.vectordb.zillizcloud.com:19538",
                "https://api.cloud.zilliz.com",
            ),
            (
                "https://in01-840ec44485bf25d-privatelink.aws-us-west-2.vectordb.zillizcloud.com:19531",
                "https://api.cloud.zilliz.com",
            ),
            (
                "https://in03-0123456789abcde.serverless.gcp-us-west1.cloud.zilliz.com",
                "https://api.cloud.zilliz.com",
            ),
            (
                "https://in01-abc.ali-cn-hangzhou.vectordb.zillizcloud.com.cn:19530",
                "https://api.cloud.zilliz.com.cn",
            ),
        ] {
            let message = parse_base_url(uri).unwrap_err();
            assert!(message.contains("cluster's endpoint"), "{message}");
            assert!(message.contains(control_plane), "{message}");
        }
        assert!(parse_base_url("https://api.cloud.zilliz.com").is_ok());
    }
}

#[cfg(test)]
mod call_budget_tests {
    #[test]
    fn a_call_left_to_its_defaults_answers_inside_a_hosts_patience() {
        // Claude Desktop gives up on a call after about 60 s; an answer, polls included,
        // comes within 45.
        const { assert!(super::DEFAULT_CALL_SECONDS <= 45) };
    }
}
