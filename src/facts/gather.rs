//! The reads behind [`Facts`], in rounds of concurrent calls: the cluster; then every read that
//! needs only its region, VPC and host (with DNS Firewall, Route 53 Profiles and prefix lists
//! on a task of their own beside the next two rounds); then what needs the zone or the
//! endpoint. Each read's failure stays in its value. What the reads mean is decided in the
//! parent module, over plain values.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;

use super::{
    AnsweredElsewhere, ClusterFacts, CrossRegion, Facts, NotRead, ParentZone, answered_elsewhere,
    hub_endpoint, parent_zone, shadowing_profile_zones, wildcards_answering_with, zilliz_endpoint,
};
use crate::app::App;
use crate::aws::RegionClients;
use crate::aws::ec2::{self, EndpointQuery, NetworkAcl, SecurityGroup, Subnet, VpcEndpoint};
use crate::aws::firewall::{self, FirewallRule};
use crate::aws::profiles::{self, Brought};
use crate::aws::resolver::{self, ResolverRule};
use crate::aws::route53::{self, ARecord, Zone};
use crate::cluster::{self, LinkRegions};
use crate::error::{Error, FailedRead};
use crate::region::RegionNames;
use crate::riders::{self, Riding};
use crate::zilliz::model::EndpointService;

fn as_fact<T>(result: Result<T, Error>) -> Result<T, FailedRead> {
    result.map_err(FailedRead::from)
}

/// Reads both accounts in three rounds of concurrent calls (a spoke, whose endpoint lives in
/// another VPC, takes one more: its hub endpoint's groups).
pub(crate) async fn gather(
    app: &App,
    cluster_id: &str,
    vpc_id: &str,
    vpc_region: Option<&RegionNames>,
) -> Facts {
    // Round 1: the cluster.
    let target = cluster::read(app, cluster_id).await;
    gather_from(app, cluster_id, target, vpc_id, vpc_region).await
}

/// The facts where AWS cannot be reached at all (no clients for the region): Zilliz's side
/// is still read.
async fn without_aws(
    app: &App,
    (cluster_id, vpc_id): (&str, &str),
    cluster: ClusterFacts,
    error: &Error,
) -> Facts {
    let region = cluster.region.clone();
    let (service, registrations) = tokio::join!(
        crate::service::endpoint_service(app, &region),
        registrations(app, &cluster)
    );
    let mut facts = Facts::unread(cluster_id, vpc_id, Ok(cluster), &error.to_string());
    facts.service = service_fact(service);
    facts.registrations = registrations;
    facts
}

/// The side task's reads (DNS Firewall, Route 53 Profiles, prefix lists).
struct SideFacts {
    firewall: Result<Vec<FirewallRule>, FailedRead>,
    profiles: Result<Brought, FailedRead>,
    prefix_lists: Result<BTreeMap<String, Vec<IpNet>>, Error>,
}

/// The side task's reads, or, where the task itself failed, that failure for each.
fn side_facts(joined: Result<SideReads, tokio::task::JoinError>) -> SideFacts {
    match joined {
        Ok((rules, brought, lists)) => SideFacts {
            firewall: as_fact(rules),
            profiles: as_fact(brought),
            prefix_lists: lists,
        },
        Err(e) => {
            let failed = format!("the side reads' task failed: {e}");
            SideFacts {
                firewall: Err(FailedRead::not_made(&failed)),
                profiles: Err(FailedRead::not_made(&failed)),
                prefix_lists: Err(Error::Bug(failed)),
            }
        }
    }
}

