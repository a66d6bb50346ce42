//! The audit's judgement of one region, a pure function over what was read there: every
//! endpoint to Zilliz's service with its registrations and each cluster's record, every
//! registration without its endpoint, and what this tool made for clusters that are gone.

use schemars::JsonSchema;
use serde::Serialize;

use std::collections::{BTreeMap, BTreeSet};

use crate::address::{PrivateLinkAddress, expected_private_link_host};
use crate::aws::ec2::VpcEndpoint;
use crate::aws::route53::{self, ARecord, Zone};
use crate::aws::tags::{CLUSTER_TAG, is_managed};
use crate::endpoint_state::{self, Phase};
use crate::finding::{self, Finding, Status};
use crate::region::RegionNames;
use crate::request::RegisterRequest;
use crate::request::RemoveRequest;
use crate::request::StatusRequest;
use crate::request::ToolCall;
use crate::request::WaitRequest;
use crate::zilliz::model::{Cluster, PrivateEndpoint};

/// A cluster of the region, as the audit needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ClusterInfo {
    id: String,
    project_id: String,
    /// Its private link host (the address Zilliz gave, else the name it will have).
    host: String,
}

/// A private zone named for a private link host of the region.
#[derive(Debug, Clone)]
pub(super) struct HostZone {
    pub(super) zone: Zone,
    /// The cluster the name is for.
    pub(super) cluster_id: String,
    /// The VPCs of this region it is tied to.
    pub(super) vpcs: Vec<String>,
    pub(super) record: Option<ARecord>,
    pub(super) tags: Vec<(String, String)>,
}

/// Everything the audit read of one region.
#[derive(Debug, Clone)]
struct RegionFacts {
    region: RegionNames,
    /// The account's endpoints to Zilliz's service of the region, in whichever region read
    /// they are (a cross-region endpoint is in another).
    endpoints: Vec<VpcEndpoint>,
    /// The AWS regions whose endpoints were read: an endpoint elsewhere is not seen.
    read_regions: Vec<String>,
    /// `(project, endpoint id, Zilliz's status)` of every registration in the region.
    registrations: Vec<(String, String, Option<String>)>,
    /// The clusters of the region (of the audited projects).
    clusters: Vec<ClusterInfo>,
    /// Every cluster id the key sees, in any region: a zone or endpoint made for an id not
    /// among them serves a cluster that is gone.
    known_clusters: Vec<String>,
    zones: Vec<HostZone>,
    /// The network account read beside this one: its account id, its profile, its endpoints
    /// (by id) and its zones.
    network: Option<NetworkSide>,
}

impl RegionFacts {
    /// The zones read, this account's and the network account's.
    fn every_zone(&self) -> impl Iterator<Item = &HostZone> {
        self.zones
            .iter()
            .chain(self.network.iter().flat_map(|n| &n.zones))
    }
}

/// What of a region is the network account's.
#[derive(Debug, Clone)]
struct NetworkSide {
    account: String,
    profile: String,
    endpoints: Vec<String>,
    zones: Vec<HostZone>,
}

/// What one region's read found: Zilliz's service there, and the account's endpoints there
/// to it or, across regions (`ServiceRegion` another region), to another region's.
#[derive(Debug)]
pub(super) struct RegionEndpoints {
    pub(super) service: Option<String>,
    pub(super) endpoints: Vec<VpcEndpoint>,
    /// The ids of those that are the network account's (read with `endpoint_profile`).
    pub(super) network_accounts: Vec<String>,
}

impl RegionEndpoints {
    /// This account's endpoints with the network account's (`theirs`) beside them; one both
    /// list (two profiles of one account) counts as this account's.
    pub(super) fn with_network_accounts(mut self, theirs: RegionEndpoints) -> Self {
        for e in theirs.endpoints {
            if !self.endpoints.iter().any(|own| own.id == e.id) {
                self.network_accounts.push(e.id.clone());
                self.endpoints.push(e);
            }
        }
        self
    }
}

/// A zone named for a private link host, read whole, with the region of its host.
pub(super) type ReadZone = (String, Result<HostZone, crate::error::Error>);

/// A landing zone's network account read beside this one: who it is, the profile that reads
/// it (named in its links' fixes), and its zones named for a private link host (why not,
/// where they could not be listed).
pub(super) struct OtherAccount {
    pub(super) account: String,
    pub(super) profile: String,
    pub(super) zones: Result<Vec<ReadZone>, String>,
}

/// How a link stands: the worst of its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum LinkStatus {
    Ok,
    Pending,
    Broken,
}

/// One private link (an endpoint, or what is left of one) and its verdict.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct Link {
    /// The Zilliz project it is registered with (null where it is registered with none the
    /// key sees).
    pub(crate) project_id: Option<String>,
    pub(super) region_id: String,
    pub(crate) aws_region: String,
    /// The clusters it serves (a private link serves every cluster of its project and region).
    pub(crate) cluster_ids: Vec<String>,
    pub(crate) endpoint_id: Option<String>,
    pub(crate) vpc_id: Option<String>,
    /// The AWS account of the endpoint or zone, where it is the network account read with
    /// `endpoint_profile` (absent: the account audited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) account: Option<String>,
    pub(crate) status: LinkStatus,
    pub(crate) findings: Vec<Finding>,
}

