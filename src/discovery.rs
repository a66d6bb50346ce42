//! The read-only view of both accounts: VPCs, subnets, security groups, clusters and the
//! Zilliz endpoint service of a region.

use std::fmt::Write;

use schemars::JsonSchema;
use serde::Serialize;

use crate::address::PrivateLinkAddress;
use crate::app::App;
use crate::aws::ec2;
use crate::error::Error;
use crate::paging::{PageSize, page};
use crate::region::RegionNames;
use crate::request::{
    EndpointServiceRequest, ListClustersRequest, ListInstancesRequest, ListSecurityGroupsRequest,
    ListSubnetsRequest, ListVpcsRequest,
};
use crate::summary::Summary;
use crate::validate;

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct VpcList {
    region_id: String,
    aws_region: String,
    /// How many VPCs the region has in all.
    total: usize,
    /// This page of them, in order of their ids.
    vpcs: Vec<VpcInfo>,
    /// Pass this back as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

/// A page of 100 VPCs stays well under 32 KB, and its DNS attributes are 200 reads.
pub(crate) const VPC_PAGE: PageSize = PageSize {
    default: 50,
    max: 100,
};

#[derive(Debug, Serialize, JsonSchema)]
struct VpcInfo {
    vpc_id: String,
    name: Option<String>,
    cidr_blocks: Vec<String>,
    is_default: bool,
    /// `enableDnsSupport`: a private hosted zone answers only where this is on.
    dns_support: Option<bool>,
    /// `enableDnsHostnames`: also needed for a private hosted zone.
    dns_hostnames: Option<bool>,
}

impl Summary for VpcList {
    fn summary(&self) -> String {
        let mut text = match &self.next_cursor {
            None => format!("{} VPC(s) in {}", self.total, self.aws_region),
            Some(_) => format!(
                "{} of {} VPC(s) in {}",
                self.vpcs.len(),
                self.total,
                self.aws_region
            ),
        };
        for vpc in &self.vpcs {
            let dns_ready = vpc.dns_support == Some(true) && vpc.dns_hostnames == Some(true);
            let _ = write!(
                text,
                "\n- {}{} {}{}{}",
                vpc.vpc_id,
                vpc.name
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default(),
                vpc.cidr_blocks.join(", "),
                if vpc.is_default { ", default" } else { "" },
                if dns_ready {
                    ""
                } else {
                    ", DNS support or hostnames off"
                },
            );
        }
        if let Some(cursor) = &self.next_cursor {
            let _ = write!(text, "\nMore VPCs: call again with cursor {cursor}.");
        }
        text
    }
}

/// One page of the region's VPCs: the list is read whole (one paged call), and the DNS
/// attributes only of the page's VPCs.
pub(crate) async fn list_vpcs(app: &App, request: &ListVpcsRequest) -> Result<VpcList, Error> {
    let region = RegionNames::parse_optional(request.region.as_deref())?;
    let (cursor, limit) = (request.cursor.as_deref(), request.limit);
    crate::paging::parse(cursor, limit, VPC_PAGE)?;
    let clients = app.aws.clients(region.as_ref()).await?;
    let described = ec2::described_vpcs(&clients.ec2, &clients.region).await?;
    let total = described.len();
    let (described, next_cursor) = page(described, cursor, limit, VPC_PAGE)?;
    let vpcs = ec2::with_dns_attributes(&clients.ec2, described).await?;
    Ok(VpcList {
        region_id: clients.region.region_id.clone(),
        aws_region: clients.region.aws_region.clone(),
        total,
        next_cursor,
        vpcs: vpcs
            .into_iter()
            .map(|v| VpcInfo {
                vpc_id: v.id,
                name: v.name,
                cidr_blocks: v.cidr_blocks,
                is_default: v.is_default,
                dns_support: v.dns_support,
                dns_hostnames: v.dns_hostnames,
            })
            .collect(),
    })
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct SubnetPage {
    vpc_id: String,
    region_id: String,
    aws_region: String,
    /// How many subnets the VPC has in all.
    total: usize,
    subnets: Vec<SubnetInfo>,
    /// Pass this back as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
    /// The availability zones in which the region's Zilliz endpoint service is offered, where known.
    service_availability_zones: Option<Vec<String>>,
    /// Why `service_supported` is unknown, where it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
struct SubnetInfo {
    subnet_id: String,
    name: Option<String>,
    availability_zone: String,
    availability_zone_id: Option<String>,
    cidr: Option<String>,
    available_ips: Option<i32>,
    /// The Zilliz endpoint service is offered in this subnet's zone; null where unknown.
    service_supported: Option<bool>,
}

impl Summary for SubnetPage {
    fn summary(&self) -> String {
        let mut text = format!(
            "{} of {} subnet(s) of {} in {}",
            self.subnets.len(),
            self.total,
            self.vpc_id,
            self.aws_region
        );
        match &self.service_availability_zones {
            Some(zones) => {
                let _ = write!(
                    text,
                    "; the Zilliz service is offered in {}",
                    zones.join(", ")
                );
            }
            None => text.push_str("; the Zilliz service's zones are unknown"),
        }
        if let Some(next) = &self.next_cursor {
            let _ = write!(text, "; more with cursor `{next}`");
        }
        for s in &self.subnets {
            let mark = match s.service_supported {
                Some(true) => "supported",
                Some(false) => "not supported",
                None => "support unknown",
            };
            let _ = write!(
                text,
                "\n- {} {} {} ({mark})",
                s.subnet_id,
                s.availability_zone,
                s.cidr.as_deref().unwrap_or("")
            );
        }
        text
    }
}

pub(crate) const SUBNET_PAGE: PageSize = PageSize {
    default: 100,
    max: 100,
};

pub(crate) async fn list_subnets(
    app: &App,
    request: &ListSubnetsRequest,
) -> Result<SubnetPage, Error> {
    let (region, cursor, limit) = (
        request.region.as_deref(),
        request.cursor.as_deref(),
        request.limit,
    );
    let vpc = crate::validate::vpc_ref("vpc_id", &request.vpc_id)?;
    let region = RegionNames::parse_optional(region)?;
    // Refuse a bad cursor or limit before any call; the page is cut once the list is known.
    crate::paging::parse(cursor, limit, SUBNET_PAGE)?;
    let clients = app.aws.clients(region.as_ref()).await?;
    let vpc_id = ec2::vpc_id_of(&clients.ec2, "vpc_id", &vpc, &clients.region).await?;
    let (vpc, subnets, zones) = tokio::join!(
        ec2::vpc(&clients.ec2, &vpc_id, &clients.region),
        ec2::subnets_of_vpc(&clients.ec2, &vpc_id),
        service_zones(app, &clients.region),
    );
    vpc?;
    let subnets = subnets?;
    let total = subnets.len();
    let (zones, note) = zones;
    let (subnets, next_cursor) = page(subnets, cursor, limit, SUBNET_PAGE)?;
    Ok(SubnetPage {
        vpc_id,
        region_id: clients.region.region_id.clone(),
        aws_region: clients.region.aws_region.clone(),
        total,
        subnets: subnets
            .into_iter()
            .map(|s| SubnetInfo {
                service_supported: zones.as_ref().map(|z| z.contains(&s.availability_zone)),
                subnet_id: s.id,
                name: s.name,
                availability_zone: s.availability_zone,
                availability_zone_id: s.availability_zone_id,
                cidr: s.cidr,
                available_ips: s.available_ips,
            })
            .collect(),
        next_cursor,
        service_availability_zones: zones,
        note,
    })
}

/// The zones of the region's endpoint service, or the note of why they are unknown for the
/// answer. Never an error: a subnet listing is useful without them.
async fn service_zones(app: &App, region: &RegionNames) -> (Option<Vec<String>>, Option<String>) {
    match crate::service::endpoint_service(app, region).await {
        Ok(service) if service.availability_zones_known => (Some(service.availability_zones), None),
        Ok(service) => (None, Some(service.note.unwrap_or_default())),
        Err(e) => (None, Some(format!("service_supported is unknown: {e}"))),
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct InstancePage {
    vpc_id: String,
    region_id: String,
    aws_region: String,
    /// How many instances match, on every page.
    total: usize,
    instances: Vec<InstanceInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
    /// Why `ssm_managed` is unknown, where SSM could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    ssm_note: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
struct InstanceInfo {
    instance_id: String,
    /// The `Name` tag, as the EC2 console shows it.
    name: Option<String>,
    /// `pending`, `running`, `stopping` or `stopped`.
    state: String,
    /// Every private address of the instance, the primary first.
    private_ips: Vec<String>,
    subnet_id: Option<String>,
    availability_zone: Option<String>,
    security_groups: Vec<GroupOfInstance>,
    /// SSM manages the instance and its agent is online, so `probe_from_instance` can run
    /// there; null where SSM could not be read (see `ssm_note`).
    ssm_managed: Option<bool>,
    /// SSM's word for the agent (`Online`, `ConnectionLost`…), where SSM manages it.
    #[serde(skip_serializing_if = "Option::is_none")]
    ssm_ping_status: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
struct GroupOfInstance {
    group_id: String,
    /// The group's `GroupName`.
    name: String,
    /// The group's `Name` tag, where it has one (what the EC2 console shows as its name).
    #[serde(skip_serializing_if = "Option::is_none")]
    name_tag: Option<String>,
}

impl Summary for InstancePage {
    fn summary(&self) -> String {
        let mut text = format!(
            "{} of {} instance(s) of {}",
            self.instances.len(),
            self.total,
            self.vpc_id
        );
        if let Some(next) = &self.next_cursor {
            let _ = write!(text, "; more with cursor `{next}`");
        }
        for i in &self.instances {
            let groups: Vec<String> = i
                .security_groups
                .iter()
                .map(|g| {
                    format!(
                        "{} ({})",
                        g.group_id,
                        g.name_tag.as_ref().unwrap_or(&g.name)
                    )
                })
                .collect();
            let ssm = match i.ssm_managed {
                Some(true) => "SSM: online",
                Some(false) => "SSM: not managed",
                None => "SSM: unknown",
            };
            let _ = write!(
                text,
                "\n- {} ({}) {} {} in {}; groups {}; {ssm}",
                i.instance_id,
                i.name.as_deref().unwrap_or("no Name tag"),
                i.state,
                i.private_ips.join(", "),
                i.subnet_id.as_deref().unwrap_or("?"),
                groups.join(", ")
            );
        }
        if let Some(note) = &self.ssm_note {
            let _ = write!(text, "\n{note}");
        }
        text
    }
}

pub(crate) const INSTANCE_PAGE: PageSize = PageSize {
    default: 50,
    // SSM takes at most 100 instance ids in one filter.
    max: 100,
};

/// A VPC's instances, a page at a time, with their groups' names and `Name` tags and whether
/// SSM can run a probe there: the groups and SSM are read for the page's instances only.
pub(crate) async fn list_instances(
    app: &App,
    request: &ListInstancesRequest,
) -> Result<InstancePage, Error> {
    let vpc = crate::validate::vpc_ref("vpc_id", &request.vpc_id)?;
    let region = RegionNames::parse_optional(request.region.as_deref())?;
    let group = request
        .security_group_id
        .as_deref()
        .map(|g| crate::validate::group_ref("security_group_id", g))
        .transpose()?;
    let name = request
        .name
        .as_deref()
        .map(|n| crate::validate::tag_value("name", n))
        .transpose()?;
    let (cursor, limit) = (request.cursor.as_deref(), request.limit);
    crate::paging::parse(cursor, limit, INSTANCE_PAGE)?;
    let clients = app.aws.clients(region.as_ref()).await?;
    let vpc_id = ec2::vpc_id_of(&clients.ec2, "vpc_id", &vpc, &clients.region).await?;
    let group_id = match &group {
        Some(g) => {
            Some(ec2::group_id_of(&clients.ec2, "security_group_id", g, Some(&vpc_id)).await?)
        }
        None => None,
    };
    let (vpc, instances) = tokio::join!(
        ec2::vpc(&clients.ec2, &vpc_id, &clients.region),
        ec2::instances_of_vpc(&clients.ec2, &vpc_id, name.as_deref(), group_id.as_deref()),
    );
    vpc?;
    let instances = instances?;
    let total = instances.len();
    let (instances, next_cursor) = page(instances, cursor, limit, INSTANCE_PAGE)?;
    let ids: Vec<String> = instances.iter().map(|i| i.id.clone()).collect();
    let mut group_ids: Vec<String> = instances
        .iter()
        .flat_map(|i| i.security_groups.iter().map(|(id, _)| id.clone()))
        .collect();
    group_ids.sort();
    group_ids.dedup();
    let (managed, groups) = tokio::join!(
        crate::aws::ssm::managed_among(&clients.ssm, &ids),
        ec2::security_groups_by_id(&clients.ec2, &group_ids),
    );
    let name_tags: Vec<(String, String)> = groups?
        .into_iter()
        .filter_map(|g| Some((g.id.clone(), tag_named(&g.tags, "Name")?)))
        .collect();
    let (managed, ssm_note) = match managed {
        Ok(managed) => (Some(managed), None),
        Err(e) => (
            None,
            Some(format!(
                "whether SSM manages these instances is unknown: {e}"
            )),
        ),
    };
    Ok(InstancePage {
        vpc_id,
        region_id: clients.region.region_id.clone(),
        aws_region: clients.region.aws_region.clone(),
        total,
        instances: instances
            .into_iter()
            .map(|i| instance_info(i, managed.as_deref(), &name_tags))
            .collect(),
        next_cursor,
        ssm_note,
    })
}

fn tag_named(tags: &[(String, String)], key: &str) -> Option<String> {
    tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

/// One instance as the page shows it: its groups with their `Name` tags, and SSM's view of it
/// (`None` where SSM could not be read).
fn instance_info(
    i: ec2::VpcInstance,
    managed: Option<&[(String, crate::aws::ssm::Managed)]>,
    name_tags: &[(String, String)],
) -> InstanceInfo {
    let ssm = managed.map(|list| list.iter().find(|(id, _)| *id == i.id).map(|(_, m)| m));
    InstanceInfo {
        ssm_managed: ssm.map(|m| m.is_some_and(|m| m.ping_status == "Online")),
        ssm_ping_status: ssm.flatten().map(|m| m.ping_status.clone()),
        security_groups: i
            .security_groups
            .into_iter()
            .map(|(group_id, name)| GroupOfInstance {
                name_tag: name_tags
                    .iter()
                    .find(|(id, _)| *id == group_id)
                    .map(|(_, tag)| tag.clone()),
                group_id,
                name,
            })
            .collect(),
        instance_id: i.id,
        name: i.name,
        state: i.state,
        private_ips: i.private_ips,
        subnet_id: i.subnet_id,
        availability_zone: i.availability_zone,
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct SecurityGroupPage {
    vpc_id: String,
    region_id: String,
    aws_region: String,
    total: usize,
    security_groups: Vec<SecurityGroupInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
struct SecurityGroupInfo {
    group_id: String,
    /// The group's `GroupName`.
    name: String,
    /// The group's `Name` tag, where it has one (what the EC2 console shows as its name).
    #[serde(skip_serializing_if = "Option::is_none")]
    name_tag: Option<String>,
    description: String,
    /// One line per rule and peer, such as `tcp 19530 from sg-0abc (app servers)`.
    inbound: Vec<String>,
    /// One line per rule and peer, such as `all traffic to 0.0.0.0/0`.
    outbound: Vec<String>,
}

impl Summary for SecurityGroupPage {
    fn summary(&self) -> String {
        let mut text = format!(
            "{} of {} security group(s) of {}",
            self.security_groups.len(),
            self.total,
            self.vpc_id
        );
        if let Some(next) = &self.next_cursor {
            let _ = write!(text, "; more with cursor `{next}`");
        }
        for g in &self.security_groups {
            let _ = write!(
                text,
                "\n- {} ({}): in [{}]; out [{}]",
                g.group_id,
                g.name_tag.as_ref().unwrap_or(&g.name),
                g.inbound.join("; "),
                g.outbound.join("; ")
            );
        }
        text
    }
}

pub(crate) const SECURITY_GROUP_PAGE: PageSize = PageSize {
    default: 50,
    max: 100,
};

pub(crate) async fn list_security_groups(
    app: &App,
    request: &ListSecurityGroupsRequest,
) -> Result<SecurityGroupPage, Error> {
    let (region, cursor, limit) = (
        request.region.as_deref(),
        request.cursor.as_deref(),
        request.limit,
    );
    let vpc = crate::validate::vpc_ref("vpc_id", &request.vpc_id)?;
    let region = RegionNames::parse_optional(region)?;
    crate::paging::parse(cursor, limit, SECURITY_GROUP_PAGE)?;
    let clients = app.aws.clients(region.as_ref()).await?;
    let vpc_id = ec2::vpc_id_of(&clients.ec2, "vpc_id", &vpc, &clients.region).await?;
    let (vpc, groups) = tokio::join!(
        ec2::vpc(&clients.ec2, &vpc_id, &clients.region),
        ec2::security_groups_of_vpc(&clients.ec2, &vpc_id),
    );
    vpc?;
    let groups = groups?;
    let total = groups.len();
    let (groups, next_cursor) = page(groups, cursor, limit, SECURITY_GROUP_PAGE)?;
    Ok(SecurityGroupPage {
        vpc_id,
        region_id: clients.region.region_id.clone(),
        aws_region: clients.region.aws_region.clone(),
        total,
        security_groups: groups
            .into_iter()
            .map(|g| SecurityGroupInfo {
                inbound: g.inbound.iter().map(|r| r.summary("from")).collect(),
                outbound: g.outbound.iter().map(|r| r.summary("to")).collect(),
                name_tag: tag_named(&g.tags, "Name"),
                group_id: g.id,
                name: g.name,
                description: g.description,
            })
            .collect(),
        next_cursor,
    })
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct ClusterPage {
    total: usize,
    clusters: Vec<ClusterInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
struct ClusterInfo {
    cluster_id: String,
    name: Option<String>,
    project_id: Option<String>,
    region_id: Option<String>,
    /// The AWS region, for clusters on AWS; null for other clouds.
    aws_region: Option<String>,
    plan: Option<String>,
    status: Option<String>,
    /// Empty until a private link serves the cluster's project and region.
    private_link_address: Option<String>,
    private_link_host: Option<String>,
    private_link_port: Option<u16>,
}

impl ClusterInfo {
    pub(crate) fn from_cluster(c: crate::zilliz::model::Cluster) -> Self {
        let address = c.private_link().map(str::to_string);
        let parsed = address
            .as_deref()
            .and_then(|a| PrivateLinkAddress::parse(a).ok());
        Self {
            aws_region: c
                .region_id
                .as_deref()
                .and_then(RegionNames::from_zilliz)
                .map(|r| r.aws_region),
            cluster_id: c.cluster_id,
            name: c.cluster_name,
            project_id: c.project_id,
            region_id: c.region_id,
            plan: c.plan,
            status: c.status,
            private_link_host: parsed.as_ref().map(|p| p.host.clone()),
            private_link_port: parsed.map(|p| p.port),
            private_link_address: address,
        }
    }
}

impl Summary for ClusterPage {
    fn summary(&self) -> String {
        let mut text = format!("{} of {} cluster(s)", self.clusters.len(), self.total);
        if let Some(next) = &self.next_cursor {
            let _ = write!(text, "; more with cursor `{next}`");
        }
        for c in &self.clusters {
            let _ = write!(
                text,
                "\n- {} ({}) {} {} {}, {}",
                c.cluster_id,
                c.name.as_deref().unwrap_or("unnamed"),
                c.region_id.as_deref().unwrap_or("?"),
                c.plan.as_deref().unwrap_or("?"),
                c.status.as_deref().unwrap_or("?"),
                c.private_link_address
                    .as_deref()
                    .map_or("no private link".to_string(), |a| format!(
                        "private link {a}"
                    )),
            );
        }
        text
    }
}

pub(crate) const CLUSTER_PAGE: PageSize = PageSize {
    default: 50,
    max: 100,
};

pub(crate) async fn list_zilliz_clusters(
    app: &App,
    request: &ListClustersRequest,
) -> Result<ClusterPage, Error> {
    let (project_id, cursor, limit) = (
        request.project_id.as_deref(),
        request.cursor.as_deref(),
        request.limit,
    );
    let project_id = project_id.map(validate::project_id).transpose()?;
    crate::paging::parse(cursor, limit, CLUSTER_PAGE)?;
    let mut clusters: Vec<_> = app
        .zilliz
        .clusters()
        .await?
        .into_iter()
        .filter(|c| project_id.is_none() || c.project_id == project_id)
        .collect();
    clusters.sort_by(|a, b| a.cluster_id.cmp(&b.cluster_id));
    let total = clusters.len();
    let (clusters, next_cursor) = page(clusters, cursor, limit, CLUSTER_PAGE)?;
    Ok(ClusterPage {
        total,
        clusters: clusters
            .into_iter()
            .map(ClusterInfo::from_cluster)
            .collect(),
        next_cursor,
    })
}

pub(crate) async fn get_endpoint_service(
    app: &App,
    request: &EndpointServiceRequest,
) -> Result<crate::service::EndpointServiceInfo, Error> {
    let region = RegionNames::parse(&request.region)?;
    crate::service::endpoint_service(app, &region).await
}