/// [`gather`] for a caller that has read the cluster already (two more rounds). The AWS side
/// is read in the VPC's region (`vpc_region`, the cluster's where `None`), Zilliz's in the
/// cluster's.
pub(crate) async fn gather_from(
    app: &App,
    cluster_id: &str,
    target: Result<cluster::AwsCluster, Error>,
    vpc_id: &str,
    vpc_region: Option<&RegionNames>,
) -> Facts {
    let cluster = match target.map(|t| ClusterFacts::of(&t)) {
        Ok(c) => c,
        Err(e) => {
            return Facts::unread(
                cluster_id,
                vpc_id,
                Err(FailedRead::from(e)),
                "unknown: the cluster could not be read",
            );
        }
    };
    let regions = LinkRegions {
        vpc: vpc_region.unwrap_or(&cluster.region).clone(),
        cluster: cluster.region.clone(),
    };
    let clients = match app.aws.clients(Some(&regions.vpc)).await {
        Ok(c) => c,
        Err(e) => return without_aws(app, (cluster_id, vpc_id), cluster, &e).await,
    };
    let host = cluster.address.as_ref().map(|a| a.host.clone());
    let side = side_reads(&clients, vpc_id, host.clone());
    let riding = riding_reads(app, &clients, &cluster);
    let not_read = NotRead::default();
    let mut region_reads =
        region_round(app, &clients, &not_read, &cluster, vpc_id, host.as_deref()).await;
    let named_for_host = std::mem::take(&mut region_reads.named_for_host);
    let service_name: Result<Option<String>, FailedRead> = region_reads
        .service
        .clone()
        .map(|s| s.map(|s| s.endpoint_service));
    let zone: Result<Option<Zone>, FailedRead> = region_reads.zones.clone().map(|zones| {
        host.as_ref()
            .and_then(|h| zones.into_iter().find(|z| &z.name == h))
    });
    let own_endpoint = match (&region_reads.endpoints, &service_name) {
        (Ok(list), Ok(Some(name))) => zilliz_endpoint(list, name).cloned(),
        _ => None,
    };
    let zone_round = zone_and_endpoint_round(
        &clients,
        &not_read,
        &ZoneRoundInput {
            host: host.as_deref(),
            vpc: &region_reads.vpc,
            zones: &region_reads.zones,
            zone: &zone,
            named_for_host,
            service_name: &service_name,
            service_region: regions.service_region(),
            own_endpoint: own_endpoint.as_ref(),
            zone_owner: zone_owner_of(&zone, &region_reads).as_deref(),
        },
    )
    .await;
    let side = side_facts(side.await);
    let riding = riding
        .await
        .unwrap_or_else(|e| Err(Error::Bug(format!("the riders' task failed: {e}"))))
        .map_err(FailedRead::from);
    match &riding {
        Err(e) => not_read.note(e.clone().reading("who else rides the endpoint")),
        Ok(Riding {
            profiles_unread: Some(e),
            ..
        }) => not_read.note(
            e.clone()
                .reading("who rides through this account's Profiles"),
        ),
        Ok(_) => {}
    }
    let answer = Answer {
        ids: (cluster_id, vpc_id),
        regions,
        cluster,
        host: host.as_deref(),
        service_name,
        zone,
        own_endpoint,
        riding,
    };
    assemble(&clients, not_read, answer, region_reads, zone_round, side).await
}

/// A workload VPC's facts whose zone for the host belongs to another account (tied to the VPC,
/// or carried by the Route 53 Profile it takes its DNS from), completed with that account's
/// reads where its server (`endpoint_profile`) is given: the zone read by its owner, the
/// owner's endpoint its alias names, and that endpoint VPC's facts (two or three rounds more,
/// and the endpoint VPC's three). Without it, or where the owner's reads fail, the facts stay
/// as the workload account read them (the zone's record unread, the person asked).
pub(crate) async fn completed_across_accounts(
    endpoint_app: Option<&App>,
    t: &cluster::AwsCluster,
    facts: Facts,
    region: &RegionNames,
) -> Facts {
    let (Some(hub), Ok(Some((service, _)))) = (endpoint_app, facts.service.clone()) else {
        return facts;
    };
    let Ok(clients) = hub.aws.clients(Some(region)).await else {
        return facts;
    };
    let reads = if let (Some(_), Ok(Some(zone))) = (&facts.zone_owner, facts.zone.clone()) {
        OwnersReads::zone(&clients, zone, &service).await
    } else if !facts.unread_profile_zones().is_empty() {
        OwnersReads::profile_zone(&clients, &facts, &service).await
    } else {
        return facts;
    };
    let reads = match reads {
        Ok(Some(reads)) => reads,
        Ok(None) => return facts,
        Err(e) => {
            tracing::info!(%e, "the endpoint account's side could not be read");
            return facts;
        }
    };
    let Some(endpoint) = super::hub_endpoint(&Ok(reads.record()), reads.endpoints, &facts.vpc_id)
    else {
        tracing::info!(zone = %reads.zone.id, "no endpoint of the zone's account is its alias");
        return facts;
    };
    let endpoint_side = Box::pin(gather_from(
        hub,
        &facts.cluster_id.clone(),
        Ok(t.clone()),
        &endpoint.vpc_id,
        Some(region),
    ))
    .await;
    let kept = facts.clone();
    match reads.zone_seen {
        ZoneSeen::Tied(view) => facts.with_zone_of_another_account(&view, &endpoint_side),
        ZoneSeen::ThroughProfile(sets) => {
            facts.with_profile_zone_of_another_account(reads.zone, sets, &endpoint_side)
        }
    }
    .unwrap_or(kept)
}

