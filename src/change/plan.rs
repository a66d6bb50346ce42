//! A change is a value. Each changing tool works out, with read calls only, a plan: a list
//! of [`Change`]s in the order they must happen. The same values render the preview the
//! person agrees to and, once confirmed, apply themselves one after the other with the
//! permit granted for them ([`super::settle`]). So "confirm makes exactly what was previewed"
//! holds by construction: there is no second decision at apply time to drift from the first.

use aws_sdk_ec2::types::VpcAttributeName;

use super::WritePermit;
use crate::app::App;
use crate::aws::RegionClients;
use crate::aws::ec2::{self, EndpointQuery};
use crate::aws::route53::{self, ARecord};
use crate::aws::rules::Peer;
use crate::aws::ssm;
use crate::endpoint_state;
use crate::error::Error;

/// A resource a change works on: one that exists, or the one an earlier change of the same
/// plan makes (a new group for a new endpoint, a new zone for its record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ref {
    Existing(String),
    Made,
}

/// What the changes applied so far made, for the changes after them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Made {
    pub(crate) security_group_id: Option<String>,
    pub(crate) endpoint_id: Option<String>,
    pub(crate) zone_id: Option<String>,
    /// SSM's id of the command a probe sent.
    pub(crate) command_id: Option<String>,
}

/// One change to an AWS account or a Zilliz project.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    /// Lets the AWS account see Zilliz's endpoint service (regions with `whitelistRequired`).
    WhitelistAccount {
        project_id: String,
        region_id: String,
        account_id: String,
        /// The AWS service the whitelist makes visible: seeing it is how a repeat is known.
        service_name: String,
        /// The service's region, where it is not the endpoint's (a cross-region endpoint).
        service_region: Option<String>,
    },
    /// A dedicated security group for the endpoint, with no inbound rule: the rule comes
    /// with `allow_client_access`, once the private link's port is known.
    CreateSecurityGroup {
        vpc_id: String,
        name: String,
        description: String,
        tags: Vec<(String, String)>,
    },
    CreateEndpoint {
        vpc_id: String,
        aws_region: String,
        service_name: String,
        /// The service's region, where it is not the endpoint's: a cross-region endpoint.
        service_region: Option<String>,
        /// `(subnet id, availability zone)`
        subnets: Vec<(String, String)>,
        security_groups: Vec<Ref>,
        tags: Vec<(String, String)>,
    },
    RegisterEndpoint {
        project_id: String,
        region_id: String,
        endpoint_id: String,
        made_outside: bool,
    },
    EnableDnsAttribute {
        vpc_id: String,
        attribute: VpcAttributeName,
    },
    CreatePrivateZone {
        host: String,
        vpc_id: String,
        aws_region: String,
        cluster_id: String,
        tags: Vec<(String, String)>,
    },
    /// Ties a VPC to a zone that already answers for the host (hub and spoke); no record
    /// changes.
    TieZone {
        zone_id: String,
        host: String,
        vpc_id: String,
        aws_region: String,
        /// Where the zone's alias points, for the preview.
        answers_with: String,
        tied_to: Vec<String>,
        made_outside: bool,
    },
    /// In the zone's account (the endpoint's, in a landing zone's network account): lets a
    /// VPC of another account be tied to the zone. Made by the endpoint side's clients.
    AuthorizeZoneAssociation {
        zone_id: String,
        host: String,
        vpc_id: String,
        aws_region: String,
        zone_account: String,
        vpc_account: String,
    },
    /// In the zone's account: deletes that authorization once the VPC is tied (the
    /// association stays, as Route 53's guide advises).
    EndZoneAssociationAuthorization {
        zone_id: String,
        vpc_id: String,
        aws_region: String,
        zone_account: String,
    },
    /// In the Profile's account (the endpoint's): adds the zone to the Route 53 Profile the
    /// VPC takes its DNS from, shared through AWS RAM; every VPC using the Profile then
    /// answers from the zone. Made by the endpoint side's clients.
    ShareZoneThroughProfile {
        profile_id: String,
        zone_id: String,
        host: String,
        aws_region: String,
        profile_account: String,
        /// The VPC the setup is for.
        for_vpc: String,
        /// Every VPC using the Profile, as its owner lists them.
        profile_vpcs: Vec<String>,
        /// The resource association's name.
        name: String,
    },
    /// Unties a VPC from a zone that other VPCs keep using.
    UntieZone {
        zone_id: String,
        host: String,
        vpc_id: String,
        aws_region: String,
        stays_with: Vec<String>,
    },
    /// Makes the A record at the zone's apex an alias to the endpoint.
    WriteAlias {
        zone: Ref,
        host: String,
        /// `(dns name, hosted zone id)` of the endpoint's regional DNS entry.
        target: (String, String),
        /// What the record holds now, when it is replaced.
        replaces: Option<String>,
        made_outside: bool,
    },
    AllowTcp {
        group_id: String,
        group_name: String,
        port: u16,
        source: Peer,
        description: String,
        made_outside: bool,
    },
    DeleteRecord {
        zone_id: String,
        record: Box<ARecord>,
        made_outside: bool,
    },
    DeleteZone {
        zone_id: String,
        host: String,
        made_outside: bool,
    },
    Deregister {
        project_id: String,
        region_id: String,
        endpoint_id: String,
    },
    DeleteEndpoint {
        endpoint_id: String,
    },
    DeleteSecurityGroup {
        group_id: String,
        name: String,
    },
    /// Runs the probe script on an instance through SSM Run Command (`AWS-RunShellScript`):
    /// it resolves the host, connects to the port and makes one HTTPS request, and changes
    /// nothing on the instance.
    RunProbe {
        instance_id: String,
        host: String,
        port: u16,
        lines: Vec<String>,
        timeout_seconds: u64,
    },
}

