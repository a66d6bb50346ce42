//! Who rides an endpoint. A VPC endpoint registered with a Zilliz project in a region is that
//! project's private link there: it serves every cluster of the project in the region, and each
//! cluster reaches it through its own name (Zilliz: "Setting up a private link is
//! project-level"). A cluster rides an endpoint from a VPC where what Resolver answers for the
//! cluster's host there names the endpoint: the most specific private zone tied to the VPC that
//! covers the host (Resolver's precedence), and in it the host's own record or the wildcard that
//! answers for it. Teardown keeps what others ride; status and diagnosis name who shares it.
//!
//! What is counted: the account's private zones under `zillizcloud.com`, wherever they are
//! tied, and the VPCs using one of the account's own Route 53 Profiles that carries one (at
//! the same name a VPC's own association wins). Zones a Route 53 Profile of another account
//! brings are not (their records cannot be read from here); they make the count smaller,
//! never larger, so nothing is kept for a cluster that does not ride.

use std::net::IpAddr;

use aws_sdk_route53::types::ResourceRecordSet;
use schemars::JsonSchema;
use serde::Serialize;

use crate::address::{PrivateLinkAddress, expected_private_link_host};
use crate::aws::RegionClients;
use crate::aws::ec2::VpcEndpoint;
use crate::aws::profiles;
use crate::aws::route53::{self, ARecord, Zone};
use crate::error::{Error, FailedRead};
use crate::region::RegionNames;
use crate::zilliz::Zilliz;
use crate::zilliz::model::Cluster;

/// The domain every Zilliz Cloud host of AWS regions is under.
const ZILLIZ_DOMAIN: &str = "zillizcloud.com";

/// A cluster of the project in the region, with the names it is known by.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ProjectCluster {
    pub(crate) id: String,
    /// Its private link host (the address Zilliz gave, else the name it will have).
    host: String,
    /// The host of its public address, where Zilliz gave one.
    public_host: Option<String>,
    /// Its private link port, where Zilliz has allocated the address (each cluster has its
    /// own, so a client needs a rule for each it reaches).
    pub(crate) port: Option<u16>,
}

impl ProjectCluster {
    fn of(cluster: &Cluster, region_id: &str) -> Self {
        let address = cluster
            .private_link()
            .and_then(|a| PrivateLinkAddress::parse(a).ok());
        let port = address.as_ref().map(|a| a.port);
        let host = address
            .map(|a| a.host)
            .unwrap_or_else(|| expected_private_link_host(&cluster.cluster_id, region_id));
        let public_host = cluster
            .connect_address
            .as_deref()
            .and_then(|a| url::Url::parse(a).ok())
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
        Self {
            id: cluster.cluster_id.clone(),
            host,
            public_host,
            port,
        }
    }
}

/// A private zone that covers some cluster's host, as far as the riders need it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct ReadZone {
    zone: Zone,
    /// The VPCs tied to it.
    vpcs: Vec<String>,
    /// Its record sets at the hosts it covers and the wildcards above them.
    #[serde(with = "crate::aws::record_set::many")]
    sets: Vec<ResourceRecordSet>,
    /// `(VPC, Profile)`: VPCs using one of this account's Route 53 Profiles that carries it.
    #[serde(default)]
    profile_vpcs: Vec<(String, String)>,
}

impl ReadZone {
    /// How the zone reaches `vpc`: tied to it (`Some(None)`), through a Profile
    /// (`Some(Some(profile))`), or not at all.
    fn reaches(&self, vpc: &str) -> Option<Option<&str>> {
        if self.vpcs.iter().any(|v| v == vpc) {
            return Some(None);
        }
        self.profile_vpcs
            .iter()
            .find(|(v, _)| v == vpc)
            .map(|(_, profile)| Some(profile.as_str()))
    }
}