/// What the owner of the zone that serves a workload VPC reads of it, and its endpoints to
/// Zilliz's service (one of which the zone's alias names).
struct OwnersReads {
    zone: Zone,
    zone_seen: ZoneSeen,
    endpoints: Vec<VpcEndpoint>,
}

/// How the zone reaches the workload VPC, with what its owner read of it.
enum ZoneSeen {
    /// Tied to the VPC (by association): the zone whole.
    Tied(Box<route53::ZoneView>),
    /// Carried by the VPC's Route 53 Profile: its record sets at the host.
    ThroughProfile(Vec<aws_sdk_route53::types::ResourceRecordSet>),
}

impl OwnersReads {
    /// The zone tied to the VPC, read whole by its owner (one round).
    async fn zone(
        clients: &RegionClients,
        zone: Zone,
        service: &str,
    ) -> Result<Option<Self>, Error> {
        let (view, endpoints) = tokio::join!(
            route53::zone_view(&clients.route53, zone.clone()),
            owners_endpoints(clients, service),
        );
        Ok(Some(Self {
            zone,
            zone_seen: ZoneSeen::Tied(Box::new(view?)),
            endpoints: endpoints?,
        }))
    }

    /// The Profile's zones the workload account could not read, named by their owner; the
    /// one named for the host, with its record sets there (two rounds). `None` where none is
    /// the owner's zone for the host.
    async fn profile_zone(
        clients: &RegionClients,
        facts: &Facts,
        service: &str,
    ) -> Result<Option<Self>, Error> {
        let Some(host) = facts.address().map(|a| a.host.clone()) else {
            return Ok(None);
        };
        let unread = facts.unread_profile_zones();
        let (names, endpoints) = tokio::join!(
            futures::future::join_all(
                unread
                    .iter()
                    .map(|r| route53::zone_name(&clients.route53, &r.resource_id))
            ),
            owners_endpoints(clients, service),
        );
        // A zone the owner cannot read either is a third account's: not judged here.
        let Some(zone) = unread.iter().zip(names).find_map(|(r, name)| {
            name.ok().filter(|n| *n == host).map(|name| Zone {
                id: r.resource_id.clone(),
                name,
            })
        }) else {
            return Ok(None);
        };
        let sets =
            route53::records_at(&clients.route53, &zone.id, std::slice::from_ref(&host)).await?;
        Ok(Some(Self {
            zone,
            zone_seen: ZoneSeen::ThroughProfile(sets),
            endpoints: endpoints?,
        }))
    }

    /// The zone's record for the host, as its owner read it.
    fn record(&self) -> Option<ARecord> {
        match &self.zone_seen {
            ZoneSeen::Tied(view) => view.record.clone(),
            ZoneSeen::ThroughProfile(sets) => super::host_record(&self.zone.name, sets),
        }
    }
}

async fn owners_endpoints(
    clients: &RegionClients,
    service: &str,
) -> Result<Vec<VpcEndpoint>, Error> {
    ec2::vpc_endpoints(
        &clients.ec2,
        EndpointQuery {
            service_name: Some(service),
            ..Default::default()
        },
    )
    .await
}

/// The account that owns the host's zone tied to the VPC, where it is not the VPC's own.
fn zone_owner_of(
    zone: &Result<Option<Zone>, FailedRead>,
    region_reads: &RegionReads,
) -> Option<String> {
    match (zone, &region_reads.vpc) {
        (Ok(Some(zone)), Ok(vpc)) => region_reads
            .zone_owners
            .iter()
            .find(|(id, _)| *id == zone.id)
            .map(|(_, owner)| owner.clone())
            .filter(|owner| vpc.owner_id.as_ref().is_some_and(|own| own != owner)),
        _ => None,
    }
}

