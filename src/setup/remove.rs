//! `remove_private_link`: undoes a setup in reverse order (alias record, private zone, Zilliz
//! registration, endpoint, dedicated security group), touching only what this tool made, and
//! a zone only when it holds nothing but the private link's record. Everything else is
//! listed as kept.

use aws_sdk_ec2::types::Filter;
use schemars::JsonSchema;
use serde::Serialize;

use super::{CLUSTER_TAG, MANAGED_BY_TAG, MANAGED_BY_VALUE, change_summary, is_managed, target};
use crate::address::expected_private_link_host;
use crate::app::App;
use crate::aws::ec2::{self, EndpointQuery, VpcEndpoint};
use crate::aws::route53;
use crate::discovery;
use crate::endpoint_state::{self, Phase};
use crate::error::Error;
use crate::summary::Summary;
use crate::validate::AwsId;

#[derive(Debug, Serialize, JsonSchema)]
pub struct RemoveOutput {
    /// True when this call removed what `removed` lists.
    pub applied: bool,
    /// What this call removed (empty for a preview: see `preview`).
    pub removed: Vec<String>,
    /// What stays, and why: the user's own resources are never touched.
    pub kept: Vec<String>,
    /// The removals this call makes (or, without `confirm`, would make), in order.
    pub preview: Vec<String>,
    pub warnings: Vec<String>,
    pub message: String,
    pub region_id: String,
    pub aws_region: String,
}

impl Summary for RemoveOutput {
    fn summary(&self) -> String {
        let mut text = change_summary(&self.message, &self.preview, &self.warnings);
        for kept in &self.kept {
            text.push_str("\nkept: ");
            text.push_str(kept);
        }
        text
    }
}

/// One removal, in the order it must happen.
#[derive(Debug, Clone)]
enum Removal {
    Record {
        zone_id: String,
        host: String,
        target: (String, String),
    },
    Zone {
        zone_id: String,
        host: String,
    },
    Registration {
        project_id: String,
        region_id: String,
        endpoint_id: String,
    },
    Endpoint {
        endpoint_id: String,
    },
    SecurityGroup {
        group_id: String,
        name: String,
    },
}

impl Removal {
    fn describe(&self) -> String {
        match self {
            Self::Record {
                zone_id,
                host,
                target,
            } => {
                format!(
                    "delete the alias A record {host} → {} in zone {zone_id}",
                    target.0
                )
            }
            Self::Zone { zone_id, host } => {
                format!("delete the private hosted zone {zone_id} ({host})")
            }
            Self::Registration {
                project_id,
                region_id,
                endpoint_id,
            } => {
                format!("deregister {endpoint_id} from Zilliz project {project_id} in {region_id}")
            }
            Self::Endpoint { endpoint_id } => format!("delete VPC endpoint {endpoint_id}"),
            Self::SecurityGroup { group_id, name } => {
                format!("delete security group {group_id} ({name})")
            }
        }
    }
}

