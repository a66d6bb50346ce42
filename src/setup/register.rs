//! `register_endpoint`: tells Zilliz to accept a VPC endpoint for a project and region.

use schemars::JsonSchema;
use serde::Serialize;

use super::change_summary;
use super::plan::{self, Change};
use crate::app::App;
use crate::aws::Identity;
use crate::aws::ec2::{self, EndpointQuery};
use crate::aws::tags::is_managed;
use crate::cluster;
use crate::consent::Consent;
use crate::error::Error;
use crate::region::RegionNames;
use crate::request::RegisterRequest;
use crate::summary::Summary;
use crate::validate::{self, AwsId};

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct RegisterOutput {
    /// True when this call made the changes in `preview`.
    pub(crate) applied: bool,
    /// The endpoint is registered with the project now (before the call, for a preview).
    pub(crate) registered: bool,
    pub(crate) project_id: String,
    pub(crate) region_id: String,
    pub(crate) aws_region: String,
    pub(crate) endpoint_id: String,
    /// The changes this call makes (or, without `confirm`, would make); empty when there is nothing to do.
    pub(crate) preview: Vec<String>,
    pub(crate) warnings: Vec<String>,
    pub(crate) message: String,
    /// Who acts: the account, the caller's ARN and the AWS profile.
    pub(crate) identity: Identity,
}

impl Summary for RegisterOutput {
    fn summary(&self) -> String {
        change_summary(&self.message, &self.preview, &self.warnings)
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
    let asked_region = request
        .region
        .as_deref()
        .map(RegionNames::parse)
        .transpose()?;

    let (project_id, region) = match (&request.cluster_id, asked_project, asked_region) {
        (Some(cluster_id), _, _) => {
            let t = cluster::read(app, cluster_id).await?;
            (t.project_id, t.region)
        }
        (None, Some(project), Some(region)) => (project, region),
        _ => {
            return Err(Error::missing(
                "cluster_id",
                "pass cluster_id, or both project_id and region, to say where to register the endpoint",
            ));
        }
    };

    let clients = app.aws.clients(Some(&region)).await?;
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
            format!("VPC endpoint `{endpoint_id}` in {}", region.aws_region),
            format!(
                "Zilliz serves project `{project_id}` from {}, so the endpoint must be there: \
                 create it with create_vpc_endpoint in that region",
                region.region_id
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

    let mut output = RegisterOutput {
        applied: false,
        registered: already,
        project_id: project_id.clone(),
        region_id: region.region_id.clone(),
        aws_region: region.aws_region.clone(),
        endpoint_id: endpoint_id.clone(),
        preview: Vec::new(),
        warnings: app
            .scope_warning(&identity.account_id, &region.aws_region)
            .into_iter()
            .collect(),
        message: String::new(),
        identity: identity.clone(),
    };
    if already {
        output.message = format!(
            "Nothing to do: {endpoint_id} is already registered with project {project_id} in {}. \
             Next: wait_for_endpoint, then setup_private_dns.",
            region.region_id
        );
        return Ok(output);
    }

    let plan = [Change::RegisterEndpoint {
        project_id: project_id.clone(),
        region_id: region.region_id.clone(),
        endpoint_id: endpoint_id.clone(),
        made_outside: !is_managed(&endpoint.tags),
    }];
    output.preview = plan::preview(&plan);
    if !request.confirm {
        output.message =
            "Preview only, nothing changed. Call again with confirm: true to apply.".into();
        return Ok(output);
    }
    let scope = plan::Scope {
        tool: "register_endpoint",
        identity: &identity,
        region: &region,
        vpc_id: Some(&endpoint.vpc_id),
        cluster_id: request.cluster_id.as_deref(),
        kept: &[],
    };
    if let plan::Outcome::Declined(why) =
        plan::carry_out(app, &clients, &scope, &plan, consent).await?
    {
        output.message = why;
        return Ok(output);
    }
    output.applied = true;
    output.registered = true;
    output.message = format!(
        "Registered {endpoint_id} with project {project_id} in {}. Zilliz now accepts the \
         endpoint and allocates the private link address. Next: wait_for_endpoint, then setup_private_dns.",
        region.region_id
    );
    Ok(output)
}
