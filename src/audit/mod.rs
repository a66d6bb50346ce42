//! `audit_private_links` and `zilliz-privatelink-mcp audit`: every private link of the key's
//! projects and the AWS account, per project and region, each judged with the drift named.
//!
//! Three rounds whatever the size of the fleet: every cluster the key sees; then, at once,
//! each project's registrations, each region's endpoints (regions read concurrently, a few at
//! a time) and the account's private zones; then each zone named for a private link host, read
//! whole. [`judge::judge_region`] judges each region's facts.

pub(crate) mod judge;

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;
use schemars::JsonSchema;
use serde::Serialize;
use tokio::sync::mpsc::UnboundedSender;

use crate::address::{PrivateLinkAddress, expected_private_link_host};
use crate::app::App;
use crate::aws::ec2::{self, EndpointQuery, VpcEndpoint};
use crate::aws::route53;
use crate::error::Error;
use crate::paging::{self, PageSize};
use crate::region::RegionNames;
use crate::request::AuditRequest;
use crate::summary::Summary;
use crate::validate;
use judge::{ClusterInfo, HostZone, Link, LinkStatus, RegionFacts};

/// Regions read at once: enough to hide latency, few enough to stay clear of throttling.
const REGION_CONCURRENCY: usize = 4;
/// Zones read at once (two calls each): Route 53 allows an account about five requests a
/// second, and the SDK retries what it throttles.
const ZONE_CONCURRENCY: usize = 4;
/// A page of 40 links stays under 32 KB (bench/).
const PAGE: PageSize = PageSize {
    default: 20,
    max: 40,
};

/// One region read, for progress notifications.
#[derive(Debug, Clone)]
pub(crate) struct AuditProgress {
    pub(crate) done: usize,
    pub(crate) total: usize,
    pub(crate) message: String,
}

/// A region the audit covered.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct RegionRead {
    pub(crate) region_id: String,
    pub(crate) aws_region: String,
    /// Why the region could not be read (its links are missing from the answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct AuditOutput {
    /// This page of links, by region, project and VPC.
    pub(crate) links: Vec<Link>,
    /// Pass it back as `cursor` for the next page.
    pub(crate) next_cursor: Option<String>,
    /// Links in the whole audit (every page).
    pub(crate) total_links: usize,
    /// Links with a failing finding, in the whole audit.
    pub(crate) broken: usize,
    /// Links waiting on something, in the whole audit.
    pub(crate) pending: usize,
    pub(crate) regions: Vec<RegionRead>,
    pub(crate) message: String,
}

impl Summary for AuditOutput {
    fn summary(&self) -> String {
        let mut text = self.message.clone();
        for link in &self.links {
            if link.status == LinkStatus::Ok {
                continue;
            }
            for f in link
                .findings
                .iter()
                .filter(|f| f.status != crate::diagnose::Status::Pass)
            {
                text.push_str(&format!(
                    "\n[{}] {} {}: {}",
                    crate::diagnose::mark(f.status),
                    link.region_id,
                    link.endpoint_id
                        .as_deref()
                        .or(link.vpc_id.as_deref())
                        .unwrap_or("-"),
                    f.detail
                ));
            }
        }
        if let Some(cursor) = &self.next_cursor {
            text.push_str(&format!("\nMore links: call again with cursor {cursor}."));
        }
        text
    }
}