fn outside(made_outside: bool) -> &'static str {
    if made_outside {
        " (made outside this tool)"
    } else {
        ""
    }
}

/// What a record holds, in a few words: `an alias to X` or `addresses a, b`.
pub(crate) fn record_text(record: &ARecord) -> String {
    match &record.alias_target {
        Some((name, _)) => format!("an alias to {name}"),
        None => format!("addresses {}", record.addresses.join(", ")),
    }
}

impl Change {
    /// The preview line: what the change does, to what, and whose it is.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::WhitelistAccount {
                project_id,
                region_id,
                account_id,
                ..
            } => format!(
                "add AWS account {account_id} to Zilliz's private link whitelist for project \
                 {project_id} in {region_id} (the region requires it before the endpoint \
                 service is visible to the account)"
            ),
            Self::CreateSecurityGroup { vpc_id, name, .. } => format!(
                "create security group `{name}` in {vpc_id} with no inbound rule (the rule on \
                 the private link's port comes with allow_client_access, once Zilliz has \
                 allocated the address)"
            ),
            Self::CreateEndpoint {
                vpc_id,
                aws_region,
                service_name,
                service_region,
                subnets,
                security_groups,
                ..
            } => format!(
                "create an Interface VPC endpoint in {vpc_id} ({aws_region}) to {service_name}{} \
                 in {}, with {}, private DNS off",
                service_region
                    .as_deref()
                    .map(|r| cross_region_note(aws_region, r))
                    .unwrap_or_default(),
                subnets
                    .iter()
                    .map(|(id, zone)| format!("{id} ({zone})"))
                    .collect::<Vec<_>>()
                    .join(", "),
                security_groups
                    .iter()
                    .map(|g| match g {
                        Ref::Existing(id) => format!("security group {id}"),
                        Ref::Made => "the new security group".to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::RegisterEndpoint {
                project_id,
                region_id,
                endpoint_id,
                made_outside,
            } => format!(
                "register VPC endpoint {endpoint_id}{} with Zilliz project {project_id} in {region_id}",
                outside(*made_outside)
            ),
            Self::EnableDnsAttribute { vpc_id, attribute } => match attribute {
                VpcAttributeName::EnableDnsSupport => format!(
                    "turn on enableDnsSupport for {vpc_id} (a private zone answers only with it)"
                ),
                _ => format!("turn on enableDnsHostnames for {vpc_id} (a private zone needs it)"),
            },
            Self::CreatePrivateZone {
                host,
                vpc_id,
                aws_region,
                ..
            } => format!(
                "create a Route 53 private hosted zone `{host}` tied to {vpc_id} ({aws_region})"
            ),
            Self::TieZone {
                zone_id,
                host,
                vpc_id,
                answers_with,
                tied_to,
                made_outside,
                ..
            } => format!(
                "tie the private zone {zone_id} ({host}){}, which is {answers_with} and is tied \
                 to {}, to {vpc_id} as well; no record changes",
                outside(*made_outside),
                tied_to.join(", ")
            ),
            Self::AuthorizeZoneAssociation {
                zone_id,
                host,
                vpc_id,
                zone_account,
                vpc_account,
                ..
            } => format!(
                "in account {zone_account} (the endpoint's): authorize {vpc_id} of account \
                 {vpc_account} to be tied to the private zone {zone_id} ({host})"
            ),
            Self::EndZoneAssociationAuthorization {
                zone_id,
                vpc_id,
                zone_account,
                ..
            } => format!(
                "in account {zone_account} (the endpoint's): delete that authorization of \
                 {vpc_id} for {zone_id}, now used (the association stays)"
            ),
            Self::ShareZoneThroughProfile {
                profile_id,
                zone_id,
                host,
                profile_account,
                for_vpc,
                profile_vpcs,
                ..
            } => format!(
                "in account {profile_account} (the endpoint's): add the private zone {zone_id} \
                 ({host}) to Route 53 Profile {profile_id}, which {for_vpc} takes its DNS from: \
                 every VPC using the Profile ({}) then resolves {host} to that account's \
                 endpoint. Chosen over tying {for_vpc} to the zone alone because its DNS comes \
                 from that Profile: one change serves each VPC that uses it",
                profile_vpcs.join(", ")
            ),
            Self::UntieZone {
                zone_id,
                host,
                vpc_id,
                stays_with,
                ..
            } => format!(
                "untie {vpc_id} from the private zone {zone_id} ({host}); the zone and its \
                 record stay as they are for {}",
                stays_with.join(", ")
            ),
            Self::WriteAlias {
                zone,
                host,
                target,
                replaces,
                made_outside,
            } => {
                let zone = match zone {
                    Ref::Existing(id) => format!("zone {id}{}", outside(*made_outside)),
                    Ref::Made => "the new zone".to_string(),
                };
                match replaces {
                    Some(now) => format!(
                        "replace the A record at {host} in {zone}, now {now}, with an alias to \
                         {} (zone {}), EvaluateTargetHealth false",
                        target.0, target.1
                    ),
                    None => format!(
                        "create an A record at {host} in {zone} with an alias to {} (zone {}), \
                         EvaluateTargetHealth false",
                        target.0, target.1
                    ),
                }
            }
            Self::AllowTcp {
                group_id,
                group_name,
                port,
                source,
                made_outside,
                ..
            } => format!(
                "add an inbound rule to {group_id} ({group_name}){}: {}",
                outside(*made_outside),
                crate::aws::rules::Rule::new("tcp", Some((*port, *port)), source.clone())
                    .summary("from")
            ),
            Self::DeleteRecord {
                zone_id,
                record,
                made_outside,
            } => format!(
                "delete the A record {}, {}, in zone {zone_id}{}",
                route53::bare_name(record.as_read.name()),
                record_text(record),
                outside(*made_outside)
            ),
            Self::DeleteZone {
                zone_id,
                host,
                made_outside,
            } => format!(
                "delete the private hosted zone {zone_id} ({host}){}",
                outside(*made_outside)
            ),
            Self::Deregister {
                project_id,
                region_id,
                endpoint_id,
            } => {
                format!("deregister {endpoint_id} from Zilliz project {project_id} in {region_id}")
            }
            Self::DeleteEndpoint { endpoint_id } => format!("delete VPC endpoint {endpoint_id}"),
            Self::DeleteSecurityGroup { group_id, name } => {
                format!("delete security group {group_id} ({name})")
            }
            Self::RunProbe {
                instance_id,
                host,
                port,
                timeout_seconds,
                ..
            } => format!(
                "run the script above on {instance_id} through SSM Run Command \
                 (AWS-RunShellScript, at most {timeout_seconds} s): it resolves {host}, connects \
                 to port {port} and makes one HTTPS request; it changes nothing on the instance"
            ),
        }
    }

    /// Whether the change only runs a command and leaves the account as it was.
    pub(super) fn only_runs(&self) -> bool {
        matches!(self, Self::RunProbe { .. })
    }

    /// What the person sees in full when asked, beside the change's line: every line of a
    /// command that runs on their instance.
    pub(super) fn shown_in_full(&self) -> &[String] {
        match self {
            Self::RunProbe { lines, .. } => lines,
            _ => &[],
        }
    }

    /// A short name of the change's kind, for tests that check a plan's shape.
    #[cfg(test)]
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::WhitelistAccount { .. } => "whitelist",
            Self::CreateSecurityGroup { .. } => "create-group",
            Self::CreateEndpoint { .. } => "create-endpoint",
            Self::RegisterEndpoint { .. } => "register",
            Self::EnableDnsAttribute { .. } => "enable",
            Self::CreatePrivateZone { .. } => "create-zone",
            Self::TieZone { .. } => "tie",
            Self::UntieZone { .. } => "untie",
            Self::AuthorizeZoneAssociation { .. } => "authorize",
            Self::EndZoneAssociationAuthorization { .. } => "deauthorize",
            Self::ShareZoneThroughProfile { .. } => "profile",
            Self::WriteAlias { .. } => "alias",
            Self::AllowTcp { .. } => "allow",
            Self::DeleteRecord { .. } => "record",
            Self::DeleteZone { .. } => "zone",
            Self::Deregister { .. } => "deregister",
            Self::DeleteEndpoint { .. } => "endpoint",
            Self::DeleteSecurityGroup { .. } => "group",
            Self::RunProbe { .. } => "probe",
        }
    }

    /// AWS releases a deleted endpoint's network interfaces a little later, so the group
    /// they used may not be deletable yet: that step is finished by calling again.
    pub(super) fn may_finish_later(&self) -> bool {
        matches!(self, Self::DeleteSecurityGroup { .. })
    }

    /// Makes the change with the permit granted for the plan it belongs to.
    pub(super) async fn apply(
        &self,
        permit: &WritePermit,
        app: &App,
        clients: &RegionClients,
        endpoint_side: Option<&RegionClients>,
        made: &mut Made,
    ) -> Result<(), Error> {
        let ec2c = &clients.ec2;
        let r53 = &clients.route53;
        // The endpoint's account, where it is not the VPC's: the zone's side of a
        // cross-account association.
        let zone_side = || {
            endpoint_side.map(|c| &c.route53).ok_or_else(|| {
                Error::Bug("a change in the endpoint's account without its clients".into())
            })
        };
        match self {
            Self::AuthorizeZoneAssociation {
                zone_id,
                vpc_id,
                aws_region,
                ..
            } => {
                route53::authorize_association(permit, zone_side()?, zone_id, vpc_id, aws_region)
                    .await
            }
            Self::EndZoneAssociationAuthorization {
                zone_id,
                vpc_id,
                aws_region,
                ..
            } => {
                route53::end_authorization(permit, zone_side()?, zone_id, vpc_id, aws_region).await
            }
            Self::ShareZoneThroughProfile {
                profile_id,
                zone_id,
                aws_region,
                name,
                ..
            } => {
                let profiles = &endpoint_side
                    .ok_or_else(|| {
                        Error::Bug("a change in the endpoint's account without its clients".into())
                    })?
                    .profiles;
                let target = (profile_id.as_str(), zone_id.as_str(), aws_region.as_str());
                crate::aws::profiles::add_zone(permit, profiles, target, name).await
            }
            Self::WhitelistAccount {
                project_id,
                region_id,
                account_id,
                service_name,
                service_region,
            } => {
                let account = (project_id.as_str(), region_id.as_str(), account_id.as_str());
                let service = (service_name.as_str(), service_region.as_deref());
                whitelist(permit, app, ec2c, account, service).await
            }
            Self::CreateSecurityGroup {
                vpc_id,
                name,
                description,
                tags,
            } => {
                let id = ec2::create_security_group(permit, ec2c, vpc_id, name, description, tags)
                    .await?;
                made.security_group_id = Some(id);
                Ok(())
            }
            Self::CreateEndpoint {
                vpc_id,
                service_name,
                service_region,
                subnets,
                security_groups,
                tags,
                ..
            } => {
                let groups = security_groups
                    .iter()
                    .map(|g| resolve(g, made.security_group_id.as_ref(), "security group"))
                    .collect::<Result<Vec<_>, _>>()?;
                let subnet_ids: Vec<String> = subnets.iter().map(|(id, _)| id.clone()).collect();
                let endpoint = ec2::NewEndpoint {
                    vpc_id,
                    service_name,
                    service_region: service_region.as_deref(),
                    subnet_ids: &subnet_ids,
                    groups: &groups,
                    tags,
                };
                made.endpoint_id = Some(create_endpoint(permit, ec2c, endpoint).await?);
                Ok(())
            }
            Self::RegisterEndpoint {
                project_id,
                region_id,
                endpoint_id,
                ..
            } => {
                register(
                    permit,
                    app,
                    (project_id.as_str(), region_id.as_str()),
                    endpoint_id,
                )
                .await
            }
            Self::EnableDnsAttribute { vpc_id, attribute } => {
                ec2::enable_vpc_dns_attribute(permit, ec2c, vpc_id, attribute.clone()).await
            }
            Self::CreatePrivateZone {
                host,
                vpc_id,
                aws_region,
                cluster_id,
                tags,
            } => {
                let id = create_zone(
                    permit,
                    r53,
                    (host.as_str(), vpc_id.as_str(), aws_region.as_str()),
                    cluster_id,
                    tags,
                );
                made.zone_id = Some(id.await?);
                Ok(())
            }
            Self::TieZone {
                zone_id,
                vpc_id,
                aws_region,
                ..
            } => route53::associate_vpc(permit, r53, zone_id, vpc_id, aws_region).await,
            Self::UntieZone {
                zone_id,
                vpc_id,
                aws_region,
                ..
            } => route53::disassociate_vpc(permit, r53, zone_id, vpc_id, aws_region).await,
            Self::WriteAlias {
                zone, host, target, ..
            } => {
                let zone_id = resolve(zone, made.zone_id.as_ref(), "private zone")?;
                route53::upsert_alias(permit, r53, &zone_id, host, (&target.0, &target.1)).await
            }
            Self::AllowTcp {
                group_id,
                port,
                source,
                description,
                ..
            } => ec2::authorize_tcp_ingress(
                permit,
                ec2c,
                group_id,
                (*port, *port),
                source,
                description,
            )
            .await
            .map(|_| ()),
            Self::DeleteRecord {
                zone_id, record, ..
            } => route53::delete_record(permit, r53, zone_id, record).await,
            Self::DeleteZone { zone_id, .. } => route53::delete_zone(permit, r53, zone_id).await,
            Self::Deregister {
                project_id,
                region_id,
                endpoint_id,
            } => {
                app.zilliz
                    .delete_private_endpoint(permit, project_id, region_id, endpoint_id)
                    .await
            }
            Self::DeleteEndpoint { endpoint_id } => {
                ec2::delete_vpc_endpoint(permit, ec2c, endpoint_id).await
            }
            Self::DeleteSecurityGroup { group_id, .. } => {
                ec2::delete_security_group(permit, ec2c, group_id).await
            }
            Self::RunProbe {
                instance_id,
                lines,
                timeout_seconds,
                ..
            } => {
                let timeout = std::time::Duration::from_secs(*timeout_seconds);
                let id = ssm::run_shell(permit, &clients.ssm, instance_id, lines.clone(), timeout)
                    .await?;
                made.command_id = Some(id);
                Ok(())
            }
        }
    }
}