/// The link the facts are of, and what round 2 said of its host.
struct Answer<'a> {
    /// The cluster's id and the VPC's.
    ids: (&'a str, &'a str),
    regions: LinkRegions,
    cluster: ClusterFacts,
    host: Option<&'a str>,
    service_name: Result<Option<String>, FailedRead>,
    zone: Result<Option<Zone>, FailedRead>,
    own_endpoint: Option<VpcEndpoint>,
    riding: Result<Riding, FailedRead>,
}

/// The facts from the rounds' reads: what answers for the host (a Profile's zone, a parent
/// zone, the hub's endpoint), the hub endpoint's groups where this VPC has none of its own,
/// and the prefix lists expanded.
async fn assemble(
    clients: &RegionClients,
    not_read: NotRead,
    answer: Answer<'_>,
    region_reads: RegionReads,
    zone_round: ZoneRound,
    side: SideFacts,
) -> Facts {
    let ZoneRound {
        dns_servers,
        service_zones,
        record,
        zone_vpcs,
        endpoint_groups,
        endpoint_addresses,
        host_zones_elsewhere,
        candidates,
        account_has_endpoint,
        parent_zones,
    } = zone_round;
    let SideFacts {
        firewall,
        profiles: brought,
        prefix_lists,
    } = side;
    // A Profile's DNS Firewall rule groups are evaluated beside the VPC's own.
    let firewall = match (firewall, &brought) {
        (Ok(mut rules), Ok(b)) => {
            rules.extend(b.firewall.iter().cloned());
            Ok(rules)
        }
        (rules, _) => rules,
    };
    let settled = settle_answer(
        answer.host,
        answer.zone,
        record,
        brought.as_ref().ok(),
        (
            parent_zones,
            answer.own_endpoint.as_ref(),
            &endpoint_addresses,
        ),
        host_zones_elsewhere,
    );
    let hub_endpoint = hub_endpoint(&settled.record, candidates, answer.ids.1);
    let (endpoint_groups, endpoint_addresses) = match &hub_endpoint {
        Some(hub) => endpoint_reads(&clients.ec2, Some(hub), &not_read).await,
        None => (endpoint_groups, endpoint_addresses),
    };
    let endpoint_groups =
        expand_prefix_lists(&clients.ec2, endpoint_groups, prefix_lists, &not_read).await;
    let cross_region = answer.regions.service_region().map(|_| CrossRegion {
        vpc_region: answer.regions.vpc.clone(),
        offered: matches!(answer.service_name, Ok(Some(_))).then_some(service_zones.is_some()),
    });
    let mut service_zones = service_zones.unwrap_or_default();
    service_zones.sort();
    service_zones.dedup();
    let zone_owner = zone_owner_of(&settled.zone, &region_reads);
    let (zone_reached_by, zone_profile, record_hidden) = match settled.elsewhere {
        Some(a) => (Some(a.via), a.profile, a.record_hidden),
        None => (None, None, None),
    };
    Facts {
        cluster_id: answer.ids.0.into(),
        vpc_id: answer.ids.1.into(),
        cluster: Ok(answer.cluster),
        cross_region,
        riding: answer.riding,
        not_read: not_read.into_inner(),
        service: answer
            .service_name
            .map(|name| name.map(|n| (n, service_zones))),
        vpc: region_reads.vpc,
        subnets: region_reads.subnets,
        endpoints: region_reads.endpoints,
        registrations: region_reads.registrations,
        zones: region_reads.zones,
        zone: settled.zone,
        record: settled.record,
        zone_vpcs,
        other_vpcs_host_zones: settled.other_vpcs_host_zones,
        zone_reached_by,
        zone_profile,
        record_hidden,
        parent_zones: settled.parent_zones,
        firewall,
        profiles: brought,
        endpoint_groups,
        endpoint_addresses,
        acls: region_reads.acls,
        resolver_rules: region_reads.resolver_rules,
        dns_servers,
        hub_endpoint,
        answered_by_wildcard: settled.answered_by_wildcard,
        zone_owner,
        account_has_endpoint,
    }
}