/// The whole audit, every page: what the CLI prints and each page is cut from.
pub(crate) async fn audit_all(
    app: &App,
    request: &AuditRequest,
    progress: Option<UnboundedSender<AuditProgress>>,
) -> Result<(Vec<Link>, Vec<RegionRead>), Error> {
    let asked: Vec<RegionNames> = request
        .regions
        .iter()
        .flatten()
        .map(|r| RegionNames::parse(r))
        .collect::<Result<_, _>>()?;
    if let Some(bad) = asked.iter().find(|r| !r.region_id.starts_with("aws-")) {
        return Err(Error::invalid(
            "regions",
            &bad.region_id,
            "AWS regions only, such as `us-west-2` or `aws-us-west-2`",
        ));
    }
    let project = request
        .project_id
        .as_deref()
        .map(validate::project_id)
        .transpose()?;

    // Round 1: every cluster the key sees.
    let clusters = app.zilliz.clusters().await?;
    let known_clusters: Vec<String> = clusters.iter().map(|c| c.cluster_id.clone()).collect();
    let audited: Vec<(ClusterInfo, RegionNames)> = clusters
        .iter()
        .filter(|c| project.is_none() || c.project_id == project)
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
    if regions.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let projects: BTreeSet<String> = audited
        .iter()
        .map(|(c, _)| c.project_id.clone())
        .chain(project.clone())
        .collect();

    // Round 2: registrations, each region's endpoints, and the account's private zones.
    let total = regions.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let zone_clients = app.aws.clients(regions.first()).await?;
    let (registrations, per_region, zones) = tokio::join!(
        futures::future::join_all(projects.iter().map(|p| async move {
            app.zilliz
                .private_endpoints(p)
                .await
                .map(|list| (p.clone(), list))
        })),
        futures::stream::iter(regions.iter().cloned())
            .map(|region| {
                let progress = progress.clone();
                let done = &done;
                async move {
                    let read = read_region(app, &region).await;
                    let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                    if let Some(p) = &progress {
                        let _ = p.send(AuditProgress {
                            done: n,
                            total,
                            message: format!("read {} ({n} of {total})", region.aws_region),
                        });
                    }
                    (region, read)
                }
            })
            .buffer_unordered(REGION_CONCURRENCY)
            .collect::<Vec<_>>(),
        route53::private_zones(&zone_clients.route53),
    );
    let mut registered: Vec<(String, crate::zilliz::model::PrivateEndpoint)> = Vec::new();
    for found in registrations {
        let (project, list) = found?;
        registered.extend(list.into_iter().map(|r| (project.clone(), r)));
    }
    let region_ids: Vec<&str> = regions.iter().map(|r| r.region_id.as_str()).collect();
    let host_zones: Vec<(route53::Zone, String, String)> = zones?
        .into_iter()
        .filter_map(|z| {
            let (cluster, region) = judge::host_parts(&z.name)?;
            let (cluster, region) = (cluster.to_string(), region.to_string());
            region_ids
                .contains(&region.as_str())
                .then_some((z, cluster, region))
        })
        // With a project named, a zone counts where its cluster is one of that project's.
        .filter(|(_, cluster, _)| {
            project.is_none() || audited.iter().any(|(c, _)| &c.id == cluster)
        })
        .collect();

    // Round 3: each zone named for a private link host, read whole (its tags ten zones a
    // call).
    let r53 = &zone_clients.route53;
    let ids: Vec<String> = host_zones.iter().map(|(z, _, _)| z.id.clone()).collect();
    let (read_zones, tags) =
        tokio::join!(
            futures::stream::iter(host_zones.into_iter().map(
                |(zone, cluster, region)| async move {
                    let (vpcs, record) = tokio::join!(
                        route53::zone_vpcs(r53, &zone.id),
                        route53::a_record(r53, &zone.id, &zone.name),
                    );
                    let aws_region = RegionNames::parse(&region)
                        .map(|r| r.aws_region)
                        .unwrap_or_default();
                    let read = (|| {
                        Ok(HostZone {
                            vpcs: vpcs?
                                .into_iter()
                                .filter(|(_, r)| *r == aws_region)
                                .map(|(id, _)| id)
                                .collect(),
                            record: record?,
                            tags: Vec::new(),
                            cluster_id: cluster,
                            zone,
                        })
                    })();
                    (region, read)
                }
            ))
            .buffer_unordered(ZONE_CONCURRENCY)
            .collect::<Vec<(String, Result<HostZone, Error>)>>(),
            route53::zones_tags(r53, &ids),
        );
    let tags = tags?;
    let read_zones: Vec<(String, Result<HostZone, Error>)> = read_zones
        .into_iter()
        .map(|(region, zone)| {
            let zone = zone.map(|mut z| {
                z.tags = tags
                    .iter()
                    .find(|(id, _)| *id == z.zone.id)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default();
                z
            });
            (region, zone)
        })
        .collect();

    let mut links = Vec::new();
    let mut reads = Vec::new();
    for (region, endpoints) in per_region {
        let mut read = RegionRead {
            region_id: region.region_id.clone(),
            aws_region: region.aws_region.clone(),
            error: None,
        };
        let endpoints = match endpoints {
            Ok(endpoints) => endpoints,
            Err(e) => {
                read.error = Some(e.to_string());
                reads.push(read);
                continue;
            }
        };
        let mut zones = Vec::new();
        for (zone_region, zone) in &read_zones {
            if *zone_region != region.region_id {
                continue;
            }
            match zone {
                Ok(z) => zones.push(z.clone()),
                Err(e) => read.error = Some(e.to_string()),
            }
        }
        let facts = RegionFacts {
            endpoints,
            registrations: registered
                .iter()
                .filter(|(_, r)| r.region_id.as_deref() == Some(&region.region_id))
                .map(|(p, r)| (p.clone(), r.endpoint_id.clone(), r.endpoint_status.clone()))
                .collect(),
            clusters: audited
                .iter()
                .filter(|(_, r)| r.region_id == region.region_id)
                .map(|(c, _)| c.clone())
                .collect(),
            known_clusters: known_clusters.clone(),
            zones,
            region,
        };
        links.extend(judge::judge_region(&facts));
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
    Ok((links, reads))
}

/// A region's endpoints to Zilliz's service: the service's name (Zilliz) and the account's
/// endpoints (AWS) are read at once, and matched here.
async fn read_region(app: &App, region: &RegionNames) -> Result<Vec<VpcEndpoint>, Error> {
    let clients = app.aws.clients(Some(region)).await?;
    let (service, endpoints) = tokio::join!(
        app.zilliz.endpoint_service(&region.region_id),
        ec2::vpc_endpoints(&clients.ec2, EndpointQuery::default()),
    );
    let Some(service) = service? else {
        return Ok(Vec::new());
    };
    Ok(endpoints?
        .into_iter()
        .filter(|e| e.service_name == service.endpoint_service)
        .collect())
}

/// `audit_private_links`: one page of the audit.
pub(crate) async fn audit_private_links(
    app: &App,
    request: AuditRequest,
    progress: Option<UnboundedSender<AuditProgress>>,
) -> Result<AuditOutput, Error> {
    // A bad cursor is refused before any call.
    paging::parse(request.cursor.as_deref(), request.limit, PAGE)?;
    let (links, regions) = audit_all(app, &request, progress).await?;
    let broken = links
        .iter()
        .filter(|l| l.status == LinkStatus::Broken)
        .count();
    let pending = links
        .iter()
        .filter(|l| l.status == LinkStatus::Pending)
        .count();
    let total_links = links.len();
    let (links, next_cursor) = paging::page(links, request.cursor.as_deref(), request.limit, PAGE)?;
    let unread = regions.iter().filter(|r| r.error.is_some()).count();
    let message = format!(
        "{total_links} private link(s) in {} region(s): {broken} broken, {pending} pending{}.",
        regions.len(),
        if unread > 0 {
            format!("; {unread} region(s) could not be read (see regions)")
        } else {
            String::new()
        }
    );
    Ok(AuditOutput {
        links,
        next_cursor,
        total_links,
        broken,
        pending,
        regions,
        message,
    })
}
