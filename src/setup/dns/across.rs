//! `setup_private_dns` across two accounts: a workload VPC tied to the private zone that a
//! landing zone's network account keeps for the endpoint it holds (one endpoint serving many
//! VPCs, which is what centralizing endpoints is for). Route 53 ties a VPC to another account's
//! zone in two steps (Route 53 Developer Guide, "Associating an Amazon VPC and a private
//! hosted zone that you created with different AWS accounts"): the zone's account authorizes
//! the VPC, the VPC's account makes the association; the authorization is then deleted, and
//! the association stays. No record changes, and no second endpoint.

use aws_sdk_ec2::types::VpcAttributeName;

use super::{Accounts, AliasTargetInfo, DnsOutput, Link, alias_target_of, pick_endpoint};
use crate::aws::ec2::{self, EndpointQuery, VpcEndpoint};
use crate::aws::profiles::{self, OwnedProfile, ProfileResource};
use crate::aws::route53::{self, Zone, ZoneView, bare_name};
use crate::change::consent::Consent;
use crate::change::plan::Change;
use crate::change::{self, EndpointAccount, Proposal};
use crate::error::{Error, FailedRead};
use crate::request::{DnsRequest, ToolCall};

/// What the plan is decided from, read with each account's own credentials.
#[derive(Debug, Clone)]
struct AcrossFacts {
    cluster_id: String,
    host: String,
    aws_region: String,
    vpc: ec2::Vpc,
    /// The zones tied to the VPC, its own and other accounts' (as its account lists them).
    vpc_zones: Vec<Zone>,
    vpc_account: String,
    endpoint: VpcEndpoint,
    alias: AliasTargetInfo,
    /// The endpoint VPC's zone for the host, read whole by its account.
    endpoint_zone: Option<ZoneView>,
    endpoint_account: String,
    /// The endpoint's account's profile, for the call that makes its zone.
    endpoint_profile: Option<String>,
    /// The Route 53 Profile the VPC takes its DNS from, where the endpoint's account owns it
    /// (shared with the VPC's through AWS RAM).
    spoke_profile: Option<OwnedProfile>,
    /// The endpoint account's private zones named for the host, wherever they are tied.
    hub_zones_named_for_host: Vec<Zone>,
    /// Where the VPC takes its DNS from a Profile the endpoint's account does not own: the
    /// zones it carries (a zone of the VPC's own association would take their place), or why
    /// they could not be read.
    other_profile_zones: Result<Vec<ProfileResource>, FailedRead>,
}

pub(super) async fn setup(
    accounts: &Accounts<'_>,
    link: &Link<'_>,
    asked_endpoint: Option<String>,
    request: &DnsRequest,
    consent: &Consent,
) -> Result<DnsOutput, Error> {
    let facts = read(accounts, link, asked_endpoint, request).await?;
    let changes = plan(&facts)?;
    let mut proposal = Proposal::new("setup_private_dns", &accounts.identity, link.region);
    proposal.vpc_id = Some(link.vpc_id.to_string());
    proposal.cluster_id = Some(facts.cluster_id.clone());
    proposal.endpoint_account = Some(EndpointAccount {
        identity: accounts.hub_identity.clone(),
        clients: (*accounts.hub.aws.clients(Some(link.region)).await?).clone(),
    });
    // Tying the VPC to the zone puts it before what its Profile carries: zones whose names
    // cannot be read there are said (one for the host is refused by the plan).
    if changes.iter().any(|c| matches!(c, Change::TieZone { .. })) {
        proposal.warnings.extend(super::keeps_profile_zones(
            (link.vpc_id, &facts.host),
            &facts.other_profile_zones,
            None,
        )?);
    }
    let zone_id = facts.endpoint_zone.as_ref().map(|z| z.zone.id.clone());
    // Where the name resolves to, and what comes next: said alike before and after.
    let resolves = format!(
        "{} resolves in {} to VPC endpoint {} of account {} through its private zone {}. Next: \
         allow_client_access on port {} for the clients' addresses, with profile {}.",
        facts.host,
        link.vpc_id,
        facts.endpoint.id,
        facts.endpoint_account,
        zone_id.as_deref().unwrap_or("?"),
        link.address.port,
        request
            .endpoint_profile
            .as_deref()
            .unwrap_or("of the endpoint's account")
    );
    proposal.nothing_to_do = format!("Nothing to do: {resolves}");
    proposal.changes = changes;
    let (mut report, applied) = change::settle(
        accounts.app,
        accounts.clients,
        proposal,
        request.confirm,
        consent,
    )
    .await?;
    if applied.is_some() {
        report.message = format!("Done: {resolves}");
    }
    Ok(DnsOutput {
        report,
        hosted_zone_id: zone_id,
        record_name: facts.host.clone(),
        alias_target: Some(facts.alias),
        vpc_id: link.vpc_id.to_string(),
        endpoint_id: facts.endpoint.id,
        port: link.address.port,
    })
}