/// Adds the account to Zilliz's whitelist. Zilliz has no call to read the whitelist and
/// documents no code for an account already on it; the fact that settles it is AWS's: a
/// whitelisted account sees the service. Seen, a refusal was a repeat; unseen, it stands.
async fn whitelist(
    permit: &WritePermit,
    app: &App,
    ec2c: &aws_sdk_ec2::Client,
    (project_id, region_id, account_id): (&str, &str, &str),
    (service_name, service_region): (&str, Option<&str>),
) -> Result<(), Error> {
    match app
        .zilliz
        .whitelist_account(permit, project_id, region_id, account_id)
        .await
    {
        Ok(()) => Ok(()),
        Err(refused) => match ec2::endpoint_service_zones(ec2c, service_name, service_region).await
        {
            Ok(Some(_)) => Ok(()),
            _ => Err(refused),
        },
    }
}

/// What the preview says of an endpoint in one region to a service in another: both regions,
/// and what AWS charges for it (AWS PrivateLink pricing: cross-region traffic is billed as
/// inter-region data transfer, per GB, beside the endpoint's hourly and per-GB charges).
fn cross_region_note(endpoint_region: &str, service_region: &str) -> String {
    format!(
        " in {service_region} (a cross-region endpoint: it lives in {endpoint_region} and reaches \
         the service in {service_region}; AWS bills its traffic as inter-region data transfer \
         between the two, per GB, beside the endpoint's hourly and per-GB processing charges)"
    )
}

