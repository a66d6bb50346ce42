//! Route 53 Profiles: everything the Profiles associated with a VPC bring to it. Resolver
//! answers from a Profile's private zones, Resolver rules and DNS Firewall rule groups as if
//! they were the VPC's own, yet `ListHostedZonesByVPC`, `ListResolverRuleAssociations` and
//! `ListFirewallRuleGroupAssociations` show none of them.
//!
//! In the usual enterprise design a networking account owns the Profile and what it carries
//! and shares the Profile through AWS RAM: this account can list the Profile's resources, but
//! may be denied the zones' records, the rules and the rule groups themselves. What cannot be
//! read is kept as such, so that a judgement says so instead of guessing.

use aws_sdk_route53profiles::Client;
use aws_sdk_route53profiles::error::ProvideErrorMetadata;
use aws_sdk_route53profiles::types::ShareStatus;

use aws_sdk_route53::types::ResourceRecordSet;

use super::firewall::{self, FirewallRule};
use super::resolver::{self, ResolverRule};
use super::route53;
use super::sdk_error;
use crate::change::WritePermit;
use crate::error::{Error, FailedRead};

/// What a Profile carries.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Kind {
    HostedZone,
    ResolverRule,
    FirewallRuleGroup,
    /// Query logging configurations and the like, which decide no answer.
    Other(String),
}

impl Kind {
    fn of(resource_type: &str) -> Self {
        match resource_type {
            "AWS::Route53::HostedZone" => Self::HostedZone,
            "AWS::Route53Resolver::ResolverRule" => Self::ResolverRule,
            "AWS::Route53Resolver::FirewallRuleGroup" => Self::FirewallRuleGroup,
            other => Self::Other(other.to_string()),
        }
    }
}

/// One resource a Profile associated with the VPC carries.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ProfileResource {
    pub(crate) profile_id: String,
    /// The account that owns the Profile (and put the resource in it).
    pub(crate) owner_id: Option<String>,
    kind: Kind,
    /// The resource's own id: `Z…`, `rslvr-rr-…`, `rslvr-frg-…`.
    pub(crate) resource_id: String,
    arn: String,
    /// The association's name (the console sets a zone's to the zone's name).
    name: Option<String>,
    /// A rule group's priority among the VPC's rule groups (`ResourceProperties`).
    priority: Option<i32>,
}

impl ProfileResource {
    /// How findings name where the resource comes from.
    pub(crate) fn origin(&self) -> String {
        match &self.owner_id {
            Some(owner) => format!("Route 53 Profile {} of account {owner}", self.profile_id),
            None => format!("Route 53 Profile {}", self.profile_id),
        }
    }

    /// The association's name where it reads as a domain name (lowercase, no trailing dot).
    pub(crate) fn domain_name(&self) -> Option<String> {
        let name = self
            .name
            .as_deref()?
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let is_domain = name.contains('.')
            && name
                .split('.')
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        is_domain.then_some(name)
    }
}

/// The resource id at the end of an ARN: `…:hostedzone/Z123`, `…:resolver-rule/rslvr-rr-1`.
fn id_of_arn(arn: &str) -> Option<&str> {
    arn.rsplit_once('/')
        .map(|(_, id)| id)
        .filter(|id| !id.is_empty())
}

/// A rule group's priority in a resource association's properties (`{"priority": 102}`).
fn priority_of(properties: Option<&str>) -> Option<i32> {
    let value: serde_json::Value = serde_json::from_str(properties?).ok()?;
    value
        .get("priority")
        .and_then(serde_json::Value::as_i64)
        .and_then(|p| i32::try_from(p).ok())
}

/// A private zone a Profile brings, with the records that could answer for the host there.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ProfileZone {
    pub(crate) resource: ProfileResource,
    /// The zone's name where the association's name gives it.
    pub(crate) name: Option<String>,
    /// The record sets at the host (and, for a parent zone, at the wildcards above it); the
    /// read's error where this account may not read the zone (another account's).
    #[serde(with = "super::record_set::read")]
    pub(crate) records: Result<Vec<ResourceRecordSet>, FailedRead>,
}

