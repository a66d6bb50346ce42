//! The diagnosis's arguments, checked before any call: ids, the address, the resolver and the
//! probes' timeout, with what the instance metadata says where the call is silent.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use ipnet::IpNet;

use super::DEFAULT_PROBE_TIMEOUT;
use crate::address::{PrivateLinkAddress, ProbeTarget};
use crate::app::App;
use crate::aws::ec2;
use crate::aws::imds::Machine;
use crate::error::Error;
use crate::region::RegionNames;
use crate::request::DiagnoseRequest;
use crate::validate::{self, AwsId, NamedRef};

/// The diagnosis's arguments, checked, with the defaults filled in. The VPCs and the group
/// are as the person named them (`NamedRef`: an id or a `Name` tag) until [`CheckedRequest::
/// resolve`] finds their ids in the cluster's region; the judges see only ids.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct CheckedRequest<Named = String> {
    pub(super) cluster_id: Option<String>,
    pub(super) address: Option<PrivateLinkAddress>,
    pub(super) vpc_id: Option<Named>,
    pub(super) instance_id: Option<String>,
    pub(super) client_group: Option<Named>,
    pub(super) client_network: Option<IpNet>,
    pub(super) client_vpc: Option<Named>,
    pub(super) probe: bool,
    pub(super) dns_server: Option<SocketAddr>,
    pub(super) probe_timeout: Duration,
    /// How far back the logs are read.
    pub(super) log_minutes: u32,
    pub(super) machine: Option<Machine>,
    /// The VPC's region: as asked until resolved, then where the VPC is (`None` without a
    /// cluster, whose region is the default).
    pub(super) vpc_region: Option<RegionNames>,
}

impl CheckedRequest<NamedRef> {
    /// The VPC's id and region (`cluster::vpc_and_region`: asked, else the cluster's, else
    /// the server's own where the VPC is there), then the client's VPC and group named by
    /// their `Name` tags, side by side in the VPC's region (no call where all are ids).
    /// Without the cluster's region they stay as given, for answers that only name them.
    pub(super) async fn resolve(
        self,
        app: &App,
        region: Option<&RegionNames>,
    ) -> Result<CheckedRequest, Error> {
        let given = |r: &Option<NamedRef>| r.as_ref().map(|r| r.as_given().to_string());
        let Some(cluster_region) = region else {
            let (vpc_id, group, client_vpc) = (
                given(&self.vpc_id),
                given(&self.client_group),
                given(&self.client_vpc),
            );
            return Ok(self.with(vpc_id, group, client_vpc));
        };
        // The VPC first: its region is where the client's names are looked for.
        let (vpc_id, vpc_region) = match &self.vpc_id {
            Some(vpc) => {
                let (id, at) = crate::cluster::vpc_and_region(
                    app,
                    vpc,
                    self.vpc_region.as_ref(),
                    cluster_region,
                )
                .await?;
                (Some(id), at)
            }
            None => (
                None,
                self.vpc_region
                    .clone()
                    .unwrap_or_else(|| cluster_region.clone()),
            ),
        };
        let named = [&self.client_vpc, &self.client_group]
            .into_iter()
            .any(|r| matches!(r, Some(NamedRef::Name(_))));
        if !named {
            let (group, client_vpc) = (given(&self.client_group), given(&self.client_vpc));
            let mut out = self.with(vpc_id, group, client_vpc);
            out.vpc_region = Some(vpc_region);
            return Ok(out);
        }
        let clients = app.aws.clients(Some(&vpc_region)).await?;
        let (ec2c, region) = (&clients.ec2, &clients.region);
        let client_vpc = async {
            match &self.client_vpc {
                Some(r) => ec2::vpc_id_of(ec2c, "client_vpc_id", r, region)
                    .await
                    .map(Some),
                None => Ok(None),
            }
        };
        // A group named in the client's VPC is looked for there; else in any VPC.
        let group_vpc = match &self.client_vpc {
            Some(NamedRef::Id(id)) => Some(id.clone()),
            _ => None,
        };
        let group = async {
            match &self.client_group {
                Some(g) => {
                    ec2::group_id_of(ec2c, "client_security_group_id", g, group_vpc.as_deref())
                        .await
                        .map(Some)
                }
                None => Ok(None),
            }
        };
        let (client_vpc, client_group) = tokio::join!(client_vpc, group);
        let mut out = self.with(vpc_id, client_group?, client_vpc?);
        out.vpc_region = Some(vpc_region);
        Ok(out)
    }