/// Three rounds: the endpoint (named, else the endpoint account's one live endpoint to
/// Zilliz's service), the VPC, the zones tied to it and the Profile it takes its DNS from;
/// then, in the endpoint's account, the endpoint VPC's zones and that Profile where it owns it;
/// then its zone for the host, read whole, and the names of the Profile's other zones.
async fn read(
    accounts: &Accounts<'_>,
    link: &Link<'_>,
    asked_endpoint: Option<String>,
    request: &DnsRequest,
) -> Result<AcrossFacts, Error> {
    let region = link.region;
    let host = link.address.host.clone();
    let hub = accounts.hub.aws.clients(Some(region)).await?;
    let (endpoints, vpc, vpc_zones, vpc_profile) = tokio::join!(
        async {
            let service = match &asked_endpoint {
                Some(_) => None,
                None => Some(
                    crate::service::zilliz_endpoint_service(accounts.app, &link.target.region)
                        .await?
                        .endpoint_service,
                ),
            };
            ec2::vpc_endpoints(
                &hub.ec2,
                EndpointQuery {
                    ids: asked_endpoint.as_slice(),
                    service_name: service.as_deref(),
                    ..Default::default()
                },
            )
            .await
        },
        ec2::vpc(&accounts.clients.ec2, link.vpc_id, region),
        route53::zones_of_vpc(&accounts.clients.route53, link.vpc_id, &region.aws_region),
        profiles::profile_of_vpc(&accounts.clients.profiles, link.vpc_id),
    );
    let endpoint = pick_endpoint(endpoints?, asked_endpoint.as_deref(), link.vpc_id)?;
    let alias = alias_target_of(&endpoint)?;
    let hub_account = accounts.hub_identity.account_id.as_str();
    // Where the VPC's Profile cannot be read, the association is the way, said with why.
    let (vpc_profile, unread_profile) = match vpc_profile {
        Ok(profile) => (profile, None),
        Err(e) => (None, Some(FailedRead::from(e))),
    };
    let (endpoint_vpc_zones, spoke_profile, carried) = tokio::join!(
        route53::zones_of_vpc(&hub.route53, &endpoint.vpc_id, &region.aws_region),
        async {
            match &vpc_profile {
                Some(id) => profiles::owned_profile(&hub.profiles, id, hub_account).await,
                None => Ok(None),
            }
        },
        async {
            match &vpc_profile {
                Some(id) => profiles::zones_of_profile(&accounts.clients.profiles, id).await,
                None => Ok(Vec::new()),
            }
        },
    );
    let zone = endpoint_vpc_zones?.into_iter().find(|z| z.name == host);
    let spoke_profile = spoke_profile?;
    let other_profile_zones = match (&spoke_profile, unread_profile) {
        (Some(_), _) => Ok(Vec::new()),
        (None, Some(unread)) => Err(unread),
        (None, None) => carried.map_err(FailedRead::from),
    };
    // The Profile's other zones, by name: one named for the host would answer instead.
    let others: Vec<&String> = spoke_profile
        .iter()
        .flat_map(|p| &p.zones)
        .filter(|id| zone.as_ref().is_none_or(|z| &z.id != *id))
        .collect();
    let (endpoint_zone, profile_zone_names) = tokio::join!(
        async {
            match zone {
                Some(zone) => route53::zone_view(&hub.route53, zone).await.map(Some),
                None => Ok(None),
            }
        },
        futures::future::join_all(others.iter().map(|id| route53::zone_name(&hub.route53, id))),
    );
    // A zone of the Profile this account cannot read is another account's: not one of its
    // zones for the host.
    let hub_zones_named_for_host = others
        .iter()
        .zip(profile_zone_names)
        .filter_map(|(id, name)| {
            name.ok().filter(|n| *n == host).map(|name| Zone {
                id: id.to_string(),
                name,
            })
        })
        .collect();
    Ok(AcrossFacts {
        cluster_id: link.target.cluster_id().to_string(),
        host,
        aws_region: region.aws_region.clone(),
        vpc: vpc?,
        vpc_zones: vpc_zones?,
        vpc_account: accounts.identity.account_id.clone(),
        endpoint,
        alias,
        endpoint_zone: endpoint_zone?,
        endpoint_account: accounts.hub_identity.account_id.clone(),
        endpoint_profile: request.endpoint_profile.clone(),
        spoke_profile,
        hub_zones_named_for_host,
        other_profile_zones,
    })
}

