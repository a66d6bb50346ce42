//! Reads and writes on Route 53 private hosted zones, as plain data.

use aws_sdk_route53::Client;
use aws_sdk_route53::error::ProvideErrorMetadata;
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, HostedZoneConfig, ResourceRecordSet, RrType,
    Tag, TagResourceType, Vpc, VpcRegion,
};

use super::sdk_error;
use crate::change::WritePermit;
use crate::error::Error;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Zone {
    /// Without the `/hostedzone/` prefix.
    pub(crate) id: String,
    /// Without the trailing dot, lowercase.
    pub(crate) name: String,
}

/// An A record at a name: an alias (`alias_target`) or plain addresses.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ARecord {
    pub(crate) alias_target: Option<(String, String)>,
    pub(crate) addresses: Vec<String>,
    /// The record set exactly as Route 53 answered it: a delete must repeat every value.
    #[serde(with = "super::record_set::one")]
    pub(crate) as_read: ResourceRecordSet,
}

impl ARecord {
    pub(crate) fn from_record_set(set: &ResourceRecordSet) -> Self {
        Self {
            alias_target: set
                .alias_target()
                .map(|a| (bare_name(a.dns_name()), bare_zone_id(a.hosted_zone_id()))),
            addresses: set
                .resource_records()
                .iter()
                .map(|rr| rr.value().to_string())
                .collect(),
            as_read: set.clone(),
        }
    }

    /// An alias A record at `name`, as this tool writes it; for tests of pure logic.
    #[cfg(test)]
    pub(crate) fn alias(name: &str, target: (&str, &str)) -> Self {
        let set = ResourceRecordSet::builder()
            .name(name)
            .r#type(RrType::A)
            .alias_target(
                AliasTarget::builder()
                    .dns_name(target.0)
                    .hosted_zone_id(target.1)
                    .evaluate_target_health(false)
                    .build()
                    .expect("complete alias"),
            )
            .build()
            .expect("complete record");
        Self::from_record_set(&set)
    }
}

/// The change that deletes a record set. Route 53 deletes only when the request repeats every
/// value the record holds (TTL, alias target and `EvaluateTargetHealth`, routing fields), so
/// the record goes back exactly as it was read, never rebuilt.
fn deletion(record: &ARecord) -> Result<Change, Error> {
    Change::builder()
        .action(ChangeAction::Delete)
        .resource_record_set(record.as_read.clone())
        .build()
        .map_err(invalid_change)
}

fn bare_zone_id(id: &str) -> String {
    id.trim_start_matches("/hostedzone/").to_string()
}

/// A record or zone name as written everywhere else: no trailing dot, lowercase, and the
/// wildcard label that Route 53 answers as the octal escape `\052` back to `*`.
pub(crate) fn bare_name(name: &str) -> String {
    name.trim_end_matches('.')
        .replace("\\052", "*")
        .to_ascii_lowercase()
}

/// The names whose records can answer for `host` in a zone named `zone`: the host itself and
/// every wildcard between it and the zone's apex (`*.aws-us-west-2.vectordb.zillizcloud.com`,
/// `*.vectordb.zillizcloud.com`), as DNS matches them.
pub(crate) fn names_answering(host: &str, zone: &str) -> Vec<String> {
    let mut names = vec![host.to_string()];
    let mut rest = host;
    while let Some((_, parent)) = rest.split_once('.') {
        if parent.len() < zone.len() || !(parent == zone || parent.ends_with(&format!(".{zone}"))) {
            break;
        }
        names.push(format!("*.{parent}"));
        rest = parent;
    }
    names
}

