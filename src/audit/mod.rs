//! `audit_private_links` and `zilliz-privatelink-mcp audit`: every private link of the key's
//! projects and the AWS account, per project and region, each judged with the drift named.
//!
//! Three rounds whatever the size of the fleet: every cluster the key sees; then, at once,
//! each project's registrations, each region's endpoints (regions read concurrently, a few at
//! a time) and the account's private zones; then each zone named for a private link host, read
//! whole. [`judge::judge_region`] judges each region's facts.

pub(crate) mod judge;

use futures::StreamExt;
use schemars::JsonSchema;
use serde::Serialize;
use tokio::sync::mpsc::UnboundedSender;

use crate::app::App;
use crate::aws::ec2::{self, EndpointQuery};
use crate::aws::route53;
use crate::error::Error;
use crate::paging::{self, PageSize};
use crate::region::RegionNames;
use crate::request::AuditRequest;
use crate::summary::Summary;
use crate::validate;
use crate::zilliz::model::PrivateEndpoint;
use judge::{HostZone, Link, LinkStatus};

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
    region_id: String,
    pub(crate) aws_region: String,
    /// Why the region could not be read (its links are missing from the answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct AuditOutput {
    /// This page of links, by region, project and VPC.
    links: Vec<Link>,
    /// Pass it back as `cursor` for the next page.
    next_cursor: Option<String>,
    /// Links in the whole audit (every page).
    total_links: usize,
    /// Links with a failing finding, in the whole audit.
    broken: usize,
    /// Links waiting on something, in the whole audit.
    pending: usize,
    regions: Vec<RegionRead>,
    message: String,
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
                .filter(|f| f.status != crate::finding::Status::Pass)
            {
                text.push_str(&format!(
                    "\n[{}] {} {}: {}",
                    crate::finding::mark(f.status),
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

/// A landing zone's network account, read beside this one (`endpoint_profile`): its server,
/// and the profile its links' fixes name.
#[derive(Clone, Copy)]
pub(crate) struct NetworkAccount<'a> {
    pub(crate) app: &'a App,
    pub(crate) profile: &'a str,
}

/// The whole audit, every page: what the CLI prints and each page is cut from.
pub(crate) async fn audit_all(
    app: &App,
    network: Option<NetworkAccount<'_>>,
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
    let widen = asked.is_empty();
    let mut scope = judge::scope(&clusters, project.as_deref(), asked);
    if scope.regions.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    // By default the server's own region is read beside the clusters' (in the same round):
    // a cross-region endpoint to their services is usually there.
    if widen
        && let Ok(home) = app.aws.clients(None).await
        && !scope.regions.contains(&home.region)
    {
        scope.regions.push(home.region.clone());
    }
    // Private zones are global: the first region's Route 53 client reads them all.
    let first = scope.regions.first();
    let zone_clients = app.aws.clients(first).await?;
    let network_side = match network {
        Some(n) => {
            let (clients, identity) = tokio::join!(
                n.app.aws.clients(first),
                n.app.aws.identity(&scope.regions[0])
            );
            Some((n, clients?, identity?.account_id))
        }
        None => None,
    };
    let network_reads = network_side
        .as_ref()
        .map(|(n, clients, _)| (n.app, &clients.route53));
    let accounts = read_accounts(
        (app, &zone_clients.route53),
        network_reads,
        &scope,
        progress,
    )
    .await?;
    let one_project = project.is_some();
    let (read_zones, network_zones) = tokio::join!(
        read_host_zones(
            &zone_clients.route53,
            judge::host_zones(accounts.zones, &scope, one_project)
        ),
        async {
            match &network_side {
                Some((_, clients, _)) => {
                    let named = judge::host_zones(accounts.network_zones, &scope, one_project);
                    read_host_zones(&clients.route53, named).await
                }
                None => Ok(Vec::new()),
            }
        },
    );
    let other = network_side.map(|(n, _, account)| judge::OtherAccount {
        account,
        profile: n.profile.to_string(),
        zones: network_zones.map_err(|e| e.to_string()),
    });
    Ok(judge::judge_all(
        &scope,
        accounts.per_region,
        (&read_zones?, other.as_ref()),
        &accounts.registered,
    ))
}

/// Round 2: each project's registrations, each region's endpoints (a few regions at a time,
/// with progress) and the account's private zones, all at once; the network account's
/// endpoints and zones beside them, where it is read too.
struct AccountReads {
    registered: Vec<(String, PrivateEndpoint)>,
    per_region: Vec<(RegionNames, Result<judge::RegionEndpoints, Error>)>,
    zones: Vec<route53::Zone>,
    network_zones: Vec<route53::Zone>,
}

type Reader<'a> = (&'a App, &'a aws_sdk_route53::Client);

async fn read_accounts(
    (app, r53): Reader<'_>,
    network: Option<Reader<'_>>,
    scope: &judge::Scope,
    progress: Option<UnboundedSender<AuditProgress>>,
) -> Result<AccountReads, Error> {
    let total = scope.regions.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let (registrations, per_region, zones) = tokio::join!(
        futures::future::join_all(scope.projects.iter().map(|p| async move {
            app.zilliz
                .private_endpoints(p)
                .await
                .map(|list| (p.clone(), list))
        })),
        futures::stream::iter(scope.regions.iter().cloned())
            .map(|region| {
                let progress = progress.clone();
                let done = &done;
                async move {
                    let read = match network {
                        Some((network, _)) => {
                            let (own, theirs) = tokio::join!(
                                read_region(app, &region),
                                read_region(network, &region)
                            );
                            own.and_then(|own| Ok(own.with_network_accounts(theirs?)))
                        }
                        None => read_region(app, &region).await,
                    };
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
        async {
            tokio::join!(route53::private_zones(r53), async {
                match network {
                    Some((_, r53)) => route53::private_zones(r53).await,
                    None => Ok(Vec::new()),
                }
            })
        },
    );
    let (zones, network_zones) = zones;
    let mut registered = Vec::new();
    for found in registrations {
        let (project, list) = found?;
        registered.extend(list.into_iter().map(|r| (project.clone(), r)));
    }
    Ok(AccountReads {
        registered,
        per_region,
        zones: zones?,
        network_zones: network_zones?,
    })
}

/// Round 3: each zone named for a private link host, read whole (its tags ten zones a call).
async fn read_host_zones(
    r53: &aws_sdk_route53::Client,
    host_zones: Vec<judge::NamedZone>,
) -> Result<Vec<(String, Result<HostZone, Error>)>, Error> {
    let ids: Vec<String> = host_zones.iter().map(|z| z.zone.id.clone()).collect();
    let (read_zones, tags) = tokio::join!(
        futures::stream::iter(host_zones.into_iter().map(|named| async move {
            let (vpcs, record) = tokio::join!(
                route53::zone_vpcs(r53, &named.zone.id),
                route53::a_record(r53, &named.zone.id, &named.zone.name),
            );
            let read = (|| {
                Ok(HostZone {
                    // Every VPC tied, in any region: a cross-region endpoint's VPC is not in
                    // the cluster's.
                    vpcs: vpcs?.into_iter().map(|(id, _)| id).collect(),
                    record: record?,
                    tags: Vec::new(),
                    cluster_id: named.cluster_id,
                    zone: named.zone,
                })
            })();
            (named.region_id, read)
        }))
        .buffer_unordered(ZONE_CONCURRENCY)
        .collect::<Vec<(String, Result<HostZone, Error>)>>(),
        route53::zones_tags(r53, &ids),
    );
    let tags = tags?;
    Ok(read_zones
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
        .collect())
}

/// A region's endpoints to Zilliz's service, and its cross-region endpoints (to be matched
/// with their service's region once every region is read): the service's name (Zilliz) and
/// the account's endpoints (AWS) are read at once.
async fn read_region(app: &App, region: &RegionNames) -> Result<judge::RegionEndpoints, Error> {
    let clients = app.aws.clients(Some(region)).await?;
    let (service, endpoints) = tokio::join!(
        app.zilliz.endpoint_service(&region.region_id),
        ec2::vpc_endpoints(&clients.ec2, EndpointQuery::default()),
    );
    let service = service?.map(|s| s.endpoint_service);
    let endpoints = endpoints?
        .into_iter()
        .filter(|e| {
            Some(&e.service_name) == service.as_ref()
                || e.service_region
                    .as_deref()
                    .is_some_and(|r| r != region.aws_region)
        })
        .collect();
    Ok(judge::RegionEndpoints {
        service,
        endpoints,
        network_accounts: Vec::new(),
    })
}

/// `audit_private_links`: one page of the audit.
pub(crate) async fn audit_private_links(
    app: &App,
    network: Option<NetworkAccount<'_>>,
    request: AuditRequest,
    progress: Option<UnboundedSender<AuditProgress>>,
) -> Result<AuditOutput, Error> {
    // A bad cursor is refused before any call.
    paging::parse(request.cursor.as_deref(), request.limit, PAGE)?;
    let (links, regions) = audit_all(app, network, &request, progress).await?;
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
