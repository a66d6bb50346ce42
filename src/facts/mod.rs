//! The facts every judgement of a private link reads, gathered once.
//!
//! [`gather`] reads both accounts concurrently in dependency order: the cluster; then every
//! read that needs only its region, VPC and host; then what needs the zone or the endpoint.
//! Each read's failure is kept in the value (as the text of its error), so one failed read
//! marks only the judgements that need it. [`crate::verdict`] judges these facts; status and
//! diagnosis render the same verdicts.

mod gather;

pub(crate) use gather::{completed_across_accounts, gather, gather_from};

use crate::address::PrivateLinkAddress;
use crate::aws::ec2::{self, SecurityGroup, Subnet, VpcEndpoint};
use crate::aws::firewall::FirewallRule;
use crate::aws::profiles::{self, Brought, ProfileResource};
use crate::aws::resolver::ResolverRule;
use crate::aws::route53::{self, ARecord, Zone};
use crate::cluster;
use crate::endpoint_state;
use crate::error::FailedRead;
use crate::region::RegionNames;
use crate::riders::{self, Ride, Riding};
use aws_sdk_route53::types::{ResourceRecordSet, RrType};

/// What the cluster read said.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct ClusterFacts {
    pub(crate) status: Option<String>,
    pub(crate) plan: Option<String>,
    pub(crate) project_id: String,
    pub(crate) region: RegionNames,
    pub(crate) address: Option<PrivateLinkAddress>,
}

impl ClusterFacts {
    pub(crate) fn of(t: &cluster::AwsCluster) -> Self {
        Self {
            status: t.cluster.status.clone(),
            plan: t.cluster.plan.clone(),
            project_id: t.project_id.clone(),
            region: t.region.clone(),
            address: t.address.clone(),
        }
    }
}

/// Everything a judgement of one VPC's private link reads. Each read is its own `Result`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Facts {
    pub(crate) cluster_id: String,
    pub(crate) vpc_id: String,
    pub(crate) cluster: Result<ClusterFacts, FailedRead>,
    /// Zilliz's service name for the region and its zones (empty where unknown); `None`
    /// where Zilliz offers no service there.
    pub(crate) service: Result<Option<(String, Vec<String>)>, FailedRead>,
    pub(crate) vpc: Result<ec2::Vpc, FailedRead>,
    /// Where the VPC is in another region than the cluster's: a cross-region link.
    pub(crate) cross_region: Option<CrossRegion>,
    pub(crate) subnets: Result<Vec<Subnet>, FailedRead>,
    /// The VPC's endpoints (to any service).
    pub(crate) endpoints: Result<Vec<VpcEndpoint>, FailedRead>,
    /// Endpoint ids registered with the project in the region.
    pub(crate) registrations: Result<Vec<String>, FailedRead>,
    /// Every private zone tied to the VPC.
    pub(crate) zones: Result<Vec<Zone>, FailedRead>,
    /// The private zone named for the host and tied to the VPC, if any.
    pub(crate) zone: Result<Option<Zone>, FailedRead>,
    pub(crate) record: Result<Option<ARecord>, FailedRead>,
    /// The VPCs `zone` is tied to, where it is a zone of this account named for the host
    /// (a central DNS VPC among them answers from it too).
    pub(crate) zone_vpcs: Vec<String>,
    /// Private zones named for the host that are not tied to this VPC, with their VPCs.
    pub(crate) other_vpcs_host_zones: Vec<(String, Vec<String>)>,
    /// How `zone` reaches the VPC where it is not a zone named for the host tied to it
    /// directly: through a Route 53 Profile, or a parent zone that holds the host's record.
    pub(crate) zone_reached_by: Option<String>,
    /// The Profile resource `zone` comes with, where it does: its records are changed by the
    /// Profile's owner, never by a local zone of this VPC.
    pub(crate) zone_profile: Option<ProfileResource>,
    /// Why `record` is unknown where the zone's records cannot be read from this account (a
    /// zone of another account, brought by a Profile): the probes judge what it answers.
    pub(crate) record_hidden: Option<String>,
    /// Zones tied to the VPC for a parent of the host (such as `vectordb.zillizcloud.com`),
    /// with what answers for the host there: without the host's own zone, they answer for it.
    pub(crate) parent_zones: Vec<ParentZone>,
    /// The rules of the DNS Firewall rule groups associated with the VPC.
    pub(crate) firewall: Result<Vec<FirewallRule>, FailedRead>,
    /// What the VPC's Route 53 Profiles bring: zones, Resolver rules, DNS Firewall rules.
    pub(crate) profiles: Result<Brought, FailedRead>,
    /// The security groups of the endpoint the VPC uses, the prefix lists their rules name
    /// expanded into the blocks they hold where the lists could be read.
    pub(crate) endpoint_groups: Result<Vec<SecurityGroup>, FailedRead>,
    /// The private addresses of that endpoint's network interfaces.
    pub(crate) endpoint_addresses: Vec<std::net::IpAddr>,
    /// The VPC's network ACLs.
    pub(crate) acls: Result<Vec<ec2::NetworkAcl>, FailedRead>,
    /// The Route 53 Resolver rules associated with the VPC.
    pub(crate) resolver_rules: Result<Vec<ResolverRule>, FailedRead>,
    /// The DNS servers the VPC's DHCP option set hands out; empty for the default set
    /// (the VPC's own resolver).
    pub(crate) dns_servers: Result<Vec<String>, FailedRead>,
    /// Hub and spoke: where this VPC has no endpoint of its own, the endpoint in another VPC
    /// that its zone's alias points at.
    hub_endpoint: Option<VpcEndpoint>,
    /// Where a parent zone's wildcard answers for the host with the endpoint: its name.
    pub(crate) answered_by_wildcard: Option<String>,
    /// Where the VPC's zone for the host belongs to another account (a landing zone's network
    /// account, which keeps the endpoint the VPC reaches): that account. Only it reads the
    /// zone.
    #[serde(default)]
    pub(crate) zone_owner: Option<String>,
    /// Where the VPC has no endpoint of its own: whether the account has any endpoint to
    /// Zilliz's service in the VPC's region (`None`: not read).
    #[serde(default)]
    pub(crate) account_has_endpoint: Option<bool>,
    /// The project's clusters in the region and the zones that can answer for them: who else
    /// rides the endpoint.
    pub(crate) riding: Result<Riding, FailedRead>,
    /// The reads that failed and are carried only as this note (each error's text, naming
    /// its call): what they would have added is left out above.
    pub(crate) not_read: Vec<FailedRead>,
}