/// Makes the endpoint and answers its id; where the answer was lost after AWS made it, the
/// live endpoint of the VPC to the service is the one made.
async fn create_endpoint(
    permit: &WritePermit,
    ec2c: &aws_sdk_ec2::Client,
    e: ec2::NewEndpoint<'_>,
) -> Result<String, Error> {
    let created = ec2::create_interface_endpoint(permit, ec2c, &e).await;
    match created {
        Ok(id) => Ok(id),
        Err(error) => ec2::vpc_endpoints(
            ec2c,
            EndpointQuery {
                vpc_id: Some(e.vpc_id),
                service_name: Some(e.service_name),
                ..Default::default()
            },
        )
        .await
        .unwrap_or_default()
        .into_iter()
        .find(|found| endpoint_state::is_live(&found.state))
        .map(|found| found.id)
        .ok_or(error),
    }
}

/// Registers the endpoint with the project; a registration made by a call whose answer was
/// lost is success.
async fn register(
    permit: &WritePermit,
    app: &App,
    (project_id, region_id): (&str, &str),
    endpoint_id: &str,
) -> Result<(), Error> {
    let registered = app
        .zilliz
        .register_private_endpoint(permit, project_id, region_id, endpoint_id)
        .await;
    match registered {
        Ok(()) => Ok(()),
        Err(error) => {
            let now = app.zilliz.private_endpoints(project_id).await?;
            if now.iter().any(|r| r.registers(endpoint_id, region_id)) {
                Ok(())
            } else {
                Err(error)
            }
        }
    }
}

