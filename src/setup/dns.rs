//! `setup_private_dns`: a Route 53 private zone named for the private link host, tied to the
//! VPC, with an alias A record at its apex to the VPC endpoint.
//!
//! One cluster is often reached from several VPCs. Each VPC with its own endpoint gets its own
//! zone (zones of one name may exist once per VPC), whose alias points at that VPC's endpoint.
//! A VPC that reaches another VPC's endpoint over peering or a transit gateway (hub and spoke)
//! is tied to the hub's zone, and no record changes. A zone another VPC uses is never
//! re-pointed: this VPC is untied from it instead.

use aws_sdk_ec2::types::VpcAttributeName;
use schemars::JsonSchema;
use serde::Serialize;

use crate::app::App;
use crate::aws::ec2::{self, EndpointQuery, VpcEndpoint};
use crate::aws::profiles::{self, ProfileResource};
use crate::aws::route53::{self, ZoneView, bare_name};
use crate::aws::tags::tags_for;
use crate::aws::{Identity, RegionClients};
use crate::change::consent::Consent;
use crate::change::plan::{Change, Ref, record_text};
use crate::change::{self, Proposal, Report};
use crate::cluster::{self, AwsCluster};
use crate::endpoint_state;
use crate::error::{Error, FailedRead};
use crate::request::DnsRequest;
use crate::summary::Summary;
use crate::validate::AwsId;

mod across;

