//! Reads from EC2, each following every page of the API and answering plain data.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{Filter, VpcAttributeName};
use futures::{StreamExt, TryStreamExt, stream};

use super::rules::{Peer, Rule};
use super::{name_tag, sdk_error};
use crate::change::WritePermit;
use crate::error::Error;
use crate::region::RegionNames;
use crate::validate::NamedRef;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Vpc {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) cidr_blocks: Vec<String>,
    pub(crate) is_default: bool,
    pub(crate) dns_support: Option<bool>,
    pub(crate) dns_hostnames: Option<bool>,
    /// The DHCP option set that tells instances which DNS servers to ask.
    pub(crate) dhcp_options_id: Option<String>,
    /// The account that owns the VPC.
    #[serde(default)]
    pub(crate) owner_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Subnet {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) vpc_id: String,
    pub(crate) availability_zone: String,
    pub(crate) availability_zone_id: Option<String>,
    pub(crate) cidr: Option<String>,
    pub(crate) available_ips: Option<i32>,
}

#[cfg(test)]
impl Subnet {
    /// A subnet of `vpc-11111111` in `zone`, for tests.
    pub(crate) fn in_zone(id: &str, zone: &str) -> Self {
        Self {
            id: id.into(),
            name: None,
            vpc_id: "vpc-11111111".into(),
            availability_zone: zone.into(),
            availability_zone_id: None,
            cidr: None,
            available_ips: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct SecurityGroup {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) vpc_id: Option<String>,
    pub(crate) inbound: Vec<Rule>,
    pub(crate) outbound: Vec<Rule>,
    pub(crate) tags: Vec<(String, String)>,
}

/// The groups with every rule that names a prefix list whose entries are known replaced by
/// one CIDR rule per entry (described as coming from the list), so that the list is judged
/// like the CIDR rules it stands for. A list that could not be read stays as it is.
pub(crate) fn expand_prefix_lists(
    groups: &[SecurityGroup],
    lists: &std::collections::BTreeMap<String, Vec<ipnet::IpNet>>,
) -> Vec<SecurityGroup> {
    let expand = |rules: &[Rule]| -> Vec<Rule> {
        rules
            .iter()
            .flat_map(|rule| match &rule.peer {
                Peer::PrefixList(id) if lists.contains_key(id) => lists[id]
                    .iter()
                    .map(|net| Rule {
                        peer: Peer::Cidr(*net),
                        description: Some(format!("in prefix list {id}")),
                        ..rule.clone()
                    })
                    .collect(),
                _ => vec![rule.clone()],
            })
            .collect()
    };
    groups
        .iter()
        .map(|g| SecurityGroup {
            inbound: expand(&g.inbound),
            outbound: expand(&g.outbound),
            ..g.clone()
        })
        .collect()
}

/// How many `DescribeVpcAttribute` calls run at once: enough to hide latency, few enough not
/// to be throttled on accounts with many VPCs.
const ATTRIBUTE_CONCURRENCY: usize = 8;

/// Every VPC of the region, in order of their ids, as AWS describes them (without their DNS
/// attributes: [`with_dns_attributes`] reads those for the VPCs that need them).
pub(crate) async fn described_vpcs(
    ec2: &Client,
    region: &RegionNames,
) -> Result<Vec<aws_sdk_ec2::types::Vpc>, Error> {
    let mut raw: Vec<aws_sdk_ec2::types::Vpc> = ec2
        .describe_vpcs()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| vpc_error(e, &[], region))?;
    raw.sort_by(|a, b| a.vpc_id().cmp(&b.vpc_id()));
    Ok(raw)
}

/// The VPCs with their DNS attributes, a few read at once.
pub(crate) async fn with_dns_attributes(
    ec2: &Client,
    raw: Vec<aws_sdk_ec2::types::Vpc>,
) -> Result<Vec<Vpc>, Error> {
    stream::iter(raw)
        .map(|vpc| async move {
            let id = vpc.vpc_id().unwrap_or_default().to_string();
            let (dns_support, dns_hostnames) = tokio::try_join!(
                vpc_attribute(ec2, &id, VpcAttributeName::EnableDnsSupport),
                vpc_attribute(ec2, &id, VpcAttributeName::EnableDnsHostnames),
            )?;
            Ok(vpc_of(&vpc, dns_support, dns_hostnames))
        })
        .buffered(ATTRIBUTE_CONCURRENCY)
        .try_collect()
        .await
}

fn vpc_of(
    vpc: &aws_sdk_ec2::types::Vpc,
    dns_support: Option<bool>,
    dns_hostnames: Option<bool>,
) -> Vpc {
    let mut cidr_blocks: Vec<String> = vpc
        .cidr_block_association_set()
        .iter()
        .filter(|a| {
            a.cidr_block_state()
                .and_then(|s| s.state())
                .is_none_or(|s| s.as_str().eq_ignore_ascii_case("associated"))
        })
        .filter_map(|a| a.cidr_block().map(str::to_string))
        .collect();
    if cidr_blocks.is_empty() {
        cidr_blocks.extend(vpc.cidr_block().map(str::to_string));
    }
    cidr_blocks.extend(
        vpc.ipv6_cidr_block_association_set()
            .iter()
            .filter_map(|a| a.ipv6_cidr_block().map(str::to_string)),
    );
    Vpc {
        id: vpc.vpc_id().unwrap_or_default().to_string(),
        name: name_tag(vpc.tags()),
        cidr_blocks,
        is_default: vpc.is_default().unwrap_or(false),
        dns_support,
        dns_hostnames,
        owner_id: vpc.owner_id().map(str::to_string),
        dhcp_options_id: vpc
            .dhcp_options_id()
            .filter(|id| *id != "default")
            .map(str::to_string),
    }
}

/// The `domain-name-servers` of a DHCP option set (`AmazonProvidedDNS` where instances ask
/// the VPC's own resolver).
pub(crate) async fn dns_servers_of(
    ec2: &Client,
    dhcp_options_id: &str,
) -> Result<Vec<String>, Error> {
    let out = ec2
        .describe_dhcp_options()
        .dhcp_options_ids(dhcp_options_id)
        .send()
        .await
        .map_err(|e| sdk_error("ec2:DescribeDhcpOptions", e))?;
    Ok(out
        .dhcp_options()
        .iter()
        .flat_map(|o| o.dhcp_configurations())
        .filter(|c| c.key() == Some("domain-name-servers"))
        .flat_map(|c| c.values())
        .filter_map(|v| v.value().map(str::to_string))
        .collect())
}

/// One VPC, or an error that names it when it does not exist in the region. Its DNS
/// attributes are read beside it, not after it: one round of calls.
pub(crate) async fn vpc(ec2: &Client, id: &str, region: &RegionNames) -> Result<Vpc, Error> {
    let ids = [id.to_string()];
    let (described, dns_support, dns_hostnames) = tokio::join!(
        ec2.describe_vpcs().vpc_ids(id).send(),
        vpc_attribute(ec2, id, VpcAttributeName::EnableDnsSupport),
        vpc_attribute(ec2, id, VpcAttributeName::EnableDnsHostnames),
    );
    // The VPC's own read explains a missing VPC best, so its error comes first.
    let described = described.map_err(|e| vpc_error(e, &ids, region))?;
    let found = described
        .vpcs()
        .iter()
        .find(|v| v.vpc_id() == Some(id))
        .ok_or_else(|| vpc_not_found(id, region))?;
    Ok(vpc_of(found, dns_support?, dns_hostnames?))
}

/// Whether the VPC is in the client's region (a failed read counts as no).
pub(crate) async fn vpc_exists(ec2: &Client, id: &str) -> bool {
    ec2.describe_vpcs()
        .vpc_ids(id)
        .send()
        .await
        .is_ok_and(|out| out.vpcs().iter().any(|v| v.vpc_id() == Some(id)))
}

fn vpc_error<E, R>(
    err: aws_sdk_ec2::error::SdkError<E, R>,
    ids: &[String],
    region: &RegionNames,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match sdk_error("ec2:DescribeVpcs", err) {
        Error::NotFound { .. } if ids.len() == 1 => vpc_not_found(&ids[0], region),
        other => other,
    }
}

fn vpc_not_found(id: &str, region: &RegionNames) -> Error {
    Error::not_found(
        format!("VPC `{id}` in {}", region.aws_region),
        "Call list_vpcs to see this region's VPCs, or pass `region` if the VPC is in another one",
    )
}

async fn vpc_attribute(
    ec2: &Client,
    vpc_id: &str,
    attribute: VpcAttributeName,
) -> Result<Option<bool>, Error> {
    let out = ec2
        .describe_vpc_attribute()
        .vpc_id(vpc_id)
        .attribute(attribute.clone())
        .send()
        .await
        .map_err(|e| sdk_error("ec2:DescribeVpcAttribute", e))?;
    Ok(match attribute {
        VpcAttributeName::EnableDnsSupport => out.enable_dns_support().and_then(|v| v.value()),
        _ => out.enable_dns_hostnames().and_then(|v| v.value()),
    })
}

/// Every subnet of a VPC, in the order of their availability zones and ids.
pub(crate) async fn subnets_of_vpc(ec2: &Client, vpc_id: &str) -> Result<Vec<Subnet>, Error> {
    let filter = Filter::builder().name("vpc-id").values(vpc_id).build();
    let mut subnets = read_subnets(ec2, &[], vec![filter]).await?;
    subnets.sort_by(|a, b| (&a.availability_zone, &a.id).cmp(&(&b.availability_zone, &b.id)));
    Ok(subnets)
}

/// Every security group of a VPC, ordered by id.
pub(crate) async fn security_groups_of_vpc(
    ec2: &Client,
    vpc_id: &str,
) -> Result<Vec<SecurityGroup>, Error> {
    let filter = Filter::builder().name("vpc-id").values(vpc_id).build();
    let mut groups = security_groups(ec2, &[], vec![filter]).await?;
    groups.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(groups)
}

/// The availability zones (by name, as this account sees them) in which an endpoint service
/// is offered. `None` when AWS does not know the service for this account, which on AWS also
/// means "not offered to you": the caller treats that as unknown rather than as a failure.
///
/// `service_region` is the service's region where it is not the client's: AWS then describes
/// it only where its provider offers it to the client's region (cross-region PrivateLink), and
/// the zones are those of the client's region an endpoint may use.
pub(crate) async fn endpoint_service_zones(
    ec2: &Client,
    service_name: &str,
    service_region: Option<&str>,
) -> Result<Option<Vec<String>>, Error> {
    let result = ec2
        .describe_vpc_endpoint_services()
        .service_names(service_name)
        .set_service_regions(service_region.map(|r| vec![r.to_string()]))
        .send()
        .await;
    let out = match result {
        Ok(out) => out,
        Err(e) if e.code() == Some("InvalidServiceName") => return Ok(None),
        Err(e) => return Err(sdk_error("ec2:DescribeVpcEndpointServices", e)),
    };
    let zones = out
        .service_details()
        .iter()
        .find(|d| d.service_name() == Some(service_name))
        .map(|d| {
            let mut zones = d.availability_zones().to_vec();
            zones.sort();
            zones
        });
    Ok(zones)
}

/// An Interface VPC endpoint, as plain data.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct VpcEndpoint {
    pub(crate) id: String,
    pub(crate) vpc_id: String,
    pub(crate) service_name: String,
    /// As AWS sends it (`available`, `pendingAcceptance`, ...); compare without case.
    pub(crate) state: String,
    pub(crate) subnet_ids: Vec<String>,
    pub(crate) security_group_ids: Vec<String>,
    /// `(dns_name, hosted_zone_id)`; the first is the regional name an alias points at.
    pub(crate) dns_entries: Vec<(String, Option<String>)>,
    /// The service's region as AWS gives it (`ServiceRegion`); another than the endpoint's
    /// for a cross-region endpoint, absent where AWS does not say.
    pub(crate) service_region: Option<String>,
    pub(crate) private_dns_enabled: Option<bool>,
    pub(crate) network_interface_ids: Vec<String>,
    pub(crate) tags: Vec<(String, String)>,
}