/// Makes the private zone tied to the VPC, tagged; the caller reference is new each time, and
/// `create_private_zone` finds a zone a lost answer made.
async fn create_zone(
    permit: &WritePermit,
    r53: &aws_sdk_route53::Client,
    (host, vpc_id, aws_region): (&str, &str, &str),
    cluster_id: &str,
    tags: &[(String, String)],
) -> Result<String, Error> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    route53::create_private_zone(
        permit,
        r53,
        route53::NewZone {
            name: host,
            vpc_id,
            region: aws_region,
            caller_reference: &format!("zpl-{cluster_id}-{vpc_id}-{nanos}"),
            comment: &format!(
                "Zilliz Cloud private link for {cluster_id}, made by zilliz-privatelink-mcp"
            ),
            tags,
        },
    )
    .await
}

fn resolve(reference: &Ref, made: Option<&String>, what: &str) -> Result<String, Error> {
    match reference {
        Ref::Existing(id) => Ok(id.clone()),
        Ref::Made => made.cloned().ok_or_else(|| {
            Error::Bug(format!(
                "a change needs the {what} an earlier change makes, and none was made"
            ))
        }),
    }
}

/// The preview lines of a plan, in order.
pub(crate) fn preview(plan: &[Change]) -> Vec<String> {
    plan.iter().map(Change::describe).collect()
}

/// What applying a plan did.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    /// The preview line of every change made, in order.
    pub(crate) done: Vec<String>,
    /// Changes that could not finish yet, with what to do.
    pub(super) warnings: Vec<String>,
    pub(crate) made: Made,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_this_tool_did_not_make_says_so() {
        let register = |made_outside| Change::RegisterEndpoint {
            project_id: "proj-1".into(),
            region_id: "aws-us-west-2".into(),
            endpoint_id: "vpce-0123456789abcdef0".into(),
            made_outside,
        };
        assert!(
            register(true)
                .describe()
                .contains("(made outside this tool)")
        );
        assert!(!register(false).describe().contains("outside"));
    }

    #[test]
    fn a_made_reference_without_its_maker_is_an_error_not_a_guess() {
        assert!(resolve(&Ref::Made, None, "private zone").is_err());
        assert_eq!(
            resolve(&Ref::Made, Some(&"Z1".to_string()), "private zone").unwrap(),
            "Z1"
        );
        assert_eq!(
            resolve(&Ref::Existing("Z2".into()), Some(&"Z1".to_string()), "zone").unwrap(),
            "Z2"
        );
    }
}