/// Everything the VPC's Profiles bring that decides how a name resolves.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Brought {
    /// The Profiles associated with the VPC, as listed. The API (SDK 1.99) gives no
    /// association priority, so several Profiles are kept in the order listed.
    profiles: Vec<String>,
    /// Every VPC each Profile is associated with (a central DNS VPC among them).
    pub(crate) profile_vpcs: Vec<(String, Vec<String>)>,
    pub(crate) zones: Vec<ProfileZone>,
    /// The Resolver rules, read where this account may (each with `via_profile` set).
    pub(crate) rules: Vec<ResolverRule>,
    /// Rules this account could not read, with why.
    pub(crate) unreadable_rules: Vec<(ProfileResource, FailedRead)>,
    /// The rules of the Profiles' DNS Firewall rule groups (each with `via_profile` set).
    pub(crate) firewall: Vec<FirewallRule>,
    pub(crate) unreadable_firewall_groups: Vec<(ProfileResource, FailedRead)>,
}

impl Brought {
    /// The zones this account can read neither the name nor the records of (another
    /// account's): what they answer is unknown here.
    pub(crate) fn hidden_zones(&self) -> Vec<&ProfileZone> {
        self.zones
            .iter()
            .filter(|z| z.name.is_none() && z.records.is_err())
            .collect()
    }
}

/// The clients a Profile's resources are read with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Readers<'a> {
    pub(crate) profiles: &'a Client,
    pub(crate) resolver: &'a aws_sdk_route53resolver::Client,
    pub(crate) route53: &'a aws_sdk_route53::Client,
}

/// The Profiles of `vpc_id` and their resources: the associations, then every Profile's
/// resources, then at once the rules and rule groups they name and the records of their zones
/// that could answer for `host`, then (only for rule groups) their domain lists.
/// The resources each Profile brings (zones, Resolver rules, DNS Firewall rule groups), read
/// for every Profile at once.
async fn resources_of(client: &Client, profiles: &[String]) -> Result<Vec<ProfileResource>, Error> {
    let per_profile = futures::future::join_all(profiles.iter().map(|profile_id| async move {
        client
            .list_profile_resource_associations()
            .profile_id(profile_id)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| sdk_error("route53profiles:ListProfileResourceAssociations", e))
            .map(|list| {
                list.into_iter()
                    .filter_map(|r| {
                        let arn = r.resource_arn()?.to_string();
                        Some(ProfileResource {
                            profile_id: profile_id.clone(),
                            owner_id: r.owner_id().map(str::to_string),
                            kind: Kind::of(r.resource_type().unwrap_or_default()),
                            resource_id: id_of_arn(&arn)?.to_string(),
                            name: r.name().map(str::to_string),
                            priority: priority_of(r.resource_properties()),
                            arn,
                        })
                    })
                    .collect::<Vec<_>>()
            })
    }))
    .await;
    let mut resources = Vec::new();
    for found in per_profile {
        resources.extend(found?);
    }
    Ok(resources)
}