impl VpcEndpoint {
    /// The endpoint's regional DNS entry, the one a private zone's alias points at.
    pub(crate) fn regional_dns_entry(&self) -> Option<(&str, Option<&str>)> {
        self.dns_entries
            .iter()
            .find(|(name, _)| is_regional_endpoint_name(name))
            .map(|(name, zone)| (name.as_str(), zone.as_deref()))
    }
}

/// AWS lists an endpoint's DNS entries in no promised order: the regional name
/// (`vpce-0abc-1x2y3z4w.vpce-svc-….us-west-2.vpce.amazonaws.com`), one per zone
/// (`vpce-0abc-1x2y3z4w-us-west-2a.vpce-svc-…`), and the service's private DNS name where
/// private DNS is on. The regional one is told by the shape of its first label: `vpce-`, the
/// endpoint's hex id, and one suffix with no zone after it.
fn is_regional_endpoint_name(name: &str) -> bool {
    let first = name.split('.').next().unwrap_or_default();
    let mut parts = first.split('-');
    parts.next() == Some("vpce")
        && parts
            .next()
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit()))
        && parts.next().is_some_and(|suffix| {
            !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_alphanumeric())
        })
        && parts.next().is_none()
}

fn tag_pairs(tags: &[aws_sdk_ec2::types::Tag]) -> Vec<(String, String)> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// Which endpoints to read: by id, or those of a VPC (and service).
#[derive(Debug, Default)]
pub(crate) struct EndpointQuery<'a> {
    pub(crate) ids: &'a [String],
    pub(crate) vpc_id: Option<&'a str>,
    pub(crate) service_name: Option<&'a str>,
}

