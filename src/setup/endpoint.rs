//! `create_vpc_endpoint`: an Interface endpoint to the region's Zilliz endpoint service.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::Serialize;

use crate::app::App;
use crate::aws::RegionClients;
use crate::aws::ec2::{self, EndpointQuery, SecurityGroup, Subnet, VpcEndpoint};
use crate::aws::tags::tags_for;
use crate::change::consent::Consent;
use crate::change::plan::{Applied, Change, Ref};
use crate::change::{self, Proposal, Report};
use crate::cluster::{self, AwsCluster, LinkRegions};
use crate::endpoint_state;
use crate::error::Error;
use crate::region::RegionNames;
use crate::request::CreateEndpointRequest;
use crate::summary::Summary;
use crate::validate::AwsId;

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = applied_means)]
pub(crate) struct CreateEndpointOutput {
    #[serde(flatten)]
    report: Report,
    endpoint_id: Option<String>,
    state: Option<String>,
    /// The endpoint's regional DNS name, which the private zone's alias points at.
    dns_name: Option<String>,
    account_id: String,
    vpc_id: String,
    service_name: String,
    /// The subnets the endpoint uses (at most one per zone, only zones the service offers).
    subnet_ids: Vec<String>,
    /// The endpoint's security groups; a dedicated group to be made shows once it exists.
    security_group_ids: Vec<String>,
}

fn applied_means(schema: &mut schemars::Schema) {
    change::describe_field(
        schema,
        "applied",
        "True when this call made the changes in `preview`; false for a preview or a no-op.",
    );
}

impl Summary for CreateEndpointOutput {
    fn summary(&self) -> String {
        self.report.summary()
    }
}

fn check_ids(kind: AwsId, field: &'static str, ids: &[String]) -> Result<Vec<String>, Error> {
    let mut seen = BTreeSet::new();
    let mut checked = Vec::new();
    for id in ids {
        let id = kind.check_field(field, id)?;
        if seen.insert(id.clone()) {
            checked.push(id);
        }
    }
    Ok(checked)
}