impl Link {
    fn new(
        facts: &RegionFacts,
        project_id: Option<&str>,
        cluster_ids: Vec<String>,
        endpoint_id: Option<&str>,
        vpc_id: Option<&str>,
        findings: Vec<Finding>,
    ) -> Self {
        let status = if findings.iter().any(|f| f.status == Status::Fail) {
            LinkStatus::Broken
        } else if findings.iter().any(|f| f.status == Status::Warn) {
            LinkStatus::Pending
        } else {
            LinkStatus::Ok
        };
        Self {
            project_id: project_id.map(str::to_string),
            region_id: facts.region.region_id.clone(),
            aws_region: facts.region.aws_region.clone(),
            cluster_ids,
            endpoint_id: endpoint_id.map(str::to_string),
            vpc_id: vpc_id.map(str::to_string),
            account: None,
            status,
            findings,
        }
    }
}

impl Link {
    /// A link of the network account's: its fixes are made with that account's profile, and
    /// its findings name the account.
    fn in_network_account(mut self, n: &NetworkSide) -> Self {
        self.account = Some(n.account.clone());
        for f in &mut self.findings {
            if let Some(call) = f.remedy.take() {
                let call = call.with_profile(&n.profile);
                f.fix = Some(call.text());
                f.remedy = Some(call);
            }
        }
        self
    }
}

/// The cluster id and Zilliz region a private link host names
/// (`<cluster>-privatelink.<region>.vectordb.zillizcloud.com`).
fn host_parts(host: &str) -> Option<(&str, &str)> {
    let rest = host.strip_suffix(".vectordb.zillizcloud.com")?;
    let (first, region) = rest.split_once('.')?;
    let cluster = first.strip_suffix("-privatelink")?;
    (!cluster.is_empty() && !region.contains('.')).then_some((cluster, region))
}

fn tag<'a>(tags: &'a [(String, String)], key: &str) -> Option<&'a str> {
    tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// The endpoint whose regional name an alias points at.
fn alias_endpoint<'a>(record: &ARecord, endpoints: &'a [VpcEndpoint]) -> Option<&'a VpcEndpoint> {
    let (name, _) = record.alias_target.as_ref()?;
    endpoints.iter().find(|e| {
        e.dns_entries
            .iter()
            .any(|(n, _)| route53::bare_name(n) == *name)
    })
}

/// The record of cluster `c` in VPC `vpc`, whose own endpoint is `e`.
fn record_finding(f: &RegionFacts, c: &ClusterInfo, vpc: &str, e: &VpcEndpoint) -> Finding {
    let check = format!("record:{}", c.id);
    let fix = ToolCall::setup_private_dns(&c.id, vpc, None);
    let Some(zone) = f
        .every_zone()
        .find(|z| z.zone.name == c.host && z.vpcs.iter().any(|v| v == vpc))
    else {
        return finding::fail(
            &check,
            format!(
                "cluster {} has no private zone for {} in {vpc}: the VPC reaches it only once the \
                 name resolves to {} (typical after a new cluster joins the project)",
                c.id, c.host, e.id
            ),
            fix,
        );
    };
    let Some(record) = &zone.record else {
        return finding::fail(
            &check,
            format!(
                "private zone {} of {} in {vpc} has no A record at its apex",
                zone.zone.id, c.host
            ),
            fix,
        );
    };
    match (alias_endpoint(record, &f.endpoints), &record.alias_target) {
        (Some(target), _) if target.id == e.id => {
            finding::pass(&check, format!("{} resolves to {} in {vpc}", c.host, e.id))
        }
        (Some(target), _) => finding::fail(
            &check,
            format!(
                "{} in {vpc} is an alias to {} of {}, not to {vpc}'s own endpoint {}",
                c.host, target.id, target.vpc_id, e.id
            ),
            fix,
        ),
        (None, Some((name, _))) => finding::fail(
            &check,
            format!(
                "{} in {vpc} is an alias to {name}, which is no endpoint of this account in {}: \
                 the endpoint it was made for is gone",
                c.host, f.region.aws_region
            ),
            fix,
        ),
        (None, None) => finding::fail(
            &check,
            format!(
                "{} in {vpc} is a plain A record ({}), not an alias to {}",
                c.host,
                record.addresses.join(", "),
                e.id
            ),
            fix,
        ),
    }
}