pub(crate) async fn vpc_endpoints(
    ec2: &Client,
    query: EndpointQuery<'_>,
) -> Result<Vec<VpcEndpoint>, Error> {
    let mut filters = Vec::new();
    if let Some(vpc) = query.vpc_id {
        filters.push(Filter::builder().name("vpc-id").values(vpc).build());
    }
    if let Some(service) = query.service_name {
        filters.push(
            Filter::builder()
                .name("service-name")
                .values(service)
                .build(),
        );
    }
    let raw: Vec<_> = ec2
        .describe_vpc_endpoints()
        .set_vpc_endpoint_ids((!query.ids.is_empty()).then(|| query.ids.to_vec()))
        .set_filters((!filters.is_empty()).then_some(filters))
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| sdk_error("ec2:DescribeVpcEndpoints", e))?;
    let mut endpoints: Vec<VpcEndpoint> = raw
        .into_iter()
        .map(|e| VpcEndpoint {
            id: e.vpc_endpoint_id().unwrap_or_default().to_string(),
            vpc_id: e.vpc_id().unwrap_or_default().to_string(),
            service_name: e.service_name().unwrap_or_default().to_string(),
            state: e
                .state()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            subnet_ids: e.subnet_ids().to_vec(),
            security_group_ids: e
                .groups()
                .iter()
                .filter_map(|g| g.group_id().map(str::to_string))
                .collect(),
            dns_entries: e
                .dns_entries()
                .iter()
                .filter_map(|d| {
                    d.dns_name()
                        .map(|n| (n.to_string(), d.hosted_zone_id().map(str::to_string)))
                })
                .collect(),
            private_dns_enabled: e.private_dns_enabled(),
            service_region: e.service_region().map(str::to_string),
            network_interface_ids: e.network_interface_ids().to_vec(),
            tags: tag_pairs(e.tags()),
        })
        .collect();
    endpoints.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(endpoints)
}

/// The subnets named by `ids`; an unknown id is an error that names it.
pub(crate) async fn subnets_by_id(ec2: &Client, ids: &[String]) -> Result<Vec<Subnet>, Error> {
    read_subnets(ec2, ids, Vec::new()).await
}

async fn read_subnets(
    ec2: &Client,
    ids: &[String],
    filters: Vec<Filter>,
) -> Result<Vec<Subnet>, Error> {
    let raw: Vec<_> = ec2
        .describe_subnets()
        .set_subnet_ids((!ids.is_empty()).then(|| ids.to_vec()))
        .set_filters((!filters.is_empty()).then_some(filters))
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| sdk_error("ec2:DescribeSubnets", e))?;
    Ok(raw
        .into_iter()
        .map(|s| Subnet {
            id: s.subnet_id().unwrap_or_default().to_string(),
            name: name_tag(s.tags()),
            vpc_id: s.vpc_id().unwrap_or_default().to_string(),
            availability_zone: s.availability_zone().unwrap_or_default().to_string(),
            availability_zone_id: s.availability_zone_id().map(str::to_string),
            cidr: s.cidr_block().map(str::to_string),
            available_ips: s.available_ip_address_count(),
        })
        .collect())
}

/// The security group of a VPC with this name (names are unique within a VPC).
pub(crate) async fn security_group_named(
    ec2: &Client,
    vpc_id: &str,
    name: &str,
) -> Result<Option<SecurityGroup>, Error> {
    let filters = vec![
        Filter::builder().name("vpc-id").values(vpc_id).build(),
        Filter::builder().name("group-name").values(name).build(),
    ];
    Ok(security_groups(ec2, &[], filters).await?.into_iter().next())
}

/// The security groups with these ids; none for no ids (where `security_groups` would read
/// every group of the account).
pub(crate) async fn security_groups_by_id(
    ec2: &Client,
    ids: &[String],
) -> Result<Vec<SecurityGroup>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    security_groups(ec2, ids, Vec::new()).await
}

/// The security groups named by `ids`, or those matching a filter such as `group-name`.
pub(crate) async fn security_groups(
    ec2: &Client,
    ids: &[String],
    filters: Vec<Filter>,
) -> Result<Vec<SecurityGroup>, Error> {
    let raw: Vec<_> = ec2
        .describe_security_groups()
        .set_group_ids((!ids.is_empty()).then(|| ids.to_vec()))
        .set_filters((!filters.is_empty()).then_some(filters))
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| sdk_error("ec2:DescribeSecurityGroups", e))?;
    Ok(raw
        .into_iter()
        .map(|g| SecurityGroup {
            id: g.group_id().unwrap_or_default().to_string(),
            name: g.group_name().unwrap_or_default().to_string(),
            description: g.description().unwrap_or_default().to_string(),
            vpc_id: g.vpc_id().map(str::to_string),
            inbound: Rule::from_permissions(g.ip_permissions()),
            outbound: Rule::from_permissions(g.ip_permissions_egress()),
            tags: tag_pairs(g.tags()),
        })
        .collect())
}

/// The id of the group a person named: as given where it is an id; else the one group whose
/// `Name` tag, or failing that whose `GroupName`, is the name (in `vpc_id` where known). Both
/// are asked at once; none, or several, is an error that names them.
pub(crate) async fn group_id_of(
    ec2: &Client,
    field: &str,
    group: &NamedRef,
    vpc_id: Option<&str>,
) -> Result<String, Error> {
    let name = match group {
        NamedRef::Id(id) => return Ok(id.clone()),
        NamedRef::Name(name) => name,
    };
    let by = |key: &str| {
        let mut filters = vec![Filter::builder().name(key).values(name).build()];
        filters.extend(vpc_id.map(|v| Filter::builder().name("vpc-id").values(v).build()));
        security_groups(ec2, &[], filters)
    };
    let (tagged, named) = tokio::join!(by("tag:Name"), by("group-name"));
    one_group(field, name, vpc_id, &tagged?, &named?)
}

