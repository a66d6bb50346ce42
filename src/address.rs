//! The private link address Zilliz hands out, such as
//! `https://in01-840ec44485bf25d-privatelink.aws-us-west-2.vectordb.zillizcloud.com:19531`.

use url::Url;

use crate::error::Error;

/// Host and port of a private link. The port varies by cluster (19530-19539 and 443 have
/// been seen), so it is always read from the address, never assumed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct PrivateLinkAddress {
    pub(crate) host: String,
    pub(crate) port: u16,
}

impl PrivateLinkAddress {
    /// Parses a URL (`https://host:port`) or a bare `host:port`. An https URL without a port
    /// means 443; a bare host without a port is refused because nothing says which port.
    pub(crate) fn parse(address: &str) -> Result<Self, Error> {
        let trimmed = address.trim();
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_string()
        } else {
            if !has_explicit_port(trimmed) {
                return Err(Error::invalid(
                    "address",
                    address,
                    "expected a URL such as `https://HOST:19530` or `HOST:PORT`",
                ));
            }
            format!("https://{trimmed}")
        };
        let url = Url::parse(&with_scheme).map_err(|e| {
            Error::invalid(
                "address",
                address,
                format!("not a URL ({e}); expected `https://HOST:PORT`"),
            )
        })?;
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| Error::invalid("address", address, "the address has no host name"))?;
        let port = url
            .port_or_known_default()
            .ok_or_else(|| Error::invalid("address", address, "the address has no port"))?;
        Ok(Self {
            host: host.trim_end_matches('.').to_ascii_lowercase(),
            port,
        })
    }
}

fn has_explicit_port(host_port: &str) -> bool {
    host_port
        .rsplit_once(':')
        .is_some_and(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
}

/// What a probe is pointed at: a cluster (whose address and region are read, unless the
/// address is given too), or an address alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProbeTarget {
    Cluster {
        cluster_id: String,
        address: Option<PrivateLinkAddress>,
    },
    Address(PrivateLinkAddress),
}

impl ProbeTarget {
    /// `cluster_id` and `address` as a call gives them, checked; one of the two is needed.
    pub(crate) fn parse(cluster_id: Option<&str>, address: Option<&str>) -> Result<Self, Error> {
        let cluster_id = cluster_id.map(crate::validate::cluster_id).transpose()?;
        let address = address.map(PrivateLinkAddress::parse).transpose()?;
        match (cluster_id, address) {
            (Some(cluster_id), address) => Ok(Self::Cluster {
                cluster_id,
                address,
            }),
            (None, Some(address)) => Ok(Self::Address(address)),
            (None, None) => Err(Error::missing(
                "cluster_id",
                "pass cluster_id (list_zilliz_clusters shows them) or the private link address",
            )),
        }
    }

    pub(crate) fn cluster_id(&self) -> Option<&str> {
        match self {
            Self::Cluster { cluster_id, .. } => Some(cluster_id),
            Self::Address(_) => None,
        }
    }

    /// The address the call gave, if it gave one.
    pub(crate) fn given_address(&self) -> Option<&PrivateLinkAddress> {
        match self {
            Self::Cluster { address, .. } => address.as_ref(),
            Self::Address(address) => Some(address),
        }
    }
}

/// The host Zilliz gives a cluster's private link:
/// `<clusterId>-privatelink.<regionId>.vectordb.zillizcloud.com`.
pub(crate) fn expected_private_link_host(cluster_id: &str, region_id: &str) -> String {
    format!("{cluster_id}-privatelink.{region_id}.vectordb.zillizcloud.com")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_host_and_port_from_the_url() {
        let a = PrivateLinkAddress::parse(
            "https://in01-840ec44485bf25d-privatelink.aws-us-west-2.vectordb.zillizcloud.com:19531",
        )
        .unwrap();
        assert_eq!(
            a.host,
            "in01-840ec44485bf25d-privatelink.aws-us-west-2.vectordb.zillizcloud.com"
        );
        assert_eq!(a.port, 19531);
        assert_eq!(
            a.host,
            expected_private_link_host("in01-840ec44485bf25d", "aws-us-west-2")
        );
    }

    #[test]
    fn ports_other_than_19530_and_defaults() {
        assert_eq!(
            PrivateLinkAddress::parse("https://h.example.com:443")
                .unwrap()
                .port,
            443
        );
        assert_eq!(
            PrivateLinkAddress::parse("https://h.example.com")
                .unwrap()
                .port,
            443
        );
        assert_eq!(
            PrivateLinkAddress::parse("h.example.com:19539")
                .unwrap()
                .port,
            19539
        );
        assert_eq!(
            PrivateLinkAddress::parse(" HTTPS://H.Example.COM.:19530 ")
                .unwrap()
                .host,
            "h.example.com"
        );
    }

    #[test]
    fn refuses_what_names_no_port_or_host() {
        for bad in [
            "",
            "h.example.com",
            "https://:19530",
            "https://h.example.com:99999",
            "not a url:x",
        ] {
            assert!(PrivateLinkAddress::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_probe_targets_a_cluster_or_an_address() {
        let host = "https://in01-abc-privatelink.aws-us-west-2.vectordb.zillizcloud.com:19531";
        assert!(matches!(
            ProbeTarget::parse(None, Some(host)),
            Ok(ProbeTarget::Address(_))
        ));
        let both = ProbeTarget::parse(Some("in01-0123456789abcdef"), Some(host)).unwrap();
        assert_eq!(both.cluster_id(), Some("in01-0123456789abcdef"));
        assert_eq!(both.given_address().map(|a| a.port), Some(19531));
        let neither = ProbeTarget::parse(None, None).unwrap_err().to_string();
        assert!(neither.contains("cluster_id"), "{neither}");
        // Both wrong: the cluster is named first.
        let bad = ProbeTarget::parse(Some("in01-BAD!"), Some("nope"))
            .unwrap_err()
            .to_string();
        assert!(bad.contains("in01-BAD!"), "{bad}");
    }
}
