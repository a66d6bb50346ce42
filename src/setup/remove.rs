//! `remove_private_link`: undoes one cluster's private link from one VPC in reverse order
//! (alias record, private zone, Zilliz registration, endpoint, dedicated security group),
//! touching only what this tool made, and a zone only when it holds nothing but the private
//! link's record. A zone other VPCs use is left to them: this VPC is untied from it.
//!
//! A private link is the project's: the endpoint, its registration and its group serve every
//! cluster of the project in the region. They stay while any other cluster's name resolves
//! through the endpoint (`crate::riders`), unless the person says the whole link goes
//! (`remove_shared_endpoint`), and then the preview names every cluster that loses access.
//! Everything kept is listed, with the reason.

use aws_sdk_ec2::types::Filter;
use schemars::JsonSchema;
use serde::Serialize;

use crate::address::expected_private_link_host;
use crate::app::App;
use crate::aws::ec2::{self, EndpointQuery, SecurityGroup, VpcEndpoint};
use crate::aws::profiles::{self, ProfileResource};
use crate::aws::route53::{self, ZoneView};
use crate::aws::tags::{CLUSTER_TAG, MANAGED_BY_TAG, MANAGED_BY_VALUE, is_managed};
use crate::aws::{Identity, RegionClients};
use crate::change::consent::Consent;
use crate::change::plan::Change;
use crate::change::{self, Proposal, Report};
use crate::cluster;
use crate::endpoint_state::{self, Phase};
use crate::error::{Error, FailedRead};
use crate::request::RemoveRequest;
use crate::riders::{self, Ride};
use crate::summary::Summary;
use crate::zilliz::model::PrivateEndpoint;

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = fields_mean)]
pub(crate) struct RemoveOutput {
    #[serde(flatten)]
    report: Report,
    /// What this call removed (empty for a preview: see `preview`).
    removed: Vec<String>,
    /// What stays, and why: the user's own resources are never touched, and the endpoint stays
    /// while other clusters of the project ride it (named here with the zones they resolve
    /// through).
    kept: Vec<String>,
    /// The other clusters (and VPCs) whose names resolve through this VPC's endpoint: they
    /// keep it, or, with `remove_shared_endpoint`, lose private access.
    shared_with: Vec<Ride>,
}

fn fields_mean(schema: &mut schemars::Schema) {
    change::describe_field(
        schema,
        "applied",
        "True when this call removed what `removed` lists.",
    );
    change::describe_field(
        schema,
        "preview",
        "The removals this call makes (or, without `confirm`, would make), in order.",
    );
}

impl Summary for RemoveOutput {
    fn summary(&self) -> String {
        let mut text = self.report.summary();
        for kept in &self.kept {
            text.push_str("\nkept: ");
            text.push_str(kept);
        }
        text
    }
}

/// Everything the teardown of one VPC's private link is decided from.
#[derive(Debug, Clone)]
struct RemovalFacts {
    vpc_id: String,
    host: String,
    project_id: String,
    region_id: String,
    aws_region: String,
    /// This VPC's endpoints to Zilliz's service that still exist.
    endpoints: Vec<VpcEndpoint>,
    registrations: Vec<PrivateEndpoint>,
    /// Security groups of this VPC that this tool made for the cluster.
    our_groups: Vec<SecurityGroup>,
    /// The private zone named for the host that is tied to this VPC.
    zone_here: Option<ZoneView>,
    /// That zone where another account owns it (a landing zone's network account), with
    /// that account: this account can only untie the VPC from it.
    zone_of_another_account: Option<(route53::Zone, String)>,
    /// Zones of other accounts that the VPC's Route 53 Profile carries (one may answer for
    /// the host); why they are unknown, where they could not be listed.
    profile_zones: Result<Vec<ProfileResource>, FailedRead>,
    /// This account's Route 53 Profiles that carry `zone_here`, with the VPCs using each:
    /// they answer from it too. Why that is unknown, where it could not be read.
    zone_here_in_profiles: Result<Vec<(String, Vec<String>)>, FailedRead>,
    cluster_id: String,
    /// Who reaches each of `endpoints` (by id), where that could be read; why not, where not.
    rides: Result<Vec<(String, Vec<Ride>)>, FailedRead>,
    /// The person said the whole link goes, whoever rides it.
    remove_shared_endpoint: bool,
}

impl RemovalFacts {
    /// The rides of `endpoint_id` by other clusters or from other VPCs; why they are unknown.
    fn others_on(&self, endpoint_id: &str) -> Result<Vec<&Ride>, &str> {
        let rides = self.rides.as_ref().map_err(FailedRead::message)?;
        Ok(rides
            .iter()
            .filter(|(id, _)| id == endpoint_id)
            .flat_map(|(_, rides)| riders::others(rides, &self.cluster_id, &self.vpc_id))
            .collect())
    }
}