/// A VPC in another region than the cluster's, which reaches Zilliz's service through a
/// cross-region endpoint (`ServiceRegion`, the cluster's region).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct CrossRegion {
    pub(crate) vpc_region: RegionNames,
    /// AWS describes the service from the VPC's region: its provider offers it there. `None`
    /// where that was not asked (no service name to ask about).
    pub(crate) offered: Option<bool>,
}

/// Collects the failures of reads whose value is kept as "nothing found", so that none
/// passes unsaid.
#[derive(Debug, Default)]
struct NotRead(std::sync::Mutex<Vec<FailedRead>>);

impl NotRead {
    /// The read's value, or, where it failed, nothing and a note of why.
    pub(crate) fn keep<T: Default>(&self, read: Result<T, crate::error::Error>) -> T {
        read.unwrap_or_else(|e| {
            self.note(FailedRead::from(e));
            T::default()
        })
    }

    fn note(&self, why: FailedRead) {
        let mut notes = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if !notes.contains(&why) {
            notes.push(why);
        }
    }

    fn into_inner(self) -> Vec<FailedRead> {
        self.0.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

/// A zone for a parent of the host, tied to the VPC, and what it answers for the host.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct ParentZone {
    pub(crate) zone: Zone,
    /// The record that answers for the host there (the host's own, or a wildcard), if any.
    pub(crate) answering: Option<String>,
    /// The host's own record there (an A record, or a CNAME), which answers for it; or the
    /// wildcard's that answers for it with the endpoint (see `Facts::answered_by_wildcard`).
    host_record: Option<ARecord>,
    /// The wildcard that answers for the host, with its record, where one does.
    wildcard_record: Option<(String, ARecord)>,
    /// The Route 53 Profile that brings the zone, where one does.
    via: Option<ProfileResource>,
    /// Why its records could not be read, where they could not: what it answers is unknown.
    pub(crate) unread: Option<FailedRead>,
}

impl Facts {
    /// Facts where nothing could be read past the cluster, each read saying why.
    pub(super) fn unread(
        cluster_id: &str,
        vpc_id: &str,
        cluster: Result<ClusterFacts, FailedRead>,
        why: &str,
    ) -> Self {
        fn u<T>(why: &str) -> Result<T, FailedRead> {
            Err(FailedRead::not_made(why))
        }
        Self {
            cluster_id: cluster_id.into(),
            vpc_id: vpc_id.into(),
            cluster,
            service: u(why),
            vpc: u(why),
            cross_region: None,
            subnets: u(why),
            endpoints: u(why),
            registrations: u(why),
            zones: u(why),
            zone: u(why),
            record: u(why),
            zone_vpcs: Vec::new(),
            other_vpcs_host_zones: Vec::new(),
            zone_reached_by: None,
            zone_profile: None,
            record_hidden: None,
            parent_zones: Vec::new(),
            firewall: u(why),
            profiles: u(why),
            endpoint_groups: u(why),
            endpoint_addresses: Vec::new(),
            acls: u(why),
            resolver_rules: u(why),
            dns_servers: u(why),
            hub_endpoint: None,
            answered_by_wildcard: None,
            zone_owner: None,
            account_has_endpoint: None,
            riding: u(why),
            not_read: Vec::new(),
        }
    }