pub(crate) async fn brought_to_vpc(
    readers: Readers<'_>,
    vpc_id: &str,
    host: Option<&str>,
) -> Result<Brought, Error> {
    let (client, resolver_client) = (readers.profiles, readers.resolver);
    let of_vpc = associations(client, Some(vpc_id), None).await?;
    let mut profiles: Vec<String> = Vec::new();
    for a in of_vpc.iter().filter(|a| a.resource_id() == Some(vpc_id)) {
        if let Some(id) = a.profile_id()
            && !profiles.iter().any(|p| p == id)
        {
            profiles.push(id.to_string());
        }
    }
    if profiles.is_empty() {
        return Ok(Brought::default());
    }
    let resources = resources_of(client, &profiles).await?;
    // Which VPCs each Profile reaches is read beside the next round, and only where a Profile
    // may bring the host's zone: an inbound Resolver endpoint in any of them answers from it.
    let may_serve_host = resources
        .iter()
        .filter(|r| r.kind == Kind::HostedZone)
        .any(|r| match (host, r.domain_name()) {
            (Some(h), Some(n)) => h == n || h.ends_with(&format!(".{n}")),
            (Some(_), None) => true,
            (None, _) => false,
        });
    let wanted: &[String] = if may_serve_host { &profiles } else { &[] };
    let profile_vpcs = futures::future::join_all(wanted.iter().map(|profile_id| async move {
        let vpcs = associations(client, None, Some(profile_id))
            .await
            .map(|list| {
                list.iter()
                    .filter_map(|a| a.resource_id().map(str::to_string))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        (profile_id.clone(), vpcs)
    }));
    let of_kind = |kind: Kind| -> Vec<ProfileResource> {
        resources
            .iter()
            .filter(|r| r.kind == kind)
            .cloned()
            .collect()
    };
    let (zone_resources, rule_resources, groups) = (
        of_kind(Kind::HostedZone),
        of_kind(Kind::ResolverRule),
        of_kind(Kind::FirewallRuleGroup),
    );
    let (rules, firewall_rules, zones, profile_vpcs) = tokio::join!(
        futures::future::join_all(
            rule_resources
                .iter()
                .map(|r| resolver::rule(resolver_client, &r.resource_id))
        ),
        futures::future::join_all(groups.iter().map(|g| {
            firewall::rules_of_group(resolver_client, &g.resource_id, g.priority.unwrap_or(0))
        })),
        futures::future::join_all(zone_resources.iter().map(|z| zone_records(
            readers.route53,
            z,
            host
        ))),
        profile_vpcs,
    );
    let mut brought = Brought {
        profiles,
        profile_vpcs,
        zones,
        ..Default::default()
    };
    for (resource, rule) in rule_resources.into_iter().zip(rules) {
        match rule {
            Ok(mut rule) => {
                rule.via_profile = Some(resource.origin());
                brought.rules.push(rule);
            }
            Err(e) => brought
                .unreadable_rules
                .push((resource, FailedRead::from(e))),
        }
    }
    for (group, rules) in groups.into_iter().zip(firewall_rules) {
        match rules {
            Ok(rules) => brought.firewall.extend(rules.into_iter().map(|mut r| {
                r.via_profile = Some(group.origin());
                r
            })),
            Err(e) => brought
                .unreadable_firewall_groups
                .push((group, FailedRead::from(e))),
        }
    }
    brought.firewall = firewall::with_domains(resolver_client, brought.firewall).await;
    Ok(brought)
}

/// The Profile associations of a VPC (`vpc_id`), or of a Profile (`profile_id`).
async fn associations(
    client: &Client,
    vpc_id: Option<&str>,
    profile_id: Option<&str>,
) -> Result<Vec<aws_sdk_route53profiles::types::ProfileAssociation>, Error> {
    client
        .list_profile_associations()
        .set_resource_id(vpc_id.map(str::to_string))
        .set_profile_id(profile_id.map(str::to_string))
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| sdk_error("route53profiles:ListProfileAssociations", e))
}

/// A Profile as its owner reads it: what adding a zone to it reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OwnedProfile {
    pub(crate) id: String,
    pub(crate) owner_id: String,
    /// The VPCs associated with it, as its owner lists them.
    pub(crate) vpcs: Vec<String>,
    /// The private zones it carries, by id.
    pub(crate) zones: Vec<String>,
}

/// The Profile associated with a VPC (AWS allows one), as the VPC's account lists it.
pub(crate) async fn profile_of_vpc(client: &Client, vpc_id: &str) -> Result<Option<String>, Error> {
    Ok(associations(client, Some(vpc_id), None)
        .await?
        .iter()
        .filter(|a| a.resource_id() == Some(vpc_id))
        .find_map(|a| a.profile_id().map(str::to_string)))
}