/// One cluster reaching an endpoint from one VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct Ride {
    pub(crate) cluster_id: String,
    pub(crate) host: String,
    /// The VPC whose Resolver answers the host with the endpoint.
    pub(crate) vpc_id: String,
    /// The private zone that answers, and the record in it (the host, or a wildcard).
    pub(crate) zone_id: String,
    pub(crate) zone_name: String,
    pub(crate) record_name: String,
    /// The Route 53 Profile that carries the zone to the VPC, where it is not tied to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) via_profile: Option<String>,
}

impl Ride {
    /// "in01-b from vpc-1 (zone Z1, in01-b-privatelink…)".
    fn describe(&self) -> String {
        let through = if self.record_name == self.zone_name {
            format!("zone {} ({})", self.zone_id, self.zone_name)
        } else {
            format!(
                "record {} of zone {} ({})",
                self.record_name, self.zone_id, self.zone_name
            )
        };
        let carried = self.via_profile.as_ref().map_or(String::new(), |p| {
            format!(", carried by Route 53 Profile {p}")
        });
        format!(
            "{} from {} through {through}{carried}",
            self.cluster_id, self.vpc_id
        )
    }
}

/// The project's clusters in the region and the zones that can answer for them.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Riding {
    pub(crate) clusters: Vec<ProjectCluster>,
    pub(crate) zones: Vec<ReadZone>,
    /// Why the account's own Route 53 Profiles could not be read, where they could not: the
    /// VPCs using them are missing from the rides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) profiles_unread: Option<FailedRead>,
}

fn covers(zone: &str, host: &str) -> bool {
    host == zone || host.ends_with(&format!(".{zone}"))
}

impl Riding {
    /// Every cluster of the project that reaches `endpoint`, from every VPC whose answer for
    /// its host names it. `addresses` are the endpoint's interface addresses, which plain A
    /// records are judged by; where they are unknown (`None`), a plain A record counts as
    /// riding, so that nothing is cut on a guess.
    pub(crate) fn rides(&self, endpoint: &VpcEndpoint, addresses: Option<&[IpAddr]>) -> Vec<Ride> {
        let mut rides = Vec::new();
        for cluster in &self.clusters {
            let covering: Vec<&ReadZone> = self
                .zones
                .iter()
                .filter(|z| covers(&z.zone.name, &cluster.host))
                .collect();
            let mut vpcs: Vec<&String> = covering
                .iter()
                .flat_map(|z| z.vpcs.iter().chain(z.profile_vpcs.iter().map(|(v, _)| v)))
                .collect();
            vpcs.sort();
            vpcs.dedup();
            for vpc in vpcs {
                // Resolver answers from the most specific zone that reaches the VPC, even where
                // that zone holds nothing for the host; at the same name the VPC's own
                // association wins over a Profile's.
                let Some((zone, via)) = covering
                    .iter()
                    .filter_map(|z| z.reaches(vpc).map(|via| (z, via)))
                    .max_by_key(|(z, via)| (z.zone.name.len(), via.is_none()))
                else {
                    continue;
                };
                let Some((record_name, record)) = route53::answer_for(&cluster.host, &zone.sets)
                else {
                    continue;
                };
                if answers_with(&record, endpoint, addresses) {
                    rides.push(Ride {
                        cluster_id: cluster.id.clone(),
                        host: cluster.host.clone(),
                        vpc_id: vpc.clone(),
                        zone_id: zone.zone.id.clone(),
                        zone_name: zone.zone.name.clone(),
                        record_name,
                        via_profile: via.map(str::to_string),
                    });
                }
            }
        }
        rides
    }

    /// This account's own Route 53 Profiles that carry zone `zone_id` (a zone that covers one
    /// of the clusters' hosts), each with the VPCs using it; why that is unknown, where the
    /// Profiles could not be read.
    pub(crate) fn profiles_carrying(
        &self,
        zone_id: &str,
    ) -> Result<Vec<(String, Vec<String>)>, FailedRead> {
        if let Some(unread) = &self.profiles_unread {
            return Err(unread.clone());
        }
        let mut carrying: Vec<(String, Vec<String>)> = Vec::new();
        let pairs = self
            .zones
            .iter()
            .filter(|z| z.zone.id == zone_id)
            .flat_map(|z| &z.profile_vpcs);
        for (vpc, profile) in pairs {
            match carrying.iter_mut().find(|(p, _)| p == profile) {
                Some((_, vpcs)) => vpcs.push(vpc.clone()),
                None => carrying.push((profile.clone(), vec![vpc.clone()])),
            }
        }
        Ok(carrying)
    }