/// The id of the VPC a person named: as given where it is an id; else the one VPC of the
/// region whose `Name` tag is the name (none, or several, is an error that names them).
pub(crate) async fn vpc_id_of(
    ec2: &Client,
    field: &str,
    vpc: &NamedRef,
    region: &RegionNames,
) -> Result<String, Error> {
    let name = match vpc {
        NamedRef::Id(id) => return Ok(id.clone()),
        NamedRef::Name(name) => name,
    };
    let tagged: Vec<aws_sdk_ec2::types::Vpc> = ec2
        .describe_vpcs()
        .filters(Filter::builder().name("tag:Name").values(name).build())
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| vpc_error(e, &[], region))?;
    let ids: Vec<&str> = tagged.iter().filter_map(|v| v.vpc_id()).collect();
    one_vpc(field, name, &ids, region)
}

fn one_vpc(field: &str, name: &str, ids: &[&str], region: &RegionNames) -> Result<String, Error> {
    match ids {
        [one] => Ok(one.to_string()),
        [] => Err(Error::not_found(
            format!("VPC named `{name}` (Name tag) in {}", region.aws_region),
            format!(
                "Check {field}: list_vpcs shows this region's VPCs with their Name tags; pass \
                 `region` if the VPC is in another one"
            ),
        )),
        many => Err(Error::Conflict(format!(
            "{field} `{name}` names {} VPCs: {}; pass the id",
            many.len(),
            many.join(", ")
        ))),
    }
}