pub(crate) async fn create_vpc_endpoint(
    app: &App,
    request: CreateEndpointRequest,
    consent: &Consent,
) -> Result<CreateEndpointOutput, Error> {
    // Every argument is checked before the first call.
    let checked = check(&request)?;
    if request.cluster_id.is_none() && checked.asked_region.is_none() {
        return Err(Error::missing(
            "cluster_id",
            "pass cluster_id (or region) so that the endpoint connects to the right Zilliz \
             endpoint service",
        ));
    }
    let located = cluster::locate(
        app,
        request.cluster_id.as_deref(),
        checked.asked_region.clone(),
    )
    .await?;
    // The service is the cluster's region's; the endpoint goes where the VPC is.
    let region = located.region.clone();
    let cluster_id = located.cluster_id().map(str::to_string);
    let (vpc_id, vpc_region) =
        cluster::vpc_and_region(app, &checked.vpc, checked.asked_region.as_ref(), &region).await?;
    let regions = LinkRegions {
        vpc: vpc_region,
        cluster: region.clone(),
    };
    let clients = app.aws.clients(Some(&regions.vpc)).await?;
    let group_name = format!(
        "zilliz-privatelink-{}",
        cluster_id.as_deref().unwrap_or(&region.region_id)
    );
    let Reads {
        service,
        subnets,
        dedicated,
        identity,
        existing,
    } = read(app, (&clients, &regions), &checked, &vpc_id, &group_name).await?;
    let Checked {
        subnet_ids,
        group_ids,
        ..
    } = checked;
    let target = located.cluster;
    let (chosen, warnings) = offered_subnets(&service, &subnet_ids, &subnets);
    let account_id = identity.account_id.clone();
    let mut proposal = Proposal::new("create_vpc_endpoint", &identity, &regions.vpc);
    proposal.vpc_id = Some(vpc_id.clone());
    proposal.cluster_id = cluster_id.clone();
    proposal.warnings = warnings;
    let mut shown = Shown {
        endpoint_id: None,
        state: None,
        dns_name: None,
        subnet_ids: chosen.iter().map(|s| s.id.clone()).collect(),
        security_group_ids: group_ids.clone(),
    };
    if let Some(found) = existing.iter().find(|e| endpoint_state::is_live(&e.state)) {
        proposal.nothing_to_do = shown.existing(found, &mut proposal.warnings);
    } else {
        if let Some(refused) = not_offered_across(&regions, &service, target.as_ref()) {
            return Err(refused);
        }
        if chosen.is_empty() {
            return Err(Error::Conflict(format!(
                "none of the subnets {} is in a zone where Zilliz's endpoint service is offered \
                 ({}): pick subnets with service_supported true from list_subnets",
                subnet_ids.join(", "),
                service.availability_zones.join(", ")
            )));
        }
        let whitelist = whitelist_for(
            service.whitelist_required,
            target.as_ref(),
            &account_id,
            &region,
        )?;
        if let Some(group) = &dedicated {
            shown.security_group_ids = vec![group.id.clone()];
            proposal.warnings.push(format!(
                "reusing security group {} ({group_name}) made by an earlier call",
                group.id
            ));
        }
        proposal.changes = plan_endpoint(&EndpointPlanInput {
            vpc_id: &vpc_id,
            regions: &regions,
            service_name: &service.service_name,
            whitelist,
            chosen: &chosen,
            given_groups: &group_ids,
            dedicated: dedicated.as_ref().map(|g| g.id.as_str()),
            group_name: &group_name,
            cluster_id: cluster_id.as_deref(),
        });
    }
    let (mut report, applied) =
        change::settle(app, &clients, proposal, request.confirm, consent).await?;
    if let Some(applied) = applied {
        shown.read_back(&clients, applied).await?;
        report.message = format!(
            "Created VPC endpoint {} in {vpc_id} ({}{}); {}. Next: register_endpoint.",
            shown.endpoint_id.as_deref().unwrap_or_default(),
            regions.vpc.aws_region,
            regions
                .service_region()
                .map(|r| format!(", to the service in {r}"))
                .unwrap_or_default(),
            endpoint_state::explain(shown.state.as_deref().unwrap_or("pending"))
        );
    }
    Ok(CreateEndpointOutput {
        report,
        endpoint_id: shown.endpoint_id,
        state: shown.state,
        dns_name: shown.dns_name,
        account_id,
        vpc_id,
        service_name: service.service_name,
        subnet_ids: shown.subnet_ids,
        security_group_ids: shown.security_group_ids,
    })
}

/// Across regions, an endpoint reaches the service only where its provider offers it to the
/// VPC's region, which AWS shows by describing it there. Where it does not, and no whitelist
/// could make it visible, nothing is made and the error says what the person does.
fn not_offered_across(
    regions: &LinkRegions,
    service: &crate::service::EndpointServiceInfo,
    target: Option<&cluster::AwsCluster>,
) -> Option<Error> {
    let service_region = regions.service_region()?;
    if service.availability_zones_known || service.whitelist_required {
        return None;
    }
    let project = target
        .map(|t| format!("project {} in ", t.project_id))
        .unwrap_or_default();
    Some(Error::Conflict(format!(
        "AWS does not offer Zilliz's service {} (in {service_region}) to {}: nothing was made. \
         Ask the person to open a ticket with Zilliz support asking to enable cross-region \
         PrivateLink to {project}{} from {}; or use a VPC in {service_region} reached over \
         peering or a transit gateway",
        service.service_name,
        regions.vpc.aws_region,
        regions.cluster.region_id,
        regions.vpc.aws_region,
    )))
}