/// The plan, from what was read: the VPC's DNS attributes on, then, unless the zone answers
/// in the VPC already, one of two ways to make it answer there. Where the VPC takes its DNS
/// from a Route 53 Profile of the endpoint's account, the zone is added to that Profile (one
/// change, in that account, for every VPC using it); otherwise the authorization, the
/// association and the authorization's end. The endpoint's account must have its zone,
/// answering with the endpoint; the VPC must have no zone of its own for the host (it would
/// answer instead), and the Profile no other zone for it (it answers in every VPC using it).
fn plan(f: &AcrossFacts) -> Result<Vec<Change>, Error> {
    let Some(zone) = &f.endpoint_zone else {
        let make_it = ToolCall::SetupPrivateDns(DnsRequest {
            cluster_id: f.cluster_id.clone(),
            vpc_id: f.endpoint.vpc_id.clone(),
            endpoint_id: Some(f.endpoint.id.clone()),
            profile: f.endpoint_profile.clone(),
            ..Default::default()
        });
        return Err(Error::Conflict(format!(
            "account {} has no private zone {} tied to {}, the VPC of endpoint {}: make it there \
             first ({}), then call again",
            f.endpoint_account,
            f.host,
            f.endpoint.vpc_id,
            f.endpoint.id,
            make_it.text()
        )));
    };
    let answers = zone
        .record
        .as_ref()
        .and_then(|r| r.alias_target.as_ref())
        .is_some_and(|(name, _)| *name == bare_name(&f.alias.dns_name));
    if !answers {
        return Err(Error::Conflict(format!(
            "the private zone {} ({}) of account {} does not point at endpoint {}: correct it \
             in that account first (setup_private_dns for {} with its profile), then call again",
            zone.zone.id, f.host, f.endpoint_account, f.endpoint.id, f.endpoint.vpc_id
        )));
    }
    if let Some(own) = f
        .vpc_zones
        .iter()
        .find(|z| z.name == f.host && z.id != zone.zone.id)
    {
        return Err(Error::Conflict(format!(
            "{} is tied to another private zone {} ({}), which would answer for it instead of \
             the endpoint account's: remove it first (remove_private_link for {} with this \
             profile), then call again",
            f.vpc.id, own.id, f.host, f.vpc.id
        )));
    }
    let mut changes: Vec<Change> = [
        (f.vpc.dns_support, VpcAttributeName::EnableDnsSupport),
        (f.vpc.dns_hostnames, VpcAttributeName::EnableDnsHostnames),
    ]
    .into_iter()
    .filter(|(on, _)| *on != Some(true))
    .map(|(_, attribute)| Change::EnableDnsAttribute {
        vpc_id: f.vpc.id.clone(),
        attribute,
    })
    .collect();
    if f.vpc_zones.iter().any(|z| z.id == zone.zone.id) {
        return Ok(changes);
    }
    if let Some(profile) = &f.spoke_profile {
        changes.extend(through_profile(f, profile, &zone.zone.id)?);
        return Ok(changes);
    }
    // The warning of zones of unknown names is the proposal's (setup).
    super::keeps_profile_zones((&f.vpc.id, &f.host), &f.other_profile_zones, None)?;
    let (zone_id, vpc_id, aws_region) = (&zone.zone.id, &f.vpc.id, &f.aws_region);
    changes.push(Change::AuthorizeZoneAssociation {
        zone_id: zone_id.clone(),
        host: f.host.clone(),
        vpc_id: vpc_id.clone(),
        aws_region: aws_region.clone(),
        zone_account: f.endpoint_account.clone(),
        vpc_account: f.vpc_account.clone(),
    });
    changes.push(Change::TieZone {
        zone_id: zone_id.clone(),
        host: f.host.clone(),
        vpc_id: vpc_id.clone(),
        aws_region: aws_region.clone(),
        answers_with: format!(
            "an alias to {} of account {}",
            f.endpoint.id, f.endpoint_account
        ),
        tied_to: zone.vpcs.iter().map(|(id, _)| id.clone()).collect(),
        made_outside: !zone.managed,
    });
    changes.push(Change::EndZoneAssociationAuthorization {
        zone_id: zone_id.clone(),
        vpc_id: vpc_id.clone(),
        aws_region: aws_region.clone(),
        zone_account: f.endpoint_account.clone(),
    });
    Ok(changes)
}