    /// Some answer is a plain A record, judged by the endpoint's interface addresses.
    pub(crate) fn needs_addresses(&self) -> bool {
        self.zones
            .iter()
            .flat_map(|z| &z.sets)
            .any(|s| s.alias_target().is_none() && *s.r#type() == aws_sdk_route53::types::RrType::A)
    }

    /// The public hosts of the project's clusters under `domain`: names a wildcard there
    /// captures besides the private link hosts.
    pub(crate) fn public_hosts_under(&self, domain: &str) -> Vec<String> {
        self.clusters
            .iter()
            .filter_map(|c| c.public_host.clone())
            .filter(|h| covers(domain, h))
            .collect()
    }
}

/// The rides of clusters other than `cluster_id` from `vpc_id`: who loses access when the
/// endpoint goes.
pub(crate) fn others<'a>(rides: &'a [Ride], cluster_id: &str, vpc_id: &str) -> Vec<&'a Ride> {
    rides
        .iter()
        .filter(|r| !(r.cluster_id == cluster_id && r.vpc_id == vpc_id))
        .collect()
}

/// The cluster ids among `rides`, each once, in order.
fn cluster_ids(rides: &[&Ride]) -> Vec<String> {
    let mut ids: Vec<String> = rides.iter().map(|r| r.cluster_id.clone()).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Who rides, as sentences say it: the cluster ids (each once) and every ride described.
pub(crate) fn who_and_how<'a>(rides: impl IntoIterator<Item = &'a Ride>) -> (String, String) {
    let rides: Vec<&Ride> = rides.into_iter().collect();
    let how: Vec<String> = rides.iter().map(|r| r.describe()).collect();
    (cluster_ids(&rides).join(", "), how.join("; "))
}

/// A record answers with the endpoint: an alias to one of its DNS names, a CNAME to one, or
/// A records holding its interfaces' addresses (any address, where those are unknown).
pub(crate) fn answers_with(
    record: &ARecord,
    endpoint: &VpcEndpoint,
    addresses: Option<&[IpAddr]>,
) -> bool {
    let names: Vec<String> = endpoint
        .dns_entries
        .iter()
        .map(|(n, _)| route53::bare_name(n))
        .collect();
    if let Some((name, _)) = &record.alias_target {
        return names.contains(name);
    }
    !record.addresses.is_empty()
        && record.addresses.iter().all(|value| {
            names.contains(&route53::bare_name(value))
                || value
                    .parse::<IpAddr>()
                    .is_ok_and(|ip| addresses.is_none_or(|known| known.contains(&ip)))
        })
}

/// Reads who can ride an endpoint of `project_id` in `region`: the project's clusters there,
/// the account's zones under `zillizcloud.com` and its own Route 53 Profiles (one round), then
/// each zone that covers one of their hosts: its VPCs and its records at those hosts and the
/// wildcards above them, and what each Profile carries and who uses it (one more round).
pub(crate) async fn read(
    zilliz: &Zilliz,
    clients: &RegionClients,
    project_id: &str,
    region: &RegionNames,
) -> Result<Riding, Error> {
    let (zones, own_profiles) = tokio::join!(
        read_zones(zilliz, &clients.route53, project_id, region),
        profiles::own_profiles(&clients.profiles),
    );
    let (clusters, mut zones) = zones?;
    // Without them the rides through a Profile are missing, which is said; the rest stands.
    let (own_profiles, profiles_unread) = match own_profiles {
        Ok(own) => (own, None),
        Err(e) => (Vec::new(), Some(FailedRead::from(e))),
    };
    for zone in &mut zones {
        zone.profile_vpcs = own_profiles
            .iter()
            .filter(|p| p.zones.contains(&zone.zone.id))
            .flat_map(|p| p.vpcs.iter().map(|v| (v.clone(), p.id.clone())))
            .collect();
    }
    Ok(Riding {
        clusters,
        zones,
        profiles_unread,
    })
}