/// The one group a name means: by `Name` tag first (what the console shows), else by
/// `GroupName`.
fn one_group(
    field: &str,
    name: &str,
    vpc_id: Option<&str>,
    tagged: &[SecurityGroup],
    named: &[SecurityGroup],
) -> Result<String, Error> {
    let found = if tagged.is_empty() { named } else { tagged };
    match found {
        [one] => Ok(one.id.clone()),
        [] => Err(Error::not_found(
            format!(
                "security group named `{name}` (Name tag or GroupName){}",
                vpc_id.map(|v| format!(" in {v}")).unwrap_or_default()
            ),
            format!("Check {field}: list_security_groups shows each group's name and Name tag"),
        )),
        many => Err(Error::Conflict(format!(
            "{field} `{name}` names {} groups: {}; pass the id",
            many.len(),
            many.iter()
                .map(|g| format!("{} ({})", g.id, g.vpc_id.as_deref().unwrap_or("no VPC")))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn tag_specification(
    resource: aws_sdk_ec2::types::ResourceType,
    tags: &[(String, String)],
) -> aws_sdk_ec2::types::TagSpecification {
    aws_sdk_ec2::types::TagSpecification::builder()
        .resource_type(resource)
        .set_tags(Some(
            tags.iter()
                .map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .build()
}

pub(crate) async fn create_security_group(
    _permit: &WritePermit,
    ec2: &Client,
    vpc_id: &str,
    name: &str,
    description: &str,
    tags: &[(String, String)],
) -> Result<String, Error> {
    let out = ec2
        .create_security_group()
        .vpc_id(vpc_id)
        .group_name(name)
        .description(description)
        .tag_specifications(tag_specification(
            aws_sdk_ec2::types::ResourceType::SecurityGroup,
            tags,
        ))
        .send()
        .await;
    let out = match out {
        Ok(out) => out,
        // A retry of a call whose answer was lost finds the group made by the first attempt.
        Err(e) if e.code() == Some("InvalidGroup.Duplicate") => {
            return match security_group_named(ec2, vpc_id, name).await? {
                Some(group) => Ok(group.id),
                None => Err(sdk_error("ec2:CreateSecurityGroup", e)),
            };
        }
        Err(e) => return Err(sdk_error("ec2:CreateSecurityGroup", e)),
    };
    out.group_id().map(str::to_string).ok_or_else(|| {
        Error::aws(
            "AWS ec2:CreateSecurityGroup",
            "the answer had no group id",
            "Try again",
        )
    })
}

fn tcp_permission(
    ports: (u16, u16),
    peer: &Peer,
    description: &str,
) -> aws_sdk_ec2::types::IpPermission {
    use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range, PrefixListId, UserIdGroupPair};
    let builder = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(i32::from(ports.0))
        .to_port(i32::from(ports.1));
    match peer {
        Peer::Cidr(net @ ipnet::IpNet::V4(_)) => builder.ip_ranges(
            IpRange::builder()
                .cidr_ip(net.to_string())
                .description(description)
                .build(),
        ),
        Peer::Cidr(net) => builder.ipv6_ranges(
            Ipv6Range::builder()
                .cidr_ipv6(net.to_string())
                .description(description)
                .build(),
        ),
        Peer::Group(id) => builder.user_id_group_pairs(
            UserIdGroupPair::builder()
                .group_id(id)
                .description(description)
                .build(),
        ),
        Peer::PrefixList(id) => builder.prefix_list_ids(
            PrefixListId::builder()
                .prefix_list_id(id)
                .description(description)
                .build(),
        ),
    }
    .build()
}

/// Adds an inbound TCP rule. Answers false when an identical rule was already there.
pub(crate) async fn authorize_tcp_ingress(
    _permit: &WritePermit,
    ec2: &Client,
    group_id: &str,
    ports: (u16, u16),
    peer: &Peer,
    description: &str,
) -> Result<bool, Error> {
    let result = ec2
        .authorize_security_group_ingress()
        .group_id(group_id)
        .ip_permissions(tcp_permission(ports, peer, description))
        .send()
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(e) if e.code() == Some("InvalidPermission.Duplicate") => Ok(false),
        Err(e) => Err(sdk_error("ec2:AuthorizeSecurityGroupIngress", e)),
    }
}

pub(crate) async fn delete_security_group(
    _permit: &WritePermit,
    ec2: &Client,
    group_id: &str,
) -> Result<(), Error> {
    match ec2.delete_security_group().group_id(group_id).send().await {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some("InvalidGroup.NotFound") => Ok(()),
        Err(e) => Err(sdk_error("ec2:DeleteSecurityGroup", e)),
    }
}

/// An Interface endpoint to make, its groups resolved.
pub(crate) struct NewEndpoint<'a> {
    pub(crate) vpc_id: &'a str,
    pub(crate) service_name: &'a str,
    /// The service's region, where it is not the endpoint's (a cross-region endpoint).
    pub(crate) service_region: Option<&'a str>,
    pub(crate) subnet_ids: &'a [String],
    pub(crate) groups: &'a [String],
    pub(crate) tags: &'a [(String, String)],
}

/// Creates an Interface endpoint with private DNS off (the private hosted zone does that job,
/// and moto turns private DNS on when it is not given).
pub(crate) async fn create_interface_endpoint(
    _permit: &WritePermit,
    ec2: &Client,
    e: &NewEndpoint<'_>,
) -> Result<String, Error> {
    // No ClientToken: AWS keeps tokens for a day, so a setup removed and made again would get
    // the deleted endpoint back, and moto ignores them. Idempotency comes from looking first,
    // and the SDK does not retry this call: a retry after a lost answer would make a second
    // endpoint. The caller looks again instead.
    let out = ec2
        .create_vpc_endpoint()
        .vpc_endpoint_type(aws_sdk_ec2::types::VpcEndpointType::Interface)
        .vpc_id(e.vpc_id)
        .service_name(e.service_name)
        // A cross-region endpoint names the service's region (IAM: vpce:AllowMultiRegion);
        // a same-region one names none, as it always did.
        .set_service_region(e.service_region.map(str::to_string))
        .set_subnet_ids(Some(e.subnet_ids.to_vec()))
        .set_security_group_ids(Some(e.groups.to_vec()))
        .private_dns_enabled(false)
        .tag_specifications(tag_specification(
            aws_sdk_ec2::types::ResourceType::VpcEndpoint,
            e.tags,
        ))
        .customize()
        .config_override(
            aws_sdk_ec2::config::Builder::default()
                .retry_config(aws_config::retry::RetryConfig::disabled()),
        )
        .send()
        .await
        .map_err(|err| match sdk_error("ec2:CreateVpcEndpoint", err) {
            // AWS authorizes a cross-region endpoint as vpce:AllowMultiRegion too, and its
            // denial reads as this call's.
            Error::Denied {
                service,
                call,
                code,
                cause,
                hint,
            } if e.service_region.is_some() => Error::Denied {
                service,
                call,
                code,
                cause,
                hint: format!(
                    "{hint} (a cross-region endpoint also needs `vpce:AllowMultiRegion`, which \
                     iam/full.json grants)"
                ),
            },
            other => other,
        })?;
    out.vpc_endpoint()
        .and_then(|e| e.vpc_endpoint_id())
        .map(str::to_string)
        .ok_or_else(|| {
            Error::aws(
                "AWS ec2:CreateVpcEndpoint",
                "the answer had no endpoint id",
                "Try again",
            )
        })
}

pub(crate) async fn delete_vpc_endpoint(
    _permit: &WritePermit,
    ec2: &Client,
    endpoint_id: &str,
) -> Result<(), Error> {
    let out = ec2
        .delete_vpc_endpoints()
        .vpc_endpoint_ids(endpoint_id)
        .send()
        .await
        .map_err(|e| sdk_error("ec2:DeleteVpcEndpoints", e))?;
    match out.unsuccessful().first() {
        Some(item) => {
            let error = item.error();
            let code = error.and_then(|e| e.code()).unwrap_or("Unknown");
            if code.ends_with(".NotFound") {
                return Ok(());
            }
            Err(Error::aws(
                "AWS ec2:DeleteVpcEndpoints",
                format!(
                    "{code}: {}",
                    error.and_then(|e| e.message()).unwrap_or("no message")
                ),
                "Check the endpoint in the VPC console and try again",
            ))
        }
        None => Ok(()),
    }
}

/// Turns a VPC DNS attribute on (`enableDnsSupport` or `enableDnsHostnames`).
pub(crate) async fn enable_vpc_dns_attribute(
    _permit: &WritePermit,
    ec2: &Client,
    vpc_id: &str,
    attribute: VpcAttributeName,
) -> Result<(), Error> {
    let on = aws_sdk_ec2::types::AttributeBooleanValue::builder()
        .value(true)
        .build();
    let request = ec2.modify_vpc_attribute().vpc_id(vpc_id);
    let request = match attribute {
        VpcAttributeName::EnableDnsSupport => request.enable_dns_support(on),
        _ => request.enable_dns_hostnames(on),
    };
    request
        .send()
        .await
        .map_err(|e| sdk_error("ec2:ModifyVpcAttribute", e))?;
    Ok(())
}

/// An EC2 instance, as far as reachability cares.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Instance {
    pub(crate) id: String,
    pub(crate) vpc_id: Option<String>,
    pub(crate) subnet_id: Option<String>,
    pub(crate) private_ip: Option<std::net::IpAddr>,
    pub(crate) security_group_ids: Vec<String>,
}

pub(crate) async fn instance(ec2: &Client, id: &str) -> Result<Instance, Error> {
    let out = ec2
        .describe_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(|e| sdk_error("ec2:DescribeInstances", e))?;
    let found = out
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .find(|i| i.instance_id() == Some(id))
        .ok_or_else(|| {
            Error::not_found(format!("instance `{id}`"), "Check the id and the region")
        })?;
    Ok(instance_of(found))
}

/// The instances of `ids` that exist (by the `instance-id` filter, so that one terminated
/// since is left out rather than failing the read), at most one page of 1,000.
pub(crate) async fn instances(ec2: &Client, ids: &[String]) -> Result<Vec<Instance>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let out = ec2
        .describe_instances()
        .filters(
            Filter::builder()
                .name("instance-id")
                .set_values(Some(ids.to_vec()))
                .build(),
        )
        .send()
        .await
        .map_err(|e| sdk_error("ec2:DescribeInstances", e))?;
    Ok(out
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .map(instance_of)
        .collect())
}

fn instance_of(found: &aws_sdk_ec2::types::Instance) -> Instance {
    Instance {
        id: found.instance_id().unwrap_or_default().to_string(),
        vpc_id: found.vpc_id().map(str::to_string),
        subnet_id: found.subnet_id().map(str::to_string),
        private_ip: found.private_ip_address().and_then(|ip| ip.parse().ok()),
        security_group_ids: found
            .security_groups()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_string))
            .collect(),
    }
}

