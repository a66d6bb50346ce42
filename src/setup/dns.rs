//! `setup_private_dns`: a Route 53 private zone named for the private link host, tied to the
//! VPC, with an alias A record at its apex to the VPC endpoint.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_ec2::types::VpcAttributeName;
use schemars::JsonSchema;
use serde::Serialize;

use super::{change_summary, tags_for, target};
use crate::app::App;
use crate::aws::ec2::{self, EndpointQuery, VpcEndpoint};
use crate::aws::route53::{self, bare_name};
use crate::discovery;
use crate::endpoint_state;
use crate::error::Error;
use crate::summary::Summary;
use crate::validate::AwsId;

#[derive(Debug, Default)]
pub struct DnsRequest {
    pub cluster_id: String,
    pub vpc_id: String,
    pub endpoint_id: Option<String>,
    pub confirm: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq, Eq)]
pub struct AliasTargetInfo {
    pub dns_name: String,
    pub hosted_zone_id: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DnsOutput {
    /// True when this call made the changes in `preview`.
    pub applied: bool,
    /// The private zone (once it exists).
    pub hosted_zone_id: Option<String>,
    /// The private link host: the zone's name and the record's.
    pub record_name: String,
    /// Where the alias points: the endpoint's regional DNS name.
    pub alias_target: Option<AliasTargetInfo>,
    /// The changes this call makes (or, without `confirm`, would make); empty when there is nothing to do.
    pub preview: Vec<String>,
    pub warnings: Vec<String>,
    pub message: String,
    pub vpc_id: String,
    pub endpoint_id: String,
    pub region_id: String,
    pub aws_region: String,
    pub port: u16,
}

impl Summary for DnsOutput {
    fn summary(&self) -> String {
        change_summary(&self.message, &self.preview, &self.warnings)
    }
}

/// The endpoint the alias should point at: the one named, or the one live endpoint of the
/// VPC to the service.
pub fn pick_endpoint(
    candidates: Vec<VpcEndpoint>,
    asked: Option<&str>,
    vpc_id: &str,
) -> Result<VpcEndpoint, Error> {
    if let Some(id) = asked {
        let found = candidates.into_iter().find(|e| e.id == id).ok_or_else(|| {
            Error::not_found(
                format!("VPC endpoint `{id}`"),
                "Check the id and the cluster's region",
            )
        })?;
        if found.vpc_id != vpc_id {
            return Err(Error::invalid(
                "endpoint_id",
                id,
                format!("that endpoint is in {}, not in {vpc_id}", found.vpc_id),
            ));
        }
        return Ok(found);
    }
    let mut live: Vec<VpcEndpoint> = candidates
        .into_iter()
        .filter(|e| endpoint_state::is_live(&e.state))
        .collect();
    match live.len() {
        0 => Err(Error::Conflict(format!(
            "{vpc_id} has no VPC endpoint to Zilliz's endpoint service: create one with create_vpc_endpoint first"
        ))),
        1 => Ok(live.remove(0)),
        _ => Err(Error::Conflict(format!(
            "{vpc_id} has several endpoints to Zilliz's service ({}): pass endpoint_id to say which one the name should point at",
            live.iter()
                .map(|e| e.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

pub async fn setup_private_dns(app: &App, request: DnsRequest) -> Result<DnsOutput, Error> {
    crate::validate::cluster_id(&request.cluster_id)?;
    let vpc_id = AwsId::Vpc.check(&request.vpc_id)?;
    let asked_endpoint = request
        .endpoint_id
        .as_deref()
        .map(|e| AwsId::VpcEndpoint.check(e))
        .transpose()?;

    let target = target(app, &request.cluster_id).await?;
    let host = target.require_address()?.host.clone();
    let region = target.region.clone();
    let clients = app.aws.clients(Some(&region)).await?;

    // Without an endpoint id, the VPC's endpoint to the region's Zilliz service is meant.
    let service_name = match &asked_endpoint {
        Some(_) => None,
        None => Some(
            discovery::endpoint_service(app, &region)
                .await?
                .service_name,
        ),
    };
    let query = match &asked_endpoint {
        Some(id) => EndpointQuery {
            ids: std::slice::from_ref(id),
            ..Default::default()
        },
        None => EndpointQuery {
            vpc_id: Some(&vpc_id),
            service_name: service_name.as_deref(),
            ..Default::default()
        },
    };
    let (vpc, endpoints, zones) = tokio::join!(
        ec2::vpc(&clients.ec2, &vpc_id, &region),
        ec2::vpc_endpoints(&clients.ec2, query),
        route53::zones_of_vpc(&clients.route53, &vpc_id, &region.aws_region),
    );
    let endpoint = pick_endpoint(endpoints?, asked_endpoint.as_deref(), &vpc_id)?;
    plan_and_apply(app, request.confirm, &target, vpc?, endpoint, zones?, host).await
}

async fn plan_and_apply(
    app: &App,
    confirm: bool,
    target: &super::Target,
    vpc: ec2::Vpc,
    endpoint: VpcEndpoint,
    zones_of_vpc: Vec<route53::Zone>,
    host: String,
) -> Result<DnsOutput, Error> {
    let region = &target.region;
    let clients = app.aws.clients(Some(region)).await?;
    let r53 = &clients.route53;
    let (dns_name, dns_zone) = endpoint.dns_entries.first().cloned().ok_or_else(|| {
        Error::Conflict(format!(
            "VPC endpoint {} has no DNS names yet ({}); wait_for_endpoint, then try again",
            endpoint.id,
            endpoint_state::explain(&endpoint.state)
        ))
    })?;
    let dns_zone = dns_zone.ok_or_else(|| {
        Error::Conflict(format!(
            "the DNS name of {} has no hosted zone id; try again in a minute",
            endpoint.id
        ))
    })?;
    let alias = AliasTargetInfo {
        dns_name: bare_name(&dns_name),
        hosted_zone_id: dns_zone,
    };

    let mut output = DnsOutput {
        applied: false,
        hosted_zone_id: None,
        record_name: host.clone(),
        alias_target: Some(alias.clone()),
        preview: Vec::new(),
        warnings: Vec::new(),
        message: String::new(),
        vpc_id: vpc.id.clone(),
        endpoint_id: endpoint.id.clone(),
        region_id: region.region_id.clone(),
        aws_region: region.aws_region.clone(),
        port: target.require_address()?.port,
    };

    let mut enable = Vec::new();
    if vpc.dns_support != Some(true) {
        enable.push(VpcAttributeName::EnableDnsSupport);
        output.preview.push(format!(
            "turn on enableDnsSupport for {} (a private zone answers only with it)",
            vpc.id
        ));
    }
    if vpc.dns_hostnames != Some(true) {
        enable.push(VpcAttributeName::EnableDnsHostnames);
        output.preview.push(format!(
            "turn on enableDnsHostnames for {} (a private zone needs it)",
            vpc.id
        ));
    }

    // The zone: one of this name tied to the VPC, else one of this name elsewhere to tie to it,
    // else a new one.
    let tied = zones_of_vpc.iter().find(|z| z.name == host).cloned();
    let untied = match &tied {
        Some(_) => None,
        None => route53::private_zones_named(r53, &host)
            .await?
            .into_iter()
            .next(),
    };
    let existing_record = match &tied {
        Some(zone) => route53::a_record(r53, &zone.id, &host).await?,
        None => None,
    };
    match (&tied, &untied) {
        (Some(zone), _) => output.hosted_zone_id = Some(zone.id.clone()),
        (None, Some(zone)) => {
            output.hosted_zone_id = Some(zone.id.clone());
            output.preview.push(format!(
                "tie the existing private zone {} ({host}) to {}",
                zone.id, vpc.id
            ));
        }
        (None, None) => output.preview.push(format!(
            "create a Route 53 private hosted zone `{host}` tied to {} ({})",
            vpc.id, region.aws_region
        )),
    }
    let record_is_right = existing_record
        .as_ref()
        .and_then(|r| r.alias_target.as_ref())
        .is_some_and(|(name, zone)| *name == alias.dns_name && *zone == alias.hosted_zone_id);
    if !record_is_right {
        let verb = if existing_record.is_some() {
            "replace the A record"
        } else {
            "create an A record"
        };
        output.preview.push(format!(
            "{verb} at {host} with an alias to {} (zone {}), EvaluateTargetHealth false",
            alias.dns_name, alias.hosted_zone_id
        ));
    }

    if output.preview.is_empty() {
        output.message = format!(
            "Nothing to do: {host} already resolves in {} to VPC endpoint {} through private zone {}. \
             Next: allow_client_access on port {}.",
            vpc.id,
            endpoint.id,
            output.hosted_zone_id.as_deref().unwrap_or("?"),
            output.port
        );
        return Ok(output);
    }
    if !confirm {
        output.message =
            "Preview only, nothing changed. Call again with confirm: true to apply.".into();
        return Ok(output);
    }

    let _permit = app.ensure_write_allowed("setup_private_dns")?;
    for attribute in enable {
        ec2::enable_vpc_dns_attribute(&clients.ec2, &vpc.id, attribute).await?;
    }
    let zone_id = match (tied, untied) {
        (Some(zone), _) => zone.id,
        (None, Some(zone)) => {
            route53::associate_vpc(r53, &zone.id, &vpc.id, &region.aws_region).await?;
            zone.id
        }
        (None, None) => {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            let name = format!("zilliz-privatelink-{}", target.cluster_id());
            route53::create_private_zone(
                r53,
                &host,
                &vpc.id,
                &region.aws_region,
                &format!("zpl-{}-{}-{nanos}", target.cluster_id(), vpc.id),
                &format!(
                    "Zilliz Cloud private link for {}, made by zilliz-privatelink-mcp",
                    target.cluster_id()
                ),
                &tags_for(&name, Some(target.cluster_id()), region),
            )
            .await?
        }
    };
    if !record_is_right {
        route53::upsert_alias(
            r53,
            &zone_id,
            &host,
            (&alias.dns_name, &alias.hosted_zone_id),
        )
        .await?;
    }
    output.applied = true;
    output.hosted_zone_id = Some(zone_id.clone());
    output.message = format!(
        "{host} now resolves in {} to VPC endpoint {} (private zone {zone_id}). Next: \
         allow_client_access on port {}.",
        vpc.id, endpoint.id, output.port
    );
    Ok(output)
}