/// The endpoint's own state.
fn state_finding(e: &VpcEndpoint, region: &RegionNames, example_cluster: Option<&str>) -> Finding {
    match endpoint_state::phase(&e.state) {
        Phase::Ready => finding::pass("endpoint", format!("{} is {}", e.id, e.state)),
        Phase::Waiting | Phase::Unknown => finding::warn(
            "endpoint",
            format!("{} is {}: Zilliz has not accepted it yet", e.id, e.state),
            // The audit spans regions: the wait names the endpoint's, not the server's.
            ToolCall::WaitForEndpoint(WaitRequest {
                endpoint_id: e.id.clone(),
                region: Some(region.aws_region.clone()),
                ..Default::default()
            }),
        ),
        _ => finding::fail(
            "endpoint",
            format!("{} is {}: it carries no traffic", e.id, e.state),
            match example_cluster {
                Some(c) => format!(
                    "{} then create it again with create_vpc_endpoint (a rejected endpoint is \
                     usually one registered with another project, or from an account that needs \
                     whitelisting)",
                    ToolCall::RemovePrivateLink(RemoveRequest {
                        cluster_id: c.to_string(),
                        vpc_id: e.vpc_id.clone(),
                        ..Default::default()
                    })
                ),
                None => format!(
                    "aws ec2 delete-vpc-endpoints --vpc-endpoint-ids {}, then create it again \
                     with create_vpc_endpoint",
                    e.id
                ),
            },
        ),
    }
}

/// Made by this tool for a cluster that is gone, and needed by no cluster of its project here.
fn orphaned_endpoint(f: &RegionFacts, e: &VpcEndpoint, serves: &[String]) -> Option<Finding> {
    if !is_managed(&e.tags) {
        return None;
    }
    let made_for = tag(&e.tags, CLUSTER_TAG)?;
    if f.known_clusters.iter().any(|c| c == made_for) || !serves.is_empty() {
        return None;
    }
    Some(finding::fail(
        "orphan",
        format!(
            "{} was made by this tool for cluster {made_for}, which no longer exists, and no \
             cluster of its project in {} uses it",
            e.id, f.region.region_id
        ),
        format!(
            "aws ec2 delete-vpc-endpoints --region {} --vpc-endpoint-ids {} (and its security \
             group, if this tool made it, once the endpoint is gone)",
            f.region.aws_region, e.id
        ),
    ))
}

/// What the audit covers: the clusters of the project (or of every project), the regions to
/// read, and the projects whose registrations count.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Scope {
    audited: Vec<(ClusterInfo, RegionNames)>,
    /// Every cluster the key sees, whatever its project or region: a registration or a zone
    /// of a cluster among them is not an orphan.
    known_clusters: Vec<String>,
    pub(super) regions: Vec<RegionNames>,
    pub(super) projects: BTreeSet<String>,
}

/// The audit's scope from the clusters the key sees: AWS clusters of the project (all where
/// none is named), in the regions asked for, else every region they run in.
pub(super) fn scope(clusters: &[Cluster], project: Option<&str>, asked: Vec<RegionNames>) -> Scope {
    let audited: Vec<(ClusterInfo, RegionNames)> = clusters
        .iter()
        .filter(|c| project.is_none() || c.project_id.as_deref() == project)
        .filter_map(|c| {
            let region = RegionNames::parse(c.region_id.as_deref()?).ok()?;
            let host = c
                .private_link()
                .and_then(|a| PrivateLinkAddress::parse(a).ok())
                .map(|a| a.host)
                .unwrap_or_else(|| expected_private_link_host(&c.cluster_id, &region.region_id));
            Some((
                ClusterInfo {
                    id: c.cluster_id.clone(),
                    project_id: c.project_id.clone()?,
                    host,
                },
                region,
            ))
        })
        .filter(|(_, r)| r.region_id.starts_with("aws-"))
        .collect();
    let regions: Vec<RegionNames> = if asked.is_empty() {
        let mut seen = BTreeMap::new();
        for (_, r) in &audited {
            seen.entry(r.aws_region.clone())
                .or_insert_with(|| r.clone());
        }
        seen.into_values().collect()
    } else {
        asked
    };
    let projects: BTreeSet<String> = audited
        .iter()
        .map(|(c, _)| c.project_id.clone())
        .chain(project.map(str::to_string))
        .collect();
    Scope {
        known_clusters: clusters.iter().map(|c| c.cluster_id.clone()).collect(),
        audited,
        regions,
        projects,
    }
}

/// A private zone named for a private link host of an audited region.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct NamedZone {
    pub(super) zone: Zone,
    pub(super) cluster_id: String,
    pub(super) region_id: String,
}

/// The account's zones named for a private link host in the audited regions; with a project
/// named, only those of its clusters.
pub(super) fn host_zones(zones: Vec<Zone>, scope: &Scope, one_project: bool) -> Vec<NamedZone> {
    let region_ids: Vec<&str> = scope.regions.iter().map(|r| r.region_id.as_str()).collect();
    zones
        .into_iter()
        .filter_map(|zone| {
            let (cluster, region) = host_parts(&zone.name)?;
            let named = NamedZone {
                cluster_id: cluster.to_string(),
                region_id: region.to_string(),
                zone: zone.clone(),
            };
            region_ids.contains(&region).then_some(named)
        })
        .filter(|z| !one_project || scope.audited.iter().any(|(c, _)| c.id == z.cluster_id))
        .collect()
}