/// The project's clusters and the zones that cover their hosts, read (two rounds).
async fn read_zones(
    zilliz: &Zilliz,
    r53: &aws_sdk_route53::Client,
    project_id: &str,
    region: &RegionNames,
) -> Result<(Vec<ProjectCluster>, Vec<ReadZone>), Error> {
    let (clusters, zones) = tokio::join!(
        zilliz.clusters_in(project_id, &region.region_id),
        route53::private_zones_under(r53, ZILLIZ_DOMAIN),
    );
    let clusters: Vec<ProjectCluster> = clusters?
        .iter()
        .map(|c| ProjectCluster::of(c, &region.region_id))
        .collect();
    let covering: Vec<(Zone, Vec<String>)> = zones?
        .into_iter()
        .filter_map(|zone| {
            let mut names: Vec<String> = clusters
                .iter()
                .filter(|c| covers(&zone.name, &c.host))
                .flat_map(|c| route53::names_answering(&c.host, &zone.name))
                .collect();
            names.sort();
            names.dedup();
            (!names.is_empty()).then_some((zone, names))
        })
        .collect();
    let read = futures::future::join_all(covering.into_iter().map(|(zone, names)| async move {
        let (vpcs, sets) = tokio::join!(
            route53::zone_vpcs(r53, &zone.id),
            route53::records_at(r53, &zone.id, &names),
        );
        Ok::<_, Error>(ReadZone {
            vpcs: vpcs?.into_iter().map(|(id, _)| id).collect(),
            sets: sets?,
            zone,
            profile_vpcs: Vec::new(),
        })
    }))
    .await;
    Ok((clusters, read.into_iter().collect::<Result<_, _>>()?))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use aws_sdk_route53::types::{AliasTarget, RrType};

    const REGION_DOMAIN: &str = "aws-us-west-2.vectordb.zillizcloud.com";

    pub(crate) fn host(id: &str) -> String {
        format!("{id}-privatelink.{REGION_DOMAIN}")
    }

    pub(crate) fn endpoint(id: &str) -> VpcEndpoint {
        VpcEndpoint {
            id: id.into(),
            vpc_id: "vpc-a".into(),
            state: "available".into(),
            dns_entries: vec![(
                format!("{id}-x1.vpce-svc-0aaa.us-west-2.vpce.amazonaws.com"),
                Some("ZVPCE".into()),
            )],
            ..VpcEndpoint::default()
        }
    }

    /// An alias at `name` to the DNS name `endpoint` gives its test endpoints.
    fn alias(name: &str, endpoint: &str) -> ResourceRecordSet {
        alias_to(
            name,
            &format!("{endpoint}-x1.vpce-svc-0aaa.us-west-2.vpce.amazonaws.com."),
        )
    }

    pub(crate) fn alias_to(name: &str, dns_name: &str) -> ResourceRecordSet {
        ResourceRecordSet::builder()
            .name(format!("{name}."))
            .r#type(RrType::A)
            .alias_target(
                AliasTarget::builder()
                    .dns_name(dns_name)
                    .hosted_zone_id("ZVPCE")
                    .evaluate_target_health(false)
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap()
    }

    pub(crate) fn zone(
        id: &str,
        name: &str,
        vpcs: &[&str],
        sets: Vec<ResourceRecordSet>,
    ) -> ReadZone {
        ReadZone {
            zone: Zone {
                id: id.into(),
                name: name.into(),
            },
            vpcs: vpcs.iter().map(|v| v.to_string()).collect(),
            sets,
            profile_vpcs: Vec::new(),
        }
    }

    /// Cluster `cluster` reaching an endpoint from `vpc` through a zone of its host's own.
    pub(crate) fn ride(cluster: &str, vpc: &str) -> Ride {
        Ride {
            cluster_id: cluster.into(),
            host: host(cluster),
            vpc_id: vpc.into(),
            zone_id: format!("Z-{cluster}"),
            zone_name: host(cluster),
            record_name: host(cluster),
            via_profile: None,
        }
    }

    #[test]
    fn a_vpc_using_a_profile_that_carries_the_zone_rides_unless_its_own_zone_answers() {
        let mut riding = riding(vec![
            ReadZone {
                profile_vpcs: vec![
                    ("vpc-spoke".into(), "rp-network".into()),
                    ("vpc-own".into(), "rp-network".into()),
                ],
                ..zone(
                    "ZHUB",
                    &host("in01-b"),
                    &["vpc-a"],
                    vec![alias(&host("in01-b"), "vpce-hub")],
                )
            },
            zone(
                "ZOWN",
                &host("in01-b"),
                &["vpc-own"],
                vec![alias(&host("in01-b"), "vpce-other")],
            ),
        ]);
        let rides = riding.rides(&endpoint("vpce-hub"), None);
        let from: Vec<(&str, Option<&str>)> = rides
            .iter()
            .map(|r| (r.vpc_id.as_str(), r.via_profile.as_deref()))
            .collect();
        // vpc-own's own zone of the same name answers there, not the Profile's.
        assert_eq!(from, [("vpc-a", None), ("vpc-spoke", Some("rp-network"))]);
        let (_, how) = who_and_how(&rides);
        assert!(
            how.contains("carried by Route 53 Profile rp-network"),
            "{how}"
        );
        assert_eq!(
            riding.profiles_carrying("ZHUB"),
            Ok(vec![(
                "rp-network".to_string(),
                vec!["vpc-spoke".to_string(), "vpc-own".to_string()]
            )])
        );
        assert_eq!(riding.profiles_carrying("ZOWN"), Ok(Vec::new()));
        // The Profiles unread: which carry the zone is unknown, never "none".
        riding.profiles_unread = Some(FailedRead::not_made("AccessDenied"));
        assert!(riding.profiles_carrying("ZOWN").is_err());
    }

    pub(crate) fn cluster(id: &str) -> ProjectCluster {
        ProjectCluster {
            id: id.into(),
            host: host(id),
            public_host: Some(format!("{id}.{REGION_DOMAIN}")),
            port: Some(19530),
        }
    }

    fn riding(zones: Vec<ReadZone>) -> Riding {
        Riding {
            clusters: vec![cluster("in01-a"), cluster("in01-b"), cluster("in01-c")],
            zones,
            profiles_unread: None,
        }
    }

    fn who(rides: &[Ride]) -> Vec<(String, String)> {
        rides
            .iter()
            .map(|r| (r.cluster_id.clone(), r.vpc_id.clone()))
            .collect()
    }

    #[test]
    fn two_clusters_with_their_own_zones_ride_one_endpoint() {
        let r = riding(vec![
            zone(
                "Z1",
                &host("in01-a"),
                &["vpc-a"],
                vec![alias(&host("in01-a"), "vpce-1")],
            ),
            zone(
                "Z2",
                &host("in01-b"),
                &["vpc-a"],
                vec![alias(&host("in01-b"), "vpce-1")],
            ),
            // c's name points at another endpoint: it does not ride this one.
            zone(
                "Z3",
                &host("in01-c"),
                &["vpc-a"],
                vec![alias(&host("in01-c"), "vpce-9")],
            ),
        ]);
        let rides = r.rides(&endpoint("vpce-1"), Some(&[]));
        assert_eq!(
            who(&rides),
            [
                ("in01-a".to_string(), "vpc-a".to_string()),
                ("in01-b".to_string(), "vpc-a".to_string())
            ]
        );
        let others = others(&rides, "in01-b", "vpc-a");
        assert_eq!(cluster_ids(&others), ["in01-a"]);
        assert!(others[0].describe().contains("Z1"));
    }

    #[test]
    fn a_wildcard_in_a_parent_zone_carries_every_cluster_without_a_zone_of_its_own() {
        let wildcard = format!("*.{REGION_DOMAIN}");
        let r = riding(vec![
            zone(
                "ZP",
                REGION_DOMAIN,
                &["vpc-a"],
                vec![alias(&wildcard, "vpce-1")],
            ),
            // c has its own zone, more specific, pointing elsewhere: it wins for c.
            zone(
                "Z3",
                &host("in01-c"),
                &["vpc-a"],
                vec![alias(&host("in01-c"), "vpce-9")],
            ),
        ]);
        let rides = r.rides(&endpoint("vpce-1"), Some(&[]));
        assert_eq!(
            cluster_ids(&rides.iter().collect::<Vec<_>>()),
            ["in01-a", "in01-b"]
        );
        assert!(
            rides
                .iter()
                .all(|r| r.record_name == wildcard && r.zone_id == "ZP")
        );
    }

    #[test]
    fn an_empty_zone_of_the_hosts_name_answers_nothing_and_shadows_the_parent() {
        let r = riding(vec![
            zone(
                "ZP",
                REGION_DOMAIN,
                &["vpc-a"],
                vec![alias(&format!("*.{REGION_DOMAIN}"), "vpce-1")],
            ),
            zone("Z1", &host("in01-a"), &["vpc-a"], vec![]),
        ]);
        let rides = r.rides(&endpoint("vpce-1"), Some(&[]));
        assert!(!who(&rides).contains(&("in01-a".into(), "vpc-a".into())));
        // In another VPC tied only to the parent, a rides through the wildcard.
        let r = riding(vec![
            zone(
                "ZP",
                REGION_DOMAIN,
                &["vpc-a", "vpc-s"],
                vec![alias(&format!("*.{REGION_DOMAIN}"), "vpce-1")],
            ),
            zone("Z1", &host("in01-a"), &["vpc-a"], vec![]),
        ]);
        assert!(
            who(&r.rides(&endpoint("vpce-1"), Some(&[])))
                .contains(&("in01-a".into(), "vpc-s".into()))
        );
    }

    #[test]
    fn a_spoke_rides_the_hubs_endpoint_and_a_plain_record_rides_by_its_addresses() {
        let plain = ResourceRecordSet::builder()
            .name(format!("{}.", host("in01-b")))
            .r#type(RrType::A)
            .ttl(60)
            .resource_records(
                aws_sdk_route53::types::ResourceRecord::builder()
                    .value("10.0.0.37")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let r = riding(vec![
            zone(
                "Z1",
                &host("in01-a"),
                &["vpc-a", "vpc-spoke"],
                vec![alias(&host("in01-a"), "vpce-1")],
            ),
            zone("Z2", &host("in01-b"), &["vpc-a"], vec![plain]),
        ]);
        let addresses: Vec<IpAddr> = vec!["10.0.0.37".parse().unwrap()];
        let rides = r.rides(&endpoint("vpce-1"), Some(&addresses));
        assert_eq!(rides.len(), 3, "{rides:?}");
        assert!(
            r.rides(&endpoint("vpce-1"), Some(&[]))
                .iter()
                .all(|r| r.cluster_id != "in01-b")
        );
        // Addresses unknown: the plain record counts, so teardown keeps what it may serve.
        assert_eq!(r.rides(&endpoint("vpce-1"), None).len(), 3);
        assert_eq!(
            cluster_ids(&others(&rides, "in01-a", "vpc-a")),
            ["in01-a", "in01-b"]
        );
    }

    #[test]
    fn the_public_names_a_wildcard_captures() {
        let r = riding(vec![]);
        assert_eq!(r.public_hosts_under(REGION_DOMAIN).len(), 3);
        assert!(
            r.public_hosts_under("aws-us-east-1.vectordb.zillizcloud.com")
                .is_empty()
        );
    }
}
