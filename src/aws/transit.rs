//! Reads of AWS Transit Gateway, answering plain data: the VPC attachments of given VPCs (with
//! the route table each is associated with and the subnets it has) and a route table's routes.
//! What the routes mean is judged in `diagnose/transit.rs`.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{
    Filter, TransitGatewayAttachmentResourceType, TransitGatewayRouteState, TransitGatewayRouteType,
};
use ipnet::IpNet;

use super::sdk_error;
use crate::error::Error;

/// A VPC's attachment to a transit gateway.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Attachment {
    pub(crate) id: String,
    pub(crate) transit_gateway_id: String,
    /// The account that owns the transit gateway; another than the VPC's where it is shared
    /// through RAM, and then only that account can read its route tables.
    pub(crate) transit_gateway_owner: Option<String>,
    pub(crate) vpc_id: String,
    pub(crate) vpc_owner: Option<String>,
    /// `available`, `pendingAcceptance`, `rejected`, …
    pub(crate) state: String,
    /// The transit gateway route table the attachment is associated with: its traffic is
    /// routed by that table.
    pub(crate) route_table_id: Option<String>,
    /// One subnet a zone: the zones the transit gateway reaches the VPC from, and the only
    /// zones of the VPC whose traffic reaches it.
    pub(crate) subnet_ids: Vec<String>,
}

impl Attachment {
    /// The transit gateway belongs to another account than the VPC.
    pub(crate) fn shared_from_another_account(&self) -> bool {
        matches!((&self.transit_gateway_owner, &self.vpc_owner), (Some(t), Some(v)) if t != v)
    }
}

/// One route of a transit gateway route table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Route {
    pub(crate) destination: IpNet,
    /// The attachments the route sends to (several for equal-cost routes); none for a
    /// blackhole.
    pub(crate) attachment_ids: Vec<String>,
    pub(crate) blackhole: bool,
    /// Propagated from an attachment, as opposed to static.
    pub(crate) propagated: bool,
}

/// The transit gateway VPC attachments of `vpc_ids` (deleted ones left out), each with its
/// association and its subnets: two reads side by side.
pub(crate) async fn attachments_of_vpcs(
    ec2: &Client,
    vpc_ids: &[String],
) -> Result<Vec<Attachment>, Error> {
    if vpc_ids.is_empty() {
        return Ok(Vec::new());
    }
    let filter = |name: &str, values: &[String]| {
        Filter::builder()
            .name(name)
            .set_values(Some(values.to_vec()))
            .build()
    };
    let (attachments, vpc_attachments) = tokio::join!(
        ec2.describe_transit_gateway_attachments()
            .filters(filter("resource-type", &["vpc".to_string()]))
            .filters(filter("resource-id", vpc_ids))
            .into_paginator()
            .items()
            .send()
            .try_collect(),
        ec2.describe_transit_gateway_vpc_attachments()
            .filters(filter("vpc-id", vpc_ids))
            .into_paginator()
            .items()
            .send()
            .try_collect(),
    );
    let attachments =
        attachments.map_err(|e| sdk_error("ec2:DescribeTransitGatewayAttachments", e))?;
    let vpc_attachments =
        vpc_attachments.map_err(|e| sdk_error("ec2:DescribeTransitGatewayVpcAttachments", e))?;
    let mut out: Vec<Attachment> = attachments
        .iter()
        .filter(|a| a.resource_type() == Some(&TransitGatewayAttachmentResourceType::Vpc))
        .map(|a| {
            let id = a.transit_gateway_attachment_id().unwrap_or_default();
            let subnet_ids = vpc_attachments
                .iter()
                .find(|v| v.transit_gateway_attachment_id() == Some(id))
                .map(|v| v.subnet_ids().to_vec())
                .unwrap_or_default();
            Attachment {
                id: id.to_string(),
                transit_gateway_id: a.transit_gateway_id().unwrap_or_default().to_string(),
                transit_gateway_owner: a.transit_gateway_owner_id().map(str::to_string),
                vpc_id: a.resource_id().unwrap_or_default().to_string(),
                vpc_owner: a.resource_owner_id().map(str::to_string),
                state: a
                    .state()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                route_table_id: a
                    .association()
                    .filter(|s| s.state().is_some_and(|s| s.as_str() == "associated"))
                    .and_then(|s| s.transit_gateway_route_table_id())
                    .map(str::to_string),
                subnet_ids,
            }
        })
        .filter(|a| !matches!(a.state.as_str(), "deleted" | "deleting"))
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// The active and blackhole routes of a transit gateway route table (SearchTransitGatewayRoutes
/// answers at most 1,000; a table that large is said by the caller as not wholly read).
pub(crate) async fn routes(ec2: &Client, route_table_id: &str) -> Result<Vec<Route>, Error> {
    let out = ec2
        .search_transit_gateway_routes()
        .transit_gateway_route_table_id(route_table_id)
        .filters(
            Filter::builder()
                .name("state")
                .values("active")
                .values("blackhole")
                .build(),
        )
        .max_results(1000)
        .send()
        .await
        .map_err(|e| sdk_error("ec2:SearchTransitGatewayRoutes", e))?;
    Ok(out
        .routes()
        .iter()
        .filter_map(|r| {
            Some(Route {
                destination: r.destination_cidr_block()?.parse().ok()?,
                attachment_ids: r
                    .transit_gateway_attachments()
                    .iter()
                    .filter_map(|a| a.transit_gateway_attachment_id().map(str::to_string))
                    .collect(),
                blackhole: r.state() == Some(&TransitGatewayRouteState::Blackhole),
                propagated: r.r#type() == Some(&TransitGatewayRouteType::Propagated),
            })
        })
        .collect())
}