/// The zone added to the Profile the VPC takes its DNS from: nothing where it is there
/// already; refused where the Profile carries another of the account's zones named for the
/// host, which answers in every VPC using it and which the person must settle first.
fn through_profile(
    f: &AcrossFacts,
    profile: &OwnedProfile,
    zone_id: &str,
) -> Result<Option<Change>, Error> {
    if profile.zones.iter().any(|z| z == zone_id) {
        return Ok(None);
    }
    if let Some(other) = f
        .hub_zones_named_for_host
        .iter()
        .find(|z| z.id != zone_id && profile.zones.contains(&z.id))
    {
        return Err(Error::Conflict(format!(
            "Route 53 Profile {} of account {}, which {} takes its DNS from, carries private \
             zone {} for {} already: it answers in every VPC using the Profile. Ask the person \
             which zone should serve them, and remove the other from the Profile in account {} \
             first; then call again",
            profile.id, profile.owner_id, f.vpc.id, other.id, f.host, profile.owner_id
        )));
    }
    Ok(Some(Change::ShareZoneThroughProfile {
        profile_id: profile.id.clone(),
        zone_id: zone_id.to_string(),
        host: f.host.clone(),
        aws_region: f.aws_region.clone(),
        profile_account: profile.owner_id.clone(),
        for_vpc: f.vpc.id.clone(),
        profile_vpcs: profile.vpcs.clone(),
        name: profiles::association_name(&f.cluster_id),
    }))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{HOST, endpoint, zone};
    use super::*;

    fn facts(endpoint_zone: Option<ZoneView>, vpc_zones: Vec<Zone>) -> AcrossFacts {
        let hub_endpoint = endpoint("vpce-hub", "vpc-hub");
        AcrossFacts {
            cluster_id: "in01-abc".into(),
            host: HOST.into(),
            aws_region: "us-west-2".into(),
            vpc: ec2::Vpc {
                id: "vpc-spoke".into(),
                name: None,
                cidr_blocks: vec!["10.7.0.0/16".into()],
                is_default: false,
                dns_support: Some(true),
                dns_hostnames: Some(false),
                dhcp_options_id: None,
                owner_id: None,
            },
            vpc_zones,
            vpc_account: "111111111111".into(),
            alias: AliasTargetInfo {
                dns_name: "vpce-hub-x1.vpce-svc-0aaa.us-west-2.vpce.amazonaws.com".into(),
                hosted_zone_id: "ZVPCE".into(),
            },
            endpoint: hub_endpoint,
            endpoint_zone,
            endpoint_account: "222222222222".into(),
            endpoint_profile: Some("network".into()),
            spoke_profile: None,
            hub_zones_named_for_host: Vec::new(),
            other_profile_zones: Ok(Vec::new()),
        }
    }

    #[test]
    fn another_accounts_profile_zone_for_the_host_is_never_taken_over_and_unnamed_ones_warn() {
        let mut f = facts(
            Some(zone("ZHUB", &["vpc-hub"], Some("vpce-hub"), false)),
            vec![],
        );
        let mut carried: ProfileResource = serde_json::from_value(serde_json::json!({
            "profile_id": "rp-dns", "owner_id": "333333333333", "kind": "HostedZone",
            "resource_id": "ZDNS", "arn": "arn:aws:route53:::hostedzone/ZDNS",
            "name": HOST, "priority": null}))
        .unwrap();
        f.other_profile_zones = Ok(vec![carried.clone()]);
        let refused = plan(&f).unwrap_err().to_string();
        assert!(
            refused.contains("Route 53 Profile rp-dns of account 333333333333")
                && refused.contains("ZDNS"),
            "{refused}"
        );
        assert!(
            super::super::keeps_profile_zones((&f.vpc.id, &f.host), &f.other_profile_zones, None)
                .is_err()
        );
        // A zone of unknown name: planned, with the warning.
        carried = serde_json::from_value(serde_json::json!({
            "profile_id": "rp-dns", "owner_id": "333333333333", "kind": "HostedZone",
            "resource_id": "ZDNS", "arn": "arn:aws:route53:::hostedzone/ZDNS",
            "name": "corp zone", "priority": null}))
        .unwrap();
        f.other_profile_zones = Ok(vec![carried]);
        assert!(plan(&f).is_ok());
        let warning =
            super::super::keeps_profile_zones((&f.vpc.id, &f.host), &f.other_profile_zones, None)
                .unwrap()
                .unwrap();
        assert!(
            warning.contains("ZDNS") && warning.contains("takes its place"),
            "{warning}"
        );
    }

    fn network_profile(zones: &[&str]) -> OwnedProfile {
        OwnedProfile {
            id: "rp-network".into(),
            owner_id: "222222222222".into(),
            vpcs: vec!["vpc-spoke".into(), "vpc-other".into()],
            zones: zones.iter().map(|z| z.to_string()).collect(),
        }
    }

    #[test]
    fn a_vpc_on_the_endpoint_accounts_profile_gets_the_zone_through_it() {
        let mut f = facts(
            Some(zone("ZHUB", &["vpc-hub"], Some("vpce-hub"), false)),
            vec![],
        );
        f.spoke_profile = Some(network_profile(&["ZOTHERDOMAIN"]));
        let planned = plan(&f).unwrap();
        assert_eq!(
            planned.iter().map(Change::kind).collect::<Vec<_>>(),
            ["enable", "profile"]
        );
        let lines = crate::change::plan::preview(&planned);
        assert!(
            lines[1]
                .starts_with("in account 222222222222 (the endpoint's): add the private zone ZHUB")
                && lines[1].contains("Route 53 Profile rp-network")
                && lines[1].contains("(vpc-spoke, vpc-other)")
                && lines[1].contains("Chosen over tying vpc-spoke"),
            "{}",
            lines[1]
        );
        // In the Profile already: only the attribute is left.
        f.spoke_profile = Some(network_profile(&["ZHUB"]));
        assert_eq!(
            plan(&f)
                .unwrap()
                .iter()
                .map(Change::kind)
                .collect::<Vec<_>>(),
            ["enable"]
        );
        // Another of the account's zones for the host in the Profile: nothing is planned.
        f.spoke_profile = Some(network_profile(&["ZSTALE"]));
        f.hub_zones_named_for_host = vec![Zone {
            id: "ZSTALE".into(),
            name: HOST.into(),
        }];
        let refused = plan(&f).unwrap_err().to_string();
        assert!(
            refused.contains("carries private zone ZSTALE") && refused.contains("rp-network"),
            "{refused}"
        );
        // A zone of its own for the host still comes first: it would answer instead.
        f.hub_zones_named_for_host.clear();
        f.vpc_zones = vec![Zone {
            id: "ZOWN".into(),
            name: HOST.into(),
        }];
        assert!(plan(&f).is_err());
    }

    #[test]
    fn the_zones_account_authorizes_the_vpcs_account_ties_and_the_authorization_goes() {
        let planned = plan(&facts(
            Some(zone("ZHUB", &["vpc-hub"], Some("vpce-hub"), false)),
            vec![],
        ))
        .unwrap();
        let kinds: Vec<&str> = planned.iter().map(Change::kind).collect();
        assert_eq!(kinds, ["enable", "authorize", "tie", "deauthorize"]);
        let lines = crate::change::plan::preview(&planned);
        assert!(lines[1].starts_with(
            "in account 222222222222 (the endpoint's): authorize vpc-spoke of account 111111111111"
        ));
        assert!(lines[3].contains("association stays"));
        // Tied already: only the attribute is left to do.
        let tied = Zone {
            id: "ZHUB".into(),
            name: HOST.into(),
        };
        let planned = plan(&facts(
            Some(zone(
                "ZHUB",
                &["vpc-hub", "vpc-spoke"],
                Some("vpce-hub"),
                false,
            )),
            vec![tied],
        ))
        .unwrap();
        assert_eq!(
            planned.iter().map(Change::kind).collect::<Vec<_>>(),
            ["enable"]
        );
    }

    #[test]
    fn nothing_is_planned_where_the_endpoints_zone_is_missing_wrong_or_shadowed() {
        let missing = plan(&facts(None, vec![])).unwrap_err().to_string();
        assert!(
            missing.contains("account 222222222222 has no private zone"),
            "{missing}"
        );
        assert!(
            missing.contains("setup_private_dns") && missing.contains("\"profile\":\"network\""),
            "{missing}"
        );
        let elsewhere = plan(&facts(
            Some(zone("ZHUB", &["vpc-hub"], Some("vpce-other"), false)),
            vec![],
        ))
        .unwrap_err()
        .to_string();
        assert!(
            elsewhere.contains("does not point at endpoint vpce-hub"),
            "{elsewhere}"
        );
        let own = Zone {
            id: "ZOWN".into(),
            name: HOST.into(),
        };
        let shadowed = plan(&facts(
            Some(zone("ZHUB", &["vpc-hub"], Some("vpce-hub"), false)),
            vec![own],
        ))
        .unwrap_err()
        .to_string();
        assert!(shadowed.contains("another private zone ZOWN"), "{shadowed}");
    }
}