    fn with(
        self,
        vpc_id: Option<String>,
        client_group: Option<String>,
        client_vpc: Option<String>,
    ) -> CheckedRequest {
        CheckedRequest {
            cluster_id: self.cluster_id,
            address: self.address,
            vpc_id,
            instance_id: self.instance_id,
            client_group,
            client_network: self.client_network,
            client_vpc,
            probe: self.probe,
            dns_server: self.dns_server,
            probe_timeout: self.probe_timeout,
            log_minutes: self.log_minutes,
            machine: self.machine,
            vpc_region: self.vpc_region,
        }
    }
}

impl<Named> CheckedRequest<Named> {
    /// The client is given by its address alone: it may be in another VPC of the region, or
    /// outside them all (on premises).
    pub(super) fn address_only(&self) -> bool {
        self.client_network.is_some() && self.client_vpc.is_none() && self.instance_id.is_none()
    }
}

/// Every argument is checked before the first call; `default_dns_server` is the server's own
/// setting, used where the call names none.
pub(super) fn check(
    r: &DiagnoseRequest,
    default_dns_server: Option<SocketAddr>,
) -> Result<CheckedRequest<NamedRef>, Error> {
    let target = ProbeTarget::parse(r.cluster_id.as_deref(), r.address.as_deref())?;
    let (cluster_id, address) = (
        target.cluster_id().map(str::to_string),
        target.given_address().cloned(),
    );
    let dns_server = match r
        .dns_server
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => default_dns_server,
        Some(s) => Some(
            s.parse::<SocketAddr>()
                .or_else(|_| s.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                .map_err(|_| {
                    Error::invalid(
                        "dns_server",
                        s,
                        "expected IP or IP:PORT, such as `10.0.0.2` or `127.0.0.1:5353`",
                    )
                })?,
        ),
    };
    let probe_timeout = match r.probe_timeout_ms {
        None => DEFAULT_PROBE_TIMEOUT,
        Some(ms) if (100..=60_000).contains(&ms) => Duration::from_millis(ms),
        Some(ms) => {
            return Err(Error::invalid(
                "probe_timeout_ms",
                &ms.to_string(),
                "expected 100 to 60000 milliseconds",
            ));
        }
    };
    let log_minutes = match r.log_minutes {
        None => crate::evidence::DEFAULT_MINUTES,
        Some(m) if (1..=crate::evidence::MAX_MINUTES).contains(&m) => m,
        Some(m) => {
            return Err(Error::invalid(
                "log_minutes",
                &m.to_string(),
                "expected 1 to 1440 minutes (a day)",
            ));
        }
    };
    // On an instance, its VPC is the one meant, and the instance is the client, unless the
    // caller said otherwise.
    let machine = r.machine.clone();
    Ok(CheckedRequest {
        cluster_id,
        address,
        vpc_id: r
            .vpc_id
            .as_deref()
            .map(|v| validate::vpc_ref("vpc_id", v))
            .transpose()?
            .or_else(|| machine.as_ref().map(|m| NamedRef::Id(m.vpc_id.clone()))),
        instance_id: r
            .client_instance_id
            .as_deref()
            .map(|i| AwsId::Instance.check(i))
            .transpose()?
            .or_else(|| machine.as_ref().map(|m| m.instance_id.clone())),
        client_group: r
            .client_security_group_id
            .as_deref()
            .map(|g| validate::group_ref("client_security_group_id", g))
            .transpose()?,
        client_vpc: r
            .client_vpc_id
            .as_deref()
            .map(|v| validate::vpc_ref("client_vpc_id", v))
            .transpose()?,
        client_network: r
            .client_cidr
            .as_deref()
            .map(|c| validate::cidr("client_cidr", c))
            .transpose()?,
        probe: r.probe.unwrap_or(true),
        dns_server,
        probe_timeout,
        log_minutes,
        machine,
        vpc_region: RegionNames::parse_optional(r.region.as_deref())?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> DiagnoseRequest {
        DiagnoseRequest {
            cluster_id: Some("in01-0123456789abcdef".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_cluster_or_an_address_is_needed() {
        let err = check(&DiagnoseRequest::default(), None).unwrap_err();
        assert!(err.to_string().contains("cluster_id"), "{err}");
        let by_address = DiagnoseRequest {
            address: Some("https://in01-x.aws-us-west-2.vectordb.zillizcloud.com:19530".into()),
            ..Default::default()
        };
        assert!(check(&by_address, None).unwrap().address.is_some());
    }

    #[test]
    fn the_resolver_takes_an_address_with_or_without_a_port_and_names_a_bad_one() {
        let mut r = request();
        r.dns_server = Some("10.0.0.2".into());
        assert_eq!(
            check(&r, None).unwrap().dns_server,
            Some("10.0.0.2:53".parse().unwrap())
        );
        r.dns_server = Some("127.0.0.1:5353".into());
        assert_eq!(
            check(&r, None).unwrap().dns_server,
            Some("127.0.0.1:5353".parse().unwrap())
        );
        r.dns_server = Some("resolver.local".into());
        assert!(
            check(&r, None)
                .unwrap_err()
                .to_string()
                .contains("resolver.local")
        );
        // Where the call names none, the server's own setting.
        r.dns_server = None;
        let server: SocketAddr = "10.9.9.9:53".parse().unwrap();
        assert_eq!(check(&r, Some(server)).unwrap().dns_server, Some(server));
    }

    #[test]
    fn the_probe_timeout_is_bounded() {
        let mut r = request();
        assert_eq!(
            check(&r, None).unwrap().probe_timeout,
            DEFAULT_PROBE_TIMEOUT
        );
        r.probe_timeout_ms = Some(99);
        assert!(check(&r, None).unwrap_err().to_string().contains("99"));
        r.probe_timeout_ms = Some(60_000);
        assert_eq!(
            check(&r, None).unwrap().probe_timeout,
            Duration::from_secs(60)
        );
    }

    #[test]
    fn the_log_window_is_a_quarter_hour_by_default_and_a_day_at_most() {
        let mut r = request();
        assert_eq!(check(&r, None).unwrap().log_minutes, 15);
        r.log_minutes = Some(1440);
        assert_eq!(check(&r, None).unwrap().log_minutes, 1440);
        for bad in [0, 1441] {
            r.log_minutes = Some(bad);
            let e = check(&r, None).unwrap_err().to_string();
            assert!(
                e.contains("log_minutes") && e.contains(&bad.to_string()),
                "{e}"
            );
        }
    }

    #[test]
    fn on_an_instance_its_vpc_and_itself_are_meant_unless_the_call_says_otherwise() {
        let mut r = request();
        r.machine = Some(Machine {
            instance_id: "i-0123456789abcdef0".into(),
            vpc_id: "vpc-0123456789abcdef0".into(),
        });
        let checked = check(&r, None).unwrap();
        assert_eq!(
            checked.vpc_id,
            Some(NamedRef::Id("vpc-0123456789abcdef0".into()))
        );
        assert_eq!(checked.instance_id.as_deref(), Some("i-0123456789abcdef0"));
        r.vpc_id = Some("vpc-0fedcba9876543210".into());
        assert_eq!(
            check(&r, None).unwrap().vpc_id,
            Some(NamedRef::Id("vpc-0fedcba9876543210".into()))
        );
        r.vpc_id = Some("orders".into());
        assert_eq!(
            check(&r, None).unwrap().vpc_id,
            Some(NamedRef::Name("orders".into()))
        );
    }

    #[test]
    fn an_address_alone_may_be_outside_every_vpc() {
        let mut r = request();
        r.client_cidr = Some("192.168.10.0/24".into());
        assert!(check(&r, None).unwrap().address_only());
        r.client_vpc_id = Some("vpc-0123456789abcdef0".into());
        assert!(!check(&r, None).unwrap().address_only());
    }
}