#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq, Eq)]
struct AliasTargetInfo {
    dns_name: String,
    hosted_zone_id: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct DnsOutput {
    #[serde(flatten)]
    report: Report,
    /// The private zone (once it exists).
    hosted_zone_id: Option<String>,
    /// The private link host: the zone's name and the record's.
    record_name: String,
    /// Where the alias points: the endpoint's regional DNS name.
    alias_target: Option<AliasTargetInfo>,
    vpc_id: String,
    endpoint_id: String,
    port: u16,
}

impl Summary for DnsOutput {
    fn summary(&self) -> String {
        self.report.summary()
    }
}

/// The endpoint the alias should point at: the one named (it may live in another VPC, for
/// hub and spoke), or the one live endpoint of the VPC to the service.
fn pick_endpoint(
    candidates: Vec<VpcEndpoint>,
    asked: Option<&str>,
    vpc_id: &str,
) -> Result<VpcEndpoint, Error> {
    if let Some(id) = asked {
        return candidates.into_iter().find(|e| e.id == id).ok_or_else(|| {
            Error::not_found(
                format!("VPC endpoint `{id}`"),
                "Check the id and the cluster's region",
            )
        });
    }
    let mut live: Vec<VpcEndpoint> = candidates
        .into_iter()
        .filter(|e| endpoint_state::is_live(&e.state))
        .collect();
    match live.len() {
        0 => Err(Error::Conflict(format!(
            "{vpc_id} has no VPC endpoint to Zilliz's endpoint service: create one with \
             create_vpc_endpoint first, or, where {vpc_id} reaches another VPC's endpoint over \
             peering or a transit gateway, pass that endpoint as endpoint_id"
        ))),
        1 => Ok(live.remove(0)),
        _ => Err(Error::Conflict(format!(
            "{vpc_id} has several endpoints to Zilliz's service ({}): pass endpoint_id to say which one the name should point at",
            live.iter()
                .map(|e| e.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The alias target of an endpoint: its regional DNS entry.
fn alias_target_of(endpoint: &VpcEndpoint) -> Result<AliasTargetInfo, Error> {
    let (name, zone) = endpoint.regional_dns_entry().ok_or_else(|| {
        Error::Conflict(format!(
            "VPC endpoint {} has no regional DNS name yet ({}); wait_for_endpoint, then try again",
            endpoint.id,
            endpoint_state::explain(&endpoint.state)
        ))
    })?;
    let zone = zone.ok_or_else(|| {
        Error::Conflict(format!(
            "the DNS name of {} has no hosted zone id; try again in a minute",
            endpoint.id
        ))
    })?;
    Ok(AliasTargetInfo {
        dns_name: bare_name(name),
        hosted_zone_id: zone.to_string(),
    })
}

/// Everything the DNS plan is decided from, read beforehand.
#[derive(Debug, Clone)]
struct DnsFacts {
    cluster_id: String,
    host: String,
    aws_region: String,
    region_tags: Vec<(String, String)>,
    pub(crate) vpc: ec2::Vpc,
    /// The endpoint the name should resolve to.
    endpoint: VpcEndpoint,
    alias: AliasTargetInfo,
    /// The private zone named for the host that is tied to this VPC.
    zone_here: Option<ZoneView>,
    /// Hub and spoke: the zone named for the host tied to the endpoint's own VPC.
    zone_of_endpoint_vpc: Option<ZoneView>,
    /// The private zones the VPC's Route 53 Profile carries (a zone tied to the VPC itself
    /// answers before them), or why they could not be read.
    profile_zones: Result<Vec<ProfileResource>, FailedRead>,
}

/// Where the VPC (`vpc_id`) has no zone for the host tied to it and the plan makes or ties one
/// (`tying`, where it ties an existing one): a zone its Route 53 Profile carries for the host
/// (`carried`) would be taken over (the VPC's own association wins), so the plan is refused;
/// zones of names this account cannot read are a warning.
pub(super) fn keeps_profile_zones(
    (vpc_id, host): (&str, &str),
    carried: &Result<Vec<ProfileResource>, FailedRead>,
    tying: Option<&str>,
) -> Result<Option<String>, Error> {
    let carried = match carried {
        Ok(carried) => carried,
        Err(e) => {
            return Ok(Some(format!(
                "the Route 53 Profile of {vpc_id} could not be read ({e}): where it carries a \
                 zone for {host}, the zone tied here takes its place in {vpc_id}"
            )));
        }
    };
    let other = |z: &&ProfileResource| Some(z.resource_id.as_str()) != tying;
    if let Some(zone) = carried
        .iter()
        .filter(other)
        .find(|z| z.domain_name().as_deref() == Some(host))
    {
        return Err(Error::Conflict(format!(
            "{vpc_id} takes its DNS from {}, which carries private zone {} for {host}: a zone \
             tied to {vpc_id} itself would take its place there. get_setup_status for \
             {vpc_id} judges that zone (its record is its owner's to change); to replace it \
             anyway, remove it from the Profile first (its account's change), then call again",
            zone.origin(),
            zone.resource_id,
        )));
    }
    let unnamed: Vec<&str> = carried
        .iter()
        .filter(other)
        .filter(|z| z.domain_name().is_none())
        .map(|z| z.resource_id.as_str())
        .collect();
    Ok((!unnamed.is_empty()).then(|| {
        format!(
            "{vpc_id} takes its DNS from a Route 53 Profile carrying zone(s) {} whose names \
             this account cannot read: where one answers for {host}, the zone tied here takes \
             its place in {vpc_id}",
            unnamed.join(", "),
        )
    }))
}

/// The plan: the changes, and the zone that answers when it exists already.
#[derive(Debug, Clone, PartialEq)]
struct DnsPlan {
    changes: Vec<Change>,
    zone_id: Option<String>,
    warnings: Vec<String>,
}

/// Decides the DNS changes. A zone that another VPC uses is never re-pointed and never
/// gets a record it did not have: this VPC leaves it and gets its own.
fn plan_dns(f: &DnsFacts) -> Result<DnsPlan, Error> {
    let vpc_id = &f.vpc.id;
    let target = (f.alias.dns_name.as_str(), f.alias.hosted_zone_id.as_str());
    let mut plan = DnsPlan {
        changes: Vec::new(),
        zone_id: None,
        warnings: Vec::new(),
    };
    if f.vpc.dns_support != Some(true) {
        plan.changes.push(Change::EnableDnsAttribute {
            vpc_id: vpc_id.clone(),
            attribute: VpcAttributeName::EnableDnsSupport,
        });
    }
    if f.vpc.dns_hostnames != Some(true) {
        plan.changes.push(Change::EnableDnsAttribute {
            vpc_id: vpc_id.clone(),
            attribute: VpcAttributeName::EnableDnsHostnames,
        });
    }
    let new_zone = [
        Change::CreatePrivateZone {
            host: f.host.clone(),
            vpc_id: vpc_id.clone(),
            aws_region: f.aws_region.clone(),
            cluster_id: f.cluster_id.clone(),
            tags: f.region_tags.clone(),
        },
        Change::WriteAlias {
            zone: Ref::Made,
            host: f.host.clone(),
            target: (f.alias.dns_name.clone(), f.alias.hosted_zone_id.clone()),
            replaces: None,
            made_outside: false,
        },
    ];

    if f.zone_here.is_none() {
        let tying = f.zone_of_endpoint_vpc.as_ref().map(|z| z.zone.id.as_str());
        plan.warnings.extend(keeps_profile_zones(
            (vpc_id, &f.host),
            &f.profile_zones,
            tying,
        )?);
    }
    if f.endpoint.vpc_id != *vpc_id {
        return plan_spoke(f, plan);
    }
    match &f.zone_here {
        None => plan.changes.extend(new_zone),
        Some(zone) if zone.aliases_to(target) => plan.zone_id = Some(zone.zone.id.clone()),
        Some(zone) if zone.other_vpcs(vpc_id).is_empty() => {
            plan.zone_id = Some(zone.zone.id.clone());
            plan.changes.push(Change::WriteAlias {
                zone: Ref::Existing(zone.zone.id.clone()),
                host: f.host.clone(),
                target: (f.alias.dns_name.clone(), f.alias.hosted_zone_id.clone()),
                replaces: zone.record.as_ref().map(record_text),
                made_outside: !zone.managed,
            });
        }
        Some(zone) => {
            let others = zone.other_vpcs(vpc_id);
            plan.changes.push(Change::UntieZone {
                zone_id: zone.zone.id.clone(),
                host: f.host.clone(),
                vpc_id: vpc_id.clone(),
                aws_region: f.aws_region.clone(),
                stays_with: others.clone(),
            });
            plan.changes.extend(new_zone);
            plan.warnings.push(format!(
                "{vpc_id} now shares the private zone {} with {}, whose record {}; it gets a zone \
                 of its own pointing at {} instead, and {} stops resolving in {vpc_id} for the \
                 few seconds between the two",
                zone.zone.id,
                others.join(", "),
                zone.record
                    .as_ref()
                    .map_or("is missing".to_string(), |r| format!(
                        "is {}",
                        record_text(r)
                    )),
                f.endpoint.id,
                f.host
            ));
        }
    }
    Ok(plan)
}

/// Hub and spoke: this VPC is tied to the zone that already points at the hub's endpoint.
fn plan_spoke(f: &DnsFacts, mut plan: DnsPlan) -> Result<DnsPlan, Error> {
    let vpc_id = &f.vpc.id;
    let hub = &f.endpoint.vpc_id;
    let target = (f.alias.dns_name.as_str(), f.alias.hosted_zone_id.as_str());
    let hub_zone = match &f.zone_of_endpoint_vpc {
        Some(zone) if zone.aliases_to(target) => zone,
        Some(zone) => {
            return Err(Error::Conflict(format!(
                "the private zone {} ({}) of {hub} is {}, not an alias to {}: run \
                 setup_private_dns for {hub} first, then tie {vpc_id} to its zone",
                zone.zone.id,
                f.host,
                zone.record
                    .as_ref()
                    .map_or("without an A record".to_string(), record_text),
                f.endpoint.id
            )));
        }
        None => {
            return Err(Error::Conflict(format!(
                "{} lives in {hub}, which has no private zone {}: run setup_private_dns with \
                 vpc_id {hub} first, then again for {vpc_id} with endpoint_id {}",
                f.endpoint.id, f.host, f.endpoint.id
            )));
        }
    };
    match &f.zone_here {
        Some(zone) if zone.zone.id == hub_zone.zone.id => {
            plan.zone_id = Some(zone.zone.id.clone());
        }
        Some(zone) => {
            return Err(Error::Conflict(format!(
                "{vpc_id} already has its own private zone {} for {} ({}), and a VPC can be \
                 tied to only one zone of a name: remove it first (remove_private_link for \
                 {vpc_id}, or in the Route 53 console), then call again",
                zone.zone.id,
                f.host,
                zone.record
                    .as_ref()
                    .map_or("no A record".to_string(), record_text)
            )));
        }
        None => {
            plan.zone_id = Some(hub_zone.zone.id.clone());
            plan.changes.push(Change::TieZone {
                zone_id: hub_zone.zone.id.clone(),
                host: f.host.clone(),
                vpc_id: vpc_id.clone(),
                aws_region: f.aws_region.clone(),
                answers_with: format!("an alias to {} of {hub}", f.endpoint.id),
                tied_to: hub_zone.vpcs.iter().map(|(id, _)| id.clone()).collect(),
                made_outside: !hub_zone.managed,
            });
            plan.warnings.push(format!(
                "{vpc_id} must reach {hub}'s endpoint subnets over peering or a transit gateway, \
                 with routes both ways, and the endpoint's security group must admit {vpc_id}'s \
                 clients: allow_client_access with their security group across a peering in \
                 this region (AWS resolves the reference there), or with their CIDR \
                 (source_cidr) across another region, or a transit gateway whose security group \
                 referencing is off"
            ));
        }
    }
    Ok(plan)
}

pub(crate) async fn setup_private_dns(
    app: &App,
    endpoint_app: Option<&App>,
    request: DnsRequest,
    consent: &Consent,
) -> Result<DnsOutput, Error> {
    crate::validate::cluster_id(&request.cluster_id)?;
    let vpc = crate::validate::vpc_ref("vpc_id", &request.vpc_id)?;
    let asked_endpoint = request
        .endpoint_id
        .as_deref()
        .map(|e| AwsId::VpcEndpoint.check(e))
        .transpose()?;

    let target = cluster::read(app, &request.cluster_id).await?;
    let address = target.require_address()?.clone();
    let host = address.host.clone();
    let asked_region = crate::region::RegionNames::parse_optional(request.region.as_deref())?;
    // The zone is tied to the VPC in the VPC's region, which across regions is not the
    // cluster's.
    let (vpc_id, region) =
        cluster::vpc_and_region(app, &vpc, asked_region.as_ref(), &target.region).await?;
    let clients = app.aws.clients(Some(&region)).await?;
    if let Some(hub) = endpoint_app {
        let (identity, hub_identity) =
            tokio::join!(app.aws.identity(&region), hub.aws.identity(&region));
        let (identity, hub_identity) = (identity?, hub_identity?);
        // Two profiles of one account: the endpoint is this account's, as in one profile.
        if identity.account_id != hub_identity.account_id {
            let accounts = Accounts {
                app,
                clients: &clients,
                identity,
                hub,
                hub_identity,
            };
            let link = Link {
                target: &target,
                address: &address,
                vpc_id: &vpc_id,
                region: &region,
            };
            return across::setup(&accounts, &link, asked_endpoint, &request, consent).await;
        }
    }
    let (facts, identity) =
        read_facts(app, &clients, &target, &host, &vpc_id, asked_endpoint).await?;
    let planned = plan_dns(&facts)?;

    let mut proposal = Proposal::new("setup_private_dns", &identity, &region);
    proposal.vpc_id = Some(vpc_id.clone());
    proposal.cluster_id = Some(target.cluster_id().to_string());
    proposal.warnings = planned.warnings;
    proposal.nothing_to_do = format!(
        "Nothing to do: {host} already resolves in {vpc_id} to VPC endpoint {} through private \
         zone {}. Next: allow_client_access on port {}.",
        facts.endpoint.id,
        planned.zone_id.as_deref().unwrap_or("?"),
        address.port
    );
    proposal.changes = planned.changes;
    let (mut report, applied) =
        change::settle(app, &clients, proposal, request.confirm, consent).await?;
    let mut hosted_zone_id = planned.zone_id;
    if let Some(applied) = applied {
        let zone_id = applied.made.zone_id.or(hosted_zone_id).unwrap_or_default();
        report.message = format!(
            "{host} now resolves in {vpc_id} to VPC endpoint {} (private zone {zone_id}). Next: \
             allow_client_access on port {}.",
            facts.endpoint.id, address.port
        );
        hosted_zone_id = Some(zone_id);
    }
    Ok(DnsOutput {
        report,
        hosted_zone_id,
        record_name: host,
        alias_target: Some(facts.alias),
        vpc_id,
        endpoint_id: facts.endpoint.id,
        port: address.port,
    })
}

/// The two accounts of a setup across accounts: the VPC's (this call's profile) and the
/// endpoint's (`endpoint_profile`), each with who it is.
struct Accounts<'a> {
    app: &'a App,
    clients: &'a RegionClients,
    identity: Identity,
    hub: &'a App,
    hub_identity: Identity,
}

/// The link a setup is for: the cluster, its address, the VPC and its region.
struct Link<'a> {
    target: &'a AwsCluster,
    address: &'a crate::address::PrivateLinkAddress,
    vpc_id: &'a str,
    region: &'a crate::region::RegionNames,
}

/// What the DNS plan needs: [`read_vpc_and_endpoint`], and beside its rounds the zones the
/// VPC's Route 53 Profile carries.
async fn read_facts(
    app: &App,
    clients: &RegionClients,
    target: &AwsCluster,
    host: &str,
    vpc_id: &str,
    asked_endpoint: Option<String>,
) -> Result<(DnsFacts, Identity), Error> {
    let (read, profile_zones) = tokio::join!(
        read_vpc_and_endpoint(app, clients, target, host, vpc_id, asked_endpoint),
        profiles::carried_to_vpc(&clients.profiles, vpc_id),
    );
    let (mut facts, identity) = read?;
    facts.profile_zones = profile_zones.map_err(FailedRead::from);
    Ok((facts, identity))
}

/// In two rounds: Zilliz's service (without an endpoint id, the VPC's endpoint to it is
/// meant), the VPC, its zones and the endpoint named; then the VPC's endpoints (or, hub and
/// spoke, the hub's zones) and this VPC's zone read whole.
async fn read_vpc_and_endpoint(
    app: &App,
    clients: &RegionClients,
    target: &AwsCluster,
    host: &str,
    vpc_id: &str,
    asked_endpoint: Option<String>,
) -> Result<(DnsFacts, Identity), Error> {
    // Zilliz's service is the cluster's region's; the VPC, its zones' association and the
    // endpoint are where the VPC is.
    let (region, cluster_region) = (clients.region.clone(), target.region.clone());
    let r53 = &clients.route53;

    let named_zone = |zones: Vec<route53::Zone>| zones.into_iter().find(|z| z.name == host);
    let view_of = |zone: Option<route53::Zone>| async move {
        match zone {
            Some(zone) => route53::zone_view(r53, zone).await.map(Some),
            None => Ok(None),
        }
    };
    // Round 2: Zilliz's service (without an endpoint id, the VPC's endpoint to it is meant),
    // the VPC, its zones, and the endpoint named.
    let (service, vpc, zones_here, asked, identity) = tokio::join!(
        async {
            match &asked_endpoint {
                Some(_) => Ok(None),
                None => crate::service::zilliz_endpoint_service(app, &cluster_region)
                    .await
                    .map(|s| Some(s.endpoint_service)),
            }
        },
        ec2::vpc(&clients.ec2, vpc_id, &region),
        route53::zones_of_vpc(r53, vpc_id, &region.aws_region),
        async {
            match &asked_endpoint {
                Some(id) => {
                    ec2::vpc_endpoints(
                        &clients.ec2,
                        EndpointQuery {
                            ids: std::slice::from_ref(id),
                            ..Default::default()
                        },
                    )
                    .await
                }
                None => Ok(Vec::new()),
            }
        },
        app.aws.identity(&region),
    );
    let (service, vpc, zone_here, asked) = (service?, vpc?, named_zone(zones_here?), asked?);
    let identity = identity?;
    // Round 3: the VPC's endpoints (or, hub and spoke, the hub's zones) and this VPC's zone.
    let (endpoints, zone_here, hub_zones) = tokio::join!(
        async {
            match &service {
                Some(name) => {
                    ec2::vpc_endpoints(
                        &clients.ec2,
                        EndpointQuery {
                            vpc_id: Some(vpc_id),
                            service_name: Some(name),
                            ..Default::default()
                        },
                    )
                    .await
                }
                None => Ok(asked.clone()),
            }
        },
        view_of(zone_here),
        async {
            match asked.first() {
                Some(e) if e.vpc_id != vpc_id => {
                    route53::zones_of_vpc(r53, &e.vpc_id, &region.aws_region)
                        .await
                        .map(named_zone)
                }
                _ => Ok(None),
            }
        },
    );
    let endpoint = pick_endpoint(endpoints?, asked_endpoint.as_deref(), vpc_id)?;
    let alias = alias_target_of(&endpoint)?;
    // Hub and spoke only: the hub's zone, read whole.
    let zone_of_endpoint_vpc = view_of(hub_zones?).await?;
    let name = format!("zilliz-privatelink-{}", target.cluster_id());
    let facts = DnsFacts {
        cluster_id: target.cluster_id().to_string(),
        host: host.to_string(),
        aws_region: region.aws_region.clone(),
        region_tags: tags_for(&name, Some(target.cluster_id()), &cluster_region),
        vpc,
        endpoint,
        alias,
        zone_here: zone_here?,
        zone_of_endpoint_vpc,
        profile_zones: Ok(Vec::new()),
    };
    Ok((facts, identity))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::route53::{ARecord, Zone};

    pub(super) const HOST: &str = "in01-abc-privatelink.aws-us-west-2.vectordb.zillizcloud.com";

    pub(super) fn endpoint(id: &str, vpc: &str) -> VpcEndpoint {
        VpcEndpoint {
            id: id.into(),
            vpc_id: vpc.into(),
            state: "available".into(),
            dns_entries: vec![(
                format!("{id}-x1.vpce-svc-0aaa.us-west-2.vpce.amazonaws.com"),
                Some("ZVPCE".into()),
            )],
            ..VpcEndpoint::default()
        }
    }

    pub(super) fn zone(id: &str, vpcs: &[&str], alias_to: Option<&str>, managed: bool) -> ZoneView {
        let record = alias_to.map(|e| {
            ARecord::alias(
                HOST,
                (
                    &format!("{e}-x1.vpce-svc-0aaa.us-west-2.vpce.amazonaws.com"),
                    "ZVPCE",
                ),
            )
        });
        ZoneView {
            zone: Zone {
                id: id.into(),
                name: HOST.into(),
            },
            vpcs: vpcs
                .iter()
                .map(|v| (v.to_string(), "us-west-2".to_string()))
                .collect(),
            records: record
                .iter()
                .map(|_| (HOST.to_string(), "A".to_string()))
                .collect(),
            record,
            managed,
        }
    }

    fn facts(vpc: &str, endpoint: VpcEndpoint) -> DnsFacts {
        DnsFacts {
            cluster_id: "in01-abc".into(),
            host: HOST.into(),
            aws_region: "us-west-2".into(),
            region_tags: vec![],
            vpc: ec2::Vpc {
                id: vpc.into(),
                name: None,
                cidr_blocks: vec![],
                is_default: false,
                dns_support: Some(true),
                dns_hostnames: Some(true),
                dhcp_options_id: None,
                owner_id: None,
            },
            alias: alias_target_of(&endpoint).unwrap(),
            endpoint,
            zone_here: None,
            zone_of_endpoint_vpc: None,
            profile_zones: Ok(Vec::new()),
        }
    }

    fn kinds(plan: &DnsPlan) -> Vec<&'static str> {
        plan.changes.iter().map(Change::kind).collect()
    }

    #[test]
    fn a_zone_a_profile_carries_for_the_host_is_never_taken_over() {
        let mut f = facts("vpc-b", endpoint("vpce-b", "vpc-b"));
        let carried = |name: &str| -> ProfileResource {
            serde_json::from_value(serde_json::json!({
                "profile_id": "rp-dns", "owner_id": "333333333333", "kind": "HostedZone",
                "resource_id": "ZDNS", "arn": "arn:aws:route53:::hostedzone/ZDNS",
                "name": name, "priority": null}))
            .unwrap()
        };
        f.profile_zones = Ok(vec![carried(HOST)]);
        let refused = plan_dns(&f).unwrap_err().to_string();
        assert!(
            refused.contains("Route 53 Profile rp-dns of account 333333333333")
                && refused.contains("ZDNS"),
            "{refused}"
        );
        // Named for another domain: nothing in the way.
        f.profile_zones = Ok(vec![carried("corp.example.internal")]);
        let plan = plan_dns(&f).unwrap();
        assert_eq!(kinds(&plan), ["create-zone", "alias"]);
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
        // A name this account cannot read: planned, with the warning.
        f.profile_zones = Ok(vec![carried("dns team zone")]);
        let plan = plan_dns(&f).unwrap();
        assert!(plan.warnings[0].contains("ZDNS"), "{:?}", plan.warnings);
        // Unread: planned, with the warning naming why.
        f.profile_zones = Err(FailedRead::not_made("AccessDenied"));
        let plan = plan_dns(&f).unwrap();
        assert!(
            plan.warnings[0].contains("could not be read"),
            "{:?}",
            plan.warnings
        );
        // A VPC with its own zone already: that one answers first, nothing is said.
        f.profile_zones = Ok(vec![carried(HOST)]);
        f.zone_here = Some(zone("ZHERE", &["vpc-b"], Some("vpce-b"), false));
        assert!(plan_dns(&f).is_ok());
    }

    #[test]
    fn a_second_vpc_gets_its_own_zone_aliasing_its_own_endpoint() {
        // vpc-a's zone is not tied to vpc-b (so it is not among vpc-b's facts): vpc-b's plan
        // makes a zone tied to vpc-b alone, whose alias names vpc-b's endpoint.
        let f = facts("vpc-b", endpoint("vpce-b", "vpc-b"));
        let plan = plan_dns(&f).unwrap();
        assert_eq!(kinds(&plan), ["create-zone", "alias"]);
        let Change::CreatePrivateZone { vpc_id, host, .. } = &plan.changes[0] else {
            unreachable!()
        };
        assert_eq!((vpc_id.as_str(), host.as_str()), ("vpc-b", HOST));
        let Change::WriteAlias { zone, target, .. } = &plan.changes[1] else {
            unreachable!()
        };
        assert_eq!(zone, &Ref::Made);
        assert!(target.0.starts_with("vpce-b-"), "{target:?}");
    }

    #[test]
    fn a_zone_shared_with_another_vpc_is_left_to_it_and_this_vpc_gets_its_own() {
        let mut f = facts("vpc-b", endpoint("vpce-b", "vpc-b"));
        f.zone_here = Some(zone("Z-A", &["vpc-a", "vpc-b"], Some("vpce-a"), true));
        let plan = plan_dns(&f).unwrap();
        assert_eq!(kinds(&plan), ["untie", "create-zone", "alias"]);
        let Change::UntieZone {
            zone_id,
            stays_with,
            ..
        } = &plan.changes[0]
        else {
            unreachable!()
        };
        assert_eq!(
            (zone_id.as_str(), stays_with.as_slice()),
            ("Z-A", &["vpc-a".to_string()][..])
        );
        assert!(plan.changes.iter().all(|c| !matches!(
            c,
            Change::WriteAlias {
                zone: Ref::Existing(_),
                ..
            }
        )));
        assert!(plan.warnings[0].contains("vpc-a"));
    }

    #[test]
    fn a_zone_of_this_vpc_alone_is_fixed_in_place_and_says_replace() {
        let mut f = facts("vpc-b", endpoint("vpce-b", "vpc-b"));
        f.zone_here = Some(zone("Z-B", &["vpc-b"], Some("vpce-old"), false));
        let plan = plan_dns(&f).unwrap();
        assert_eq!(kinds(&plan), ["alias"]);
        let text = plan.changes[0].describe();
        assert!(text.starts_with("replace the A record"), "{text}");
        assert!(
            text.contains("vpce-old") && text.contains("made outside this tool"),
            "{text}"
        );
    }

    #[test]
    fn a_right_record_is_nothing_to_do_even_in_a_shared_zone() {
        let mut f = facts("vpc-a", endpoint("vpce-a", "vpc-a"));
        f.zone_here = Some(zone("Z-A", &["vpc-a", "vpc-spoke"], Some("vpce-a"), true));
        let plan = plan_dns(&f).unwrap();
        assert!(plan.changes.is_empty());
        assert_eq!(plan.zone_id.as_deref(), Some("Z-A"));
    }

    #[test]
    fn an_alias_with_the_right_name_in_the_wrong_zone_is_rewritten() {
        let mut f = facts("vpc-a", endpoint("vpce-a", "vpc-a"));
        let mut z = zone("Z-A", &["vpc-a"], Some("vpce-a"), true);
        z.record = Some(ARecord::alias(
            HOST,
            (
                "vpce-a-x1.vpce-svc-0aaa.us-west-2.vpce.amazonaws.com",
                "ZOTHER",
            ),
        ));
        f.zone_here = Some(z);
        assert_eq!(kinds(&plan_dns(&f).unwrap()), ["alias"]);
    }

    #[test]
    fn a_spoke_is_tied_to_the_hubs_zone_and_no_record_changes() {
        let mut f = facts("vpc-spoke", endpoint("vpce-a", "vpc-a"));
        f.zone_of_endpoint_vpc = Some(zone("Z-A", &["vpc-a"], Some("vpce-a"), true));
        let plan = plan_dns(&f).unwrap();
        assert_eq!(kinds(&plan), ["tie"]);
        let text = plan.changes[0].describe();
        assert!(
            text.contains("Z-A") && text.contains("no record changes") && text.contains("vpc-a")
        );
        assert_eq!(plan.zone_id.as_deref(), Some("Z-A"));

        // Tied already: nothing to do.
        f.zone_here = f.zone_of_endpoint_vpc.clone();
        assert!(plan_dns(&f).unwrap().changes.is_empty());
    }

    #[test]
    fn a_spoke_needs_a_hub_zone_that_points_at_the_hub() {
        let mut f = facts("vpc-spoke", endpoint("vpce-a", "vpc-a"));
        let message = plan_dns(&f).unwrap_err().to_string();
        assert!(
            message.contains("vpc-a") && message.contains("setup_private_dns"),
            "{message}"
        );
        f.zone_of_endpoint_vpc = Some(zone("Z-A", &["vpc-a"], Some("vpce-other"), true));
        assert!(plan_dns(&f).is_err());
        // A spoke with a zone of its own is not silently moved.
        f.zone_of_endpoint_vpc = Some(zone("Z-A", &["vpc-a"], Some("vpce-a"), true));
        f.zone_here = Some(zone("Z-S", &["vpc-spoke"], None, false));
        let message = plan_dns(&f).unwrap_err().to_string();
        assert!(message.contains("Z-S"), "{message}");
    }

    #[test]
    fn dns_attributes_come_first() {
        let mut f = facts("vpc-b", endpoint("vpce-b", "vpc-b"));
        f.vpc.dns_hostnames = Some(false);
        assert_eq!(
            kinds(&plan_dns(&f).unwrap()),
            ["enable", "create-zone", "alias"]
        );
    }

    #[test]
    fn an_endpoint_id_may_name_another_vpcs_endpoint() {
        let found =
            pick_endpoint(vec![endpoint("vpce-a", "vpc-a")], Some("vpce-a"), "vpc-b").unwrap();
        assert_eq!(found.vpc_id, "vpc-a");
        let message = pick_endpoint(vec![], None, "vpc-b")
            .unwrap_err()
            .to_string();
        assert!(message.contains("endpoint_id"), "{message}");
    }
}