/// The zones read for the hosts of region `region_id`, and why one could not be read, where
/// one could not.
fn zones_of_region(read_zones: &[ReadZone], region_id: &str) -> (Vec<HostZone>, Option<String>) {
    let mut zones = Vec::new();
    let mut unread = None;
    for (_, zone) in read_zones.iter().filter(|(r, _)| r == region_id) {
        match zone {
            Ok(z) => zones.push(z.clone()),
            Err(e) => unread = Some(e.to_string()),
        }
    }
    (zones, unread)
}

/// Every region judged from what was read: a region whose endpoints could not be read is said
/// so, with no links; a zone that could not be read marks its region.
pub(super) fn judge_all(
    scope: &Scope,
    per_region: Vec<(RegionNames, Result<RegionEndpoints, crate::error::Error>)>,
    (read_zones, other): (&[ReadZone], Option<&OtherAccount>),
    registered: &[(String, PrivateEndpoint)],
) -> (Vec<Link>, Vec<super::RegionRead>) {
    let mut links = Vec::new();
    let mut reads = Vec::new();
    // Every endpoint read, wherever it is: a region's service is reached from any of them
    // (cross-region endpoints), and a service's name is its own region's alone.
    let everywhere: Vec<VpcEndpoint> = per_region
        .iter()
        .filter_map(|(_, read)| read.as_ref().ok())
        .flat_map(|read| read.endpoints.iter().cloned())
        .collect();
    let network_endpoints: Vec<String> = per_region
        .iter()
        .filter_map(|(_, read)| read.as_ref().ok())
        .flat_map(|read| read.network_accounts.iter().cloned())
        .collect();
    let read_regions: Vec<String> = per_region
        .iter()
        .filter(|(_, read)| read.is_ok())
        .map(|(r, _)| r.aws_region.clone())
        .collect();
    for (region, endpoints) in per_region {
        let mut read = super::RegionRead {
            region_id: region.region_id.clone(),
            aws_region: region.aws_region.clone(),
            error: None,
        };
        let endpoints = match endpoints {
            Ok(RegionEndpoints {
                service: Some(service),
                ..
            }) => everywhere
                .iter()
                .filter(|e| e.service_name == service)
                .cloned()
                .collect(),
            Ok(RegionEndpoints { service: None, .. }) => Vec::new(),
            Err(e) => {
                read.error = Some(e.to_string());
                reads.push(read);
                continue;
            }
        };
        let (zones, unread) = zones_of_region(read_zones, &region.region_id);
        read.error = read.error.or(unread);
        let network = other.map(|o| {
            // Where the network account's zones could not be listed, each region says so.
            let (zones, unread) = match &o.zones {
                Ok(read_zones) => zones_of_region(read_zones, &region.region_id),
                Err(e) => (Vec::new(), Some(e.clone())),
            };
            if let Some(e) = unread {
                read.error = Some(format!("account {}: {e}", o.account));
            }
            NetworkSide {
                account: o.account.clone(),
                profile: o.profile.clone(),
                endpoints: network_endpoints.clone(),
                zones,
            }
        });
        let facts = RegionFacts {
            endpoints,
            read_regions: read_regions.clone(),
            registrations: registered
                .iter()
                .filter(|(_, r)| r.region_id.as_deref() == Some(&region.region_id))
                .map(|(p, r)| (p.clone(), r.endpoint_id.clone(), r.endpoint_status.clone()))
                .collect(),
            clusters: scope
                .audited
                .iter()
                .filter(|(_, r)| r.region_id == region.region_id)
                .map(|(c, _)| c.clone())
                .collect(),
            known_clusters: scope.known_clusters.clone(),
            zones,
            network,
            region,
        };
        links.extend(judge_region(&facts));
        reads.push(read);
    }
    links.sort_by(|a, b| {
        (&a.region_id, &a.project_id, &a.vpc_id, &a.endpoint_id).cmp(&(
            &b.region_id,
            &b.project_id,
            &b.vpc_id,
            &b.endpoint_id,
        ))
    });
    reads.sort_by(|a, b| a.region_id.cmp(&b.region_id));
    (links, reads)
}