/// Which zone answers for the host in the VPC, once every read is in.
struct Settled {
    zone: Result<Option<Zone>, FailedRead>,
    record: Result<Option<ARecord>, FailedRead>,
    /// Where no zone of the host's name is tied to the VPC: the one Resolver answers from.
    elsewhere: Option<AnsweredElsewhere>,
    parent_zones: Vec<ParentZone>,
    other_vpcs_host_zones: Vec<(String, Vec<String>)>,
    /// Where the answering zone is a parent whose wildcard answers with the endpoint: the
    /// wildcard.
    answered_by_wildcard: Option<String>,
}

/// Without a zone of the host's name tied to the VPC, Resolver answers from the most specific
/// zone that covers the host among the VPC's parent zones and those its Profiles bring; a
/// Profile's parent zone without the host's record shadows it like a local one. The host's
/// zones of other VPCs are what is left once the answering zone is known.
fn settle_answer(
    host: Option<&str>,
    zone: Result<Option<Zone>, FailedRead>,
    record: Result<Option<ARecord>, FailedRead>,
    brought: Option<&Brought>,
    (mut parent_zones, endpoint, addresses): (Vec<ParentZone>, Option<&VpcEndpoint>, &[IpAddr]),
    host_zones_elsewhere: Vec<(Zone, Vec<String>)>,
) -> Settled {
    let (mut zone, mut record) = (zone, record);
    let mut elsewhere = None;
    let mut answered_by_wildcard = None;
    if matches!(zone, Ok(None))
        && let Some(host) = host
    {
        let carried = brought.map(|b| b.zones.as_slice()).unwrap_or_default();
        let this_accounts: Vec<&Zone> = host_zones_elsewhere.iter().map(|(z, _)| z).collect();
        let wildcards = wildcards_answering_with(&mut parent_zones, endpoint, addresses);
        elsewhere = answered_elsewhere(host, &parent_zones, carried, &this_accounts);
        answered_by_wildcard = elsewhere.as_ref().and_then(|a| {
            wildcards
                .iter()
                .find(|(zone_id, _)| *zone_id == a.zone.id)
                .map(|(_, name)| name.clone())
        });
        parent_zones.extend(shadowing_profile_zones(host, carried));
    }
    if let Some(answer) = &elsewhere {
        zone = Ok(Some(answer.zone.clone()));
        record = Ok(answer.record.clone());
    }
    let here = zone
        .as_ref()
        .ok()
        .and_then(|z| z.as_ref())
        .map(|z| z.id.clone());
    let other_vpcs_host_zones = host_zones_elsewhere
        .into_iter()
        .filter(|(z, _)| Some(&z.id) != here.as_ref())
        .map(|(z, vpcs)| (z.id, vpcs))
        .collect();
    Settled {
        zone,
        record,
        elsewhere,
        parent_zones,
        other_vpcs_host_zones,
        answered_by_wildcard,
    }
}

/// Who else rides the project's link: its own two rounds, on a task beside rounds 2 and 3.
fn riding_reads(
    app: &App,
    clients: &RegionClients,
    cluster: &ClusterFacts,
) -> tokio::task::JoinHandle<Result<Riding, Error>> {
    let (zilliz, clients) = (app.zilliz.clone(), clients.clone());
    let (project, region) = (cluster.project_id.clone(), cluster.region.clone());
    tokio::spawn(async move { riders::read(&zilliz, &clients, &project, &region).await })
}

type SideReads = (
    Result<Vec<FirewallRule>, Error>,
    Result<Brought, Error>,
    Result<BTreeMap<String, Vec<IpNet>>, Error>,
);

/// DNS Firewall and Route 53 Profiles take two rounds each and need only the VPC: they run on
/// a task of their own beside rounds 2 and 3, with the account's prefix lists.
fn side_reads(
    clients: &RegionClients,
    vpc_id: &str,
    host: Option<String>,
) -> tokio::task::JoinHandle<SideReads> {
    let clients = clients.clone();
    let vpc = vpc_id.to_string();
    tokio::spawn(async move {
        let readers = profiles::Readers {
            profiles: &clients.profiles,
            resolver: &clients.resolver,
            route53: &clients.route53,
        };
        tokio::join!(
            firewall::rules_of_vpc(&clients.resolver, &vpc),
            profiles::brought_to_vpc(readers, &vpc, host.as_deref()),
            ec2::prefix_list_entries(&clients.ec2, None),
        )
    })
}