/// Profile `profile_id` where the caller's account (`account`) owns it, with the VPCs that use
/// it and the zones it carries (three calls at once); `None` where another account owns it or
/// the caller cannot see it.
pub(crate) async fn owned_profile(
    client: &Client,
    profile_id: &str,
    account: &str,
) -> Result<Option<OwnedProfile>, Error> {
    let (profile, zones, vpcs) = tokio::join!(
        client.get_profile().profile_id(profile_id).send(),
        zones_of_profile(client, profile_id),
        associations(client, None, Some(profile_id)),
    );
    let owner = match profile {
        Ok(out) => out.profile().and_then(|p| p.owner_id()).map(str::to_string),
        Err(e) if e.code() == Some("ResourceNotFoundException") => None,
        Err(e) => return Err(sdk_error("route53profiles:GetProfile", e)),
    };
    let Some(owner_id) = owner.filter(|o| o == account) else {
        return Ok(None);
    };
    Ok(Some(OwnedProfile {
        id: profile_id.to_string(),
        owner_id,
        vpcs: vpcs?
            .iter()
            .filter_map(|a| a.resource_id().map(str::to_string))
            .collect(),
        zones: zones?.into_iter().map(|r| r.resource_id).collect(),
    }))
}

/// The private zones the VPC's Profile carries (as the VPC's account lists them; two rounds,
/// the second only where the VPC has a Profile).
pub(crate) async fn carried_to_vpc(
    client: &Client,
    vpc_id: &str,
) -> Result<Vec<ProfileResource>, Error> {
    match profile_of_vpc(client, vpc_id).await? {
        Some(profile) => zones_of_profile(client, &profile).await,
        None => Ok(Vec::new()),
    }
}

/// The private zones Profile `profile_id` carries.
pub(crate) async fn zones_of_profile(
    client: &Client,
    profile_id: &str,
) -> Result<Vec<ProfileResource>, Error> {
    Ok(resources_of(client, &[profile_id.to_string()])
        .await?
        .into_iter()
        .filter(|r| r.kind == Kind::HostedZone)
        .collect())
}

/// Those of `zones` that another account than `account` owns.
pub(crate) fn of_other_accounts(
    zones: Vec<ProfileResource>,
    account: &str,
) -> Vec<ProfileResource> {
    zones
        .into_iter()
        .filter(|r| r.owner_id.as_deref() != Some(account))
        .collect()
}

/// One of this account's own Route 53 Profiles: the zones it carries and the VPCs using it
/// (as this account lists them); every one of them answers from those zones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OwnProfile {
    pub(crate) id: String,
    pub(crate) zones: Vec<String>,
    pub(crate) vpcs: Vec<String>,
}

/// This account's own Route 53 Profiles, with what they carry and who uses them. Two rounds,
/// the second per Profile at once; Profiles shared with this account carry another's zones.
pub(crate) async fn own_profiles(client: &Client) -> Result<Vec<OwnProfile>, Error> {
    let own: Vec<String> = client
        .list_profiles()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| sdk_error("route53profiles:ListProfiles", e))?
        .into_iter()
        .filter(|p| p.share_status() != Some(&ShareStatus::SharedWithMe))
        .filter_map(|p| p.id().map(str::to_string))
        .collect();
    futures::future::join_all(own.into_iter().map(|id| async move {
        let (zones, vpcs) = tokio::join!(
            zones_of_profile(client, &id),
            associations(client, None, Some(&id))
        );
        Ok(OwnProfile {
            zones: zones?.into_iter().map(|r| r.resource_id).collect(),
            vpcs: vpcs?
                .iter()
                .filter_map(|a| a.resource_id().map(str::to_string))
                .collect(),
            id,
        })
    }))
    .await
    .into_iter()
    .collect()
}

/// A hosted zone's ARN in the partition of `aws_region`.
fn zone_arn(zone_id: &str, aws_region: &str) -> String {
    let partition = if aws_region.starts_with("cn-") {
        "aws-cn"
    } else if aws_region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    format!("arn:{partition}:route53:::hostedzone/{zone_id}")
}