/// What the teardown removes, in order, and what it keeps and why.
#[derive(Debug, Clone, PartialEq)]
struct RemovalPlan {
    changes: Vec<Change>,
    kept: Vec<String>,
    warnings: Vec<String>,
    /// Who else reaches the VPC's endpoints.
    shared_with: Vec<Ride>,
}

/// Decides the teardown. It never changes what another VPC relies on: a shared zone is left
/// (this VPC is untied from it), and an endpoint that other VPCs resolve to through a shared
/// zone stays with its registration.
fn plan_removal(f: &RemovalFacts) -> RemovalPlan {
    let mut plan = RemovalPlan {
        changes: Vec::new(),
        kept: Vec::new(),
        warnings: Vec::new(),
        shared_with: Vec::new(),
    };
    // Endpoints that other VPCs resolve to (this VPC is their hub): they stay.
    let serving_others = plan_zone(f, &mut plan);
    let endpoints_removed = plan_endpoints(f, &serving_others, &mut plan);
    plan_groups(f, &endpoints_removed, &mut plan);
    plan
}

/// The zone of the host tied to the VPC: untied where other VPCs use it, else its alias and
/// then the zone deleted where nothing else is in it. Answers the endpoints that other VPCs
/// resolve to through it (this VPC is their hub), with those VPCs.
fn plan_zone(f: &RemovalFacts, plan: &mut RemovalPlan) -> Vec<(String, Vec<String>)> {
    let vpc_id = &f.vpc_id;
    let host = &f.host;
    let endpoint_aimed_at = |zone: &ZoneView| {
        zone.alias_name().and_then(|name| {
            f.endpoints.iter().find(|e| {
                e.dns_entries
                    .iter()
                    .any(|(n, _)| route53::bare_name(n) == name)
            })
        })
    };
    let mut serving_others: Vec<(String, Vec<String>)> = Vec::new();

    if let Some((zone, owner)) = &f.zone_of_another_account {
        plan.changes.push(Change::UntieZone {
            zone_id: zone.id.clone(),
            host: host.clone(),
            vpc_id: vpc_id.clone(),
            aws_region: f.aws_region.clone(),
            stays_with: vec![format!("account {owner}, which owns it")],
        });
    }
    if f.zone_here.is_none() && f.zone_of_another_account.is_none() {
        keep_profile_zones(f, plan);
    }
    if let Some(zone) = &f.zone_here {
        let aimed = endpoint_aimed_at(zone);
        // A Route 53 Profile that carries the zone serves every VPC using it from the zone:
        // they ride like VPCs tied to it, and where that is unknown nothing is cut on a guess.
        if let Some((why, riders)) = carried_by_profiles(f, &zone.zone.id) {
            if let Some(endpoint) = aimed {
                serving_others.push((endpoint.id.clone(), riders));
            }
            plan.kept.push(format!(
                "private zone {} ({host}) and its record: {why}",
                zone.zone.id
            ));
            return serving_others;
        }
        let others = zone.other_vpcs(vpc_id);
        let owner_note = if zone.managed {
            ""
        } else {
            " (made outside this tool)"
        };
        match (others.is_empty(), aimed) {
            (false, Some(endpoint)) => {
                serving_others.push((endpoint.id.clone(), others.clone()));
                plan.kept.push(format!(
                    "private zone {} ({host}){owner_note} and its record: {} resolve {host} \
                     through it to {} of this VPC; remove their private links first",
                    zone.zone.id,
                    others.join(", "),
                    endpoint.id
                ));
            }
            (false, None) => plan.changes.push(Change::UntieZone {
                zone_id: zone.zone.id.clone(),
                host: host.clone(),
                vpc_id: vpc_id.clone(),
                aws_region: f.aws_region.clone(),
                stays_with: others,
            }),
            (true, aimed) => {
                let record_goes = match (&zone.record, aimed) {
                    (Some(record), Some(_)) => {
                        plan.changes.push(Change::DeleteRecord {
                            zone_id: zone.zone.id.clone(),
                            record: Box::new(record.clone()),
                            made_outside: !zone.managed,
                        });
                        true
                    }
                    (Some(record), None) => {
                        plan.kept.push(format!(
                            "the A record {host} in zone {}: it is {}, not an alias to a Zilliz \
                             endpoint of {vpc_id}",
                            zone.zone.id,
                            crate::change::plan::record_text(record)
                        ));
                        false
                    }
                    (None, _) => false,
                };
                let holds_nothing_else = zone
                    .records
                    .iter()
                    .all(|(name, kind)| record_goes && name == host && kind == "A");
                if holds_nothing_else && (record_goes || zone.managed) {
                    plan.changes.push(Change::DeleteZone {
                        zone_id: zone.zone.id.clone(),
                        host: host.clone(),
                        made_outside: !zone.managed,
                    });
                } else {
                    // Route 53 refuses to delete a zone with records, and they are someone's.
                    let whose = if zone.managed {
                        "made by this tool, but it now holds other records too"
                    } else {
                        "not made by this tool and it holds other records"
                    };
                    plan.kept
                        .push(format!("private zone {} ({host}): {whose}", zone.zone.id));
                }
            }
        }
    }
    serving_others
}

