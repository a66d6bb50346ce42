//! `export_terraform` and `zilliz-privatelink-mcp export-terraform`: the Terraform for what
//! exists of one VPC's private link, ready to adopt: `import` blocks and resources whose
//! arguments repeat the live values, so that a plan after the import shows no change. The HCL
//! is built with `hcl-rs`, which quotes and escapes it; [`render`] is a pure function of the
//! facts read.

use schemars::JsonSchema;
use serde::Serialize;

use hcl::expr::{Expression, Traversal, Variable};
use hcl::{Block, Body};

use crate::app::App;
use crate::aws::ec2::{self, EndpointQuery, SecurityGroup, VpcEndpoint};
use crate::aws::profiles::{self, ProfileResource};
use crate::aws::route53::{self, ARecord, Zone};
use crate::aws::rules::{Peer, Rule};
use crate::aws::tags::is_managed;
use crate::cluster;
use crate::error::{Error, FailedRead};
use crate::facts::zilliz_endpoint;
use crate::region::RegionNames;
use crate::request::ExportRequest;
use crate::riders::{self, Ride};
use crate::summary::Summary;
use crate::validate::{self, NamedRef};

/// Everything the export is written from.
#[derive(Debug, Clone)]
struct ExportFacts {
    project_id: String,
    vpc_id: String,
    /// The cluster's region (Zilliz's side).
    region: RegionNames,
    /// The VPC's (the AWS provider's); another than `region` for a cross-region endpoint.
    vpc_region: RegionNames,
    account_id: String,
    whitelist_required: bool,
    endpoint: Option<VpcEndpoint>,
    /// The endpoint's security groups, with whether this tool made each.
    groups: Vec<SecurityGroup>,
    zone: Option<ExportZone>,
    /// The host's zone tied to the VPC where another account owns it (a landing zone's
    /// network account), with that account: only the association is this account's.
    zone_of_another_account: Option<(Zone, String)>,
    /// Where no zone for the host is tied to the VPC: the zones of other accounts that its
    /// Route 53 Profile carries (a landing zone's hub may serve it so), or why they could not
    /// be read.
    profile_zones: Result<Vec<ProfileResource>, FailedRead>,
    /// The endpoint is registered with the project.
    registered: bool,
    /// Other clusters of the project (or other VPCs) that reach the endpoint, or why that
    /// could not be read: the configuration must not be able to destroy what they ride.
    shared_with: Result<Vec<Ride>, FailedRead>,
}

#[derive(Debug, Clone)]
struct ExportZone {
    zone: Zone,
    comment: String,
    /// `(vpc id, region)` of every VPC tied to it.
    vpcs: Vec<(String, String)>,
    tags: Vec<(String, String)>,
    record: Option<ARecord>,
}