    /// Every read that failed, each once: the `Result`s above and the notes of `not_read`.
    pub(crate) fn failed_reads(&self) -> Vec<FailedRead> {
        fn err<T>(r: &Result<T, FailedRead>) -> Option<&FailedRead> {
            r.as_ref().err()
        }
        let mut all: Vec<FailedRead> = [
            err(&self.cluster),
            err(&self.service),
            err(&self.vpc),
            err(&self.subnets),
            err(&self.endpoints),
            err(&self.registrations),
            err(&self.zones),
            err(&self.zone),
            err(&self.record),
            err(&self.firewall),
            err(&self.profiles),
            err(&self.endpoint_groups),
            err(&self.acls),
            err(&self.resolver_rules),
            err(&self.dns_servers),
        ]
        .into_iter()
        .flatten()
        .cloned()
        .chain(self.parent_zones.iter().filter_map(|p| p.unread.clone()))
        .chain(self.profiles.iter().flat_map(|b| {
            b.unreadable_rules
                .iter()
                .chain(&b.unreadable_firewall_groups)
                .map(|(_, e)| e.clone())
        }))
        .chain(
            self.firewall
                .iter()
                .flatten()
                .filter_map(|r| r.domains_unread.clone()),
        )
        .chain(self.not_read.iter().cloned())
        .collect();
        let mut seen = Vec::new();
        all.retain(|e| {
            let new = !seen.contains(e);
            if new {
                seen.push(e.clone());
            }
            new
        });
        all
    }

    /// The other clusters of the project (and other VPCs) that reach the endpoint this VPC
    /// uses: a change to the endpoint, its registration or its group reaches them too.
    pub(crate) fn shared_with(&self) -> Vec<Ride> {
        let (Some(endpoint), Ok(riding)) = (self.endpoint(), &self.riding) else {
            return Vec::new();
        };
        let rides = riding.rides(endpoint, Some(&self.endpoint_addresses));
        riders::others(&rides, &self.cluster_id, &self.vpc_id)
            .into_iter()
            .cloned()
            .collect()
    }

    /// The cluster's private link address, where the cluster was read and has one.
    pub(crate) fn address(&self) -> Option<&PrivateLinkAddress> {
        self.cluster.as_ref().ok()?.address.as_ref()
    }

    /// The endpoint this VPC uses: its own to Zilliz's service, else (hub and spoke) the one
    /// its zone points at.
    pub(crate) fn endpoint(&self) -> Option<&VpcEndpoint> {
        let own = match (&self.endpoints, &self.service) {
            (Ok(list), Ok(Some((name, _)))) => zilliz_endpoint(list, name),
            _ => None,
        };
        own.or(self.hub_endpoint.as_ref())
    }

    /// The facts of a workload VPC (`self`) whose zone for the host another account owns,
    /// completed with that account's reads: the zone as it reads it (its VPCs and its record),
    /// and its endpoint VPC's facts (`endpoint_side`), reached through as a client's VPC's.
    /// (The workload account never reads that zone's content itself: `gather`.)
    pub(crate) fn with_zone_of_another_account(
        mut self,
        zone: &crate::aws::route53::ZoneView,
        endpoint_side: &Facts,
    ) -> Option<Facts> {
        self.record = Ok(zone.record.clone());
        self.zone_vpcs = zone.vpcs.iter().map(|(id, _)| id.clone()).collect();
        self.reached_through(endpoint_side)
    }

    /// The account that keeps the zone serving this VPC, where it is not the VPC's own: the
    /// owner of a zone tied to it from another account, or of the Route 53 Profile that
    /// carries the zone.
    pub(crate) fn zone_account_elsewhere(&self) -> Option<&str> {
        self.zone_owner.as_deref().or_else(|| {
            let owner = self.zone_profile.as_ref()?.owner_id.as_deref()?;
            let own = self.vpc.as_ref().ok()?.owner_id.as_deref()?;
            (owner != own).then_some(owner)
        })
    }