/// Every link of the region, with its findings.
fn judge_region(f: &RegionFacts) -> Vec<Link> {
    let mut links: Vec<Link> = f
        .endpoints
        .iter()
        .flat_map(|e| {
            let links = endpoint_links(f, e);
            match &f.network {
                Some(n) if n.endpoints.contains(&e.id) => {
                    links.into_iter().map(|l| l.in_network_account(n)).collect()
                }
                _ => links,
            }
        })
        .collect();
    // Registrations whose endpoint is not in this account's region.
    for (project, endpoint_id, _) in &f.registrations {
        if f.endpoints.iter().any(|e| &e.id == endpoint_id) {
            continue;
        }
        let ids: Vec<String> = clusters_of(f, project)
            .iter()
            .map(|c| c.id.clone())
            .collect();
        links.push(Link::new(
            f,
            Some(project),
            ids,
            Some(endpoint_id),
            None,
            vec![finding::fail(
                "endpoint",
                format!(
                    "{endpoint_id} is registered with {project} in {}, but this AWS account has \
                     no such endpoint in the regions read ({}): it was deleted, it belongs to \
                     another AWS account, or it is a cross-region endpoint in a region not read \
                     (this tool cannot tell which)",
                    f.region.region_id,
                    f.read_regions.join(", ")
                ),
                format!(
                    "if it is a cross-region endpoint, audit with `regions` naming its region \
                     too; if it belongs to another account, audit with that account's profile; \
                     if it was deleted, remove its registration in the Zilliz console (project \
                     {project}, Private Endpoints)"
                ),
            )],
        ));
    }
    links.extend(f.zones.iter().flat_map(|z| zone_links(f, z)));
    if let Some(n) = &f.network {
        links.extend(
            n.zones
                .iter()
                .flat_map(|z| zone_links(f, z))
                .map(|l| l.in_network_account(n)),
        );
    }
    links
}

fn clusters_of<'a>(f: &'a RegionFacts, project: &str) -> Vec<&'a ClusterInfo> {
    f.clusters
        .iter()
        .filter(|c| c.project_id == project)
        .collect()
}

/// An endpoint to Zilliz's service: one link per project it is registered with (its records
/// judged once it is ready), or one link saying it is registered with none.
fn endpoint_links(f: &RegionFacts, e: &VpcEndpoint) -> Vec<Link> {
    if endpoint_state::phase(&e.state) == Phase::Gone {
        return Vec::new();
    }
    let mut projects: Vec<&str> = f
        .registrations
        .iter()
        .filter(|(_, id, _)| *id == e.id)
        .map(|(p, _, _)| p.as_str())
        .collect();
    projects.sort();
    projects.dedup();
    if projects.is_empty() {
        let mut findings = vec![state_finding(e, &f.region, None)];
        let example = f.clusters.first();
        findings.push(finding::fail(
            "registration",
            format!(
                "{} in {} leads to Zilliz's service in {} but is registered with no project \
                 this API key sees (or with one it cannot see)",
                e.id, e.vpc_id, f.region.region_id
            ),
            match example {
                Some(c) => finding::Fix::Call(ToolCall::RegisterEndpoint(RegisterRequest {
                    endpoint_id: e.id.clone(),
                    cluster_id: Some(c.id.clone()),
                    ..Default::default()
                })),
                None => finding::Fix::Text(format!(
                    "register it with register_endpoint (endpoint_id {}, project_id and \
                     region {}), or delete it if nothing uses it",
                    e.id, f.region.region_id
                )),
            },
        ));
        findings.extend(orphaned_endpoint(f, e, &[]));
        return vec![Link::new(
            f,
            None,
            Vec::new(),
            Some(&e.id),
            Some(&e.vpc_id),
            findings,
        )];
    }
    let mut links = Vec::new();
    for project in projects {
        let clusters = clusters_of(f, project);
        let ids: Vec<String> = clusters.iter().map(|c| c.id.clone()).collect();
        let mut findings = vec![state_finding(e, &f.region, ids.first().map(String::as_str))];
        findings.push(finding::pass(
            "registration",
            format!(
                "{} is registered with {project} in {}",
                e.id, f.region.region_id
            ),
        ));
        if endpoint_state::phase(&e.state) == Phase::Ready {
            findings.extend(clusters.iter().map(|c| record_finding(f, c, &e.vpc_id, e)));
        }
        findings.extend(orphaned_endpoint(f, e, &ids));
        links.push(Link::new(
            f,
            Some(project),
            ids,
            Some(&e.id),
            Some(&e.vpc_id),
            findings,
        ));
    }
    links
}