/// The subnets to use, at most one per zone where the service is offered, in the caller's
/// order (which says which subnet to prefer in a zone), with what was left out and why.
fn offered_subnets(
    service: &crate::service::EndpointServiceInfo,
    subnet_ids: &[String],
    subnets: &[Subnet],
) -> (Vec<Subnet>, Vec<String>) {
    let ordered: Vec<Subnet> = subnet_ids
        .iter()
        .filter_map(|id| subnets.iter().find(|s| &s.id == id).cloned())
        .collect();
    let offered = service
        .availability_zones_known
        .then_some(service.availability_zones.as_slice());
    let (chosen, mut warnings) = crate::service::choose_subnets(ordered, offered);
    if !service.availability_zones_known {
        warnings.push(format!(
            "the service's zones are unknown ({}); the subnets were not checked against them",
            service.note.as_deref().unwrap_or("AWS did not describe it")
        ));
    }
    (chosen, warnings)
}

/// What the endpoint's plan is decided from, in two rounds: everything that needs only the
/// region and the VPC; then the service's zones and an endpoint an earlier call made.
struct Reads {
    service: crate::service::EndpointServiceInfo,
    subnets: Vec<Subnet>,
    /// The dedicated group an earlier call made, where no group was given.
    dedicated: Option<SecurityGroup>,
    identity: crate::aws::Identity,
    existing: Vec<VpcEndpoint>,
}

async fn read(
    app: &App,
    (clients, regions): (&RegionClients, &LinkRegions),
    checked: &Checked,
    vpc_id: &str,
    group_name: &str,
) -> Result<Reads, Error> {
    let (ec2c, region) = (&clients.ec2, &clients.region);
    let (zilliz_service, vpc, subnets, groups, dedicated, identity) = tokio::join!(
        crate::service::zilliz_endpoint_service(app, &regions.cluster),
        ec2::vpc(ec2c, vpc_id, region),
        ec2::subnets_by_id(ec2c, &checked.subnet_ids),
        ec2::security_groups_by_id(ec2c, &checked.group_ids),
        async {
            if checked.group_ids.is_empty() {
                ec2::security_group_named(ec2c, vpc_id, group_name).await
            } else {
                Ok(None)
            }
        },
        app.aws.identity(region),
    );
    let (zilliz_service, _vpc, subnets, groups, dedicated, identity) = (
        zilliz_service?,
        vpc?,
        subnets?,
        groups?,
        dedicated?,
        identity?,
    );
    let service_name = zilliz_service.endpoint_service.clone();
    let (service, existing) = tokio::join!(
        crate::service::with_zones(app, regions, zilliz_service),
        ec2::vpc_endpoints(
            ec2c,
            EndpointQuery {
                vpc_id: Some(vpc_id),
                service_name: Some(&service_name),
                ..Default::default()
            },
        ),
    );
    in_vpc(vpc_id, &subnets, &groups)?;
    Ok(Reads {
        service: service?,
        subnets,
        dedicated,
        identity,
        existing: existing?,
    })
}

/// The endpoint as the answer shows it: the one found or made, or the one planned.
struct Shown {
    endpoint_id: Option<String>,
    state: Option<String>,
    dns_name: Option<String>,
    subnet_ids: Vec<String>,
    security_group_ids: Vec<String>,
}

impl Shown {
    /// Shows the live endpoint an earlier call made, warning where its subnets differ from
    /// those asked for now; answers the "nothing to do" message.
    fn existing(&mut self, found: &VpcEndpoint, warnings: &mut Vec<String>) -> String {
        self.endpoint_id = Some(found.id.clone());
        self.state = Some(found.state.clone());
        self.dns_name = found.regional_dns_entry().map(|(n, _)| n.to_string());
        let mut wanted = self.subnet_ids.clone();
        let mut has = found.subnet_ids.clone();
        wanted.sort();
        has.sort();
        if wanted != has {
            warnings.push(format!(
                "the existing endpoint uses subnets {}, not {}; it was left as it is",
                has.join(", "),
                wanted.join(", ")
            ));
        }
        self.subnet_ids = found.subnet_ids.clone();
        self.security_group_ids = found.security_group_ids.clone();
        format!(
            "Nothing to do: VPC endpoint {} to {} already exists in {} ({}); {}.",
            found.id,
            found.service_name,
            found.vpc_id,
            found.state,
            endpoint_state::explain(&found.state)
        )
    }

