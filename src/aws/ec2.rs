//! Reads from EC2, each following every page of the API and answering plain data.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{Filter, VpcAttributeName};
use futures::{StreamExt, TryStreamExt, stream};

use super::rules::Rule;
use super::{name_tag, sdk_error};
use crate::error::Error;
use crate::region::RegionNames;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vpc {
    pub id: String,
    pub name: Option<String>,
    pub cidr_blocks: Vec<String>,
    pub is_default: bool,
    pub dns_support: Option<bool>,
    pub dns_hostnames: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subnet {
    pub id: String,
    pub name: Option<String>,
    pub vpc_id: String,
    pub availability_zone: String,
    pub availability_zone_id: Option<String>,
    pub cidr: Option<String>,
    pub available_ips: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub description: String,
    pub vpc_id: Option<String>,
    pub inbound: Vec<Rule>,
    pub outbound: Vec<Rule>,
}

/// How many `DescribeVpcAttribute` calls run at once: enough to hide latency, few enough not
/// to be throttled on accounts with many VPCs.
const ATTRIBUTE_CONCURRENCY: usize = 8;

/// The VPCs of the region (or just `ids`), with their DNS attributes.
pub async fn vpcs(ec2: &Client, ids: &[String], region: &RegionNames) -> Result<Vec<Vpc>, Error> {
    let raw: Vec<_> = ec2
        .describe_vpcs()
        .set_vpc_ids((!ids.is_empty()).then(|| ids.to_vec()))
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| vpc_error(e, ids, region))?;
    stream::iter(raw)
        .map(|vpc| async move {
            let id = vpc.vpc_id().unwrap_or_default().to_string();
            let (dns_support, dns_hostnames) = tokio::try_join!(
                vpc_attribute(ec2, &id, VpcAttributeName::EnableDnsSupport),
                vpc_attribute(ec2, &id, VpcAttributeName::EnableDnsHostnames),
            )?;
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
            Ok(Vpc {
                id,
                name: name_tag(vpc.tags()),
                cidr_blocks,
                is_default: vpc.is_default().unwrap_or(false),
                dns_support,
                dns_hostnames,
            })
        })
        .buffered(ATTRIBUTE_CONCURRENCY)
        .try_collect()
        .await
}

/// One VPC, or an error that names it when it does not exist in the region.
pub async fn vpc(ec2: &Client, id: &str, region: &RegionNames) -> Result<Vpc, Error> {
    vpcs(ec2, &[id.to_string()], region)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| vpc_not_found(id, region))
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
pub async fn subnets_of_vpc(ec2: &Client, vpc_id: &str) -> Result<Vec<Subnet>, Error> {
    let filter = Filter::builder().name("vpc-id").values(vpc_id).build();
    let raw: Vec<_> = ec2
        .describe_subnets()
        .filters(filter)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| sdk_error("ec2:DescribeSubnets", e))?;
    let mut subnets: Vec<Subnet> = raw
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
        .collect();
    subnets.sort_by(|a, b| (&a.availability_zone, &a.id).cmp(&(&b.availability_zone, &b.id)));
    Ok(subnets)
}

/// Every security group of a VPC, ordered by id.
pub async fn security_groups_of_vpc(
    ec2: &Client,
    vpc_id: &str,
) -> Result<Vec<SecurityGroup>, Error> {
    let filter = Filter::builder().name("vpc-id").values(vpc_id).build();
    let raw: Vec<_> = ec2
        .describe_security_groups()
        .filters(filter)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| sdk_error("ec2:DescribeSecurityGroups", e))?;
    let mut groups: Vec<SecurityGroup> = raw
        .into_iter()
        .map(|g| SecurityGroup {
            id: g.group_id().unwrap_or_default().to_string(),
            name: g.group_name().unwrap_or_default().to_string(),
            description: g.description().unwrap_or_default().to_string(),
            vpc_id: g.vpc_id().map(str::to_string),
            inbound: Rule::from_permissions(g.ip_permissions()),
            outbound: Rule::from_permissions(g.ip_permissions_egress()),
        })
        .collect();
    groups.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(groups)
}

/// The availability zones (by name, as this account sees them) in which an endpoint service
/// is offered. `None` when AWS does not know the service for this account, which on AWS also
/// means "not offered to you": the caller treats that as unknown rather than as a failure.
pub async fn endpoint_service_zones(
    ec2: &Client,
    service_name: &str,
) -> Result<Option<Vec<String>>, Error> {
    let result = ec2
        .describe_vpc_endpoint_services()
        .service_names(service_name)
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