/// A zone named for a host: records in VPCs without an endpoint of their own (spokes), and
/// what this tool left behind for a cluster that is gone.
fn zone_links(f: &RegionFacts, z: &HostZone) -> Vec<Link> {
    let mut links = Vec::new();
    let gone = !f.known_clusters.contains(&z.cluster_id);
    if gone {
        if is_managed(&z.tags) || tag(&z.tags, CLUSTER_TAG).is_some() {
            let delete_record = z.record.as_ref().map_or(String::new(), |_| {
                format!(
                    "delete its A record (aws route53 change-resource-record-sets \
                     --hosted-zone-id {} with a DELETE of the record as it is), then ",
                    z.zone.id
                )
            });
            links.push(Link::new(
                f,
                None,
                vec![z.cluster_id.clone()],
                None,
                z.vpcs.first().map(String::as_str),
                vec![finding::fail(
                    "orphan",
                    format!(
                        "private zone {} ({}) was made by this tool for cluster {}, which no \
                         longer exists; it is tied to {}",
                        z.zone.id,
                        z.zone.name,
                        z.cluster_id,
                        if z.vpcs.is_empty() {
                            "no VPC of this region".to_string()
                        } else {
                            z.vpcs.join(", ")
                        }
                    ),
                    format!(
                        "{delete_record}aws route53 delete-hosted-zone --id {}",
                        z.zone.id
                    ),
                )],
            ));
        }
        return links;
    }
    for vpc in &z.vpcs {
        let own = f
            .endpoints
            .iter()
            .any(|e| &e.vpc_id == vpc && endpoint_state::phase(&e.state) != Phase::Gone);
        if own {
            continue; // judged with the VPC's own endpoint above
        }
        let Some(record) = &z.record else { continue };
        let project = f
            .clusters
            .iter()
            .find(|c| c.id == z.cluster_id)
            .map(|c| c.project_id.as_str());
        let finding = match alias_endpoint(record, &f.endpoints) {
            Some(hub) => finding::pass(
                &format!("record:{}", z.cluster_id),
                format!(
                    "{} in {vpc} resolves to {} of {} (hub and spoke)",
                    z.zone.name, hub.id, hub.vpc_id
                ),
            ),
            None => finding::fail(
                &format!("record:{}", z.cluster_id),
                format!(
                    "{} in {vpc} is an alias to {}, which is no endpoint of this account in \
                     {}: the endpoint is gone",
                    z.zone.name,
                    record
                        .alias_target
                        .as_ref()
                        .map_or("(no alias)", |(n, _)| n.as_str()),
                    f.region.aws_region
                ),
                format!(
                    "{} shows what {vpc} resolves through now; then setup_private_dns for it \
                     with the endpoint it should use",
                    ToolCall::GetSetupStatus(StatusRequest {
                        cluster_id: z.cluster_id.clone(),
                        vpc_id: vpc.clone(),
                        ..Default::default()
                    })
                ),
            ),
        };
        links.push(Link::new(
            f,
            project,
            vec![z.cluster_id.clone()],
            None,
            Some(vpc),
            vec![finding],
        ));
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGION: &str = "aws-us-west-2";
    const SERVICE: &str = "com.amazonaws.vpce.us-west-2.vpce-svc-0123456789abcdef0";

    fn zilliz_cluster(id: &str, project: &str, region: &str) -> Cluster {
        Cluster {
            cluster_id: id.into(),
            cluster_name: None,
            project_id: Some(project.into()),
            region_id: Some(region.into()),
            plan: Some("Enterprise".into()),
            status: Some("RUNNING".into()),
            connect_address: None,
            private_link_address: None,
        }
    }

    #[test]
    fn the_scope_is_the_projects_aws_clusters_and_their_regions() {
        let clusters = [
            zilliz_cluster("in01-a", "proj-1", "aws-us-west-2"),
            zilliz_cluster("in01-b", "proj-2", "aws-eu-central-1"),
            zilliz_cluster("in01-c", "proj-1", "gcp-us-west1"),
        ];
        let all = scope(&clusters, None, vec![]);
        let regions: Vec<&str> = all.regions.iter().map(|r| r.aws_region.as_str()).collect();
        assert_eq!(regions, ["eu-central-1", "us-west-2"]);
        assert_eq!(all.audited.len(), 2, "the GCP cluster is not audited");
        assert_eq!(
            all.known_clusters.len(),
            3,
            "but it is known, so never an orphan"
        );
        let one = scope(&clusters, Some("proj-1"), vec![]);
        assert_eq!(one.audited.len(), 1);
        assert_eq!(one.projects.iter().collect::<Vec<_>>(), ["proj-1"]);
        // Regions asked for are read even where no cluster runs.
        let asked = scope(&clusters, None, vec![RegionNames::from_aws("ap-south-1")]);
        assert_eq!(asked.regions, vec![RegionNames::from_aws("ap-south-1")]);
        assert_eq!(asked.audited[0].0.host, host("in01-a"));
    }

    #[test]
    fn only_zones_named_for_a_host_of_an_audited_region_are_read() {
        let clusters = [
            zilliz_cluster("in01-a", "proj-1", REGION),
            zilliz_cluster("in01-b", "proj-2", REGION),
        ];
        let zone = |name: &str| Zone {
            id: format!("Z-{name}"),
            name: name.into(),
        };
        let zones = vec![
            zone(&host("in01-a")),
            zone(&host("in01-b")),
            zone("in01-a-privatelink.aws-eu-central-1.vectordb.zillizcloud.com"),
            zone("internal.example.com"),
        ];
        let every = host_zones(zones.clone(), &scope(&clusters, None, vec![]), false);
        let ids: Vec<&str> = every.iter().map(|z| z.cluster_id.as_str()).collect();
        assert_eq!(ids, ["in01-a", "in01-b"]);
        let mine = host_zones(zones, &scope(&clusters, Some("proj-1"), vec![]), true);
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].region_id, REGION);
    }

    fn host(cluster: &str) -> String {
        format!("{cluster}-privatelink.{REGION}.vectordb.zillizcloud.com")
    }

    fn endpoint(id: &str, vpc: &str, state: &str) -> VpcEndpoint {
        VpcEndpoint {
            id: id.into(),
            vpc_id: vpc.into(),
            service_name: SERVICE.into(),
            state: state.into(),
            subnet_ids: vec![],
            security_group_ids: vec![],
            dns_entries: vec![(
                format!("{id}-abcd1234.vpce-svc-0123.us-west-2.vpce.amazonaws.com"),
                Some("Z1HUB".into()),
            )],
            private_dns_enabled: Some(false),
            service_region: None,
            network_interface_ids: vec![],
            tags: vec![],
        }
    }

    fn zone(cluster: &str, vpcs: &[&str], target: Option<&str>) -> HostZone {
        HostZone {
            zone: Zone {
                id: format!("Z{cluster}"),
                name: host(cluster),
            },
            cluster_id: cluster.into(),
            vpcs: vpcs.iter().map(|v| v.to_string()).collect(),
            record: target.map(|t| {
                ARecord::alias(
                    &host(cluster),
                    (
                        &format!("{t}-abcd1234.vpce-svc-0123.us-west-2.vpce.amazonaws.com"),
                        "Z1HUB",
                    ),
                )
            }),
            tags: vec![],
        }
    }

    fn cluster(id: &str, project: &str) -> ClusterInfo {
        ClusterInfo {
            id: id.into(),
            project_id: project.into(),
            host: host(id),
        }
    }

    fn healthy() -> RegionFacts {
        RegionFacts {
            read_regions: vec!["us-west-2".into()],
            region: RegionNames::parse(REGION).unwrap(),
            endpoints: vec![endpoint("vpce-1", "vpc-a", "available")],
            registrations: vec![("proj-1".into(), "vpce-1".into(), Some("accepted".into()))],
            clusters: vec![cluster("in01-a", "proj-1"), cluster("in01-b", "proj-1")],
            known_clusters: vec!["in01-a".into(), "in01-b".into()],
            zones: vec![
                zone("in01-a", &["vpc-a", "vpc-spoke"], Some("vpce-1")),
                zone("in01-b", &["vpc-a"], Some("vpce-1")),
            ],
            network: None,
        }
    }

    #[test]
    fn a_landing_zone_is_judged_whole_with_the_network_accounts_side() {
        // From the workload account alone: the hub's registered endpoint is not found, and
        // the audit cannot tell why.
        let mut workload = healthy();
        workload.endpoints.clear();
        workload.zones.clear();
        workload.registrations = vec![("proj-1".into(), "vpce-hub".into(), None)];
        let alone = judge_region(&workload);
        assert!(
            failing(&alone)[0].contains("cannot tell which"),
            "{alone:?}"
        );
        // With the network account read: its endpoint and zone count, the workload VPC is a
        // spoke, and each fix is made with the network account's profile.
        workload
            .endpoints
            .push(endpoint("vpce-hub", "vpc-hub", "available"));
        workload.network = Some(NetworkSide {
            account: "222222222222".into(),
            profile: "network".into(),
            endpoints: vec!["vpce-hub".into()],
            zones: vec![
                zone("in01-a", &["vpc-hub", "vpc-workload"], Some("vpce-hub")),
                zone("in01-b", &["vpc-hub"], Some("vpce-hub")),
            ],
        });
        let whole = judge_region(&workload);
        assert!(failing(&whole).is_empty(), "{:?}", failing(&whole));
        let hub = whole
            .iter()
            .find(|l| l.endpoint_id.as_deref() == Some("vpce-hub"))
            .unwrap();
        assert_eq!(hub.account.as_deref(), Some("222222222222"));
        let spoke = whole
            .iter()
            .find(|l| l.vpc_id.as_deref() == Some("vpc-workload"))
            .unwrap();
        assert!(spoke.findings[0].detail.contains("vpce-hub"), "{spoke:?}");
        // A drift on the network account's side: its fix names that account's profile.
        workload.network.as_mut().unwrap().zones.pop();
        let drift = judge_region(&workload);
        let missing = drift
            .iter()
            .flat_map(|l| &l.findings)
            .find(|f| f.status == Status::Fail)
            .unwrap();
        assert!(
            missing
                .fix
                .as_deref()
                .unwrap()
                .contains("\"profile\":\"network\""),
            "{missing:?}"
        );
    }

    fn failing(links: &[Link]) -> Vec<String> {
        links
            .iter()
            .flat_map(|l| &l.findings)
            .filter(|f| f.status == Status::Fail)
            .map(|f| f.detail.clone())
            .collect()
    }

    #[test]
    fn a_healthy_fleet_has_no_failing_finding() {
        let links = judge_region(&healthy());
        assert!(failing(&links).is_empty(), "{:?}", failing(&links));
        assert_eq!(
            links.len(),
            2,
            "the endpoint, and the spoke that resolves to it"
        );
        assert_eq!(links[0].cluster_ids, vec!["in01-a", "in01-b"]);
        assert!(links.iter().all(|l| l.status == LinkStatus::Ok));
    }

    #[test]
    fn a_waiting_endpoint_is_waited_for_in_its_own_region() {
        let mut f = healthy();
        f.region = RegionNames::parse("aws-eu-central-1").unwrap();
        f.endpoints[0].state = "pendingAcceptance".into();
        let links = judge_region(&f);
        let waiting = links
            .iter()
            .flat_map(|l| &l.findings)
            .find(|f| f.check == "endpoint")
            .unwrap();
        assert_eq!(waiting.status, Status::Warn);
        let Some(ToolCall::WaitForEndpoint(wait)) = &waiting.remedy else {
            panic!("{waiting:?}")
        };
        assert_eq!(wait.region.as_deref(), Some("eu-central-1"));
    }

    #[test]
    fn every_drift_is_named_with_its_fix() {
        let mut f = healthy();
        // A new cluster of the project without a record.
        f.clusters.push(cluster("in01-new", "proj-1"));
        f.known_clusters.push("in01-new".into());
        // A registration whose endpoint is not in the account.
        f.registrations
            .push(("proj-1".into(), "vpce-gone".into(), None));
        // An unregistered endpoint, and a rejected one.
        f.endpoints
            .push(endpoint("vpce-loose", "vpc-b", "available"));
        f.endpoints.push(endpoint("vpce-bad", "vpc-c", "rejected"));
        f.registrations
            .push(("proj-1".into(), "vpce-bad".into(), None));
        // A record pointing at an endpoint that is gone, in a spoke.
        f.zones
            .push(zone("in01-b", &["vpc-d"], Some("vpce-deleted")));
        // What this tool made for a cluster that is gone.
        let mut orphan = zone("in01-dead", &["vpc-a"], Some("vpce-1"));
        orphan.tags = vec![
            (
                crate::aws::tags::MANAGED_BY_TAG.into(),
                crate::aws::tags::MANAGED_BY_VALUE.into(),
            ),
            (CLUSTER_TAG.into(), "in01-dead".into()),
        ];
        f.zones.push(orphan);
        let mut dead_endpoint = endpoint("vpce-dead", "vpc-e", "available");
        dead_endpoint.tags = vec![
            (
                crate::aws::tags::MANAGED_BY_TAG.into(),
                crate::aws::tags::MANAGED_BY_VALUE.into(),
            ),
            (CLUSTER_TAG.into(), "in01-dead".into()),
        ];
        f.endpoints.push(dead_endpoint);
        let links = judge_region(&f);
        let fails = failing(&links);
        for expected in [
            "cluster in01-new has no private zone",
            "vpce-gone is registered with proj-1",
            "vpce-loose in vpc-b leads to Zilliz's service",
            "vpce-bad is rejected",
            "which is no endpoint of this account",
            "was made by this tool for cluster in01-dead",
            "vpce-dead was made by this tool for cluster in01-dead",
        ] {
            assert!(
                fails.iter().any(|f| f.contains(expected)),
                "{expected} missing from {fails:#?}"
            );
        }
        for link in &links {
            for f in &link.findings {
                assert!(f.status == Status::Pass || f.fix.is_some(), "{f:?}");
            }
        }
        let new = links
            .iter()
            .flat_map(|l| &l.findings)
            .find(|f| f.check == "record:in01-new")
            .unwrap();
        assert!(
            new.fix
                .as_deref()
                .unwrap()
                .contains("\"cluster_id\":\"in01-new\"")
        );
    }

    #[test]
    fn a_record_pointing_at_another_vpcs_endpoint_where_this_vpc_has_its_own_fails() {
        let mut f = healthy();
        f.endpoints.push(endpoint("vpce-2", "vpc-b", "available"));
        f.registrations
            .push(("proj-1".into(), "vpce-2".into(), None));
        f.zones.push(zone("in01-a", &["vpc-b"], Some("vpce-1")));
        f.zones.push(zone("in01-b", &["vpc-b"], Some("vpce-2")));
        let fails = failing(&judge_region(&f));
        assert_eq!(fails.len(), 1, "{fails:?}");
        assert!(fails[0].contains("not to vpc-b's own endpoint vpce-2"));
    }

    #[test]
    fn host_names_give_cluster_and_region() {
        assert_eq!(host_parts(&host("in01-abc")), Some(("in01-abc", REGION)));
        assert_eq!(host_parts("example.com"), None);
        assert_eq!(host_parts("vectordb.zillizcloud.com"), None);
        assert_eq!(
            host_parts("in01-x.aws-us-west-2.vectordb.zillizcloud.com"),
            None
        );
    }
}
