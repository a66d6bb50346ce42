//! `register_endpoint`: tells Zilliz to accept a VPC endpoint for a project and region.

use schemars::JsonSchema;
use serde::Serialize;

use crate::app::App;
use crate::aws::ec2::{self, EndpointQuery};
use crate::aws::tags::is_managed;
use crate::change::consent::Consent;
use crate::change::plan::Change;
use crate::change::{self, Proposal, Report};
use crate::cluster;
use crate::error::Error;
use crate::region::RegionNames;
use crate::request::RegisterRequest;
use crate::summary::Summary;
use crate::validate::{self, AwsId};

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct RegisterOutput {
    #[serde(flatten)]
    report: Report,
    /// The endpoint is registered with the project now (before the call, for a preview).
    registered: bool,
    project_id: String,
    endpoint_id: String,
}

impl Summary for RegisterOutput {
    fn summary(&self) -> String {
        self.report.summary()
    }
}

pub(crate) async fn register_endpoint(
    app: &App,
    request: RegisterRequest,
    consent: &Consent,
) -> Result<RegisterOutput, Error> {
    let endpoint_id = AwsId::VpcEndpoint.check(&request.endpoint_id)?;
    if let Some(c) = &request.cluster_id {
        validate::cluster_id(c)?;
    }
    let asked_project = request
        .project_id
        .as_deref()
        .map(validate::project_id)
        .transpose()?;
    let asked_region = RegionNames::parse_optional(request.region.as_deref())?;
    if request.cluster_id.is_none() && (asked_project.is_none() || asked_region.is_none()) {
        return Err(Error::missing(
            "cluster_id",
            "pass cluster_id, or both project_id and region, to say where to register the endpoint",
        ));
    }
    let located = cluster::locate(app, request.cluster_id.as_deref(), asked_region).await?;
    // The registration goes to the cluster's region; the endpoint is read where it is.
    let (region, endpoint_region) = (located.region, located.aws);
    let project_id = match located.cluster {
        Some(t) => t.project_id,
        None => asked_project.unwrap_or_default(),
    };

    let clients = app.aws.clients(Some(&endpoint_region)).await?;
    // One round: Zilliz's service name, the endpoint and the registrations.
    let (service, endpoints, registrations, identity) = tokio::join!(
        crate::service::zilliz_endpoint_service(app, &region),
        ec2::vpc_endpoints(
            &clients.ec2,
            EndpointQuery {
                ids: std::slice::from_ref(&endpoint_id),
                ..Default::default()
            },
        ),
        app.zilliz.private_endpoints(&project_id),
        app.aws.identity(&region),
    );
    let identity = identity?;
    let endpoint = match endpoints {
        Ok(found) => found.into_iter().next(),
        Err(Error::NotFound { .. }) => None,
        Err(e) => return Err(e),
    }
    .ok_or_else(|| {
        Error::not_found(
            format!(
                "VPC endpoint `{endpoint_id}` in {}",
                endpoint_region.aws_region
            ),
            format!(
                "pass `region`, the endpoint's region, where it is not {} (a cross-region \
                 endpoint to project `{project_id}` in {})",
                endpoint_region.aws_region, region.region_id
            ),
        )
    })?;
    let service = service?;
    if endpoint.service_name != service.endpoint_service {
        return Err(Error::Conflict(format!(
            "VPC endpoint `{endpoint_id}` connects to {}, not to Zilliz's service for {} ({}): \
             create an endpoint to the right service with create_vpc_endpoint",
            endpoint.service_name, region.region_id, service.endpoint_service
        )));
    }
    let registrations = registrations?;
    let already = registrations
        .iter()
        .any(|r| r.registers(&endpoint_id, &region.region_id));

    let mut proposal = Proposal::new("register_endpoint", &identity, &region);
    proposal.vpc_id = Some(endpoint.vpc_id.clone());
    proposal.cluster_id = request.cluster_id.clone();
    proposal.nothing_to_do = format!(
        "Nothing to do: {endpoint_id} is already registered with project {project_id} in {}. \
         Next: wait_for_endpoint, then setup_private_dns.",
        region.region_id
    );
    if !already {
        proposal.changes.push(Change::RegisterEndpoint {
            project_id: project_id.clone(),
            region_id: region.region_id.clone(),
            endpoint_id: endpoint_id.clone(),
            made_outside: !is_managed(&endpoint.tags),
        });
    }
    let (mut report, applied) =
        change::settle(app, &clients, proposal, request.confirm, consent).await?;
    if applied.is_some() {
        report.message = format!(
            "Registered {endpoint_id} with project {project_id} in {}. Zilliz now accepts the \
             endpoint and allocates the private link address. Next: wait_for_endpoint, then \
             setup_private_dns.",
            region.region_id
        );
    }
    Ok(RegisterOutput {
        registered: already || report.applied,
        report,
        project_id,
        endpoint_id,
    })
}