/// Round 2: what needs only the region, the VPC and the host.
struct RegionReads {
    service: Result<Option<EndpointService>, FailedRead>,
    vpc: Result<ec2::Vpc, FailedRead>,
    subnets: Result<Vec<Subnet>, FailedRead>,
    endpoints: Result<Vec<VpcEndpoint>, FailedRead>,
    registrations: Result<Vec<String>, FailedRead>,
    zones: Result<Vec<Zone>, FailedRead>,
    /// The account that owns each of `zones`, by zone id.
    zone_owners: Vec<(String, String)>,
    /// Private zones of this account named for the host, wherever they are tied.
    named_for_host: Vec<Zone>,
    acls: Result<Vec<NetworkAcl>, FailedRead>,
    resolver_rules: Result<Vec<ResolverRule>, FailedRead>,
}

/// Round 2: what needs only the region, the VPC and the host.
async fn region_round(
    app: &App,
    clients: &RegionClients,
    not_read: &NotRead,
    cluster: &ClusterFacts,
    vpc_id: &str,
    host: Option<&str>,
) -> RegionReads {
    // The VPC's side is read where it is; the association's region is the VPC's.
    let (ec2c, r53, region) = (&clients.ec2, &clients.route53, &clients.region);
    let (service, vpc, subnets, endpoints, registrations, zones, named, acls, rules) = tokio::join!(
        app.zilliz.endpoint_service(&cluster.region.region_id),
        ec2::vpc(ec2c, vpc_id, region),
        ec2::subnets_of_vpc(ec2c, vpc_id),
        ec2::vpc_endpoints(
            ec2c,
            EndpointQuery {
                vpc_id: Some(vpc_id),
                ..Default::default()
            }
        ),
        registrations(app, cluster),
        route53::owned_zones_of_vpc(r53, vpc_id, &region.aws_region),
        async {
            match host {
                Some(h) => not_read.keep(route53::private_zones_named(r53, h).await),
                None => Vec::new(),
            }
        },
        ec2::network_acls_of_vpc(ec2c, vpc_id),
        resolver::rules_of_vpc(&clients.resolver, vpc_id),
    );
    RegionReads {
        service: as_fact(service),
        vpc: as_fact(vpc),
        subnets: as_fact(subnets),
        endpoints: as_fact(endpoints),
        registrations,
        zone_owners: zones
            .as_ref()
            .map(|zones| {
                zones
                    .iter()
                    .filter_map(|(z, owner)| Some((z.id.clone(), owner.clone()?)))
                    .collect()
            })
            .unwrap_or_default(),
        zones: as_fact(zones.map(|zones| zones.into_iter().map(|(z, _)| z).collect())),
        named_for_host: named,
        acls: as_fact(acls),
        resolver_rules: as_fact(rules),
    }
}

/// What round 3 starts from.
struct ZoneRoundInput<'a> {
    host: Option<&'a str>,
    vpc: &'a Result<ec2::Vpc, FailedRead>,
    zones: &'a Result<Vec<Zone>, FailedRead>,
    zone: &'a Result<Option<Zone>, FailedRead>,
    named_for_host: Vec<Zone>,
    service_name: &'a Result<Option<String>, FailedRead>,
    /// The service's region where it is not the VPC's (a cross-region endpoint).
    service_region: Option<&'a str>,
    own_endpoint: Option<&'a VpcEndpoint>,
    /// The account that owns the host's zone, where it is not the VPC's: the zone's content
    /// is that account's to read, and is not asked for here.
    zone_owner: Option<&'a str>,
}