    /// The zones the VPC's Route 53 Profiles bring whose records this account could not read
    /// (another account's), where no zone of the VPC's own named for the host answers first:
    /// their owner may read them.
    pub(crate) fn unread_profile_zones(&self) -> Vec<&ProfileResource> {
        let own_zone_answers = matches!(&self.zone, Ok(Some(_))) && self.zone_reached_by.is_none();
        match &self.profiles {
            Ok(brought) if !own_zone_answers => brought
                .zones
                .iter()
                .filter(|z| z.records.is_err())
                .map(|z| &z.resource)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The facts of a VPC (`self`) that takes its DNS from a Route 53 Profile of another
    /// account, completed with that account's reads of the Profile's zone `zone` named for the
    /// host (its record sets at the host, `sets`): the zone answers through the Profile (a zone
    /// named for the host is the most specific there is, before any parent zone), and the
    /// endpoint its alias names is reached through its VPC's facts (`endpoint_side`).
    pub(crate) fn with_profile_zone_of_another_account(
        mut self,
        zone: Zone,
        sets: Vec<ResourceRecordSet>,
        endpoint_side: &Facts,
    ) -> Option<Facts> {
        let host = self.address()?.host.clone();
        if zone.name != host {
            return None;
        }
        let carried = self
            .profiles
            .as_mut()
            .ok()?
            .zones
            .iter_mut()
            .find(|z| z.resource.resource_id == zone.id)?;
        carried.name = Some(zone.name.clone());
        carried.records = Ok(sets.clone());
        self.zone_reached_by = Some(format!("through {}", carried.resource.origin()));
        self.zone_profile = Some(carried.resource.clone());
        self.record_hidden = None;
        self.record = Ok(host_record(&host, &sets));
        self.zone = Ok(Some(zone));
        self.reached_through(endpoint_side)
    }

    /// The facts of a client's VPC (`self`) that reaches the link through the endpoint of
    /// another VPC (`endpoint_side`, its facts): the client VPC's own DNS side (its attributes,
    /// zones, record, Resolver rules, DNS servers, DNS Firewall, Profiles: what its
    /// instances' resolver answers from), with that endpoint as its hub, and the endpoint's
    /// side (its subnets, their network ACLs, its groups and addresses) as the endpoint VPC
    /// has it. A client VPC with an endpoint of its own to the service uses that one: its
    /// facts are whole as they are. `None` where the endpoint VPC has no endpoint to reach.
    pub(crate) fn reached_through(mut self, endpoint_side: &Facts) -> Option<Facts> {
        let own = match (&self.endpoints, &self.service) {
            (Ok(list), Ok(Some((name, _)))) => zilliz_endpoint(list, name).is_some(),
            _ => false,
        };
        if own {
            return Some(self);
        }
        self.hub_endpoint = Some(endpoint_side.endpoint()?.clone());
        self.subnets = endpoint_side.subnets.clone();
        self.acls = endpoint_side.acls.clone();
        self.endpoint_groups = endpoint_side.endpoint_groups.clone();
        self.endpoint_addresses = endpoint_side.endpoint_addresses.clone();
        Some(self)
    }
}

/// The VPC's endpoint to Zilliz's service: the live one, else any one.
pub(crate) fn zilliz_endpoint<'a>(
    endpoints: &'a [VpcEndpoint],
    service: &str,
) -> Option<&'a VpcEndpoint> {
    let to_service: Vec<&VpcEndpoint> = endpoints
        .iter()
        .filter(|e| e.service_name == service)
        .collect();
    to_service
        .iter()
        .find(|e| endpoint_state::is_live(&e.state))
        .or_else(|| to_service.first())
        .copied()
}

/// The record of a zone that answers for `host`: one of its own name, else the most specific
/// wildcard that covers it (`*.aws-us-west-2.vectordb.zillizcloud.com`), as DNS matches them.
fn answering_record(host: &str, records: &[(String, String)]) -> Option<String> {
    let answers = |kind: &str| matches!(kind, "A" | "AAAA" | "CNAME");
    if records
        .iter()
        .any(|(name, kind)| name == host && answers(kind))
    {
        return Some(host.to_string());
    }
    records
        .iter()
        .filter(|(name, kind)| answers(kind) && name.starts_with("*."))
        .filter(|(name, _)| host.ends_with(&name[1..]))
        .max_by_key(|(name, _)| name.len())
        .map(|(name, _)| name.clone())
}

/// What a parent zone answers for the host, from its record sets.
pub(super) fn parent_zone(
    zone: Zone,
    host: Option<&str>,
    sets: &[ResourceRecordSet],
) -> ParentZone {
    let Some(host) = host else {
        return ParentZone {
            zone,
            answering: None,
            host_record: None,
            wildcard_record: None,
            via: None,
            unread: None,
        };
    };
    let wildcard_record =
        route53::answer_for(host, sets).filter(|(name, _)| name.starts_with("*."));
    let kinds: Vec<(String, String)> = sets
        .iter()
        .map(|s| {
            (
                route53::bare_name(s.name()),
                s.r#type().as_str().to_string(),
            )
        })
        .collect();
    ParentZone {
        answering: answering_record(host, &kinds),
        host_record: host_record(host, sets),
        wildcard_record,
        zone,
        via: None,
        unread: None,
    }
}

/// The host's own answering record among a zone's record sets: an A record, else a CNAME.
fn host_record(host: &str, sets: &[ResourceRecordSet]) -> Option<ARecord> {
    let own = |kind: RrType| {
        sets.iter()
            .find(|s| route53::bare_name(s.name()) == host && *s.r#type() == kind)
    };
    own(RrType::A)
        .or_else(|| own(RrType::Cname))
        .map(ARecord::from_record_set)
}

/// The zone Resolver answers the host from where the VPC has no zone of the host's name.
#[derive(Debug)]
enum Answering<'a> {
    /// One of the VPC's own parent zones, holding the host's record.
    Parent(&'a ParentZone),
    /// A zone a Route 53 Profile brings.
    Profile(&'a profiles::ProfileZone),
}

/// The most specific zone that answers for `host`: the VPC's parent zones that hold its
/// record, and the zones its Profiles bring (known by their association's name, or, for this
/// account's zones named for the host, by that name). At the same name the VPC's own zone wins;
/// among Profiles, the first listed. A Profile zone of unknown name counts where its records
/// hold the host's.
fn choose_answering_zone<'a>(
    host: &str,
    parents: &'a [ParentZone],
    carried: &'a [profiles::ProfileZone],
    this_accounts_zones_named_for_host: &[&Zone],
) -> Option<Answering<'a>> {
    let labels = |name: &str| name.split('.').filter(|l| !l.is_empty()).count();
    let covers = |name: &str| name == host || host.ends_with(&format!(".{name}"));
    let mut best: Option<(usize, Answering<'a>)> = None;
    let mut consider = |level: usize, candidate: Answering<'a>| {
        if best.as_ref().is_none_or(|(l, _)| level > *l) {
            best = Some((level, candidate));
        }
    };
    for parent in parents.iter().filter(|p| p.host_record.is_some()) {
        consider(labels(&parent.zone.name), Answering::Parent(parent));
    }
    for zone in carried {
        let named_for_host = this_accounts_zones_named_for_host
            .iter()
            .any(|z| z.id == zone.resource.resource_id);
        let level = match (&zone.name, &zone.records) {
            (Some(name), _) if covers(name) => {
                // A parent zone answers only with the host's own record.
                if name != host
                    && !matches!(&zone.records, Ok(sets) if host_record(host, sets).is_some())
                {
                    continue;
                }
                labels(name)
            }
            (Some(_), _) => continue,
            (None, _) if named_for_host => labels(host),
            (None, Ok(sets)) if host_record(host, sets).is_some() => labels(host),
            (None, _) => continue,
        };
        consider(level, Answering::Profile(zone));
    }
    best.map(|(_, a)| a)
}

/// Where the VPC has no zone of the host's name: the zone Resolver answers from instead, and
/// what it holds for the host.
#[derive(Debug, Clone, PartialEq)]
struct AnsweredElsewhere {
    zone: Zone,
    record: Option<ARecord>,
    /// How the zone reaches the VPC (see [`Facts::zone_reached_by`]).
    via: String,
    profile: Option<ProfileResource>,
    /// Why the record is unknown (see [`Facts::record_hidden`]).
    record_hidden: Option<String>,
}

/// Resolver's answer for `host` in a VPC without a zone of that name: the most specific zone
/// that covers it among the VPC's parent zones and the zones its Profiles bring (at the same
/// name, the VPC's own association wins).
fn answered_elsewhere(
    host: &str,
    parents: &[ParentZone],
    carried: &[profiles::ProfileZone],
    this_accounts_zones_named_for_host: &[&Zone],
) -> Option<AnsweredElsewhere> {
    match choose_answering_zone(host, parents, carried, this_accounts_zones_named_for_host)? {
        Answering::Parent(parent) => Some(AnsweredElsewhere {
            zone: parent.zone.clone(),
            record: parent.host_record.clone(),
            via: match &parent.answering {
                Some(wildcard) if wildcard.starts_with("*.") => format!(
                    "as parent zone {} whose wildcard record {wildcard} answers for the host",
                    parent.zone.name
                ),
                _ => format!(
                    "as parent zone {} holding the host's record",
                    parent.zone.name
                ),
            },
            profile: None,
            record_hidden: None,
        }),
        Answering::Profile(carried) => {
            let (record, record_hidden) = match &carried.records {
                Ok(sets) => (host_record(host, sets), None),
                Err(e) => (
                    None,
                    Some(format!(
                        "the records of zone {} belong to {} and cannot be read from this \
                         account ({e})",
                        carried.resource.resource_id,
                        carried
                            .resource
                            .owner_id
                            .as_deref()
                            .map_or("another account".to_string(), |a| format!("account {a}")),
                    )),
                ),
            };
            Some(AnsweredElsewhere {
                zone: Zone {
                    id: carried.resource.resource_id.clone(),
                    name: carried.name.clone().unwrap_or_else(|| host.to_string()),
                },
                record,
                via: format!("through {}", carried.resource.origin()),
                profile: Some(carried.resource.clone()),
                record_hidden,
            })
        }
    }
}

/// The parent zones a Profile brings without the host's record: they shadow it like a local
/// parent zone.
fn shadowing_profile_zones(host: &str, carried: &[profiles::ProfileZone]) -> Vec<ParentZone> {
    carried
        .iter()
        .filter_map(|carried| {
            let (Some(name), Ok(sets)) = (&carried.name, &carried.records) else {
                return None;
            };
            if name == host
                || !host.ends_with(&format!(".{name}"))
                || host_record(host, sets).is_some()
            {
                return None;
            }
            let mut parent = parent_zone(
                Zone {
                    id: carried.resource.resource_id.clone(),
                    name: name.clone(),
                },
                Some(host),
                sets,
            );
            parent.via = Some(carried.resource.clone());
            Some(parent)
        })
        .collect()
}

/// A parent zone whose wildcard answers for the host with the endpoint the VPC uses answers
/// for it like a record of the host's own (judge what a name answers, not how it was written):
/// such parents take the wildcard's record as the host's. Answers the wildcards so taken, with
/// their zones' ids.
fn wildcards_answering_with(
    parents: &mut [ParentZone],
    endpoint: Option<&VpcEndpoint>,
    addresses: &[std::net::IpAddr],
) -> Vec<(String, String)> {
    let Some(endpoint) = endpoint else {
        return Vec::new();
    };
    let mut taken = Vec::new();
    for parent in parents.iter_mut().filter(|p| p.host_record.is_none()) {
        if let Some((name, record)) = &parent.wildcard_record
            && riders::answers_with(record, endpoint, Some(addresses))
        {
            taken.push((parent.zone.id.clone(), name.clone()));
            parent.host_record = Some(record.clone());
        }
    }
    taken
}

/// Hub and spoke: among the endpoints to Zilliz's service in other VPCs, the live one the
/// record's alias names.
pub(crate) fn hub_endpoint(
    record: &Result<Option<ARecord>, FailedRead>,
    candidates: Vec<VpcEndpoint>,
    vpc_id: &str,
) -> Option<VpcEndpoint> {
    let Ok(Some(ARecord {
        alias_target: Some(alias),
        ..
    })) = record
    else {
        return None;
    };
    candidates.into_iter().find(|e| {
        e.vpc_id != vpc_id
            && endpoint_state::is_live(&e.state)
            && e.regional_dns_entry().is_some_and(|(n, z)| {
                route53::bare_name(n) == alias.0 && z == Some(alias.1.as_str())
            })
    })
}

/// Facts for tests of the judgements: a VPC with nothing set up, and builders on it.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use crate::aws::rules::Rule;