    /// Reads back the endpoint the applied plan made.
    async fn read_back(&mut self, clients: &RegionClients, applied: Applied) -> Result<(), Error> {
        if let Some(group) = applied.made.security_group_id {
            self.security_group_ids = vec![group];
        }
        let endpoint_id = applied.made.endpoint_id.ok_or_else(|| {
            Error::Bug("the endpoint plan finished without an endpoint id".into())
        })?;
        let made = ec2::vpc_endpoints(
            &clients.ec2,
            EndpointQuery {
                ids: std::slice::from_ref(&endpoint_id),
                ..Default::default()
            },
        )
        .await?;
        if let Some(endpoint) = made.first() {
            self.state = Some(endpoint.state.clone());
            self.dns_name = endpoint.regional_dns_entry().map(|(n, _)| n.to_string());
        }
        self.endpoint_id = Some(endpoint_id);
        Ok(())
    }
}

/// The arguments of `create_vpc_endpoint`, checked.
#[derive(Debug)]
struct Checked {
    /// Its id, or its `Name` tag (looked up once the region's clients exist).
    vpc: crate::validate::NamedRef,
    subnet_ids: Vec<String>,
    group_ids: Vec<String>,
    asked_region: Option<RegionNames>,
}

/// Every argument checked before the first call: ids by their form, duplicates dropped.
fn check(request: &CreateEndpointRequest) -> Result<Checked, Error> {
    let vpc = crate::validate::vpc_ref("vpc_id", &request.vpc_id)?;
    if request.subnet_ids.is_empty() {
        return Err(Error::invalid(
            "subnet_ids",
            "[]",
            "give at least one subnet of the VPC, one per availability zone (list_subnets shows which zones are supported)",
        ));
    }
    let subnet_ids = check_ids(AwsId::Subnet, "subnet_ids", &request.subnet_ids)?;
    let group_ids = check_ids(
        AwsId::SecurityGroup,
        "security_group_ids",
        request.security_group_ids.as_deref().unwrap_or_default(),
    )?;
    let asked_region = RegionNames::parse_optional(request.region.as_deref())?;
    if let Some(cluster_id) = &request.cluster_id {
        crate::validate::cluster_id(cluster_id)?;
    }
    Ok(Checked {
        vpc,
        subnet_ids,
        group_ids,
        asked_region,
    })
}

/// The subnets and groups the call names belong to its VPC.
fn in_vpc(vpc_id: &str, subnets: &[Subnet], groups: &[SecurityGroup]) -> Result<(), Error> {
    for subnet in subnets {
        if subnet.vpc_id != vpc_id {
            return Err(Error::invalid(
                "subnet_ids",
                &subnet.id,
                format!("that subnet belongs to {}, not to {vpc_id}", subnet.vpc_id),
            ));
        }
    }
    for group in groups {
        if group.vpc_id.as_deref() != Some(vpc_id) {
            return Err(Error::invalid(
                "security_group_ids",
                &group.id,
                format!(
                    "that security group belongs to {}, not to {vpc_id}",
                    group.vpc_id.as_deref().unwrap_or("no VPC")
                ),
            ));
        }
    }
    Ok(())
}

/// The account to whitelist first, where the region's service requires it; the whitelist
/// belongs to a project, so it needs the cluster.
fn whitelist_for(
    required: bool,
    target: Option<&AwsCluster>,
    account_id: &str,
    region: &RegionNames,
) -> Result<Option<Whitelist>, Error> {
    match (required, target) {
        (false, _) => Ok(None),
        (true, Some(t)) => Ok(Some(Whitelist {
            project_id: t.project_id.clone(),
            account_id: account_id.to_string(),
        })),
        (true, None) => Err(Error::missing(
            "cluster_id",
            format!(
                "Zilliz's endpoint service in {} is visible only to whitelisted AWS accounts, \
                     and the whitelist belongs to a project: pass cluster_id so that the account \
                     is whitelisted for the cluster's project first",
                region.region_id
            ),
        )),
    }
}