/// What answers an A query for `host` among a zone's record sets, as DNS matches them: the
/// host's own A record, else its CNAME; where the host has no record of any type, the most
/// specific wildcard above it that holds an A record or a CNAME. Answers the record's name
/// (the host, or the wildcard) with the record.
pub(crate) fn answer_for(host: &str, sets: &[ResourceRecordSet]) -> Option<(String, ARecord)> {
    let at_host: Vec<&ResourceRecordSet> = sets
        .iter()
        .filter(|s| bare_name(s.name()) == host)
        .collect();
    if !at_host.is_empty() {
        // The name exists: no wildcard answers for it, whatever it holds.
        let own = |kind: RrType| at_host.iter().find(|s| *s.r#type() == kind).copied();
        return own(RrType::A)
            .or_else(|| own(RrType::Cname))
            .map(|s| (host.to_string(), ARecord::from_record_set(s)));
    }
    sets.iter()
        .filter(|s| matches!(s.r#type(), RrType::A | RrType::Cname))
        .filter_map(|s| {
            let name = bare_name(s.name());
            let suffix = name.strip_prefix('*')?;
            (suffix.starts_with('.') && host.ends_with(suffix)).then_some((name, s))
        })
        .max_by_key(|(name, s)| (name.len(), *s.r#type() == RrType::A))
        .map(|(name, s)| (name, ARecord::from_record_set(s)))
}

/// The record sets at each of `names` in a zone, each read from its own name on
/// (`StartRecordName`) so that a zone of thousands of records answers in one call a name,
/// all at once.
pub(crate) async fn records_at(
    r53: &Client,
    zone_id: &str,
    names: &[String],
) -> Result<Vec<ResourceRecordSet>, Error> {
    let pages = futures::future::join_all(names.iter().map(|name| async move {
        r53.list_resource_record_sets()
            .hosted_zone_id(zone_id)
            .start_record_name(name)
            .max_items(10)
            .send()
            .await
            .map_err(|e| sdk_error("route53:ListResourceRecordSets", e))
            .map(|out| {
                out.resource_record_sets()
                    .iter()
                    .filter(|r| bare_name(r.name()) == *name)
                    .cloned()
                    .collect::<Vec<_>>()
            })
    }))
    .await;
    let mut found = Vec::new();
    for page in pages {
        found.extend(page?);
    }
    Ok(found)
}

/// The private zones tied to a VPC.
pub(crate) async fn zones_of_vpc(
    r53: &Client,
    vpc_id: &str,
    region: &str,
) -> Result<Vec<Zone>, Error> {
    Ok(owned_zones_of_vpc(r53, vpc_id, region)
        .await?
        .into_iter()
        .map(|(zone, _)| zone)
        .collect())
}

/// The private zones tied to a VPC, each with the account that owns it (another account's,
/// where it was tied across accounts: only that account can read the zone).
pub(crate) async fn owned_zones_of_vpc(
    r53: &Client,
    vpc_id: &str,
    region: &str,
) -> Result<Vec<(Zone, Option<String>)>, Error> {
    let mut zones = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = r53
            .list_hosted_zones_by_vpc()
            .vpc_id(vpc_id)
            .vpc_region(VpcRegion::from(region))
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| sdk_error("route53:ListHostedZonesByVPC", e))?;
        zones.extend(out.hosted_zone_summaries().iter().map(|z| {
            let zone = Zone {
                id: bare_zone_id(z.hosted_zone_id()),
                name: bare_name(z.name()),
            };
            let owner = z
                .owner()
                .and_then(|o| o.owning_account())
                .map(str::to_string);
            (zone, owner)
        }));
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    Ok(zones)
}

/// Every private zone of the account (Route 53 is global: one read serves every region).
pub(crate) async fn private_zones(r53: &Client) -> Result<Vec<Zone>, Error> {
    let mut zones = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = r53
            .list_hosted_zones()
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| sdk_error("route53:ListHostedZones", e))?;
        zones.extend(
            out.hosted_zones()
                .iter()
                .filter(|z| z.config().is_some_and(|c| c.private_zone()))
                .map(|z| Zone {
                    id: bare_zone_id(z.id()),
                    name: bare_name(z.name()),
                }),
        );
        match out.next_marker() {
            Some(next) if out.is_truncated() && !next.is_empty() => marker = Some(next.into()),
            _ => break,
        }
    }
    Ok(zones)
}

/// The private zones of the account named `domain` or under it, wherever they are tied.
/// `ListHostedZonesByName` sorts by name with the labels reversed, so a domain's subdomains
/// follow it: the listing starts at the domain and stops at the first zone outside it.
pub(crate) async fn private_zones_under(r53: &Client, domain: &str) -> Result<Vec<Zone>, Error> {
    /// A bound on paging (100 zones a page).
    const MAX_PAGES: usize = 50;
    let under = |name: &str| name == domain || name.ends_with(&format!(".{domain}"));
    let mut zones = Vec::new();
    let (mut dns_name, mut zone_id) = (Some(domain.to_string()), None);
    for _ in 0..MAX_PAGES {
        let out = r53
            .list_hosted_zones_by_name()
            .set_dns_name(dns_name.take())
            .set_hosted_zone_id(zone_id.take())
            .max_items(100)
            .send()
            .await
            .map_err(|e| sdk_error("route53:ListHostedZonesByName", e))?;
        let mut past = false;
        for z in out.hosted_zones() {
            let name = bare_name(z.name());
            if !under(&name) {
                past = true;
                break;
            }
            if z.config().is_some_and(|c| c.private_zone()) {
                zones.push(Zone {
                    id: bare_zone_id(z.id()),
                    name,
                });
            }
        }
        if past || !out.is_truncated() {
            break;
        }
        dns_name = out.next_dns_name().map(str::to_string);
        zone_id = out.next_hosted_zone_id().map(bare_zone_id);
        if dns_name.is_none() {
            break;
        }
    }
    Ok(zones)
}

/// Private zones with exactly this name, wherever they are tied.
pub(crate) async fn private_zones_named(r53: &Client, name: &str) -> Result<Vec<Zone>, Error> {
    let out = r53
        .list_hosted_zones_by_name()
        .dns_name(name)
        .max_items(100)
        .send()
        .await
        .map_err(|e| sdk_error("route53:ListHostedZonesByName", e))?;
    Ok(out
        .hosted_zones()
        .iter()
        .filter(|z| bare_name(z.name()) == bare_name(name))
        .filter(|z| z.config().is_some_and(|c| c.private_zone()))
        .map(|z| Zone {
            id: bare_zone_id(z.id()),
            name: bare_name(z.name()),
        })
        .collect())
}

/// The VPCs `(id, region)` a private zone is tied to.
pub(crate) async fn zone_vpcs(r53: &Client, zone_id: &str) -> Result<Vec<(String, String)>, Error> {
    Ok(zone_details(r53, zone_id).await?.0)
}

/// `GetHostedZone`: the zone with its VPCs.
async fn get_zone(
    r53: &Client,
    zone_id: &str,
) -> Result<aws_sdk_route53::operation::get_hosted_zone::GetHostedZoneOutput, Error> {
    r53.get_hosted_zone()
        .id(zone_id)
        .send()
        .await
        .map_err(|e| sdk_error("route53:GetHostedZone", e))
}

/// A private zone's VPCs `(id, region)` and its comment (empty where it has none).
pub(crate) async fn zone_details(
    r53: &Client,
    zone_id: &str,
) -> Result<(Vec<(String, String)>, String), Error> {
    let out = get_zone(r53, zone_id).await?;
    let comment = out
        .hosted_zone()
        .and_then(|z| z.config())
        .and_then(|c| c.comment())
        .unwrap_or_default()
        .to_string();
    let vpcs = out
        .vpcs()
        .iter()
        .map(|v| {
            (
                v.vpc_id().unwrap_or_default().to_string(),
                v.vpc_region()
                    .map(|r| r.as_str().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect();
    Ok((vpcs, comment))
}

/// A zone's name, as its account reads it.
pub(crate) async fn zone_name(r53: &Client, zone_id: &str) -> Result<String, Error> {
    let out = get_zone(r53, zone_id).await?;
    Ok(bare_name(
        out.hosted_zone().map(|z| z.name()).unwrap_or_default(),
    ))
}

/// The tags of a zone, as `(key, value)`.
pub(crate) async fn zone_tags(r53: &Client, zone_id: &str) -> Result<Vec<(String, String)>, Error> {
    let out = r53
        .list_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(zone_id)
        .send()
        .await
        .map_err(|e| sdk_error("route53:ListTagsForResource", e))?;
    Ok(out
        .resource_tag_set()
        .map(|set| pairs(set.tags()))
        .unwrap_or_default())
}

/// Route 53 tags as `(key, value)`.
fn pairs(tags: &[aws_sdk_route53::types::Tag]) -> Vec<(String, String)> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// The tags of many zones, ten a call (`ListTagsForResources`): Route 53 allows an account
/// about five requests a second, so fewer calls matter more than speed.
pub(crate) async fn zones_tags(
    r53: &Client,
    zone_ids: &[String],
) -> Result<Vec<(String, Vec<(String, String)>)>, Error> {
    let batches = futures::future::join_all(zone_ids.chunks(10).map(|ids| {
        r53.list_tags_for_resources()
            .resource_type(TagResourceType::Hostedzone)
            .set_resource_ids(Some(ids.to_vec()))
            .send()
    }))
    .await;
    let mut found = Vec::new();
    for batch in batches {
        let out = batch.map_err(|e| sdk_error("route53:ListTagsForResources", e))?;
        for set in out.resource_tag_sets() {
            found.push((
                set.resource_id().map(bare_zone_id).unwrap_or_default(),
                pairs(set.tags()),
            ));
        }
    }
    Ok(found)
}

/// The A record at `name` in a zone, if there is one.
pub(crate) async fn a_record(
    r53: &Client,
    zone_id: &str,
    name: &str,
) -> Result<Option<ARecord>, Error> {
    let out = r53
        .list_resource_record_sets()
        .hosted_zone_id(zone_id)
        .start_record_name(name)
        .start_record_type(RrType::A)
        .max_items(5)
        .send()
        .await
        .map_err(|e| sdk_error("route53:ListResourceRecordSets", e))?;
    Ok(out
        .resource_record_sets()
        .iter()
        .find(|r| bare_name(r.name()) == bare_name(name) && *r.r#type() == RrType::A)
        .map(ARecord::from_record_set))
}

/// The first 100 record sets of a zone, as Route 53 answers them (a zone this tool made holds
/// a handful).
async fn record_sets(r53: &Client, zone_id: &str) -> Result<Vec<ResourceRecordSet>, Error> {
    let out = r53
        .list_resource_record_sets()
        .hosted_zone_id(zone_id)
        .max_items(100)
        .send()
        .await
        .map_err(|e| sdk_error("route53:ListResourceRecordSets", e))?;
    Ok(out.resource_record_sets().to_vec())
}

/// Every record of a zone other than its own SOA and NS, as `(name, type)`.
async fn other_records(r53: &Client, zone_id: &str) -> Result<Vec<(String, String)>, Error> {
    Ok(record_sets(r53, zone_id)
        .await?
        .iter()
        .filter(|r| !matches!(r.r#type(), RrType::Soa | RrType::Ns))
        .map(|r| (bare_name(r.name()), r.r#type().as_str().to_string()))
        .collect())
}

/// A private zone named for a host, with everything a change to it must respect.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ZoneView {
    pub(crate) zone: Zone,
    /// The VPCs `(id, region)` tied to it.
    pub(crate) vpcs: Vec<(String, String)>,
    /// The A record at its apex.
    pub(crate) record: Option<ARecord>,
    /// Every record other than SOA and NS, as `(name, type)`.
    pub(crate) records: Vec<(String, String)>,
    /// Made by this tool (tagged so).
    pub(crate) managed: bool,
}

impl ZoneView {
    /// The VPCs tied to the zone other than `vpc_id`.
    pub(crate) fn other_vpcs(&self, vpc_id: &str) -> Vec<String> {
        self.vpcs
            .iter()
            .filter(|(id, _)| id != vpc_id)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The zone's apex record is an alias to exactly this target.
    pub(crate) fn aliases_to(&self, target: (&str, &str)) -> bool {
        self.record
            .as_ref()
            .and_then(|r| r.alias_target.as_ref())
            .is_some_and(|(name, zone)| name == target.0 && zone == target.1)
    }

    /// Where the zone's apex record points, when it is an alias.
    pub(crate) fn alias_name(&self) -> Option<&str> {
        self.record
            .as_ref()
            .and_then(|r| r.alias_target.as_ref())
            .map(|(name, _)| name.as_str())
    }
}

/// Reads what a [`ZoneView`] holds, all at once.
pub(crate) async fn zone_view(r53: &Client, zone: Zone) -> Result<ZoneView, Error> {
    let (vpcs, record, records, tags) = tokio::join!(
        zone_vpcs(r53, &zone.id),
        a_record(r53, &zone.id, &zone.name),
        other_records(r53, &zone.id),
        zone_tags(r53, &zone.id),
    );
    Ok(ZoneView {
        vpcs: vpcs?,
        record: record?,
        records: records?,
        managed: super::tags::is_managed(&tags?),
        zone,
    })
}

/// A private zone to make, tied to one VPC.
pub(crate) struct NewZone<'a> {
    pub(crate) name: &'a str,
    pub(crate) vpc_id: &'a str,
    pub(crate) region: &'a str,
    /// Makes a retry of the same call find the zone it made instead of making another.
    pub(crate) caller_reference: &'a str,
    pub(crate) comment: &'a str,
    pub(crate) tags: &'a [(String, String)],
}

/// Creates a private zone tied to one VPC.
pub(crate) async fn create_private_zone(
    _permit: &WritePermit,
    r53: &Client,
    zone: NewZone<'_>,
) -> Result<String, Error> {
    let NewZone {
        name,
        vpc_id,
        region,
        caller_reference,
        comment,
        tags,
    } = zone;
    let out = r53
        .create_hosted_zone()
        .name(name)
        .caller_reference(caller_reference)
        .vpc(vpc(vpc_id, region))
        .hosted_zone_config(
            HostedZoneConfig::builder()
                .private_zone(true)
                .comment(comment)
                .build(),
        )
        // Not retried by the SDK: the caller looks for the zone after a lost answer instead.
        .customize()
        .config_override(
            aws_sdk_route53::config::Builder::default()
                .retry_config(aws_config::retry::RetryConfig::disabled()),
        )
        .send()
        .await;
    let id = match out {
        Ok(out) => out
            .hosted_zone()
            .map(|z| bare_zone_id(z.id()))
            .ok_or_else(|| {
                Error::aws(
                    "AWS route53:CreateHostedZone",
                    "the answer had no zone",
                    "Try again",
                )
            })?,
        // The answer may have been lost after Route 53 made the zone: look before failing.
        Err(e) => {
            let found = zones_of_vpc(r53, vpc_id, region)
                .await?
                .into_iter()
                .find(|z| z.name == bare_name(name));
            match found {
                Some(zone) => zone.id,
                None => return Err(sdk_error("route53:CreateHostedZone", e)),
            }
        }
    };
    r53.change_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(&id)
        .set_add_tags(Some(
            tags.iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .send()
        .await
        .map_err(|e| sdk_error("route53:ChangeTagsForResource", e))?;
    Ok(id)
}

/// Ties a VPC to a private zone; a VPC already tied is success.
pub(crate) async fn associate_vpc(
    _permit: &WritePermit,
    r53: &Client,
    zone_id: &str,
    vpc_id: &str,
    region: &str,
) -> Result<(), Error> {
    let result = r53
        .associate_vpc_with_hosted_zone()
        .hosted_zone_id(zone_id)
        .vpc(vpc(vpc_id, region))
        .comment("zilliz-privatelink-mcp")
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        // Asked from the VPC's side, which sees another account's zone too (GetHostedZone
        // would be its owner's alone).
        Err(e)
            if zones_of_vpc(r53, vpc_id, region)
                .await?
                .iter()
                .any(|z| z.id == zone_id) =>
        {
            tracing::debug!("{vpc_id} was already tied to {zone_id}: {e:?}");
            Ok(())
        }
        Err(e) => Err(sdk_error("route53:AssociateVPCWithHostedZone", e)),
    }
}

/// Lets another account's VPC be tied to this account's zone (`AssociateVPCWithHostedZone`
/// from that account); made by the zone's account. Making it again is harmless.
pub(crate) async fn authorize_association(
    _permit: &WritePermit,
    r53: &Client,
    zone_id: &str,
    vpc_id: &str,
    region: &str,
) -> Result<(), Error> {
    r53.create_vpc_association_authorization()
        .hosted_zone_id(zone_id)
        .vpc(vpc(vpc_id, region))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| sdk_error("route53:CreateVPCAssociationAuthorization", e))
}

/// Deletes that authorization once the association is made (the association stays); one
/// already gone is done.
pub(crate) async fn end_authorization(
    _permit: &WritePermit,
    r53: &Client,
    zone_id: &str,
    vpc_id: &str,
    region: &str,
) -> Result<(), Error> {
    match r53
        .delete_vpc_association_authorization()
        .hosted_zone_id(zone_id)
        .vpc(vpc(vpc_id, region))
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some("VPCAssociationAuthorizationNotFound") => Ok(()),
        Err(e) => Err(sdk_error("route53:DeleteVPCAssociationAuthorization", e)),
    }
}

/// Makes the A record at `name` an alias to `(dns_name, hosted_zone_id)`, whatever it was.
pub(crate) async fn upsert_alias(
    permit: &WritePermit,
    r53: &Client,
    zone_id: &str,
    name: &str,
    target: (&str, &str),
) -> Result<(), Error> {
    change_alias(permit, r53, zone_id, name, target, ChangeAction::Upsert).await
}

/// Deletes a record exactly as it was read; a record already gone is success.
pub(crate) async fn delete_record(
    permit: &WritePermit,
    r53: &Client,
    zone_id: &str,
    record: &ARecord,
) -> Result<(), Error> {
    let still_there = a_record(r53, zone_id, record.as_read.name()).await?;
    if still_there.is_none() {
        return Ok(());
    }
    submit(permit, r53, zone_id, deletion(record)?).await
}

fn invalid_change(e: aws_sdk_route53::error::BuildError) -> Error {
    Error::aws(
        "AWS route53:ChangeResourceRecordSets",
        e.to_string(),
        "This is a bug: please report it",
    )
}

async fn change_alias(
    permit: &WritePermit,
    r53: &Client,
    zone_id: &str,
    name: &str,
    (dns_name, target_zone): (&str, &str),
    action: ChangeAction,
) -> Result<(), Error> {
    let alias = AliasTarget::builder()
        .dns_name(dns_name)
        .hosted_zone_id(target_zone)
        .evaluate_target_health(false)
        .build()
        .map_err(invalid_change)?;
    let record = ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::A)
        .alias_target(alias)
        .build()
        .map_err(invalid_change)?;
    let change = Change::builder()
        .action(action)
        .resource_record_set(record)
        .build()
        .map_err(invalid_change)?;
    submit(permit, r53, zone_id, change).await
}

async fn submit(
    _permit: &WritePermit,
    r53: &Client,
    zone_id: &str,
    change: Change,
) -> Result<(), Error> {
    r53.change_resource_record_sets()
        .hosted_zone_id(zone_id)
        .change_batch(
            ChangeBatch::builder()
                .changes(change)
                .build()
                .map_err(invalid_change)?,
        )
        .send()
        .await
        .map_err(|e| sdk_error("route53:ChangeResourceRecordSets", e))?;
    Ok(())
}

/// Unties a VPC from a private zone; a VPC no longer tied is success.
pub(crate) async fn disassociate_vpc(
    _permit: &WritePermit,
    r53: &Client,
    zone_id: &str,
    vpc_id: &str,
    region: &str,
) -> Result<(), Error> {
    let result = r53
        .disassociate_vpc_from_hosted_zone()
        .hosted_zone_id(zone_id)
        .vpc(vpc(vpc_id, region))
        .comment("zilliz-privatelink-mcp")
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some("VPCAssociationNotFound") => Ok(()),
        Err(e) => Err(sdk_error("route53:DisassociateVPCFromHostedZone", e)),
    }
}

pub(crate) async fn delete_zone(
    _permit: &WritePermit,
    r53: &Client,
    zone_id: &str,
) -> Result<(), Error> {
    r53.delete_hosted_zone()
        .id(zone_id)
        .send()
        .await
        .map_err(|e| sdk_error("route53:DeleteHostedZone", e))?;
    Ok(())
}

fn vpc(vpc_id: &str, region: &str) -> Vpc {
    Vpc::builder()
        .vpc_id(vpc_id)
        .vpc_region(VpcRegion::from(region))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_back(set: ResourceRecordSet) -> ResourceRecordSet {
        deletion(&ARecord::from_record_set(&set))
            .expect("a deletion")
            .resource_record_set()
            .expect("a record set")
            .clone()
    }

    #[test]
    fn a_console_made_alias_is_deleted_with_its_own_evaluate_target_health() {
        // The console's default for an alias to a VPC endpoint is EvaluateTargetHealth: true;
        // a delete that says false is refused by Route 53 (InvalidChangeBatch).
        let set = ResourceRecordSet::builder()
            .name("in01-abc-privatelink.aws-us-west-2.vectordb.zillizcloud.com.")
            .r#type(RrType::A)
            .alias_target(
                AliasTarget::builder()
                    .dns_name("vpce-0abc-1x2y3z4w.vpce-svc-0aaa.us-west-2.vpce.amazonaws.com.")
                    .hosted_zone_id("Z1YSA3EXCYUU9Z")
                    .evaluate_target_health(true)
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let sent = read_back(set.clone());
        assert_eq!(sent, set);
        assert!(sent.alias_target().unwrap().evaluate_target_health());
    }

    #[test]
    fn routing_fields_and_ttl_go_back_as_read() {
        let set = ResourceRecordSet::builder()
            .name("in01-abc-privatelink.aws-us-west-2.vectordb.zillizcloud.com.")
            .r#type(RrType::A)
            .set_identifier("blue")
            .weight(10)
            .ttl(60)
            .resource_records(
                aws_sdk_route53::types::ResourceRecord::builder()
                    .value("10.0.1.5")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let sent = read_back(set.clone());
        assert_eq!(sent.set_identifier(), Some("blue"));
        assert_eq!((sent.weight(), sent.ttl()), (Some(10), Some(60)));
        assert_eq!(sent, set);
    }
}

#[cfg(test)]
mod names_tests {
    use super::*;

    #[test]
    fn the_names_that_answer_for_a_host_run_from_it_to_the_zone() {
        let host = "in01-a-privatelink.aws-us-west-2.vectordb.zillizcloud.com";
        assert_eq!(
            names_answering(host, "vectordb.zillizcloud.com"),
            vec![
                host.to_string(),
                "*.aws-us-west-2.vectordb.zillizcloud.com".to_string(),
                "*.vectordb.zillizcloud.com".to_string(),
            ]
        );
        assert_eq!(
            names_answering(host, "aws-us-west-2.vectordb.zillizcloud.com"),
            vec![
                host.to_string(),
                "*.aws-us-west-2.vectordb.zillizcloud.com".to_string()
            ]
        );
        // A zone whose name merely ends alike is no parent.
        assert_eq!(
            names_answering(host, "db.zillizcloud.com"),
            vec![host.to_string()]
        );
    }

    fn set(name: &str, kind: RrType, value: &str) -> ResourceRecordSet {
        ResourceRecordSet::builder()
            .name(name)
            .r#type(kind)
            .ttl(60)
            .resource_records(
                aws_sdk_route53::types::ResourceRecord::builder()
                    .value(value)
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap()
    }

    const HOST: &str = "in01-a-privatelink.aws-us-west-2.vectordb.zillizcloud.com";

    #[test]
    fn the_hosts_own_record_answers_before_any_wildcard() {
        let sets = [
            set(
                "\\052.aws-us-west-2.vectordb.zillizcloud.com.",
                RrType::A,
                "10.9.9.9",
            ),
            set(&format!("{HOST}."), RrType::A, "10.0.0.5"),
        ];
        let (name, record) = answer_for(HOST, &sets).unwrap();
        assert_eq!(
            (name.as_str(), record.addresses),
            (HOST, vec!["10.0.0.5".to_string()])
        );
    }

    #[test]
    fn the_most_specific_wildcard_answers_for_a_host_without_records() {
        let sets = [
            set("*.vectordb.zillizcloud.com.", RrType::A, "10.1.1.1"),
            set(
                "\\052.aws-us-west-2.vectordb.zillizcloud.com.",
                RrType::Cname,
                "vpce-1.example.com",
            ),
            set(
                "*.aws-us-east-1.vectordb.zillizcloud.com.",
                RrType::A,
                "10.2.2.2",
            ),
        ];
        let (name, record) = answer_for(HOST, &sets).unwrap();
        assert_eq!(name, "*.aws-us-west-2.vectordb.zillizcloud.com");
        assert_eq!(record.addresses, ["vpce-1.example.com"]);
    }

    #[test]
    fn a_name_that_exists_is_not_answered_by_a_wildcard() {
        // A TXT record makes the name exist: an A query gets no data, not the wildcard.
        let sets = [
            set(
                "*.aws-us-west-2.vectordb.zillizcloud.com.",
                RrType::A,
                "10.9.9.9",
            ),
            set(&format!("{HOST}."), RrType::Txt, "\"owner=me\""),
        ];
        assert_eq!(answer_for(HOST, &sets), None);
        // An AAAA-only wildcard answers no A query; nor does a wildcard for another branch.
        let sets = [
            set(
                "*.aws-us-west-2.vectordb.zillizcloud.com.",
                RrType::Aaaa,
                "fd00::1",
            ),
            set("*.zillizcloud.com.example.", RrType::A, "10.9.9.9"),
        ];
        assert_eq!(answer_for(HOST, &sets), None);
    }

    #[test]
    fn route53s_escaped_wildcard_reads_as_a_star() {
        assert_eq!(bare_name("\\052.Example.com."), "*.example.com");
    }
}