/// Why the zone stays where this account's Route 53 Profiles carry it (or may: they could not
/// be read), with who rides it so; `None` where none does.
fn carried_by_profiles(f: &RemovalFacts, zone_id: &str) -> Option<(String, Vec<String>)> {
    match &f.zone_here_in_profiles {
        Ok(profiles) if profiles.is_empty() => None,
        Ok(profiles) => Some((
            profiles
                .iter()
                .map(|(id, vpcs)| {
                    format!(
                        "Route 53 Profile {id} carries it to {}",
                        if vpcs.is_empty() {
                            "the VPCs that use it".to_string()
                        } else {
                            vpcs.join(", ")
                        }
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
                + &format!(
                    ": they resolve through it; remove it from the Profile \
                     (DisassociateResourceFromProfile) once none of them needs it, then call \
                     again ({zone_id} stays until then)"
                ),
            profiles
                .iter()
                .map(|(id, vpcs)| match vpcs.as_slice() {
                    [] => format!("the VPCs using Route 53 Profile {id}"),
                    vpcs => vpcs.join(", "),
                })
                .collect(),
        )),
        Err(e) => Some((
            format!(
                "this account's Route 53 Profiles could not be read ({e}): one may carry it to \
                 other VPCs, so it stays"
            ),
            vec!["the VPCs of any Route 53 Profile that carries its zone".to_string()],
        )),
    }
}

/// A VPC with no zone for the host of its own may get it from its Route 53 Profile, owned by
/// another account and used by other VPCs too: that Profile is left as it is, and said so.
fn keep_profile_zones(f: &RemovalFacts, plan: &mut RemovalPlan) {
    let host = &f.host;
    match &f.profile_zones {
        Ok(zones) => {
            let Some(first) = zones.first() else {
                return;
            };
            let ids: Vec<&str> = zones.iter().map(|z| z.resource_id.as_str()).collect();
            let owner = first
                .owner_id
                .as_deref()
                .map_or("the account that owns it".to_string(), |o| {
                    format!("account {o}")
                });
            plan.kept.push(format!(
                "{} takes its DNS from {}, which carries private zone(s) {} of another \
                 account (one may answer for {host}): the Profile serves every VPC using it \
                 and is left as it is; where none of them needs {host} privately, {owner} \
                 removes the zone from the Profile",
                f.vpc_id,
                first.origin(),
                ids.join(", ")
            ));
        }
        Err(e) => plan.warnings.push(format!(
            "the Route 53 Profile of {} could not be read ({e}): a zone it carries for {host} \
             would keep answering there",
            f.vpc_id
        )),
    }
}

/// The VPC's endpoints to Zilliz's service: those this tool made are deregistered and
/// deleted, unless other VPCs resolve to them. Answers the ids deleted.
fn plan_endpoints(
    f: &RemovalFacts,
    serving_others: &[(String, Vec<String>)],
    plan: &mut RemovalPlan,
) -> Vec<String> {
    let mut endpoints_removed = Vec::new();
    for endpoint in &f.endpoints {
        let registered = f
            .registrations
            .iter()
            .any(|r| r.registers(&endpoint.id, &f.region_id));
        let and_registration = if registered {
            " with its Zilliz registration and security group"
        } else {
            " with its security group"
        };
        let riders = f.others_on(&endpoint.id);
        if let Ok(rides) = &riders {
            plan.shared_with.extend(rides.iter().map(|r| (*r).clone()));
        }
        if !f.remove_shared_endpoint {
            match &riders {
                Ok(rides) if !rides.is_empty() => {
                    let (who, how) = riders::who_and_how(rides.iter().copied());
                    plan.kept.push(format!(
                        "VPC endpoint {}{and_registration}: a private link serves every cluster \
                         of project {} in {}, and {who} reach it ({how}); only {}'s own name \
                         goes{}",
                        endpoint.id,
                        f.project_id,
                        f.region_id,
                        f.cluster_id,
                        if is_managed(&endpoint.tags) {
                            ". remove_shared_endpoint: true removes the endpoint too, cutting them"
                        } else {
                            " (the endpoint was made outside this tool, which never deletes it)"
                        },
                    ));
                    continue;
                }
                Err(why) if is_managed(&endpoint.tags) => {
                    plan.kept.push(format!(
                        "VPC endpoint {}{and_registration}: which other clusters of project {} \
                         reach it could not be read ({why}), and a private link serves them all; \
                         remove_shared_endpoint: true removes it anyway",
                        endpoint.id, f.project_id
                    ));
                    continue;
                }
                _ => {}
            }
        }
        if let Some((_, others)) = serving_others.iter().find(|(id, _)| *id == endpoint.id)
            && !f.remove_shared_endpoint
        {
            plan.kept.push(format!(
                "VPC endpoint {}{}: {} reach the cluster through it",
                endpoint.id,
                if registered {
                    " and its Zilliz registration"
                } else {
                    ""
                },
                others.join(", ")
            ));
            continue;
        }
        if !is_managed(&endpoint.tags) {
            plan.kept.push(format!(
                "VPC endpoint {}: made outside this tool",
                endpoint.id
            ));
            if registered {
                plan.kept.push(format!(
                    "the Zilliz registration of {} in project {}: its endpoint stays",
                    endpoint.id, f.project_id
                ));
            }
            continue;
        }
        if registered {
            plan.changes.push(Change::Deregister {
                project_id: f.project_id.clone(),
                region_id: f.region_id.clone(),
                endpoint_id: endpoint.id.clone(),
            });
        }
        match &riders {
            Ok(rides) if !rides.is_empty() => {
                let (who, how) = riders::who_and_how(rides.iter().copied());
                plan.warnings.push(format!(
                    "removing {} cuts the private access of {who}: {how}",
                    endpoint.id
                ));
            }
            Ok(_) => {}
            Err(why) => plan.warnings.push(format!(
                "a private link serves every cluster of project {} in {}: which of them reach \
                 {} could not be read ({why}); removing it cuts them all",
                f.project_id, f.region_id, endpoint.id
            )),
        }
        plan.changes.push(Change::DeleteEndpoint {
            endpoint_id: endpoint.id.clone(),
        });
        endpoints_removed.push(endpoint.id.clone());
        for group in &endpoint.security_group_ids {
            if !f.our_groups.iter().any(|g| &g.id == group) {
                plan.kept
                    .push(format!("security group {group}: made outside this tool"));
            }
        }
    }
    endpoints_removed
}

/// The security groups this tool made for this cluster or for an endpoint that goes, unless
/// an endpoint that stays uses them.
fn plan_groups(f: &RemovalFacts, endpoints_removed: &[String], plan: &mut RemovalPlan) {
    let mut our_groups = f.our_groups.clone();
    our_groups.sort_by(|a, b| a.id.cmp(&b.id));
    for group in our_groups {
        let made_for_this_cluster = group
            .tags
            .iter()
            .any(|(k, v)| k == CLUSTER_TAG && *v == f.cluster_id);
        let on_removed_endpoint = f
            .endpoints
            .iter()
            .any(|e| endpoints_removed.contains(&e.id) && e.security_group_ids.contains(&group.id));
        if !made_for_this_cluster && !on_removed_endpoint {
            continue;
        }
        let in_use_by_kept = f.endpoints.iter().any(|e| {
            !endpoints_removed.contains(&e.id) && e.security_group_ids.contains(&group.id)
        });
        if in_use_by_kept {
            plan.kept.push(format!(
                "security group {} ({}): an endpoint that stays uses it",
                group.id, group.name
            ));
        } else {
            plan.changes.push(Change::DeleteSecurityGroup {
                group_id: group.id,
                name: group.name,
            });
        }
    }
}

/// What the teardown reads of the VPC and the project.
struct VpcReads {
    service: crate::zilliz::model::EndpointService,
    identity: Identity,
    registrations: Vec<PrivateEndpoint>,
    our_groups: Vec<SecurityGroup>,
    /// The VPC's endpoints to the service that still exist.
    endpoints: Vec<VpcEndpoint>,
    zone_here: Option<ZoneView>,
    zone_of_another_account: Option<(route53::Zone, String)>,
}

/// Two rounds (who rides the project's link is read beside them): what needs only the
/// region, the VPC and the project; then the VPC's endpoints to the service and its zone of
/// the host read whole.
async fn read_vpc(
    app: &App,
    clients: &RegionClients,
    target: &cluster::AwsCluster,
    vpc_id: &str,
    host: &str,
) -> Result<VpcReads, Error> {
    // Zilliz's service is the cluster's region's; the VPC's side is where the VPC is.
    let (region, vpc_region) = (&target.region, &clients.region);
    // What this tool made in the VPC, for any cluster: the group of an endpoint made for
    // another cluster of the project goes with the endpoint.
    let ours = vec![
        Filter::builder().name("vpc-id").values(vpc_id).build(),
        Filter::builder()
            .name(format!("tag:{MANAGED_BY_TAG}"))
            .values(MANAGED_BY_VALUE)
            .build(),
    ];
    let (service, vpc, zones, registrations, our_groups, identity) = tokio::join!(
        crate::service::zilliz_endpoint_service(app, region),
        ec2::vpc(&clients.ec2, vpc_id, vpc_region),
        route53::owned_zones_of_vpc(&clients.route53, vpc_id, &vpc_region.aws_region),
        app.zilliz.private_endpoints(&target.project_id),
        ec2::security_groups(&clients.ec2, &[], ours),
        app.aws.identity(region),
    );
    let (service, _vpc, identity) = (service?, vpc?, identity?);
    // Another account's zone is that account's to read: only the tie is this account's.
    let (zone_here, zone_of_another_account) = match zones?
        .into_iter()
        .find(|(z, _)| z.name == host)
    {
        Some((zone, Some(owner))) if owner != identity.account_id => (None, Some((zone, owner))),
        Some((zone, _)) => (Some(zone), None),
        None => (None, None),
    };
    let (endpoints, zone_here) = tokio::join!(
        ec2::vpc_endpoints(
            &clients.ec2,
            EndpointQuery {
                vpc_id: Some(vpc_id),
                service_name: Some(&service.endpoint_service),
                ..Default::default()
            },
        ),
        async {
            match zone_here {
                Some(zone) => route53::zone_view(&clients.route53, zone).await.map(Some),
                None => Ok(None),
            }
        },
    );
    Ok(VpcReads {
        endpoints: endpoints?
            .into_iter()
            .filter(|e| endpoint_state::phase(&e.state) != Phase::Gone)
            .collect(),
        zone_here: zone_here?,
        zone_of_another_account,
        registrations: registrations?,
        our_groups: our_groups?,
        service,
        identity,
    })
}

/// Who reaches each endpoint. Plain A records are judged by the endpoints' interface
/// addresses, read only where such a record answers for some cluster (a round more); where
/// they cannot be read, such a record counts as riding, so nothing is cut on a guess.
async fn rides_of(
    ec2c: &aws_sdk_ec2::Client,
    riding: &riders::Riding,
    endpoints: &[VpcEndpoint],
) -> Vec<(String, Vec<Ride>)> {
    let needed = riding.needs_addresses();
    let addresses = futures::future::join_all(endpoints.iter().map(|e| async move {
        if !needed {
            return Ok(Vec::new());
        }
        ec2::interface_addresses(ec2c, &e.network_interface_ids).await
    }))
    .await;
    endpoints
        .iter()
        .zip(addresses)
        .map(|(e, addresses)| (e.id.clone(), riding.rides(e, addresses.ok().as_deref())))
        .collect()
}

pub(crate) async fn remove_private_link(
    app: &App,
    request: &RemoveRequest,
    consent: &Consent,
) -> Result<RemoveOutput, Error> {
    let (cluster_id, confirm) = (request.cluster_id.as_str(), request.confirm);
    crate::validate::cluster_id(cluster_id)?;
    let vpc = crate::validate::vpc_ref("vpc_id", &request.vpc_id)?;
    let target = cluster::read(app, cluster_id).await?;
    let region = target.region.clone();
    let host = target
        .address
        .as_ref()
        .map(|a| a.host.clone())
        .unwrap_or_else(|| expected_private_link_host(target.cluster_id(), &region.region_id));
    let asked_region = crate::region::RegionNames::parse_optional(request.region.as_deref())?;
    // The endpoint, its group and the zone's association are where the VPC is.
    let (vpc_id, vpc_region) =
        cluster::vpc_and_region(app, &vpc, asked_region.as_ref(), &region).await?;
    let clients = app.aws.clients(Some(&vpc_region)).await?;
    // Who rides, and the zones the VPC's Route 53 Profile carries, are read beside the VPC.
    let (read, riding, carried) = tokio::join!(
        read_vpc(app, &clients, &target, &vpc_id, &host),
        riders::read(&app.zilliz, &clients, &target.project_id, &region),
        profiles::carried_to_vpc(&clients.profiles, &vpc_id),
    );
    let VpcReads {
        service,
        identity,
        registrations,
        our_groups,
        endpoints,
        zone_here,
        zone_of_another_account,
    } = read?;
    let profile_zones = carried
        .map(|zones| profiles::of_other_accounts(zones, &identity.account_id))
        .map_err(FailedRead::from);
    // The Profiles of this account that carry the zone are read with who rides.
    let zone_here_in_profiles = match (&riding, &zone_here) {
        (Ok(riding), Some(zone)) => riding.profiles_carrying(&zone.zone.id),
        (Ok(_), None) => Ok(Vec::new()),
        (Err(e), _) => Err(FailedRead::from(e)),
    };
    let rides = match riding {
        Ok(riding) => Ok(rides_of(&clients.ec2, &riding, &endpoints).await),
        Err(e) => Err(FailedRead::from(e)),
    };
    let facts = RemovalFacts {
        vpc_id: vpc_id.clone(),
        host,
        project_id: target.project_id.clone(),
        region_id: region.region_id.clone(),
        aws_region: vpc_region.aws_region.clone(),
        endpoints,
        registrations,
        our_groups,
        zone_here,
        zone_of_another_account,
        profile_zones,
        zone_here_in_profiles,
        cluster_id: target.cluster_id().to_string(),
        rides,
        remove_shared_endpoint: request.remove_shared_endpoint,
    };
    let mut planned = plan_removal(&facts);
    if service.whitelist_required {
        planned.kept.push(format!(
            "the whitelist entry of AWS account {} for project {} in {}: Zilliz has no call \
             to remove it (ask Zilliz support if it must go)",
            identity.account_id, target.project_id, region.region_id
        ));
    }

    let mut proposal = Proposal::new("remove_private_link", &identity, &vpc_region);
    proposal.vpc_id = Some(vpc_id.clone());
    proposal.cluster_id = Some(target.cluster_id().to_string());
    proposal.kept = planned.kept.clone();
    proposal.warnings = planned.warnings;
    proposal.nothing_to_do = format!("Nothing to remove for {} in {vpc_id}.", target.cluster_id());
    proposal.changes = planned.changes;
    let (mut report, applied) = change::settle(app, &clients, proposal, confirm, consent).await?;
    let mut removed = Vec::new();
    if let Some(applied) = applied {
        removed = applied.done;
        report.message = format!(
            "Removed the private link of {} from {vpc_id} ({} step(s)).",
            target.cluster_id(),
            removed.len()
        );
    }
    Ok(RemoveOutput {
        report,
        removed,
        kept: planned.kept,
        shared_with: planned.shared_with,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::route53::{ARecord, Zone};
    use crate::aws::tags::{MANAGED_BY_TAG, MANAGED_BY_VALUE};

    const HOST: &str = "in01-abc-privatelink.aws-us-west-2.vectordb.zillizcloud.com";

    fn endpoint(id: &str, vpc: &str, managed: bool) -> VpcEndpoint {
        VpcEndpoint {
            id: id.into(),
            vpc_id: vpc.into(),
            state: "available".into(),
            dns_entries: vec![(
                format!("{id}-x1.vpce-svc-0aaa.us-west-2.vpce.amazonaws.com"),
                Some("ZVPCE".into()),
            )],
            security_group_ids: vec!["sg-ours".into()],
            tags: if managed {
                vec![(MANAGED_BY_TAG.into(), MANAGED_BY_VALUE.into())]
            } else {
                vec![]
            },
            ..VpcEndpoint::default()
        }
    }

    fn zone(vpcs: &[&str], alias_to: &str, extra: &[(&str, &str)]) -> ZoneView {
        let mut records = vec![(HOST.to_string(), "A".to_string())];
        records.extend(extra.iter().map(|(n, t)| (n.to_string(), t.to_string())));
        ZoneView {
            zone: Zone {
                id: "Z1".into(),
                name: HOST.into(),
            },
            vpcs: vpcs
                .iter()
                .map(|v| (v.to_string(), "us-west-2".to_string()))
                .collect(),
            record: Some(ARecord::alias(
                HOST,
                (
                    &format!("{alias_to}-x1.vpce-svc-0aaa.us-west-2.vpce.amazonaws.com"),
                    "ZVPCE",
                ),
            )),
            records,
            managed: true,
        }
    }

    fn facts(vpc: &str, endpoints: Vec<VpcEndpoint>, zone_here: Option<ZoneView>) -> RemovalFacts {
        RemovalFacts {
            vpc_id: vpc.into(),
            host: HOST.into(),
            project_id: "proj-1".into(),
            region_id: "aws-us-west-2".into(),
            aws_region: "us-west-2".into(),
            registrations: endpoints
                .iter()
                .map(|e| PrivateEndpoint {
                    endpoint_id: e.id.clone(),
                    region_id: Some("aws-us-west-2".into()),
                    ..PrivateEndpoint::default()
                })
                .collect(),
            endpoints,
            our_groups: vec![SecurityGroup {
                id: "sg-ours".into(),
                name: "zilliz-privatelink-in01-abc".into(),
                tags: vec![(CLUSTER_TAG.into(), "in01-abc".into())],
                ..SecurityGroup::default()
            }],
            zone_here,
            zone_of_another_account: None,
            profile_zones: Ok(Vec::new()),
            zone_here_in_profiles: Ok(Vec::new()),
            cluster_id: "in01-abc".into(),
            rides: Ok(Vec::new()),
            remove_shared_endpoint: false,
        }
    }

    use crate::riders::tests::ride;

    /// A VPC of its own for in01-abc, whose endpoint in01-other rides too.
    fn shared(remove_shared_endpoint: bool) -> RemovalFacts {
        let mut f = facts(
            "vpc-a",
            vec![endpoint("vpce-a", "vpc-a", true)],
            Some(zone(&["vpc-a"], "vpce-a", &[])),
        );
        f.rides = Ok(vec![(
            "vpce-a".into(),
            vec![ride("in01-abc", "vpc-a"), ride("in01-other", "vpc-a")],
        )]);
        f.remove_shared_endpoint = remove_shared_endpoint;
        f
    }

    #[test]
    fn a_zone_of_another_account_is_only_untied_from_this_vpc() {
        let mut f = facts("vpc-spoke", Vec::new(), None);
        // A workload VPC: no endpoint and no group of its own.
        f.our_groups.clear();
        f.zone_of_another_account = Some((
            route53::Zone {
                id: "ZHUB".into(),
                name: HOST.into(),
            },
            "222222222222".into(),
        ));
        let plan = plan_removal(&f);
        let [
            Change::UntieZone {
                zone_id,
                vpc_id,
                stays_with,
                ..
            },
        ] = plan.changes.as_slice()
        else {
            panic!("one untie, nothing else: {:?}", plan.changes)
        };
        assert_eq!((zone_id.as_str(), vpc_id.as_str()), ("ZHUB", "vpc-spoke"));
        assert_eq!(
            stays_with,
            &["account 222222222222, which owns it".to_string()]
        );
    }

    #[test]
    fn a_zone_another_accounts_profile_carries_is_left_and_named() {
        let mut f = facts("vpc-spoke", Vec::new(), None);
        f.our_groups.clear();
        f.profile_zones = Ok(vec![crate::facts::fixtures::network_profile_zone()]);
        let plan = plan_removal(&f);
        assert!(plan.changes.is_empty(), "{:?}", plan.changes);
        let [kept] = plan.kept.as_slice() else {
            panic!("one line kept: {:?}", plan.kept)
        };
        assert!(
            kept.contains("Route 53 Profile rp-network of account 222222222222")
                && kept.contains("ZHUB")
                && kept.contains("left as it is"),
            "{kept}"
        );
        // Unread, it is said as a warning, never taken as nothing there.
        f.profile_zones = Err(FailedRead::not_made("AccessDenied"));
        let plan = plan_removal(&f);
        assert!(plan.changes.is_empty() && plan.kept.is_empty());
        assert!(plan.warnings[0].contains("could not be read"));
    }

    #[test]
    fn a_zone_this_accounts_profile_carries_stays_with_its_endpoint() {
        let mut f = facts(
            "vpc-hub",
            vec![endpoint("vpce-a", "vpc-hub", true)],
            Some(zone(&["vpc-hub"], "vpce-a", &[])),
        );
        f.zone_here_in_profiles = Ok(vec![(
            "rp-network".into(),
            vec!["vpc-spoke-1".into(), "vpc-spoke-2".into()],
        )]);
        let plan = plan_removal(&f);
        assert!(
            plan.changes
                .iter()
                .all(|c| !matches!(c.kind(), "record" | "zone" | "endpoint" | "deregister")),
            "{:?}",
            plan.changes
        );
        assert!(
            plan.kept
                .iter()
                .any(|k| k.contains("Route 53 Profile rp-network carries it to vpc-spoke-1")),
            "{:?}",
            plan.kept
        );
        assert!(
            plan.kept
                .iter()
                .any(|k| k.contains("vpce-a") && k.contains("vpc-spoke-2")),
            "{:?}",
            plan.kept
        );
        // Unread, the zone and the endpoint stay too: nothing is cut on a guess.
        f.zone_here_in_profiles = Err(FailedRead::not_made("AccessDenied"));
        let plan = plan_removal(&f);
        assert!(
            plan.changes
                .iter()
                .all(|c| !matches!(c.kind(), "record" | "zone" | "endpoint")),
            "{:?}",
            plan.changes
        );
        // Carried by none: the usual teardown.
        f.zone_here_in_profiles = Ok(Vec::new());
        assert!(plan_removal(&f).changes.iter().any(|c| c.kind() == "zone"));
    }

    #[test]
    fn another_cluster_on_the_endpoint_keeps_it_its_registration_and_its_group() {
        let plan = plan_removal(&shared(false));
        assert_eq!(kinds(&plan), ["record", "zone"]);
        assert!(
            plan.kept.iter().any(|k| k.contains("vpce-a")
                && k.contains("in01-other")
                && k.contains("Z-in01-other")),
            "{:?}",
            plan.kept
        );
        assert!(plan.kept.iter().any(|k| k.contains("sg-ours")));
        assert_eq!(plan.shared_with, [ride("in01-other", "vpc-a")]);
    }

    #[test]
    fn the_whole_link_goes_only_on_the_persons_word_and_names_who_loses_it() {
        let plan = plan_removal(&shared(true));
        assert_eq!(
            kinds(&plan),
            ["record", "zone", "deregister", "endpoint", "group"]
        );
        assert!(
            plan.warnings
                .iter()
                .any(|w| w.contains("cuts") && w.contains("in01-other") && w.contains("vpc-a")),
            "{:?}",
            plan.warnings
        );
    }

    #[test]
    fn riders_that_cannot_be_read_keep_an_endpoint_this_tool_made() {
        let mut f = shared(false);
        f.rides = Err("route53:ListHostedZonesByName denied".into());
        let plan = plan_removal(&f);
        assert_eq!(kinds(&plan), ["record", "zone"]);
        assert!(plan.kept.iter().any(|k| k.contains("could not be read")));
        f.remove_shared_endpoint = true;
        let plan = plan_removal(&f);
        assert!(kinds(&plan).contains(&"endpoint"));
        assert!(
            plan.warnings
                .iter()
                .any(|w| w.contains("could not be read"))
        );
    }

    #[test]
    fn the_last_cluster_takes_the_group_made_for_another() {
        // The endpoint was made for in01-first (its group is tagged so), which is gone.
        let mut f = facts(
            "vpc-a",
            vec![endpoint("vpce-a", "vpc-a", true)],
            Some(zone(&["vpc-a"], "vpce-a", &[])),
        );
        f.our_groups[0].tags = vec![(CLUSTER_TAG.into(), "in01-first".into())];
        f.our_groups.push(SecurityGroup {
            id: "sg-unrelated".into(),
            tags: vec![(CLUSTER_TAG.into(), "in01-first".into())],
            ..SecurityGroup::default()
        });
        let plan = plan_removal(&f);
        assert_eq!(
            kinds(&plan),
            ["record", "zone", "deregister", "endpoint", "group"]
        );
        assert!(
            plan.changes.iter().all(|c| !matches!(c, Change::DeleteSecurityGroup { group_id, .. } if group_id == "sg-unrelated"))
        );
    }

    fn kinds(plan: &RemovalPlan) -> Vec<&'static str> {
        plan.changes.iter().map(Change::kind).collect()
    }

    #[test]
    fn a_vpc_of_its_own_is_removed_whole_in_reverse_order() {
        let f = facts(
            "vpc-a",
            vec![endpoint("vpce-a", "vpc-a", true)],
            Some(zone(&["vpc-a"], "vpce-a", &[])),
        );
        let plan = plan_removal(&f);
        assert_eq!(
            kinds(&plan),
            ["record", "zone", "deregister", "endpoint", "group"]
        );
    }

    #[test]
    fn a_spoke_is_untied_and_the_hubs_zone_and_record_stay() {
        let f = facts(
            "vpc-spoke",
            vec![],
            Some(zone(&["vpc-a", "vpc-spoke"], "vpce-a", &[])),
        );
        let plan = plan_removal(&f);
        assert_eq!(kinds(&plan), ["untie", "group"]);
        let Change::UntieZone {
            stays_with, vpc_id, ..
        } = &plan.changes[0]
        else {
            unreachable!()
        };
        assert_eq!(
            (vpc_id.as_str(), stays_with.as_slice()),
            ("vpc-spoke", &["vpc-a".to_string()][..])
        );
    }

    #[test]
    fn a_hub_keeps_what_its_spokes_resolve_through() {
        let f = facts(
            "vpc-a",
            vec![endpoint("vpce-a", "vpc-a", true)],
            Some(zone(&["vpc-a", "vpc-spoke"], "vpce-a", &[])),
        );
        let plan = plan_removal(&f);
        assert!(
            kinds(&plan)
                .iter()
                .all(|k| !["record", "zone", "deregister", "endpoint", "untie"].contains(k)),
            "{plan:?}"
        );
        assert!(
            plan.kept
                .iter()
                .any(|k| k.contains("vpc-spoke") && k.contains("vpce-a"))
        );
        // The group stays too: the endpoint that stays uses it.
        assert!(plan.kept.iter().any(|k| k.contains("sg-ours")));
    }

    #[test]
    fn a_zone_with_other_records_stays_and_an_endpoint_made_elsewhere_stays() {
        let f = facts(
            "vpc-a",
            vec![endpoint("vpce-a", "vpc-a", false)],
            Some(zone(
                &["vpc-a"],
                "vpce-a",
                &[("other.example.com", "CNAME")],
            )),
        );
        let plan = plan_removal(&f);
        // The group stays too: the endpoint that stays uses it.
        assert_eq!(kinds(&plan), ["record"]);
        assert!(
            plan.kept
                .iter()
                .any(|k| k.contains("Z1") && k.contains("other records"))
        );
        assert!(
            plan.kept
                .iter()
                .any(|k| k.contains("vpce-a") && k.contains("made outside"))
        );
    }

    #[test]
    fn a_zone_emptied_by_an_interrupted_teardown_is_finished() {
        let mut z = zone(&["vpc-a"], "vpce-a", &[]);
        z.record = None;
        z.records.clear();
        let plan = plan_removal(&facts("vpc-a", vec![], Some(z)));
        assert_eq!(kinds(&plan), ["zone", "group"]);
    }

    #[test]
    fn the_record_is_deleted_as_it_was_read() {
        let f = facts(
            "vpc-a",
            vec![endpoint("vpce-a", "vpc-a", true)],
            Some(zone(&["vpc-a"], "vpce-a", &[])),
        );
        let plan = plan_removal(&f);
        let Change::DeleteRecord { record, .. } = &plan.changes[0] else {
            unreachable!()
        };
        assert_eq!(record.as_read, f.zone_here.unwrap().record.unwrap().as_read);
    }
}
