//! The cluster a private link serves, read once and shared by every tool.

use crate::address::PrivateLinkAddress;
use crate::app::App;
use crate::error::Error;
use crate::region::RegionNames;
use crate::validate;
use crate::zilliz::model::Cluster;

/// A Zilliz cluster that runs in an AWS region, as every tool needs it: its project, its AWS
/// region and, once Zilliz has allocated it, its private link address.
#[derive(Debug, Clone)]
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
/// or the region given (the server's default where neither is).
#[derive(Debug)]
pub(crate) struct Located {
    pub(crate) cluster: Option<AwsCluster>,
    pub(crate) region: RegionNames,
}

impl Located {
    pub(crate) fn cluster_id(&self) -> Option<&str> {
        self.cluster.as_ref().map(AwsCluster::cluster_id)
    }
}

/// Resolves "cluster_id, or region" once for every tool that takes it: the cluster's region
/// wins, and a `region` that is not the cluster's is refused by name (the endpoint service,
/// the registration and the groups all live in the cluster's region).
pub(crate) async fn locate(
    app: &App,
    cluster_id: Option<&str>,
    asked: Option<RegionNames>,
) -> Result<Located, Error> {
    match (cluster_id, asked) {
        (Some(id), asked) => {
            let cluster = read(app, id).await?;
            if let Some(asked) = asked
                && asked != cluster.region
            {
                return Err(Error::invalid(
                    "region",
                    &asked.aws_region,
                    format!(
                        "cluster `{}` is in {}; omit `region` or pass that one",
                        cluster.cluster_id(),
                        cluster.region
                    ),
                ));
            }
            Ok(Located {
                region: cluster.region.clone(),
                cluster: Some(cluster),
            })
        }
        (None, Some(region)) => Ok(Located {
            cluster: None,
            region,
        }),
        (None, None) => Ok(Located {
            cluster: None,
            region: app.aws.clients(None).await?.region.clone(),
        }),
    }
}
