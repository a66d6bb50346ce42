//! The cluster a private link serves, read once and shared by every tool.

use crate::address::PrivateLinkAddress;
use crate::app::App;
use crate::error::Error;
use crate::region::RegionNames;
use crate::validate;
use crate::zilliz::model::Cluster;

/// A Zilliz cluster that runs in an AWS region, as every tool needs it: its project, its AWS
/// region and, once Zilliz has allocated it, its private link address.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct AwsCluster {
    pub(crate) cluster: Cluster,
    pub(crate) project_id: String,
    pub(crate) region: RegionNames,
    pub(crate) address: Option<PrivateLinkAddress>,
}

impl AwsCluster {
    pub(crate) fn cluster_id(&self) -> &str {
        &self.cluster.cluster_id
    }

    /// The private link address, or an error that says why there is none yet and what to do.
    pub(crate) fn require_address(&self) -> Result<&PrivateLinkAddress, Error> {
        self.address.as_ref().ok_or_else(|| {
            Error::Conflict(format!(
                "cluster `{}` has no private link address yet: Zilliz allocates it once a VPC \
                 endpoint is registered with project `{}` in {} and accepted. Call \
                 register_endpoint (then wait_for_endpoint), and try again in a minute",
                self.cluster.cluster_id, self.project_id, self.region.region_id
            ))
        })
    }
}

/// Reads the cluster and checks that it can have an AWS private link.
pub(crate) async fn read(app: &App, cluster_id: &str) -> Result<AwsCluster, Error> {
    let cluster_id = validate::cluster_id(cluster_id)?;
    let cluster = app.zilliz.cluster(&cluster_id).await?;
    let region_id = cluster.region_id.clone().unwrap_or_default();
    let region = RegionNames::from_zilliz(&region_id).ok_or_else(|| {
        Error::Conflict(format!(
            "cluster `{cluster_id}` runs in `{region_id}`, which is not an AWS region: this tool \
             sets up AWS PrivateLink only"
        ))
    })?;
    let project_id = cluster.project_id.clone().ok_or_else(|| {
        Error::zilliz(
            format!("Zilliz GET /v2/clusters/{cluster_id}"),
            "the answer has no projectId",
            "Try again; if it persists, pass project_id and region instead",
        )
    })?;
    let address = match cluster.private_link() {
        Some(a) => Some(PrivateLinkAddress::parse(a)?),
        None => None,
    };
    Ok(AwsCluster {
        cluster,
        project_id,
        region,
        address,
    })
}

/// Where a tool that takes "cluster_id, or region" acts: the cluster named, in its own region,
/// or the region given (the server's default where neither is); and where its AWS resources
/// are, which for a cross-region endpoint is another region than the cluster's.
#[derive(Debug)]
pub(crate) struct Located {
    pub(crate) cluster: Option<AwsCluster>,
    /// The cluster's region: Zilliz's endpoint service, the registration, the host.
    pub(crate) region: RegionNames,
    /// Where the VPC, the endpoint and its groups are: `region` as given, else the cluster's.
    pub(crate) aws: RegionNames,
}

impl Located {
    pub(crate) fn cluster_id(&self) -> Option<&str> {
        self.cluster.as_ref().map(AwsCluster::cluster_id)
    }
}

/// Resolves "cluster_id, or region" once for every tool that takes it. With a cluster, its
/// region is the service's and `asked` (where given) the AWS side's: PrivateLink reaches a
/// service in another region through a cross-region endpoint.
pub(crate) async fn locate(
    app: &App,
    cluster_id: Option<&str>,
    asked: Option<RegionNames>,
) -> Result<Located, Error> {
    match (cluster_id, asked) {
        (Some(id), asked) => {
            let cluster = read(app, id).await?;
            Ok(Located {
                region: cluster.region.clone(),
                aws: asked.unwrap_or_else(|| cluster.region.clone()),
                cluster: Some(cluster),
            })
        }
        (None, Some(region)) => Ok(Located {
            cluster: None,
            aws: region.clone(),
            region,
        }),
        (None, None) => {
            let region = app.aws.clients(None).await?.region.clone();
            Ok(Located {
                cluster: None,
                aws: region.clone(),
                region,
            })
        }
    }
}

/// The VPC a tool names, by id (or `Name` tag), and its region: `asked` where given; else the
/// cluster's, where the VPC is there; else the server's own region (the profile's), where
/// that is another and the VPC is there. The last asks both regions at once, and only where
/// they differ and no region was given; a VPC in neither is left to the caller's read of it
/// in the cluster's region, which names it as not found.
pub(crate) async fn vpc_and_region(
    app: &App,
    vpc: &validate::NamedRef,
    asked: Option<&RegionNames>,
    cluster_region: &RegionNames,
) -> Result<(String, RegionNames), Error> {
    let in_region = |region: RegionNames| async move {
        let clients = app.aws.clients(Some(&region)).await?;
        crate::aws::ec2::vpc_id_of(&clients.ec2, "vpc_id", vpc, &region)
            .await
            .map(|id| (id, region))
    };
    if let Some(region) = asked {
        return in_region(region.clone()).await;
    }
    let home = app
        .aws
        .clients(None)
        .await
        .ok()
        .map(|c| c.region.clone())
        .filter(|home| home != cluster_region);
    let Some(home) = home else {
        return in_region(cluster_region.clone()).await;
    };
    if let validate::NamedRef::Id(id) = vpc {
        let (here, there) = tokio::join!(exists(app, id, cluster_region), exists(app, id, &home));
        return Ok(match (here, there) {
            (false, true) => (id.clone(), home),
            _ => (id.clone(), cluster_region.clone()),
        });
    }
    let (here, there) = tokio::join!(in_region(cluster_region.clone()), in_region(home));
    match (here, there) {
        (Err(Error::NotFound { .. }), Ok(found)) => Ok(found),
        (here, _) => here,
    }
}

/// Whether the VPC is in `region` (a failed read counts as no).
async fn exists(app: &App, vpc_id: &str, region: &RegionNames) -> bool {
    match app.aws.clients(Some(region)).await {
        Ok(clients) => crate::aws::ec2::vpc_exists(&clients.ec2, vpc_id).await,
        Err(_) => false,
    }
}

/// A link's two regions: the VPC's (the endpoint, its groups, the private zone's
/// association, the clients) and the cluster's (Zilliz's endpoint service, the registration,
/// the private link host). They differ for a cross-region endpoint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct LinkRegions {
    pub(crate) vpc: RegionNames,
    pub(crate) cluster: RegionNames,
}

impl LinkRegions {
    /// A link whose VPC is in the cluster's region.
    pub(crate) fn same(region: RegionNames) -> Self {
        Self {
            vpc: region.clone(),
            cluster: region,
        }
    }

    /// The `ServiceRegion` AWS is told of, where the service is in another region than the
    /// VPC: `None` for a same-region link, whose calls stay as they always were.
    pub(crate) fn service_region(&self) -> Option<&str> {
        (self.vpc != self.cluster).then_some(self.cluster.aws_region.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_names_the_service_region_only_where_it_crosses_regions() {
        let west = RegionNames::parse("us-west-2").unwrap();
        let east = RegionNames::parse("aws-us-east-1").unwrap();
        let same = LinkRegions::same(west.clone());
        assert_eq!(same.service_region(), None);
        let across = LinkRegions {
            vpc: east,
            cluster: west,
        };
        assert_eq!(across.service_region(), Some("us-west-2"));
    }
}