/// The account to whitelist before the endpoint can be made, where the region requires it.
#[derive(Debug, Clone)]
struct Whitelist {
    project_id: String,
    account_id: String,
}

/// Everything the endpoint's plan is decided from, read beforehand.
#[derive(Debug)]
struct EndpointPlanInput<'a> {
    vpc_id: &'a str,
    regions: &'a LinkRegions,
    service_name: &'a str,
    whitelist: Option<Whitelist>,
    /// The subnets to use, at most one per zone.
    chosen: &'a [Subnet],
    /// The caller's security groups; empty for a dedicated one.
    given_groups: &'a [String],
    /// The dedicated group an earlier call made.
    dedicated: Option<&'a str>,
    group_name: &'a str,
    cluster_id: Option<&'a str>,
}

/// The changes that make the endpoint: the whitelist first (the service is invisible to the
/// account until then), a dedicated group where none was given (with no inbound rule: the
/// private link's port is unknown until Zilliz allocates the address), then the endpoint.
fn plan_endpoint(input: &EndpointPlanInput<'_>) -> Vec<Change> {
    let region = &input.regions.cluster;
    let name = format!(
        "zilliz-privatelink-{}",
        input.cluster_id.unwrap_or(&region.region_id)
    );
    let tags = tags_for(&name, input.cluster_id, region);
    let service_region = input.regions.service_region().map(str::to_string);
    let mut plan = Vec::new();
    if let Some(w) = &input.whitelist {
        plan.push(Change::WhitelistAccount {
            project_id: w.project_id.clone(),
            region_id: region.region_id.clone(),
            account_id: w.account_id.clone(),
            service_name: input.service_name.to_string(),
            service_region: service_region.clone(),
        });
    }
    let security_groups = match (input.given_groups, input.dedicated) {
        ([], Some(dedicated)) => vec![Ref::Existing(dedicated.to_string())],
        ([], None) => {
            plan.push(Change::CreateSecurityGroup {
                vpc_id: input.vpc_id.to_string(),
                name: input.group_name.to_string(),
                description: format!(
                    "Zilliz Cloud private link endpoint{}, made by zilliz-privatelink-mcp",
                    input
                        .cluster_id
                        .map(|c| format!(" for {c}"))
                        .unwrap_or_default()
                ),
                tags: tags.clone(),
            });
            vec![Ref::Made]
        }
        (given, _) => given.iter().cloned().map(Ref::Existing).collect(),
    };
    plan.push(Change::CreateEndpoint {
        vpc_id: input.vpc_id.to_string(),
        aws_region: input.regions.vpc.aws_region.clone(),
        service_name: input.service_name.to_string(),
        service_region,
        subnets: input
            .chosen
            .iter()
            .map(|s| (s.id.clone(), s.availability_zone.clone()))
            .collect(),
        security_groups,
        tags,
    });
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_checked_before_any_call() {
        let mut r = CreateEndpointRequest {
            vpc_id: "vpc-0123456789abcdef0".into(),
            subnet_ids: vec![],
            ..Default::default()
        };
        assert!(check(&r).unwrap_err().to_string().contains("subnet_ids"));
        r.subnet_ids = vec!["subnet-aaaaaaa1".into(), "subnet-aaaaaaa1".into()];
        assert_eq!(
            check(&r).unwrap().subnet_ids,
            ["subnet-aaaaaaa1"],
            "duplicates dropped"
        );
        r.security_group_ids = Some(vec!["sg-nope!".into()]);
        assert!(check(&r).unwrap_err().to_string().contains("sg-nope!"));
        r.security_group_ids = None;
        r.region = Some("mars-1".into());
        assert!(check(&r).unwrap_err().to_string().contains("mars-1"));
    }

    #[test]
    fn a_subnet_or_group_of_another_vpc_is_named() {
        let mut subnet = Subnet::in_zone("subnet-aaaaaaa1", "us-west-2a");
        subnet.vpc_id = "vpc-other".into();
        let err = in_vpc("vpc-mine", &[subnet], &[]).unwrap_err().to_string();
        assert!(
            err.contains("subnet-aaaaaaa1") && err.contains("vpc-other"),
            "{err}"
        );
        assert!(in_vpc("vpc-mine", &[], &[]).is_ok());
    }

    #[test]
    fn a_whitelist_needs_the_clusters_project() {
        let region = RegionNames::from_aws("us-west-2");
        assert!(
            whitelist_for(false, None, "123456789012", &region)
                .unwrap()
                .is_none()
        );
        let err = whitelist_for(true, None, "123456789012", &region).unwrap_err();
        assert!(err.to_string().contains("cluster_id"), "{err}");
    }

    fn input<'a>(
        regions: &'a LinkRegions,
        chosen: &'a [Subnet],
        given: &'a [String],
        dedicated: Option<&'a str>,
        whitelist: Option<Whitelist>,
    ) -> EndpointPlanInput<'a> {
        EndpointPlanInput {
            vpc_id: "vpc-11111111",
            regions,
            service_name: "com.amazonaws.vpce.us-west-2.vpce-svc-0aaa",
            whitelist,
            chosen,
            given_groups: given,
            dedicated,
            group_name: "zilliz-privatelink-in01-abc",
            cluster_id: Some("in01-abc"),
        }
    }

    #[test]
    fn a_dedicated_group_opens_no_port_and_the_endpoint_uses_it() {
        let region = RegionNames::parse("us-west-2").unwrap();
        let chosen = [Subnet::in_zone("subnet-aaaaaaa1", "us-west-2a")];
        let plan = plan_endpoint(&input(
            &LinkRegions::same(region.clone()),
            &chosen,
            &[],
            None,
            None,
        ));
        assert!(matches!(plan[0], Change::CreateSecurityGroup { .. }));
        assert!(plan.iter().all(|c| !matches!(c, Change::AllowTcp { .. })));
        let Change::CreateEndpoint {
            security_groups, ..
        } = &plan[1]
        else {
            panic!("{plan:?}")
        };
        assert_eq!(security_groups, &[Ref::Made]);
        // No port, guessed or otherwise, appears in what the person is asked to agree to.
        let text = crate::change::plan::preview(&plan).join("\n");
        assert!(!text.contains("1953") && !text.contains("443"), "{text}");
        assert!(text.contains("no inbound rule"));
    }

    #[test]
    fn given_or_earlier_groups_are_used_as_they_are() {
        let region = RegionNames::parse("us-west-2").unwrap();
        let chosen = [Subnet::in_zone("subnet-aaaaaaa1", "us-west-2a")];
        let given = ["sg-0123456789abcdef0".to_string()];
        let plan = plan_endpoint(&input(
            &LinkRegions::same(region.clone()),
            &chosen,
            &given,
            None,
            None,
        ));
        assert_eq!(plan.len(), 1);
        let plan = plan_endpoint(&input(
            &LinkRegions::same(region.clone()),
            &chosen,
            &[],
            Some("sg-0aaa"),
            None,
        ));
        let [
            Change::CreateEndpoint {
                security_groups, ..
            },
        ] = plan.as_slice()
        else {
            panic!("{plan:?}")
        };
        assert_eq!(security_groups, &[Ref::Existing("sg-0aaa".into())]);
    }

    #[test]
    fn the_whitelist_comes_before_anything_is_made() {
        let region = RegionNames::parse("us-west-2").unwrap();
        let chosen = [Subnet::in_zone("subnet-aaaaaaa1", "us-west-2a")];
        let whitelist = Whitelist {
            project_id: "proj-1".into(),
            account_id: "123456789012".into(),
        };
        let plan = plan_endpoint(&input(
            &LinkRegions::same(region.clone()),
            &chosen,
            &[],
            None,
            Some(whitelist),
        ));
        assert!(matches!(
            &plan[0],
            Change::WhitelistAccount { account_id, project_id, .. }
                if account_id == "123456789012" && project_id == "proj-1"
        ));
        assert!(matches!(plan.last(), Some(Change::CreateEndpoint { .. })));
    }
}