pub async fn remove_private_link(
    app: &App,
    cluster_id: &str,
    vpc_id: &str,
    confirm: bool,
) -> Result<RemoveOutput, Error> {
    crate::validate::cluster_id(cluster_id)?;
    let vpc_id = AwsId::Vpc.check(vpc_id)?;
    let target = target(app, cluster_id).await?;
    let region = target.region.clone();
    let host = target
        .address
        .as_ref()
        .map(|a| a.host.clone())
        .unwrap_or_else(|| expected_private_link_host(target.cluster_id(), &region.region_id));
    let service = discovery::endpoint_service(app, &region).await?;
    let clients = app.aws.clients(Some(&region)).await?;
    let ours = vec![
        Filter::builder().name("vpc-id").values(&vpc_id).build(),
        Filter::builder()
            .name(format!("tag:{MANAGED_BY_TAG}"))
            .values(MANAGED_BY_VALUE)
            .build(),
        Filter::builder()
            .name(format!("tag:{CLUSTER_TAG}"))
            .values(target.cluster_id())
            .build(),
    ];
    let (vpc, endpoints, zones, registrations, our_groups) = tokio::join!(
        ec2::vpc(&clients.ec2, &vpc_id, &region),
        ec2::vpc_endpoints(
            &clients.ec2,
            EndpointQuery {
                vpc_id: Some(&vpc_id),
                service_name: Some(&service.service_name),
                ..Default::default()
            },
        ),
        route53::zones_of_vpc(&clients.route53, &vpc_id, &region.aws_region),
        app.zilliz.private_endpoints(&target.project_id),
        ec2::security_groups(&clients.ec2, &[], ours),
    );
    vpc?;
    let endpoints: Vec<VpcEndpoint> = endpoints?
        .into_iter()
        .filter(|e| endpoint_state::phase(&e.state) != Phase::Gone)
        .collect();
    let registrations = registrations?;
    let mut our_groups = our_groups?;

    let mut plan: Vec<Removal> = Vec::new();
    let mut kept: Vec<String> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();

    // 1-2. The record and the zone.
    if let Some(zone) = zones?.into_iter().find(|z| z.name == host) {
        let r53 = &clients.route53;
        let (record, tags, others, tied) = tokio::join!(
            route53::a_record(r53, &zone.id, &host),
            route53::zone_tags(r53, &zone.id),
            route53::other_records(r53, &zone.id),
            route53::zone_vpcs(r53, &zone.id),
        );
        let (record, tags, others, tied) = (record?, tags?, others?, tied?);
        let endpoint_names: Vec<String> = endpoints
            .iter()
            .flat_map(|e| e.dns_entries.iter().map(|(n, _)| route53::bare_name(n)))
            .collect();
        let mut record_removed = false;
        match record.and_then(|r| r.alias_target) {
            Some(target) if endpoint_names.contains(&target.0) => {
                plan.push(Removal::Record {
                    zone_id: zone.id.clone(),
                    host: host.clone(),
                    target,
                });
                record_removed = true;
            }
            Some(target) => kept.push(format!(
                "the A record {host} in zone {}: it points at {}, not at a Zilliz endpoint of {vpc_id}",
                zone.id, target.0
            )),
            None => {}
        }
        let holds_only_the_link = others
            .iter()
            .all(|(name, kind)| record_removed && *name == host && kind == "A");
        let only_this_vpc = tied.iter().all(|(id, _)| *id == vpc_id);
        if !only_this_vpc {
            kept.push(format!(
                "private zone {} ({host}): it is also tied to {}",
                zone.id,
                tied.iter()
                    .filter(|(id, _)| *id != vpc_id)
                    .map(|(id, _)| id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        } else if holds_only_the_link {
            // Deleting it loses nothing: it held only the record this removal takes away.
            plan.push(Removal::Zone {
                zone_id: zone.id.clone(),
                host: host.clone(),
            });
        } else {
            // Route 53 refuses to delete a zone with records, and they are someone's.
            let whose = if is_managed(&tags) {
                "made by this tool, but it now holds other records too"
            } else {
                "not made by this tool and it holds other records"
            };
            kept.push(format!("private zone {} ({host}): {whose}", zone.id));
        }
    }

    // 3-5. Registration, endpoint, dedicated group: only for endpoints this tool made.
    let mut endpoints_removed = Vec::new();
    for endpoint in &endpoints {
        let managed = is_managed(&endpoint.tags);
        let registered = registrations
            .iter()
            .any(|r| r.registers(&endpoint.id, &region.region_id));
        if !managed {
            kept.push(format!(
                "VPC endpoint {}: not made by this tool",
                endpoint.id
            ));
            if registered {
                kept.push(format!(
                    "the Zilliz registration of {} in project {}: its endpoint stays",
                    endpoint.id, target.project_id
                ));
            }
            continue;
        }
        if registered {
            plan.push(Removal::Registration {
                project_id: target.project_id.clone(),
                region_id: region.region_id.clone(),
                endpoint_id: endpoint.id.clone(),
            });
            warnings.push(format!(
                "a private link serves every cluster of project {} in {}: removing it cuts their private access through {} too",
                target.project_id, region.region_id, endpoint.id
            ));
        }
        plan.push(Removal::Endpoint {
            endpoint_id: endpoint.id.clone(),
        });
        endpoints_removed.push(endpoint.id.clone());
        for group in &endpoint.security_group_ids {
            if !our_groups.iter().any(|g| &g.id == group) {
                kept.push(format!("security group {group}: not made by this tool"));
            }
        }
    }
    our_groups.sort_by(|a, b| a.id.cmp(&b.id));
    for group in our_groups {
        let in_use_by_kept = endpoints.iter().any(|e| {
            !endpoints_removed.contains(&e.id) && e.security_group_ids.contains(&group.id)
        });
        if in_use_by_kept {
            kept.push(format!(
                "security group {} ({}): an endpoint that stays uses it",
                group.id, group.name
            ));
        } else {
            plan.push(Removal::SecurityGroup {
                group_id: group.id,
                name: group.name,
            });
        }
    }

    let mut output = RemoveOutput {
        applied: false,
        removed: Vec::new(),
        kept,
        preview: plan.iter().map(Removal::describe).collect(),
        warnings,
        message: String::new(),
        region_id: region.region_id.clone(),
        aws_region: region.aws_region.clone(),
    };
    if plan.is_empty() {
        output.message = format!("Nothing to remove for {} in {vpc_id}.", target.cluster_id());
        return Ok(output);
    }
    if !confirm {
        output.message =
            "Preview only, nothing changed. Call again with confirm: true to remove.".into();
        return Ok(output);
    }

    let _permit = app.ensure_write_allowed("remove_private_link")?;
    for removal in &plan {
        let done = match removal {
            Removal::Record {
                zone_id,
                host,
                target,
            } => {
                route53::delete_alias(&clients.route53, zone_id, host, (&target.0, &target.1)).await
            }
            Removal::Zone { zone_id, .. } => route53::delete_zone(&clients.route53, zone_id).await,
            Removal::Registration {
                project_id,
                region_id,
                endpoint_id,
            } => {
                app.zilliz
                    .delete_private_endpoint(project_id, region_id, endpoint_id)
                    .await
            }
            Removal::Endpoint { endpoint_id } => {
                ec2::delete_vpc_endpoint(&clients.ec2, endpoint_id).await
            }
            Removal::SecurityGroup { group_id, .. } => {
                ec2::delete_security_group(&clients.ec2, group_id).await
            }
        };
        match done {
            Ok(()) => output.removed.push(removal.describe()),
            Err(error) if matches!(removal, Removal::SecurityGroup { .. }) => {
                // AWS releases an endpoint's network interfaces a little after deleting it.
                output.warnings.push(format!(
                    "{} did not work yet ({error}); call remove_private_link again in a minute to finish",
                    removal.describe()
                ));
            }
            Err(error) => {
                let so_far = if output.removed.is_empty() {
                    "nothing".to_string()
                } else {
                    output.removed.join("; ")
                };
                return Err(Error::Conflict(format!(
                    "{error}. Removed so far: {so_far}. Call remove_private_link again to finish; it resumes where this stopped"
                )));
            }
        }
    }
    output.applied = true;
    output.message = format!(
        "Removed the private link of {} from {vpc_id} ({} step(s)).",
        target.cluster_id(),
        output.removed.len()
    );
    Ok(output)
}