/// One resource of the export.
#[derive(Debug, Clone, Serialize, JsonSchema)]
struct Exported {
    /// Its Terraform address, such as `aws_vpc_endpoint.zilliz`.
    address: String,
    /// The id its `import` block names (null where the provider cannot import it).
    import_id: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct ExportOutput {
    /// The Terraform configuration.
    pub(crate) hcl: String,
    resources: Vec<Exported>,
    /// What the export leaves out, and why.
    pub(crate) left_out: Vec<String>,
    cluster_id: String,
    vpc_id: String,
    region_id: String,
    aws_region: String,
}

impl Summary for ExportOutput {
    fn summary(&self) -> String {
        let mut text = format!(
            "Terraform for {} resource(s) of {}'s private link in {}: {}.",
            self.resources.len(),
            self.cluster_id,
            self.vpc_id,
            self.resources
                .iter()
                .map(|r| r.address.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        for left in &self.left_out {
            text.push_str("\nleft out: ");
            text.push_str(left);
        }
        text
    }
}

pub(crate) async fn export_terraform(
    app: &App,
    request: &ExportRequest,
) -> Result<ExportOutput, Error> {
    let cluster_id = validate::cluster_id(&request.cluster_id)?;
    let vpc = validate::vpc_ref("vpc_id", &request.vpc_id)?;
    let asked_region = RegionNames::parse_optional(request.region.as_deref())?;
    let facts = gather(app, &cluster_id, &vpc, asked_region.as_ref()).await?;
    let vpc_id = facts.vpc_id.clone();
    let (hcl, resources, left_out) = render(&facts, &vpc_id)?;
    Ok(ExportOutput {
        hcl,
        resources,
        left_out,
        cluster_id,
        vpc_id,
        region_id: facts.region.region_id.clone(),
        aws_region: facts.region.aws_region.clone(),
    })
}

/// Three rounds: the cluster; the service, the VPC's endpoints and zones, the registrations
/// and who acts; the endpoint's groups and the zone read whole.
async fn gather(
    app: &App,
    cluster_id: &str,
    vpc: &NamedRef,
    asked_region: Option<&RegionNames>,
) -> Result<ExportFacts, Error> {
    let target = cluster::read(app, cluster_id).await?;
    let region = target.region.clone();
    let host = target.require_address()?.host.clone();
    // The AWS side is where the VPC is; Zilliz's in the cluster's region.
    let (vpc_id, vpc_region) = cluster::vpc_and_region(app, vpc, asked_region, &region).await?;
    let clients = app.aws.clients(Some(&vpc_region)).await?;
    let vpc_id = vpc_id.as_str();
    let (service, vpc, endpoints, zones, registrations, identity, riding, carried) = tokio::join!(
        crate::service::zilliz_endpoint_service(app, &region),
        ec2::vpc(&clients.ec2, vpc_id, &vpc_region),
        ec2::vpc_endpoints(
            &clients.ec2,
            EndpointQuery {
                vpc_id: Some(vpc_id),
                ..Default::default()
            }
        ),
        route53::owned_zones_of_vpc(&clients.route53, vpc_id, &vpc_region.aws_region),
        app.zilliz.private_endpoints(&target.project_id),
        app.aws.identity(&region),
        riders::read(&app.zilliz, &clients, &target.project_id, &region),
        profiles::carried_to_vpc(&clients.profiles, vpc_id),
    );
    let (service, _vpc, endpoints, zones, registrations, identity) = (
        service?,
        vpc?,
        endpoints?,
        zones?,
        registrations?,
        identity?,
    );
    let endpoint = zilliz_endpoint(&endpoints, &service.endpoint_service).cloned();
    // Who else rides the endpoint; where that cannot be read, the endpoint is guarded as if
    // shared (plain A records count without the addresses: nothing is left destroyable on a
    // guess).
    let shared_with = match (&endpoint, riding) {
        (Some(e), Ok(riding)) => Ok(riders::others(&riding.rides(e, None), cluster_id, vpc_id)
            .into_iter()
            .cloned()
            .collect()),
        (Some(_), Err(e)) => Err(FailedRead::from(e)),
        (None, _) => Ok(Vec::new()),
    };
    // Another account's zone is that account's to read and to write: only the tie is ours.
    let (zone, zone_of_another_account) = match zones.into_iter().find(|(z, _)| z.name == host) {
        Some((zone, Some(owner))) if owner != identity.account_id => (None, Some((zone, owner))),
        Some((zone, _)) => (Some(zone), None),
        None => (None, None),
    };
    let r53 = &clients.route53;
    // Where no zone for the host is tied to the VPC, the zones another account's Profile
    // carries to it (read from the first round).
    let profile_zones = if zone.is_none() && zone_of_another_account.is_none() {
        carried
            .map(|zones| profiles::of_other_accounts(zones, &identity.account_id))
            .map_err(FailedRead::from)
    } else {
        Ok(Vec::new())
    };
    let (groups, zone) = tokio::join!(
        async {
            match &endpoint {
                Some(e) => ec2::security_groups_by_id(&clients.ec2, &e.security_group_ids).await,
                None => Ok(Vec::new()),
            }
        },
        async {
            let Some(zone) = zone else {
                return Ok(None);
            };
            let (details, tags, record) = tokio::join!(
                route53::zone_details(r53, &zone.id),
                route53::zone_tags(r53, &zone.id),
                route53::a_record(r53, &zone.id, &zone.name),
            );
            let (vpcs, comment) = details?;
            Ok::<_, Error>(Some(ExportZone {
                zone,
                comment,
                vpcs,
                tags: tags?,
                record: record?,
            }))
        },
    );
    let registered = endpoint.as_ref().is_some_and(|e| {
        registrations
            .iter()
            .any(|r| r.registers(&e.id, &region.region_id))
    });
    Ok(ExportFacts {
        project_id: target.project_id.clone(),
        vpc_id: vpc_id.to_string(),
        region,
        vpc_region,
        account_id: identity.account_id,
        whitelist_required: service.whitelist_required,
        endpoint,
        groups: groups?,
        zone: zone?,
        zone_of_another_account,
        profile_zones,
        registered,
        shared_with,
    })
}

fn reference(resource: &str, name: &str, attribute: Option<&str>) -> Result<Expression, Error> {
    let variable = Variable::new(resource)
        .map_err(|e| Error::Config(format!("HCL identifier {resource}: {e}")))?;
    let mut traversal = Traversal::builder(variable).attr(name);
    if let Some(attribute) = attribute {
        traversal = traversal.attr(attribute);
    }
    Ok(Expression::from(traversal.build()))
}

/// The variable that lets Terraform make the Zilliz resources (see its description).
const ZILLIZ_OPT_IN: &str = "zilliz_manage_registration";

/// A bare word such as `bool`, as HCL writes a type.
fn reference_word(word: &str) -> Result<Variable, Error> {
    Variable::new(word).map_err(|e| Error::Config(format!("HCL identifier {word}: {e}")))
}

/// `var.zilliz_manage_registration ? 1 : 0`.
fn zilliz_count() -> Result<Expression, Error> {
    let flag = Traversal::builder(reference_word("var")?)
        .attr(ZILLIZ_OPT_IN)
        .build();
    Ok(Expression::from(hcl::expr::Conditional::new(
        Expression::from(flag),
        1,
        0,
    )))
}

fn import(resource: &str, name: &str, id: &str) -> Result<Block, Error> {
    Ok(Block::builder("import")
        .add_attribute(("to", reference(resource, name, None)?))
        .add_attribute(("id", id))
        .build())
}

fn tags(tags: &[(String, String)]) -> Expression {
    tags.iter()
        .map(|(k, v)| (k.clone(), Expression::from(v.as_str())))
        .collect()
}

fn sorted(list: &[String]) -> Vec<String> {
    let mut list = list.to_vec();
    list.sort();
    list
}

/// The ports an inline rule is written with, as the AWS provider reads them back: all traffic
/// is `0`/`0`; TCP and UDP over every port `0`/`65535`; ICMP of every type `-1`/`-1`; any other
/// protocol (which carries no ports) `0`/`0`.
fn rule_ports(rule: &Rule) -> (i64, i64) {
    match (rule.protocol.as_str(), rule.ports) {
        ("-1", _) => (0, 0),
        (_, Some((from, to))) => (i64::from(from), i64::from(to)),
        ("tcp" | "udp", None) => (0, 65535),
        ("icmp" | "icmpv6", None) => (-1, -1),
        (_, None) => (0, 0),
    }
}

/// The inline rule blocks (`ingress` or `egress`) of a group, as the AWS provider reads them
/// back: one block per protocol, ports and description, holding every source of that kind
/// (sorted); a rule that names the group itself is `self = true`. Written otherwise, the plan
/// after import is not empty.
fn rule_blocks(kind: &str, group_id: &str, rules: &[Rule]) -> Vec<Block> {
    #[derive(Default)]
    struct Sources {
        cidr: Vec<String>,
        ipv6: Vec<String>,
        groups: Vec<String>,
        prefix_lists: Vec<String>,
        itself: bool,
    }
    /// How the provider keys a rule: protocol, ports and description.
    #[derive(PartialEq)]
    struct Key {
        protocol: String,
        from: i64,
        to: i64,
        description: Option<String>,
    }
    let mut grouped: Vec<(Key, Sources)> = Vec::new();
    for rule in rules {
        let (from, to) = rule_ports(rule);
        let description = rule.description.clone().filter(|d| !d.is_empty());
        let key = Key {
            protocol: rule.protocol.clone(),
            from,
            to,
            description,
        };
        let at = match grouped.iter().position(|(k, _)| *k == key) {
            Some(at) => at,
            None => {
                grouped.push((key, Sources::default()));
                grouped.len() - 1
            }
        };
        let sources = &mut grouped[at].1;
        match &rule.peer {
            Peer::Cidr(net) if net.addr().is_ipv4() => sources.cidr.push(net.to_string()),
            Peer::Cidr(net) => sources.ipv6.push(net.to_string()),
            Peer::Group(id) if id == group_id => sources.itself = true,
            Peer::Group(id) => sources.groups.push(id.clone()),
            Peer::PrefixList(id) => sources.prefix_lists.push(id.clone()),
        }
    }
    grouped
        .into_iter()
        .map(
            |(
                Key {
                    protocol,
                    from,
                    to,
                    description,
                },
                sources,
            )| {
                let mut block = Block::builder(kind)
                    .add_attribute(("from_port", from))
                    .add_attribute(("to_port", to))
                    .add_attribute(("protocol", protocol.as_str()));
                for (name, list) in [
                    ("cidr_blocks", sources.cidr),
                    ("ipv6_cidr_blocks", sources.ipv6),
                    ("prefix_list_ids", sources.prefix_lists),
                    ("security_groups", sources.groups),
                ] {
                    if !list.is_empty() {
                        block = block.add_attribute((name, sorted(&list)));
                    }
                }
                if sources.itself {
                    block = block.add_attribute(("self", true));
                }
                if let Some(description) = &description {
                    block = block.add_attribute(("description", description.as_str()));
                }
                block.build()
            },
        )
        .collect()
}

/// The configuration, the resources it adopts, and what it leaves out.
fn render(f: &ExportFacts, vpc_id: &str) -> Result<(String, Vec<Exported>, Vec<String>), Error> {
    let mut w = Writer {
        body: header(f)?,
        resources: Vec::new(),
        left_out: Vec::new(),
    };
    endpoint(&mut w, f, vpc_id)?;
    whitelist(&mut w, f)?;
    zone(&mut w, f, vpc_id)?;
    let hcl = hcl::to_string(&w.body.build())
        .map_err(|e| Error::Bug(format!("the Terraform could not be written: {e}")))?;
    Ok((hcl, w.resources, w.left_out))
}

/// The configuration as it is written: its body, what it adopts, and what it leaves out.
struct Writer {
    body: hcl::BodyBuilder,
    resources: Vec<Exported>,
    left_out: Vec<String>,
}

impl Writer {
    /// A resource block, preceded by its import block where it exists already.
    fn adopt(
        &mut self,
        resource: &str,
        name: &str,
        id: Option<&str>,
        block: Block,
    ) -> Result<(), Error> {
        self.resources.push(Exported {
            address: format!("{resource}.{name}"),
            import_id: id.map(str::to_string),
        });
        let mut body = std::mem::replace(&mut self.body, Body::builder());
        if let Some(id) = id {
            body = body.add_block(import(resource, name, id)?);
        }
        self.body = body.add_block(block);
        Ok(())
    }
}

impl ExportFacts {
    fn crosses_regions(&self) -> bool {
        self.vpc_region != self.region
    }
}

/// The AWS provider a configuration needs: `service_region` of `aws_vpc_endpoint` (a
/// cross-region endpoint) is in 6.0 and later; a same-region one is written as before.
fn aws_provider_version(f: &ExportFacts) -> &'static str {
    if f.crosses_regions() {
        ">= 6.0"
    } else {
        ">= 5.0"
    }
}

/// The providers and the opt-in variable.
fn header(f: &ExportFacts) -> Result<hcl::BodyBuilder, Error> {
    Ok(Body::builder()
        .add_block(
            Block::builder("terraform")
                // `import` blocks need Terraform 1.5.
                .add_attribute(("required_version", ">= 1.5.0"))
                .add_block(
                    Block::builder("required_providers")
                        .add_attribute((
                            "aws",
                            Expression::from_iter([
                                ("source", Expression::from("hashicorp/aws")),
                                // `service_region` (a cross-region endpoint) came with 6.0.
                                ("version", Expression::from(aws_provider_version(f))),
                            ]),
                        ))
                        .add_attribute((
                            "zillizcloud",
                            Expression::from_iter([
                                ("source", Expression::from("zilliztech/zillizcloud")),
                                // zillizcloud_private_endpoint and its whitelist first appear
                                // in 0.6.35.
                                ("version", Expression::from(">= 0.6.35")),
                            ]),
                        ))
                        .build(),
                )
                .build(),
        )
        .add_block(
            Block::builder("provider")
                .add_label("aws")
                .add_attribute(("region", f.vpc_region.aws_region.as_str()))
                .build(),
        )
        // The API key comes from ZILLIZCLOUD_API_KEY, never from this file.
        .add_block(Block::builder("provider").add_label("zillizcloud").build())
        .add_block(
            Block::builder("variable")
                .add_label(ZILLIZ_OPT_IN)
                .add_attribute((
                    "description",
                    "Let Terraform make the Zilliz registration and whitelist entry. False while \
                     they exist already: Zilliz's provider cannot import them, and its create \
                     fails on any Zilliz error.",
                ))
                .add_attribute(("type", Expression::from(reference_word("bool")?)))
                .add_attribute(("default", false))
                .build(),
        ))
}

/// The VPC endpoint, the security groups this tool made, and the registration.
fn endpoint(w: &mut Writer, f: &ExportFacts, vpc_id: &str) -> Result<(), Error> {
    match &f.endpoint {
        None => w.left_out.push(format!(
            "the VPC endpoint: {vpc_id} has none to Zilliz's service in {}",
            f.region.aws_region
        )),
        Some(e) => {
            let mut block = Block::builder("resource")
                .add_label("aws_vpc_endpoint")
                .add_label("zilliz")
                .add_attribute(("vpc_id", e.vpc_id.as_str()))
                .add_attribute(("service_name", e.service_name.as_str()))
                .add_attribute(("vpc_endpoint_type", "Interface"));
            if f.crosses_regions() {
                block = block.add_attribute(("service_region", f.region.aws_region.as_str()));
            }
            block = block
                .add_attribute(("subnet_ids", sorted(&e.subnet_ids)))
                .add_attribute(("security_group_ids", sorted(&e.security_group_ids)))
                .add_attribute((
                    "private_dns_enabled",
                    e.private_dns_enabled.unwrap_or(false),
                ));
            if !e.tags.is_empty() {
                block = block.add_attribute(("tags", tags(&e.tags)));
            }
            if let Some(why) = shared(f, e) {
                block = block.add_block(prevent_destroy());
                w.left_out.push(why);
            }
            w.adopt("aws_vpc_endpoint", "zilliz", Some(&e.id), block.build())?;
            groups(w, f, e)?;
            registration(w, f, e)?;
        }
    }
    Ok(())
}

/// Where the endpoint serves others too (or who it serves is unknown): why the endpoint and
/// its groups carry `prevent_destroy`, so that `terraform destroy` of this configuration
/// cannot cut them.
fn shared(f: &ExportFacts, e: &VpcEndpoint) -> Option<String> {
    let who = match &f.shared_with {
        Ok(rides) if rides.is_empty() => return None,
        Ok(rides) => {
            let (who, how) = riders::who_and_how(rides);
            format!("{who} reach it ({how})")
        }
        Err(why) => format!("which other clusters reach it could not be read ({why})"),
    };
    Some(format!(
        "{} and its security groups are written with lifecycle prevent_destroy: the endpoint is \
         project {}'s private link in {}, and {who}; destroying it would cut them",
        e.id, f.project_id, f.region.region_id
    ))
}

fn prevent_destroy() -> Block {
    Block::builder("lifecycle")
        .add_attribute(("prevent_destroy", true))
        .build()
}

/// The endpoint's security groups: those this tool made are adopted, the others named.
fn groups(w: &mut Writer, f: &ExportFacts, e: &VpcEndpoint) -> Result<(), Error> {
    for (i, group) in f.groups.iter().enumerate() {
        if !is_managed(&group.tags) {
            w.left_out.push(format!(
                "security group {} ({}): this tool did not make it, so it stays yours \
                 to manage where it is",
                group.id, group.name
            ));
            continue;
        }
        let name = if i == 0 {
            "zilliz_endpoint".to_string()
        } else {
            format!("zilliz_endpoint_{i}")
        };
        let mut block = Block::builder("resource")
            .add_label("aws_security_group")
            .add_label(name.as_str())
            .add_attribute(("name", group.name.as_str()))
            .add_attribute(("description", group.description.as_str()))
            .add_attribute((
                "vpc_id",
                group.vpc_id.clone().unwrap_or_else(|| e.vpc_id.clone()),
            ));
        for rule in rule_blocks("ingress", &group.id, &group.inbound) {
            block = block.add_block(rule);
        }
        for rule in rule_blocks("egress", &group.id, &group.outbound) {
            block = block.add_block(rule);
        }
        if !group.tags.is_empty() {
            block = block.add_attribute(("tags", tags(&group.tags)));
        }
        if shared(f, e).is_some() {
            block = block.add_block(prevent_destroy());
        }
        w.adopt("aws_security_group", &name, Some(&group.id), block.build())?;
    }
    Ok(())
}

/// Zilliz's registration of the endpoint, behind the opt-in variable.
fn registration(w: &mut Writer, f: &ExportFacts, e: &VpcEndpoint) -> Result<(), Error> {
    if f.registered {
        let block = Block::builder("resource")
            .add_label("zillizcloud_private_endpoint")
            .add_label("zilliz")
            .add_attribute(("count", zilliz_count()?))
            .add_attribute(("project_id", f.project_id.as_str()))
            .add_attribute(("region_id", f.region.region_id.as_str()))
            .add_attribute((
                "endpoint_id",
                reference("aws_vpc_endpoint", "zilliz", Some("id"))?,
            ))
            .build();
        w.adopt("zillizcloud_private_endpoint", "zilliz", None, block)?;
        w.left_out.push(format!(
            "zillizcloud_private_endpoint.zilliz is written with count = 0 ({ZILLIZ_OPT_IN} \
             = false): {} is registered with {} already, Zilliz's provider cannot import \
             a registration, and its create fails on any Zilliz error, so the first apply \
             leaves the registration as it is; set {ZILLIZ_OPT_IN} = true only where \
             Terraform is to make the registration (a new VPC, or after remove_private_link)",
            e.id, f.project_id
        ));
    } else {
        w.left_out.push(format!(
            "zillizcloud_private_endpoint: {} is not registered with {} (register_endpoint)",
            e.id, f.project_id
        ));
    }
    Ok(())
}

/// The whitelist entry, where the region needs one, behind the opt-in variable.
fn whitelist(w: &mut Writer, f: &ExportFacts) -> Result<(), Error> {
    if f.whitelist_required {
        let block = Block::builder("resource")
            .add_label("zillizcloud_private_endpoint_whitelist")
            .add_label("zilliz")
            .add_attribute(("count", zilliz_count()?))
            .add_attribute(("project_id", f.project_id.as_str()))
            .add_attribute(("region_id", f.region.region_id.as_str()))
            .add_attribute(("outer_user_id", f.account_id.as_str()))
            .build();
        w.adopt(
            "zillizcloud_private_endpoint_whitelist",
            "zilliz",
            None,
            block,
        )?;
        w.left_out.push(format!(
            "zillizcloud_private_endpoint_whitelist.zilliz is written with count = 0 \
             ({ZILLIZ_OPT_IN} = false): Zilliz has no call to read a whitelist entry, so its \
             provider cannot import it, and adding the account again may be refused"
        ));
    }
    Ok(())
}

/// The private zone with its VPCs, and its alias record; another account's zone as this VPC's
/// association alone.
fn zone(w: &mut Writer, f: &ExportFacts, vpc_id: &str) -> Result<(), Error> {
    if let Some((zone, owner)) = &f.zone_of_another_account {
        return association_with_another_accounts_zone(w, f, zone, owner, vpc_id);
    }
    match &f.zone {
        None => match f.profile_zones.as_ref().map(|z| z.first()) {
            Err(e) => w.left_out.push(format!(
                "the private zone: none for the cluster's host is tied to {vpc_id}, and its \
                 Route 53 Profile could not be read ({e})"
            )),
            Ok(Some(first)) => w.left_out.push(format!(
                "the private zone: {vpc_id} takes its DNS from {}, which carries zone(s) {} of \
                 another account; the Profile and its aws_route53profiles_resource_association \
                 belong in that account's Terraform",
                first.origin(),
                f.profile_zones
                    .iter()
                    .flatten()
                    .map(|z| z.resource_id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Ok(None) => w.left_out.push(format!(
                "the private zone: no zone for the cluster's host is tied to {vpc_id}"
            )),
        },
        Some(z) => {
            let mut block = Block::builder("resource")
                .add_label("aws_route53_zone")
                .add_label("zilliz")
                .add_attribute(("name", z.zone.name.as_str()))
                // The provider's default comment is "Managed by Terraform": the live one keeps
                // the plan empty.
                .add_attribute(("comment", z.comment.as_str()));
            let mut vpcs = z.vpcs.clone();
            vpcs.sort();
            for (vpc, region) in &vpcs {
                block = block.add_block(
                    Block::builder("vpc")
                        .add_attribute(("vpc_id", vpc.as_str()))
                        .add_attribute(("vpc_region", region.as_str()))
                        .build(),
                );
            }
            if !z.tags.is_empty() {
                block = block.add_attribute(("tags", tags(&z.tags)));
            }
            w.adopt(
                "aws_route53_zone",
                "zilliz",
                Some(&z.zone.id),
                block.build(),
            )?;
            if vpcs.len() > 1 {
                w.left_out.push(format!(
                    "separate aws_route53_zone_association resources: the zone is tied to {} \
                     VPCs, written as its vpc blocks",
                    vpcs.len()
                ));
            }
            record(w, z)?;
        }
    }
    Ok(())
}

/// A VPC tied to another account's zone: the association is this account's (imported as
/// `ZONE:VPC`); the zone, its record and the authorization are the zone account's.
fn association_with_another_accounts_zone(
    w: &mut Writer,
    f: &ExportFacts,
    zone: &Zone,
    owner: &str,
    vpc_id: &str,
) -> Result<(), Error> {
    let block = Block::builder("resource")
        .add_label("aws_route53_zone_association")
        .add_label("zilliz")
        .add_attribute(("zone_id", zone.id.as_str()))
        .add_attribute(("vpc_id", vpc_id))
        .add_attribute(("vpc_region", f.vpc_region.aws_region.as_str()))
        .build();
    let id = format!("{}:{vpc_id}", zone.id);
    w.adopt("aws_route53_zone_association", "zilliz", Some(&id), block)?;
    w.left_out.push(format!(
        "the private zone {} ({}), its record and the aws_route53_vpc_association_authorization \
         for {vpc_id}: account {owner} keeps them (a landing zone's network account), so they \
         belong in that account's Terraform",
        zone.id, zone.name
    ));
    Ok(())
}

/// The zone's alias record; a plain A record is named, not adopted.
fn record(w: &mut Writer, z: &ExportZone) -> Result<(), Error> {
    match &z.record {
        Some(record) => match &record.alias_target {
            Some((name, zone_id)) => {
                let evaluate = record
                    .as_read
                    .alias_target()
                    .is_some_and(|a| a.evaluate_target_health());
                let block = Block::builder("resource")
                    .add_label("aws_route53_record")
                    .add_label("zilliz")
                    .add_attribute((
                        "zone_id",
                        reference("aws_route53_zone", "zilliz", Some("zone_id"))?,
                    ))
                    .add_attribute(("name", z.zone.name.as_str()))
                    .add_attribute(("type", "A"))
                    .add_block(
                        Block::builder("alias")
                            .add_attribute(("name", name.as_str()))
                            .add_attribute(("zone_id", zone_id.as_str()))
                            .add_attribute(("evaluate_target_health", evaluate))
                            .build(),
                    )
                    .build();
                let id = format!("{}_{}_A", z.zone.id, z.zone.name);
                w.adopt("aws_route53_record", "zilliz", Some(&id), block)?;
            }
            None => w.left_out.push(format!(
                "the A record of {}: it is not an alias (plain addresses {}); make it \
                 with setup_private_dns first",
                z.zone.name,
                record.addresses.join(", ")
            )),
        },
        None => w.left_out.push(format!(
            "the alias record: zone {} has none at {}",
            z.zone.id, z.zone.name
        )),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::fixtures;

    fn facts() -> ExportFacts {
        let mut endpoint = fixtures::endpoint("available");
        endpoint.tags = vec![(
            crate::aws::tags::MANAGED_BY_TAG.into(),
            crate::aws::tags::MANAGED_BY_VALUE.into(),
        )];
        let mut group = fixtures::group(vec![Rule::new(
            "tcp",
            Some((19531, 19531)),
            Peer::Cidr("10.0.0.0/16".parse().unwrap()),
        )]);
        group.tags = endpoint.tags.clone();
        ExportFacts {
            project_id: "proj-1".into(),
            vpc_id: "vpc-1".into(),
            region: RegionNames::parse("us-west-2").unwrap(),
            vpc_region: RegionNames::parse("us-west-2").unwrap(),
            account_id: "123456789012".into(),
            whitelist_required: true,
            endpoint: Some(endpoint),
            groups: vec![group],
            zone: Some(ExportZone {
                zone: Zone {
                    id: "Z1".into(),
                    name: fixtures::HOST.into(),
                },
                comment: "a \"quoted\" ${comment}".into(),
                vpcs: vec![("vpc-11111111".into(), "us-west-2".into())],
                tags: vec![],
                record: Some(ARecord::alias(
                    fixtures::HOST,
                    (
                        "vpce-11111111-x.vpce-svc.us-west-2.vpce.amazonaws.com",
                        "Z1",
                    ),
                )),
            }),
            zone_of_another_account: None,
            profile_zones: Ok(Vec::new()),
            registered: true,
            shared_with: Ok(vec![]),
        }
    }

    #[test]
    fn another_accounts_zone_is_exported_as_this_vpcs_association_alone() {
        let mut f = facts();
        f.zone = None;
        f.zone_of_another_account = Some((
            Zone {
                id: "ZHUB".into(),
                name: "in01-abc-privatelink.aws-us-west-2.vectordb.zillizcloud.com".into(),
            },
            "222222222222".into(),
        ));
        let (hcl, resources, left_out) = render(&f, "vpc-11111111").unwrap();
        assert!(
            hcl.contains("resource \"aws_route53_zone_association\" \"zilliz\""),
            "{hcl}"
        );
        assert!(!hcl.contains("resource \"aws_route53_zone\""), "{hcl}");
        assert!(
            resources
                .iter()
                .any(|r| r.import_id.as_deref() == Some("ZHUB:vpc-11111111"))
        );
        assert!(left_out.iter().any(|l| l.contains("account 222222222222")));
        assert!(
            left_out.iter().all(|l| !l.contains("  ")),
            "one space between words: {left_out:?}"
        );
    }

    #[test]
    fn a_zone_another_accounts_profile_carries_is_left_to_that_accounts_terraform() {
        let mut f = facts();
        f.zone = None;
        f.profile_zones = Ok(vec![crate::facts::fixtures::network_profile_zone()]);
        let (hcl, _, left_out) = render(&f, "vpc-11111111").unwrap();
        assert!(!hcl.contains("aws_route53_zone"), "{hcl}");
        assert!(
            left_out.iter().any(|l| l.contains(
                "Route 53 Profile rp-network of account \
                 222222222222"
            ) && l.contains("ZHUB")
                && l.contains("aws_route53profiles_resource_association")),
            "{left_out:?}"
        );
    }

    #[test]
    fn an_endpoint_another_cluster_rides_cannot_be_destroyed_by_the_export() {
        let lifecycles = |f: &ExportFacts| {
            let (hcl, _, left_out) = render(f, "vpc-11111111").unwrap();
            (hcl.matches("prevent_destroy = true").count(), left_out)
        };
        let mut f = facts();
        assert_eq!(lifecycles(&f).0, 0, "alone on its endpoint: destroyable");
        f.shared_with = Ok(vec![crate::riders::tests::ride(
            "in01-other",
            "vpc-11111111",
        )]);
        let (guarded, left_out) = lifecycles(&f);
        assert_eq!(guarded, 2, "the endpoint and its group");
        assert!(
            left_out
                .iter()
                .any(|l| l.contains("in01-other") && l.contains("Z-in01-other"))
        );
        f.shared_with = Err("route53:ListHostedZonesByName denied".into());
        let (guarded, left_out) = lifecycles(&f);
        assert_eq!(guarded, 2, "unknown riders are guarded against too");
        assert!(left_out.iter().any(|l| l.contains("could not be read")));
    }

    #[test]
    fn a_cross_region_endpoint_is_written_with_its_service_region_in_the_vpcs_region() {
        let same = render(&facts(), "vpc-11111111").unwrap().0;
        assert!(!same.contains("service_region"), "{same}");
        assert!(same.contains("\"version\" = \">= 5.0\""), "{same}");
        let mut f = facts();
        f.vpc_region = RegionNames::parse("us-east-1").unwrap();
        let across = render(&f, "vpc-11111111").unwrap().0;
        assert!(
            across.contains("service_region = \"us-west-2\""),
            "{across}"
        );
        assert!(across.contains("region = \"us-east-1\""), "{across}");
        assert!(across.contains("\"version\" = \">= 6.0\""), "{across}");
    }

    #[test]
    fn every_live_resource_is_adopted_with_its_import_id() {
        let (hcl, resources, left_out) = render(&facts(), "vpc-11111111").unwrap();
        let addresses: Vec<(&str, Option<&str>)> = resources
            .iter()
            .map(|r| (r.address.as_str(), r.import_id.as_deref()))
            .collect();
        assert_eq!(
            addresses,
            vec![
                ("aws_vpc_endpoint.zilliz", Some("vpce-11111111")),
                ("aws_security_group.zilliz_endpoint", Some("sg-11111111")),
                ("zillizcloud_private_endpoint.zilliz", None),
                ("zillizcloud_private_endpoint_whitelist.zilliz", None),
                ("aws_route53_zone.zilliz", Some("Z1")),
                (
                    "aws_route53_record.zilliz",
                    Some(&*format!("Z1_{}_A", fixtures::HOST))
                ),
            ]
        );
        // It parses back, and what needs escaping was escaped.
        let parsed: hcl::Body = hcl::from_str(&hcl).unwrap();
        assert!(parsed.blocks().count() >= 9, "{hcl}");
        assert!(hcl.contains("to = aws_vpc_endpoint.zilliz"), "{hcl}");
        assert!(hcl.contains("$${comment}"), "{hcl}");
        assert!(
            left_out
                .iter()
                .any(|l| l.contains("count = 0") && l.contains("cannot import a registration"))
        );
        // The Zilliz part applies as written: off until the variable says otherwise.
        assert!(
            hcl.contains("count = var.zilliz_manage_registration ? 1 : 0"),
            "{hcl}"
        );
        assert!(
            hcl.contains("variable \"zilliz_manage_registration\""),
            "{hcl}"
        );
        assert!(hcl.contains("\"version\" = \">= 0.6.35\""), "{hcl}");
    }

    fn rules_of(hcl: &str, kind: &str) -> Vec<hcl::Block> {
        let parsed: hcl::Body = hcl::from_str(hcl).unwrap();
        let group = parsed
            .blocks()
            .find(|b| {
                b.identifier() == "resource"
                    && b.labels().first().map(|l| l.as_str()) == Some("aws_security_group")
            })
            .unwrap()
            .clone();
        group
            .body()
            .blocks()
            .filter(|b| b.identifier() == kind)
            .cloned()
            .collect()
    }

    fn attribute(block: &hcl::Block, key: &str) -> Option<hcl::Expression> {
        block
            .body()
            .attributes()
            .find(|a| a.key() == key)
            .map(|a| a.expr().clone())
    }

    #[test]
    fn rules_are_written_as_the_aws_provider_reads_them_back() {
        let mut f = facts();
        let described = |peer: Peer, description: &str| {
            let mut rule = Rule::new("tcp", Some((19531, 19531)), peer);
            rule.description = Some(description.into());
            rule
        };
        f.groups[0].inbound = vec![
            // Two clients on the port with the same description: one block, both sources.
            described(Peer::Cidr("10.0.1.0/24".parse().unwrap()), "clients"),
            described(Peer::Cidr("10.0.2.0/24".parse().unwrap()), "clients"),
            described(Peer::Group("sg-22222222".into()), "clients"),
            // The group referencing itself: `self = true`, not its id.
            described(Peer::Group("sg-11111111".into()), "peers"),
            // TCP over every port: 0 to 65535, not -1.
            Rule::new("tcp", None, Peer::Cidr("10.9.0.0/16".parse().unwrap())),
        ];
        f.groups[0].outbound = vec![Rule::new(
            "-1",
            None,
            Peer::Cidr("0.0.0.0/0".parse().unwrap()),
        )];
        let (hcl, _, _) = render(&f, "vpc-11111111").unwrap();
        let ingress = rules_of(&hcl, "ingress");
        assert_eq!(ingress.len(), 3, "{hcl}");
        let clients = &ingress[0];
        assert_eq!(
            attribute(clients, "cidr_blocks"),
            Some(hcl::Expression::from(vec!["10.0.1.0/24", "10.0.2.0/24"]))
        );
        assert_eq!(
            attribute(clients, "security_groups"),
            Some(hcl::Expression::from(vec!["sg-22222222"]))
        );
        let peers = &ingress[1];
        assert_eq!(attribute(peers, "self"), Some(hcl::Expression::from(true)));
        assert_eq!(attribute(peers, "security_groups"), None);
        let all_ports = &ingress[2];
        assert_eq!(
            attribute(all_ports, "from_port"),
            Some(hcl::Expression::from(0))
        );
        assert_eq!(
            attribute(all_ports, "to_port"),
            Some(hcl::Expression::from(65535))
        );
        let [egress] = &rules_of(&hcl, "egress")[..] else {
            panic!("{hcl}")
        };
        assert_eq!(
            attribute(egress, "protocol"),
            Some(hcl::Expression::from("-1"))
        );
        assert_eq!(attribute(egress, "to_port"), Some(hcl::Expression::from(0)));
    }

    #[test]
    fn what_this_tool_did_not_make_is_left_out() {
        let mut f = facts();
        f.groups[0].tags.clear();
        f.zone = None;
        f.whitelist_required = false;
        let (_, resources, left_out) = render(&f, "vpc-11111111").unwrap();
        assert!(
            resources
                .iter()
                .all(|r| r.address != "aws_security_group.zilliz_endpoint")
        );
        assert!(
            left_out
                .iter()
                .any(|l| l.contains("sg-11111111") && l.contains("did not make"))
        );
        assert!(left_out.iter().any(|l| l.contains("private zone")));
    }
}