/// An instance of a VPC as `list_instances` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VpcInstance {
    pub(crate) id: String,
    /// The `Name` tag, as the EC2 console shows it.
    pub(crate) name: Option<String>,
    pub(crate) state: String,
    /// Every private address of every network interface, the primary first.
    pub(crate) private_ips: Vec<String>,
    pub(crate) subnet_id: Option<String>,
    pub(crate) availability_zone: Option<String>,
    /// `(group id, group name)`
    pub(crate) security_groups: Vec<(String, String)>,
}

/// The instances of a VPC that are not terminated, ordered by id; `name` (the `Name` tag, with
/// EC2's `*` wildcards) and `group_id` narrow them at the source.
pub(crate) async fn instances_of_vpc(
    ec2: &Client,
    vpc_id: &str,
    name: Option<&str>,
    group_id: Option<&str>,
) -> Result<Vec<VpcInstance>, Error> {
    let mut filters = vec![
        Filter::builder().name("vpc-id").values(vpc_id).build(),
        Filter::builder()
            .name("instance-state-name")
            .set_values(Some(
                ["pending", "running", "stopping", "stopped"]
                    .map(String::from)
                    .to_vec(),
            ))
            .build(),
    ];
    if let Some(name) = name {
        filters.push(Filter::builder().name("tag:Name").values(name).build());
    }
    if let Some(group) = group_id {
        filters.push(
            Filter::builder()
                .name("instance.group-id")
                .values(group)
                .build(),
        );
    }
    let reservations = ec2
        .describe_instances()
        .set_filters(Some(filters))
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| sdk_error("ec2:DescribeInstances", e))?;
    let mut instances: Vec<VpcInstance> = reservations
        .iter()
        .flat_map(|r| r.instances())
        .filter_map(|i| {
            let mut private_ips: Vec<String> = i
                .private_ip_address()
                .map(String::from)
                .into_iter()
                .collect();
            for ip in i
                .network_interfaces()
                .iter()
                .flat_map(|n| n.private_ip_addresses())
                .filter_map(|a| a.private_ip_address())
            {
                if !private_ips.iter().any(|known| known == ip) {
                    private_ips.push(ip.to_string());
                }
            }
            Some(VpcInstance {
                id: i.instance_id()?.to_string(),
                name: name_tag(i.tags()),
                state: i
                    .state()
                    .and_then(|s| s.name())
                    .map_or("unknown", |n| n.as_str())
                    .to_string(),
                private_ips,
                subnet_id: i.subnet_id().map(str::to_string),
                availability_zone: i
                    .placement()
                    .and_then(|p| p.availability_zone())
                    .map(str::to_string),
                security_groups: i
                    .security_groups()
                    .iter()
                    .filter_map(|g| {
                        Some((
                            g.group_id()?.to_string(),
                            g.group_name().unwrap_or_default().to_string(),
                        ))
                    })
                    .collect(),
            })
        })
        .collect();
    instances.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(instances)
}

/// A route table: the subnets it serves (none listed for the main table's implicit ones),
/// whether it is the VPC's main table, and its routes as `(destination, target)`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct RouteTable {
    pub(crate) id: String,
    pub(crate) main: bool,
    pub(crate) subnet_ids: Vec<String>,
    pub(crate) routes: Vec<(ipnet::IpNet, String)>,
}

/// One side of a VPC peering connection.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct PeeringSide {
    pub(crate) vpc_id: String,
    pub(crate) owner_id: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) cidr_blocks: Vec<String>,
}

/// A VPC peering connection: which VPCs, accounts and regions it joins.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct PeeringConnection {
    pub(crate) id: String,
    pub(crate) requester: PeeringSide,
    pub(crate) accepter: PeeringSide,
    pub(crate) status: Option<String>,
}

impl PeeringConnection {
    /// The side that is not `vpc_id`'s.
    pub(crate) fn other_side(&self, vpc_id: &str) -> &PeeringSide {
        if self.requester.vpc_id == vpc_id {
            &self.accepter
        } else {
            &self.requester
        }
    }
}

fn peering_side(info: Option<&aws_sdk_ec2::types::VpcPeeringConnectionVpcInfo>) -> PeeringSide {
    PeeringSide {
        vpc_id: info
            .and_then(|i| i.vpc_id())
            .unwrap_or_default()
            .to_string(),
        owner_id: info.and_then(|i| i.owner_id()).map(str::to_string),
        region: info.and_then(|i| i.region()).map(str::to_string),
        cidr_blocks: info
            .map(|i| {
                let mut blocks: Vec<String> =
                    i.cidr_block().map(str::to_string).into_iter().collect();
                for b in i.cidr_block_set() {
                    if let Some(c) = b.cidr_block()
                        && !blocks.iter().any(|x| x == c)
                    {
                        blocks.push(c.to_string());
                    }
                }
                blocks
            })
            .unwrap_or_default(),
    }
}

/// The peering connections that join `vpc_id` to another VPC, whichever side asked.
pub(crate) async fn peering_connections_of_vpc(
    ec2: &Client,
    vpc_id: &str,
) -> Result<Vec<PeeringConnection>, Error> {
    let read = |side: &'static str| {
        ec2.describe_vpc_peering_connections()
            .filters(Filter::builder().name(side).values(vpc_id).build())
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
    };
    let (requested, accepted) = tokio::join!(
        read("requester-vpc-info.vpc-id"),
        read("accepter-vpc-info.vpc-id")
    );
    let mut found: Vec<PeeringConnection> = Vec::new();
    for list in [requested, accepted] {
        for p in list.map_err(|e| sdk_error("ec2:DescribeVpcPeeringConnections", e))? {
            let id = p
                .vpc_peering_connection_id()
                .unwrap_or_default()
                .to_string();
            if found.iter().any(|f| f.id == id) {
                continue;
            }
            found.push(PeeringConnection {
                id,
                requester: peering_side(p.requester_vpc_info()),
                accepter: peering_side(p.accepter_vpc_info()),
                status: p
                    .status()
                    .and_then(|s| s.code())
                    .map(|c| c.as_str().to_string()),
            });
        }
    }
    Ok(found)
}