/// A Profile association's name for the zone of `cluster_id`: the API takes letters, digits,
/// `-`, `_` and spaces (no dots), at most 64.
pub(crate) fn association_name(cluster_id: &str) -> String {
    let name: String = format!("zilliz-{cluster_id}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    name
}

/// Adds private zone `zone_id` to Profile `profile_id` (the owner's call). A zone already
/// there is done.
pub(crate) async fn add_zone(
    _permit: &WritePermit,
    client: &Client,
    (profile_id, zone_id, aws_region): (&str, &str, &str),
    name: &str,
) -> Result<(), Error> {
    let arn = zone_arn(zone_id, aws_region);
    match client
        .associate_resource_to_profile()
        .profile_id(profile_id)
        .resource_arn(&arn)
        .name(name)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.code() == Some("ConflictException")
                && resources_of(client, &[profile_id.to_string()])
                    .await?
                    .iter()
                    .any(|r| r.resource_id == zone_id) =>
        {
            tracing::debug!("{zone_id} was already in {profile_id}: {e:?}");
            Ok(())
        }
        Err(e) => Err(sdk_error("route53profiles:AssociateResourceToProfile", e)),
    }
}

/// What a Profile's zone holds for the host: nothing is read for a zone whose name shows it
/// is for another domain; a zone whose name is not known is asked for the host's own name.
async fn zone_records(
    r53: &aws_sdk_route53::Client,
    resource: &ProfileResource,
    host: Option<&str>,
) -> ProfileZone {
    let name = resource.domain_name();
    let names = match (host, &name) {
        (None, _) => Vec::new(),
        (Some(h), Some(n)) if h == n || h.ends_with(&format!(".{n}")) => {
            route53::names_answering(h, n)
        }
        (Some(_), Some(_)) => Vec::new(),
        (Some(h), None) => vec![h.to_string()],
    };
    let records = if names.is_empty() {
        Ok(Vec::new())
    } else {
        route53::records_at(r53, &resource.resource_id, &names)
            .await
            .map_err(FailedRead::from)
    };
    ProfileZone {
        resource: resource.clone(),
        name,
        records,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_the_arns() {
        assert_eq!(
            id_of_arn("arn:aws:route53:::hostedzone/Z0123456789ABC"),
            Some("Z0123456789ABC")
        );
        assert_eq!(
            id_of_arn("arn:aws:route53resolver:us-west-2:111111111111:resolver-rule/rslvr-rr-1"),
            Some("rslvr-rr-1")
        );
        assert_eq!(id_of_arn("arn:aws:route53:::hostedzone/"), None);
    }

    #[test]
    fn a_zones_arn_is_in_its_regions_partition_and_the_association_name_has_no_dots() {
        assert_eq!(
            zone_arn("Z1", "us-west-2"),
            "arn:aws:route53:::hostedzone/Z1"
        );
        assert_eq!(
            zone_arn("Z1", "cn-north-1"),
            "arn:aws-cn:route53:::hostedzone/Z1"
        );
        assert_eq!(
            zone_arn("Z1", "us-gov-west-1"),
            "arn:aws-us-gov:route53:::hostedzone/Z1"
        );
        assert_eq!(association_name("in01-abc"), "zilliz-in01-abc");
        let long = association_name(&"x.y".repeat(40));
        assert_eq!(long.len(), 64);
        assert!(!long.contains('.'), "{long}");
    }

    #[test]
    fn a_rule_groups_priority_is_in_the_properties() {
        assert_eq!(priority_of(Some(r#"{"priority": 102}"#)), Some(102));
        assert_eq!(priority_of(Some("{}")), None);
        assert_eq!(priority_of(Some("not json")), None);
        assert_eq!(priority_of(None), None);
    }

    #[test]
    fn only_a_domain_shaped_association_name_names_the_zone() {
        let resource = |name: &str| ProfileResource {
            profile_id: "rp-1".into(),
            owner_id: Some("111111111111".into()),
            kind: Kind::HostedZone,
            resource_id: "Z1".into(),
            arn: "arn:aws:route53:::hostedzone/Z1".into(),
            name: Some(name.into()),
            priority: None,
        };
        assert_eq!(
            resource("Vectordb.ZillizCloud.com.").domain_name(),
            Some("vectordb.zillizcloud.com".into())
        );
        assert_eq!(resource("zilliz zone").domain_name(), None);
        assert_eq!(resource("zilliz").domain_name(), None);
        assert_eq!(
            resource("x").origin(),
            "Route 53 Profile rp-1 of account 111111111111"
        );
    }
}