/// Round 3: what needs the zone or the endpoint.
struct ZoneRound {
    dns_servers: Result<Vec<String>, FailedRead>,
    /// `None` where AWS does not describe the service from the VPC's region.
    service_zones: Option<Vec<String>>,
    record: Result<Option<ARecord>, FailedRead>,
    zone_vpcs: Vec<String>,
    endpoint_groups: Result<Vec<SecurityGroup>, FailedRead>,
    endpoint_addresses: Vec<IpAddr>,
    /// This account's other zones named for the host, with their VPCs.
    host_zones_elsewhere: Vec<(Zone, Vec<String>)>,
    /// Without an endpoint of its own, the VPC may be a spoke: every endpoint to the service.
    candidates: Vec<VpcEndpoint>,
    /// Without one, whether the account has any endpoint to the service in the VPC's region
    /// (`None` where that was not read, or its read failed).
    account_has_endpoint: Option<bool>,
    parent_zones: Vec<ParentZone>,
}

async fn zone_and_endpoint_round(
    clients: &RegionClients,
    not_read: &NotRead,
    input: &ZoneRoundInput<'_>,
) -> ZoneRound {
    let (ec2c, r53, host) = (&clients.ec2, &clients.route53, input.host);
    let here = input
        .zone
        .as_ref()
        .ok()
        .and_then(|z| z.as_ref())
        .map(|z| z.id.clone());
    let others: Vec<&Zone> = input
        .named_for_host
        .iter()
        .filter(|z| Some(&z.id) != here.as_ref())
        .collect();
    let parents: Vec<Zone> = match (input.zones, host) {
        (Ok(zones), Some(h)) => zones
            .iter()
            .filter(|z| h.ends_with(&format!(".{}", z.name)))
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    let dhcp_options_id = input
        .vpc
        .as_ref()
        .ok()
        .and_then(|v| v.dhcp_options_id.clone());
    let (
        dns_servers,
        service_zones,
        (record, zone_vpcs),
        (endpoint_groups, endpoint_addresses),
        host_zones_elsewhere,
        candidates,
        parent_zones,
    ) = tokio::join!(
        async {
            match &dhcp_options_id {
                Some(id) => as_fact(ec2::dns_servers_of(ec2c, id).await),
                None => Ok(Vec::new()),
            }
        },
        async {
            match input.service_name {
                // A service not offered to the account (or, across regions, to the VPC's
                // region) answers no zones (`None`), which is not a failed read.
                Ok(Some(name)) => not_read
                    .keep(
                        ec2::endpoint_service_zones(ec2c, name, input.service_region)
                            .await
                            .map(Some),
                    )
                    .flatten(),
                _ => None,
            }
        },
        async {
            match (input.zone, host, input.zone_owner) {
                // Another account's zone: its records are that account's to read.
                (Ok(Some(z)), Some(_), Some(owner)) => {
                    let unread = Error::not_found(
                        format!("the records of private zone {} of account {owner}", z.id),
                        "Only that account reads them: give endpoint_profile (an AWS profile of \
                         that account)",
                    );
                    (Err(FailedRead::from(&unread)), Vec::new())
                }
                (Ok(Some(z)), Some(h), None) => {
                    let (record, vpcs) = tokio::join!(
                        route53::a_record(r53, &z.id, h),
                        route53::zone_vpcs(r53, &z.id)
                    );
                    (as_fact(record), vpc_ids(not_read.keep(vpcs)))
                }
                _ => (Ok(None), Vec::new()),
            }
        },
        endpoint_reads(ec2c, input.own_endpoint, not_read),
        futures::future::join_all(others.into_iter().map(|z| async move {
            let vpcs = not_read.keep(route53::zone_vpcs(r53, &z.id).await);
            (z.clone(), vpc_ids(vpcs))
        })),
        account_endpoints(ec2c, not_read, input),
        futures::future::join_all(parents.into_iter().map(|z| async move {
            let names = host
                .map(|h| route53::names_answering(h, &z.name))
                .unwrap_or_default();
            match route53::records_at(r53, &z.id, &names).await {
                Ok(sets) => parent_zone(z, host, &sets),
                // What it answers is unknown: its check says so, never NXDOMAIN.
                Err(e) => ParentZone {
                    unread: Some(FailedRead::from(e)),
                    ..parent_zone(z, host, &[])
                },
            }
        })),
    );
    ZoneRound {
        dns_servers,
        service_zones,
        record,
        zone_vpcs,
        endpoint_groups,
        endpoint_addresses,
        host_zones_elsewhere,
        candidates: candidates.0,
        account_has_endpoint: candidates.1,
        parent_zones,
    }
}

/// Where the VPC has no endpoint of its own: every endpoint of the account to the service (one
/// may be the hub its zone points at: read beside the record, so that the hub is known without
/// another round), and whether there is any. Without a zone, the list only says the latter
/// (an endpoint of another account may serve the VPC: the verdict asks), and its failure
/// leaves that unknown.
async fn account_endpoints(
    ec2c: &aws_sdk_ec2::Client,
    not_read: &NotRead,
    input: &ZoneRoundInput<'_>,
) -> (Vec<VpcEndpoint>, Option<bool>) {
    let (Some(name), None) = (
        input.service_name.as_ref().ok().and_then(Option::as_ref),
        input.own_endpoint,
    ) else {
        return (Vec::new(), None);
    };
    let read = ec2::vpc_endpoints(
        ec2c,
        EndpointQuery {
            service_name: Some(name),
            ..Default::default()
        },
    )
    .await;
    let has_one = read.as_ref().ok().map(|list| {
        list.iter()
            .any(|e| crate::endpoint_state::phase(&e.state) != crate::endpoint_state::Phase::Gone)
    });
    match input.zone {
        Ok(Some(_)) => (not_read.keep(read), has_one),
        _ => (read.unwrap_or_default(), has_one),
    }
}

fn vpc_ids(vpcs: Vec<(String, String)>) -> Vec<String> {
    vpcs.into_iter().map(|(id, _)| id).collect()
}

/// An endpoint's groups and its interfaces' addresses.
async fn endpoint_reads(
    ec2c: &aws_sdk_ec2::Client,
    endpoint: Option<&VpcEndpoint>,
    not_read: &NotRead,
) -> (Result<Vec<SecurityGroup>, FailedRead>, Vec<IpAddr>) {
    let Some(e) = endpoint else {
        return (Ok(Vec::new()), Vec::new());
    };
    let (groups, addresses) = tokio::join!(
        ec2::security_groups_by_id(ec2c, &e.security_group_ids),
        ec2::interface_addresses(ec2c, &e.network_interface_ids),
    );
    (as_fact(groups), not_read.keep(addresses))
}

/// The endpoint's groups with the prefix lists they name judged as the blocks they hold. The
/// lists were read beside rounds 2 and 3; an account with more lists than were read then has
/// the ones the groups name read now. A list that cannot be read stays a prefix list rule.
async fn expand_prefix_lists(
    ec2c: &aws_sdk_ec2::Client,
    groups: Result<Vec<SecurityGroup>, FailedRead>,
    read: Result<BTreeMap<String, Vec<IpNet>>, Error>,
    not_read: &NotRead,
) -> Result<Vec<SecurityGroup>, FailedRead> {
    let groups = groups?;
    let named: Vec<String> = groups
        .iter()
        .flat_map(|g| &g.inbound)
        .filter_map(|r| match &r.peer {
            crate::aws::rules::Peer::PrefixList(id) => Some(id.clone()),
            _ => None,
        })
        .collect();
    if named.is_empty() {
        return Ok(groups);
    }
    // Only lists a rule names decide anything: a failed read is noted only then.
    let mut lists = not_read.keep(read);
    if named.iter().any(|id| !lists.contains_key(id)) {
        lists.extend(not_read.keep(ec2::prefix_list_entries(ec2c, Some(&named)).await));
    }
    Ok(ec2::expand_prefix_lists(&groups, &lists))
}

fn service_fact(
    service: Result<crate::service::EndpointServiceInfo, Error>,
) -> Result<Option<(String, Vec<String>)>, FailedRead> {
    match service {
        Ok(s) => Ok(Some((s.service_name, s.availability_zones))),
        Err(Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(FailedRead::from(e)),
    }
}

async fn registrations(app: &App, cluster: &ClusterFacts) -> Result<Vec<String>, FailedRead> {
    as_fact(app.zilliz.private_endpoints(&cluster.project_id).await).map(|list| {
        list.into_iter()
            .filter(|r| r.in_region(&cluster.region.region_id))
            .map(|r| r.endpoint_id)
            .collect()
    })
}