/// Every route table of a VPC.
pub(crate) async fn route_tables_of_vpc(
    ec2: &Client,
    vpc_id: &str,
) -> Result<Vec<RouteTable>, Error> {
    let raw: Vec<_> = ec2
        .describe_route_tables()
        .filters(Filter::builder().name("vpc-id").values(vpc_id).build())
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| sdk_error("ec2:DescribeRouteTables", e))?;
    Ok(raw
        .iter()
        .map(|t| RouteTable {
            id: t.route_table_id().unwrap_or_default().to_string(),
            main: t.associations().iter().any(|a| a.main() == Some(true)),
            subnet_ids: t
                .associations()
                .iter()
                .filter_map(|a| a.subnet_id().map(str::to_string))
                .collect(),
            routes: t
                .routes()
                .iter()
                .filter_map(|r| {
                    let destination = r
                        .destination_cidr_block()
                        .or(r.destination_ipv6_cidr_block())?
                        .parse()
                        .ok()?;
                    let target = r
                        .vpc_peering_connection_id()
                        .or(r.transit_gateway_id())
                        .or(r.gateway_id())
                        .or(r.nat_gateway_id())
                        .or(r.network_interface_id())
                        .unwrap_or("?");
                    Some((destination, target.to_string()))
                })
                .collect(),
        })
        .collect())
}

/// The private addresses of network interfaces (an endpoint's, say), in order.
pub(crate) async fn interface_addresses(
    ec2: &Client,
    ids: &[String],
) -> Result<Vec<std::net::IpAddr>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let raw: Vec<_> = ec2
        .describe_network_interfaces()
        .set_network_interface_ids(Some(ids.to_vec()))
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| sdk_error("ec2:DescribeNetworkInterfaces", e))?;
    let mut addresses: Vec<std::net::IpAddr> = raw
        .iter()
        .filter_map(|n| n.private_ip_address().and_then(|ip| ip.parse().ok()))
        .collect();
    addresses.sort();
    Ok(addresses)
}

/// One network ACL entry, as plain data.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct AclEntry {
    pub(crate) rule_number: i32,
    pub(crate) egress: bool,
    /// `-1` for all, else a protocol number (`6` is TCP).
    pub(crate) protocol: String,
    pub(crate) ports: Option<(u16, u16)>,
    pub(crate) cidr: Option<ipnet::IpNet>,
    pub(crate) allow: bool,
}

/// A network ACL: its id, the subnets it is associated with, and its entries.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct NetworkAcl {
    pub(crate) id: String,
    pub(crate) subnet_ids: Vec<String>,
    pub(crate) entries: Vec<AclEntry>,
}

/// Every network ACL of a VPC, in one paginated read (a subnet's ACL is found among them).
pub(crate) async fn network_acls_of_vpc(
    ec2: &Client,
    vpc_id: &str,
) -> Result<Vec<NetworkAcl>, Error> {
    let raw: Vec<_> = ec2
        .describe_network_acls()
        .filters(Filter::builder().name("vpc-id").values(vpc_id).build())
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| sdk_error("ec2:DescribeNetworkAcls", e))?;
    Ok(raw
        .iter()
        .map(|acl| NetworkAcl {
            id: acl.network_acl_id().unwrap_or_default().to_string(),
            subnet_ids: acl
                .associations()
                .iter()
                .filter_map(|a| a.subnet_id().map(str::to_string))
                .collect(),
            entries: acl
                .entries()
                .iter()
                .map(|e| AclEntry {
                    rule_number: e.rule_number().unwrap_or(32767),
                    egress: e.egress().unwrap_or(false),
                    protocol: e.protocol().unwrap_or("-1").to_string(),
                    ports: e.port_range().and_then(|r| {
                        let from = u16::try_from(r.from()?).ok()?;
                        let to = u16::try_from(r.to()?).ok()?;
                        Some((from, to))
                    }),
                    cidr: e
                        .cidr_block()
                        .or(e.ipv6_cidr_block())
                        .and_then(|c| c.parse().ok()),
                    allow: e
                        .rule_action()
                        .is_some_and(|a| a.as_str().eq_ignore_ascii_case("allow")),
                })
                .collect(),
        })
        .collect())
}

/// Every VPC of the region with its address blocks, from `DescribeVpcs` alone: enough to
/// tell whether an address belongs to one of the account's VPCs.
pub(crate) async fn vpc_networks(ec2: &Client) -> Result<Vec<(String, Vec<ipnet::IpNet>)>, Error> {
    let raw: Vec<_> = ec2
        .describe_vpcs()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| sdk_error("ec2:DescribeVpcs", e))?;
    Ok(raw
        .iter()
        .map(|v| {
            let vpc = vpc_of(v, None, None);
            let networks = vpc
                .cidr_blocks
                .iter()
                .filter_map(|c| c.parse().ok())
                .collect();
            (vpc.id, networks)
        })
        .collect())
}

/// The account's own managed prefix lists, each with the blocks it holds. AWS-owned lists
/// (`com.amazonaws.<region>.s3` and the like) are skipped: they name AWS's services, never a
/// client. Two rounds: the lists, then every list's entries at once (past
/// [`SPECULATIVE_PREFIX_LISTS`], or where `wanted` is given, only the `wanted` ones).
pub(crate) async fn prefix_list_entries(
    ec2: &Client,
    wanted: Option<&[String]>,
) -> Result<std::collections::BTreeMap<String, Vec<ipnet::IpNet>>, Error> {
    let lists: Vec<_> = ec2
        .describe_managed_prefix_lists()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| sdk_error("ec2:DescribeManagedPrefixLists", e))?;
    let mut own: Vec<String> = lists
        .iter()
        .filter(|l| l.owner_id() != Some("AWS"))
        .filter_map(|l| l.prefix_list_id().map(str::to_string))
        .collect();
    if own.len() > SPECULATIVE_PREFIX_LISTS || wanted.is_some() {
        let wanted = wanted.unwrap_or_default();
        own.retain(|id| wanted.contains(id));
    }
    let entries = futures::future::join_all(own.iter().map(|id| async move {
        let entries: Vec<_> = ec2
            .get_managed_prefix_list_entries()
            .prefix_list_id(id)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .ok()?;
        Some((
            id.clone(),
            entries
                .iter()
                .filter_map(|e| e.cidr()?.parse().ok())
                .collect::<Vec<ipnet::IpNet>>(),
        ))
    }))
    .await;
    // A list that cannot be read (shared, then unshared) is left out: its rule stays unjudged.
    Ok(entries.into_iter().flatten().collect())
}

/// Prefix lists whose entries are read without knowing which the groups use.
const SPECULATIVE_PREFIX_LISTS: usize = 20;

#[cfg(test)]
mod tests {
    use super::*;

