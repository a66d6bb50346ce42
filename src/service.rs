//! Zilliz's endpoint service in a region: the AWS service name an endpoint connects to, whether
//! the account must be whitelisted, the zones AWS offers it in, and which subnets of a VPC can
//! hold an endpoint to it. Read by discovery, setup, status and the diagnosis alike.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::Serialize;

use crate::app::App;
use crate::aws::ec2::{self, Subnet};
use crate::cluster::LinkRegions;
use crate::error::Error;
use crate::region::RegionNames;
use crate::summary::Summary;

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct EndpointServiceInfo {
    region_id: String,
    aws_region: String,
    /// The AWS service name to create an Interface VPC endpoint to.
    pub(crate) service_name: String,
    /// The AWS account must be added to Zilliz's whitelist before its endpoint can connect.
    pub(crate) whitelist_required: bool,
    /// The zones (as this AWS account names them) where the service is offered.
    pub(crate) availability_zones: Vec<String>,
    /// False when AWS did not describe the service to this account (so the zones are unknown).
    pub(crate) availability_zones_known: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) note: Option<String>,
}

impl Summary for EndpointServiceInfo {
    fn summary(&self) -> String {
        let zones = if self.availability_zones_known {
            format!("offered in {}", self.availability_zones.join(", "))
        } else {
            "zones unknown".to_string()
        };
        format!(
            "Zilliz endpoint service for {}: {} ({zones}{})",
            self.region_id,
            self.service_name,
            if self.whitelist_required {
                "; the account must be whitelisted"
            } else {
                ""
            }
        )
    }
}

/// Zilliz's endpoint service for `region`, with its zones from AWS.
pub(crate) async fn endpoint_service(
    app: &App,
    region: &RegionNames,
) -> Result<EndpointServiceInfo, Error> {
    let service = zilliz_endpoint_service(app, region).await?;
    with_zones(app, &LinkRegions::same(region.clone()), service).await
}

/// Zilliz's half of [`endpoint_service`]: the service's name and whether it needs a
/// whitelist, which planning needs before AWS is asked for the zones.
pub(crate) async fn zilliz_endpoint_service(
    app: &App,
    region: &RegionNames,
) -> Result<crate::zilliz::model::EndpointService, Error> {
    app.zilliz
        .endpoint_service(&region.region_id)
        .await?
        .ok_or_else(|| {
            Error::not_found(
                format!("a Zilliz private link endpoint service in {}", region.region_id),
                "Zilliz may not offer private links in this region: check the cluster's region with list_zilliz_clusters",
            )
        })
}

/// AWS's half of [`endpoint_service`]: the zones where the service is offered, asked from
/// the VPC's region (across regions, AWS describes the service there only where its provider
/// offers it to that region, with the zones an endpoint there may use).
pub(crate) async fn with_zones(
    app: &App,
    regions: &LinkRegions,
    service: crate::zilliz::model::EndpointService,
) -> Result<EndpointServiceInfo, Error> {
    let region = &regions.cluster;
    let clients = app.aws.clients(Some(&regions.vpc)).await?;
    let zones = ec2::endpoint_service_zones(
        &clients.ec2,
        &service.endpoint_service,
        regions.service_region(),
    )
    .await?;
    let note = zones.is_none().then(|| {
        format!(
            "AWS does not describe {} to this account, so its zones are unknown; {}",
            service.endpoint_service,
            if service.whitelist_required {
                "the account may need to be whitelisted first (create_vpc_endpoint does that before it makes the endpoint)"
            } else {
                "check the region"
            }
        )
    });
    Ok(EndpointServiceInfo {
        region_id: region.region_id.clone(),
        aws_region: region.aws_region.clone(),
        service_name: service.endpoint_service,
        whitelist_required: service.whitelist_required,
        availability_zones_known: zones.is_some(),
        availability_zones: zones
            .map(|z| z.into_iter().collect::<BTreeSet<_>>().into_iter().collect())
            .unwrap_or_default(),
        note,
    })
}

/// Keeps the first subnet of each zone, and leaves out zones the service does not offer
/// (when they are known). Answers the kept subnets and a warning for each one left out.
pub(crate) fn choose_subnets(
    subnets: Vec<Subnet>,
    offered: Option<&[String]>,
) -> (Vec<Subnet>, Vec<String>) {
    let mut kept: Vec<Subnet> = Vec::new();
    let mut warnings = Vec::new();
    for subnet in subnets {
        if let Some(zones) = offered
            && !zones.contains(&subnet.availability_zone)
        {
            warnings.push(format!(
                "left out {} ({}): Zilliz's endpoint service is not offered in that zone (it is in {})",
                subnet.id,
                subnet.availability_zone,
                zones.join(", ")
            ));
            continue;
        }
        if let Some(first) = kept
            .iter()
            .find(|k| k.availability_zone == subnet.availability_zone)
        {
            warnings.push(format!(
                "left out {}: an endpoint takes one subnet per zone, and {} is already used in {}",
                subnet.id, first.id, subnet.availability_zone
            ));
            continue;
        }
        kept.push(subnet);
    }
    if kept.len() == 1 {
        warnings.push(format!(
            "the endpoint is in one zone only ({}): add a subnet in another supported zone for resilience",
            kept[0].availability_zone
        ));
    }
    (kept, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_subnet_per_zone_in_offered_zones_only() {
        let offered = vec!["us-west-2a".to_string(), "us-west-2b".to_string()];
        let (kept, warnings) = choose_subnets(
            vec![
                Subnet::in_zone("subnet-aaaaaaa1", "us-west-2a"),
                Subnet::in_zone("subnet-aaaaaaa2", "us-west-2a"),
                Subnet::in_zone("subnet-ccccccc1", "us-west-2c"),
                Subnet::in_zone("subnet-bbbbbbb1", "us-west-2b"),
            ],
            Some(&offered),
        );
        let ids: Vec<_> = kept.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["subnet-aaaaaaa1", "subnet-bbbbbbb1"]);
        assert_eq!(warnings.len(), 2);
        assert!(
            warnings[0].contains("subnet-aaaaaaa2") && warnings[0].contains("one subnet per zone")
        );
        assert!(warnings[1].contains("subnet-ccccccc1") && warnings[1].contains("not offered"));
    }

    #[test]
    fn unknown_zones_keep_everything_and_one_zone_is_warned() {
        let (kept, warnings) =
            choose_subnets(vec![Subnet::in_zone("subnet-ccccccc1", "us-west-2c")], None);
        assert_eq!(kept.len(), 1);
        assert!(warnings[0].contains("one zone only"));
    }
}