    const SERVICE: &str = "com.amazonaws.vpce.us-west-2.vpce-svc-0123456789abcdef0";
    pub(crate) const HOST: &str = "in01-abc-privatelink.aws-us-west-2.vectordb.zillizcloud.com";

    pub(crate) fn endpoint(state: &str) -> VpcEndpoint {
        VpcEndpoint {
            id: "vpce-11111111".into(),
            vpc_id: "vpc-11111111".into(),
            service_name: SERVICE.into(),
            state: state.into(),
            subnet_ids: vec!["subnet-aaaaaaaa".into()],
            security_group_ids: vec!["sg-11111111".into()],
            dns_entries: vec![(
                "vpce-11111111-x.vpce-svc.us-west-2.vpce.amazonaws.com".into(),
                Some("Z1".into()),
            )],
            private_dns_enabled: Some(false),
            service_region: None,
            network_interface_ids: vec![],
            tags: vec![],
        }
    }

    /// A VPC with nothing set up yet.
    pub(crate) fn nothing() -> Facts {
        Facts {
            cluster_id: "in01-abc".into(),
            vpc_id: "vpc-11111111".into(),
            cluster: Ok(ClusterFacts {
                status: Some("RUNNING".into()),
                plan: Some("Enterprise".into()),
                project_id: "proj-1".into(),
                region: RegionNames::from_aws("us-west-2"),
                address: None,
            }),
            service: Ok(Some((
                SERVICE.into(),
                vec!["us-west-2a".into(), "us-west-2b".into()],
            ))),
            cross_region: None,
            vpc: Ok(ec2::Vpc {
                id: "vpc-11111111".into(),
                name: None,
                cidr_blocks: vec!["10.0.0.0/16".into()],
                is_default: false,
                dns_support: Some(true),
                dns_hostnames: Some(true),
                dhcp_options_id: None,
                owner_id: None,
            }),
            zones: Ok(vec![]),
            subnets: Ok(vec![
                Subnet::in_zone("subnet-aaaaaaaa", "us-west-2a"),
                Subnet::in_zone("subnet-bbbbbbbb", "us-west-2b"),
                Subnet::in_zone("subnet-cccccccc", "us-west-2c"),
            ]),
            endpoints: Ok(vec![]),
            registrations: Ok(vec![]),
            zone: Ok(None),
            record: Ok(None),
            zone_vpcs: vec![],
            other_vpcs_host_zones: vec![],
            zone_reached_by: None,
            zone_profile: None,
            record_hidden: None,
            parent_zones: vec![],
            firewall: Ok(vec![]),
            profiles: Ok(Brought::default()),
            endpoint_groups: Ok(vec![]),
            endpoint_addresses: vec![],
            acls: Ok(vec![]),
            resolver_rules: Ok(vec![]),
            dns_servers: Ok(vec![]),
            hub_endpoint: None,
            answered_by_wildcard: None,
            zone_owner: None,
            account_has_endpoint: None,
            riding: Ok(Riding::default()),
            not_read: vec![],
        }
    }