    fn named_group(id: &str, vpc: &str) -> SecurityGroup {
        SecurityGroup {
            id: id.into(),
            name: "app".into(),
            description: String::new(),
            vpc_id: Some(vpc.into()),
            inbound: vec![],
            outbound: vec![],
            tags: vec![],
        }
    }

    #[test]
    fn a_vpc_name_means_the_one_vpc_of_the_region_tagged_with_it() {
        let region = RegionNames::from_aws("us-west-2");
        assert_eq!(
            one_vpc("vpc_id", "orders", &["vpc-1"], &region).unwrap(),
            "vpc-1"
        );
        let none = one_vpc("vpc_id", "orders", &[], &region)
            .unwrap_err()
            .to_string();
        assert!(
            none.contains("`orders`") && none.contains("us-west-2"),
            "{none}"
        );
        let many = one_vpc("vpc_id", "orders", &["vpc-1", "vpc-2"], &region)
            .unwrap_err()
            .to_string();
        assert!(
            many.contains("vpc-1, vpc-2") && many.contains("pass the id"),
            "{many}"
        );
    }

    #[test]
    fn a_name_means_one_group_by_its_name_tag_first_then_its_group_name() {
        let a = named_group("sg-a", "vpc-1");
        let b = named_group("sg-b", "vpc-2");
        let field = "source_security_group_id";
        // The Name tag wins over another group's GroupName.
        let tagged = [a.clone()];
        assert_eq!(
            one_group(field, "orders-app", None, &tagged, std::slice::from_ref(&b)).unwrap(),
            "sg-a"
        );
        assert_eq!(
            one_group(field, "app", None, &[], std::slice::from_ref(&b)).unwrap(),
            "sg-b"
        );
        let none = one_group(field, "orders-app", Some("vpc-1"), &[], &[]).unwrap_err();
        assert!(none.to_string().contains("`orders-app`") && none.to_string().contains("vpc-1"));
        let many = one_group(field, "app", None, &[], &[a, b]).unwrap_err();
        let text = many.to_string();
        assert!(
            text.contains("sg-a (vpc-1)") && text.contains("sg-b (vpc-2)"),
            "{text}"
        );
        assert!(text.contains("pass the id"), "{text}");
    }

    #[test]
    fn the_regional_entry_is_told_by_shape_not_position() {
        let endpoint = VpcEndpoint {
            id: "vpce-0123456789abcdef0".into(),
            dns_entries: vec![
                (
                    "vpce-0123456789abcdef0-1x2y3z4w-us-west-2a.vpce-svc-0aaa.us-west-2.vpce.amazonaws.com".into(),
                    Some("Z1YSA3EXCYUU9Z".into()),
                ),
                (
                    "in01-abc.aws-us-west-2.vectordb.zillizcloud.com".into(),
                    Some("Z0PRIVATE".into()),
                ),
                (
                    "vpce-0123456789abcdef0-1x2y3z4w.vpce-svc-0aaa.us-west-2.vpce.amazonaws.com".into(),
                    Some("Z1YSA3EXCYUU9Z".into()),
                ),
            ],
            ..VpcEndpoint::default()
        };
        assert_eq!(
            endpoint.regional_dns_entry(),
            Some((
                "vpce-0123456789abcdef0-1x2y3z4w.vpce-svc-0aaa.us-west-2.vpce.amazonaws.com",
                Some("Z1YSA3EXCYUU9Z")
            ))
        );
    }

    #[test]
    fn regional_names_in_the_shapes_aws_and_the_emulator_use() {
        for regional in [
            "vpce-0123456789abcdef0-1x2y3z4w.vpce-svc-0aaa.us-west-2.vpce.amazonaws.com",
            // moto: the endpoint id, a suffix, then the service name.
            "vpce-0123456789abcdef0-ab12cd34.com.amazonaws.vpce.us-west-2.vpce-svc-0aaa",
        ] {
            assert!(is_regional_endpoint_name(regional), "{regional}");
        }
        for other in [
            "vpce-0123456789abcdef0-1x2y3z4w-us-west-2a.vpce-svc-0aaa.us-west-2.vpce.amazonaws.com",
            "in01-abc-privatelink.aws-us-west-2.vectordb.zillizcloud.com",
            "vpce-zz-1x2y3z4w.example.com",
            "vpce-0123.example.com",
            "",
        ] {
            assert!(!is_regional_endpoint_name(other), "{other}");
        }
    }
}

/// A VPC flow log as `DescribeFlowLogs` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FlowLogConfig {
    pub(crate) id: String,
    /// The VPC, subnet or network interface it records.
    pub(crate) resource_id: String,
    /// `ALL`, `ACCEPT` or `REJECT`: which flows it records.
    pub(crate) traffic_type: String,
    /// `cloud-watch-logs`, `s3` or `kinesis-data-firehose`.
    pub(crate) destination_type: String,
    /// The destination's ARN, where AWS gives one.
    pub(crate) destination: Option<String>,
    /// The log group, for CloudWatch Logs.
    pub(crate) log_group: Option<String>,
    /// `None` for the default format.
    pub(crate) log_format: Option<String>,
    /// Why delivery fails, where it does.
    pub(crate) delivery_error: Option<String>,
}

/// Every flow log of the account in the region: which of them record the endpoint is known
/// only once its subnets and interfaces are, so they are listed whole, beside those reads.
pub(crate) async fn flow_logs(ec2: &Client) -> Result<Vec<FlowLogConfig>, Error> {
    let raw: Vec<aws_sdk_ec2::types::FlowLog> = ec2
        .describe_flow_logs()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| sdk_error("ec2:DescribeFlowLogs", e))?;
    Ok(raw
        .iter()
        .filter(|f| f.flow_log_status().is_none_or(|s| s == "ACTIVE"))
        .map(|f| FlowLogConfig {
            id: f.flow_log_id().unwrap_or_default().to_string(),
            resource_id: f.resource_id().unwrap_or_default().to_string(),
            traffic_type: f
                .traffic_type()
                .map(|t| t.as_str().to_ascii_uppercase())
                .unwrap_or_else(|| "ALL".into()),
            destination_type: f
                .log_destination_type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_else(|| "cloud-watch-logs".into()),
            destination: f.log_destination().map(str::to_string),
            log_group: f.log_group_name().map(str::to_string),
            log_format: f.log_format().map(str::to_string),
            delivery_error: match f.deliver_logs_status() {
                Some("FAILED") => Some(
                    f.deliver_logs_error_message()
                        .unwrap_or("delivery failed")
                        .to_string(),
                ),
                _ => None,
            },
        })
        .collect())
}