    pub(crate) fn with_address(mut f: Facts) -> Facts {
        if let Ok(c) = &mut f.cluster {
            c.address = Some(PrivateLinkAddress {
                host: HOST.into(),
                port: 19531,
            });
        }
        f
    }

    /// Zone ZHUB of account 222222222222, carried by its Route 53 Profile rp-network under
    /// the name this tool gives the association.
    pub(crate) fn network_profile_zone() -> ProfileResource {
        serde_json::from_value(serde_json::json!({
            "profile_id": "rp-network", "owner_id": "222222222222", "kind": "HostedZone",
            "resource_id": "ZHUB", "arn": "arn:aws:route53:::hostedzone/ZHUB",
            "name": "zilliz-in01-abc", "priority": null}))
        .expect("a Profile resource")
    }

    pub(crate) fn group(rules: Vec<Rule>) -> SecurityGroup {
        SecurityGroup {
            id: "sg-11111111".into(),
            name: "endpoint".into(),
            description: String::new(),
            vpc_id: Some("vpc-11111111".into()),
            inbound: rules,
            outbound: vec![],
            tags: vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "in01-abc-privatelink.aws-us-west-2.vectordb.zillizcloud.com";

    #[test]
    fn another_accounts_zone_is_completed_by_its_owners_reads() {
        use crate::aws::route53::{ARecord, ZoneView};
        use fixtures::{endpoint, nothing};
        let mut hub = nothing();
        hub.endpoints = Ok(vec![endpoint("available")]);
        let zone = Zone {
            id: "ZHUB".into(),
            name: HOST.into(),
        };
        let mut workload = nothing();
        workload.vpc_id = "vpc-22222222".into();
        workload.zone = Ok(Some(zone.clone()));
        workload.zone_owner = Some("222222222222".into());
        let view = ZoneView {
            zone,
            vpcs: vec![
                ("vpc-11111111".into(), "us-west-2".into()),
                ("vpc-22222222".into(), "us-west-2".into()),
            ],
            record: Some(ARecord::alias(
                HOST,
                (
                    "vpce-11111111-x.vpce-svc.us-west-2.vpce.amazonaws.com",
                    "Z1",
                ),
            )),
            records: vec![],
            managed: false,
        };
        let whole = workload.with_zone_of_another_account(&view, &hub).unwrap();
        assert_eq!(whole.record, Ok(view.record.clone()));
        assert_eq!(whole.zone_vpcs, ["vpc-11111111", "vpc-22222222"]);
        assert_eq!(
            whole.endpoint().map(|e| e.id.as_str()),
            Some("vpce-11111111")
        );
        assert_eq!(whole.vpc_id, "vpc-22222222");
    }

    #[test]
    fn a_profile_zone_of_another_account_is_completed_by_its_owners_reads() {
        use crate::aws::profiles::{Brought, ProfileZone};
        use fixtures::{endpoint, nothing, with_address};
        let mut hub = nothing();
        hub.endpoints = Ok(vec![endpoint("available")]);
        let mut workload = with_address(nothing());
        workload.vpc_id = "vpc-22222222".into();
        workload.zone = Ok(None);
        let resource = fixtures::network_profile_zone();
        let mut brought = Brought::default();
        brought.zones = vec![ProfileZone {
            resource,
            name: None,
            records: Err(FailedRead::not_made("NoSuchHostedZone")),
        }];
        workload.profiles = Ok(brought);
        assert_eq!(workload.unread_profile_zones().len(), 1);
        let alias = ARecord::alias(
            HOST,
            (
                "vpce-11111111-x.vpce-svc.us-west-2.vpce.amazonaws.com",
                "Z1",
            ),
        );
        let sets = vec![
            aws_sdk_route53::types::ResourceRecordSet::builder()
                .name(format!("{HOST}."))
                .r#type(RrType::A)
                .alias_target(
                    aws_sdk_route53::types::AliasTarget::builder()
                        .dns_name("vpce-11111111-x.vpce-svc.us-west-2.vpce.amazonaws.com")
                        .hosted_zone_id("Z1")
                        .evaluate_target_health(false)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        ];
        let zone = Zone {
            id: "ZHUB".into(),
            name: HOST.into(),
        };
        let whole = workload
            .clone()
            .with_profile_zone_of_another_account(zone.clone(), sets.clone(), &hub)
            .unwrap();
        assert_eq!(whole.zone, Ok(Some(zone.clone())));
        assert_eq!(
            whole
                .record
                .as_ref()
                .ok()
                .and_then(Option::as_ref)
                .map(|r| &r.alias_target),
            Some(&alias.alias_target)
        );
        assert_eq!(
            whole.zone_reached_by.as_deref(),
            Some("through Route 53 Profile rp-network of account 222222222222")
        );
        assert!(whole.record_hidden.is_none() && whole.zone_profile.is_some());
        assert_eq!(
            whole.endpoint().map(|e| e.id.as_str()),
            Some("vpce-11111111")
        );
        assert!(whole.unread_profile_zones().is_empty());
        // A zone of the Profile for another name answers nothing here.
        let elsewhere = Zone {
            id: "ZHUB".into(),
            name: "other.example.com".into(),
        };
        assert!(
            workload
                .clone()
                .with_profile_zone_of_another_account(elsewhere, sets, &hub)
                .is_none()
        );
        // A zone of the VPC's own named for the host answers first: nothing to complete.
        workload.zone = Ok(Some(Zone {
            id: "ZOWN".into(),
            name: HOST.into(),
        }));
        assert!(workload.unread_profile_zones().is_empty());
    }

    #[test]
    fn a_client_vpc_is_reached_through_the_endpoint_vpcs_endpoint_keeping_its_dns_side() {
        use fixtures::{endpoint, nothing};
        let mut hub = nothing();
        hub.endpoints = Ok(vec![endpoint("available")]);
        hub.dns_servers = Ok(vec!["AmazonProvidedDNS".into()]);
        let mut spoke = nothing();
        spoke.vpc_id = "vpc-22222222".into();
        spoke.subnets = Ok(vec![Subnet::in_zone("subnet-spoke", "us-west-2a")]);
        spoke.dns_servers = Ok(vec!["10.2.0.53".into()]);
        let asked = spoke.clone().reached_through(&hub).unwrap();
        assert_eq!(asked.vpc_id, "vpc-22222222");
        assert_eq!(
            asked.endpoint().map(|e| e.id.as_str()),
            Some("vpce-11111111")
        );
        // The endpoint's side is the hub's; the DNS side stays the spoke's.
        assert_eq!(asked.subnets, hub.subnets);
        assert_eq!(asked.dns_servers, Ok(vec!["10.2.0.53".to_string()]));
        // A client VPC with an endpoint of its own uses it.
        let mut own = spoke.clone();
        let mut its_endpoint = endpoint("available");
        its_endpoint.id = "vpce-22222222".into();
        its_endpoint.vpc_id = "vpc-22222222".into();
        own.endpoints = Ok(vec![its_endpoint]);
        let kept = own.reached_through(&hub).unwrap();
        assert_eq!(
            kept.endpoint().map(|e| e.id.as_str()),
            Some("vpce-22222222")
        );
        assert_eq!(kept.subnets, spoke.subnets);
        // Without an endpoint on the endpoint's side there is nothing to reach.
        assert!(spoke.reached_through(&nothing()).is_none());
    }

    fn records(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, k)| (n.to_string(), k.to_string()))
            .collect()
    }

    #[test]
    fn a_parent_zones_wildcard_answers_for_the_host_only_where_it_names_the_endpoint() {
        use crate::riders::tests::alias_to;
        let wildcard = "*.aws-us-west-2.vectordb.zillizcloud.com";
        let parent = |target: &str| {
            parent_zone(
                Zone {
                    id: "ZP".into(),
                    name: "aws-us-west-2.vectordb.zillizcloud.com".into(),
                },
                Some(fixtures::HOST),
                &[alias_to(wildcard, target)],
            )
        };
        let endpoint = fixtures::endpoint("available");
        let mut parents = vec![parent(
            "vpce-11111111-x.vpce-svc.us-west-2.vpce.amazonaws.com.",
        )];
        let taken = wildcards_answering_with(&mut parents, Some(&endpoint), &[]);
        assert_eq!(taken, [("ZP".to_string(), wildcard.to_string())]);
        let answered = answered_elsewhere(fixtures::HOST, &parents, &[], &[]).unwrap();
        assert_eq!(answered.zone.id, "ZP");
        assert!(answered.via.contains(wildcard), "{}", answered.via);
        // A wildcard that names something else keeps shadowing the host.
        let mut parents = vec![parent("public-lb.example.com.")];
        assert!(wildcards_answering_with(&mut parents, Some(&endpoint), &[]).is_empty());
        assert!(answered_elsewhere(fixtures::HOST, &parents, &[], &[]).is_none());
        assert_eq!(parents[0].answering.as_deref(), Some(wildcard));
    }

    #[test]
    fn the_hosts_own_record_then_the_most_specific_wildcard_answers() {
        assert_eq!(
            answering_record(
                HOST,
                &records(&[(HOST, "A"), ("*.vectordb.zillizcloud.com", "A")])
            ),
            Some(HOST.to_string())
        );
        assert_eq!(
            answering_record(
                HOST,
                &records(&[
                    ("*.vectordb.zillizcloud.com", "CNAME"),
                    ("*.aws-us-west-2.vectordb.zillizcloud.com", "A"),
                ])
            ),
            Some("*.aws-us-west-2.vectordb.zillizcloud.com".to_string())
        );
        // A TXT record answers nothing for an address lookup; another host's record neither.
        assert_eq!(
            answering_record(
                HOST,
                &records(&[
                    (HOST, "TXT"),
                    (
                        "in01-other-privatelink.aws-us-west-2.vectordb.zillizcloud.com",
                        "A"
                    )
                ])
            ),
            None
        );
        // A wildcard for another branch does not cover the host.
        assert_eq!(
            answering_record(
                HOST,
                &records(&[("*.gcp-us-west1.vectordb.zillizcloud.com", "A")])
            ),
            None
        );
    }
}
