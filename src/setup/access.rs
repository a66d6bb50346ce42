//! `allow_client_access`: one inbound TCP rule on the endpoint's security group, on the
//! private link's own port, from the clients.

use schemars::JsonSchema;
use serde::Serialize;

use crate::app::App;
use crate::aws::ec2;
use crate::aws::rules::{Peer, Rule, tcp_allowed};
use crate::aws::tags::is_managed;
use crate::change::consent::Consent;
use crate::change::plan::Change;
use crate::change::{self, Proposal, Report};
use crate::cluster;
use crate::error::Error;
use crate::region::RegionNames;
use crate::request::AccessRequest;
use crate::summary::Summary;
use crate::validate::{self, AwsId};

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = applied_means)]
pub(crate) struct AccessOutput {
    #[serde(flatten)]
    report: Report,
    /// The rule that lets the clients in, such as `tcp 19531 from sg-0abc`.
    rule: String,
    /// The existing rule that already allows it, where there is one.
    already_allowed_by: Option<String>,
    group_id: String,
    port: u16,
}

fn applied_means(schema: &mut schemars::Schema) {
    change::describe_field(schema, "applied", "True when this call added the rule.");
}

impl Summary for AccessOutput {
    fn summary(&self) -> String {
        self.report.summary()
    }
}

/// Who connects: the clients' security group or their network, exactly one of them.
fn source_of(request: &AccessRequest) -> Result<Peer, Error> {
    Ok(
        match (&request.source_security_group_id, &request.source_cidr) {
            (Some(sg), None) => {
                Peer::Group(AwsId::SecurityGroup.check_field("source_security_group_id", sg)?)
            }
            (None, Some(cidr)) => Peer::Cidr(validate::cidr("source_cidr", cidr)?),
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "source_cidr",
                    request.source_cidr.as_deref().unwrap_or_default(),
                    "give source_security_group_id or source_cidr, not both",
                ));
            }
            (None, None) => {
                return Err(Error::missing(
                    "source_security_group_id",
                    "say who connects: the clients' security group (source_security_group_id) or their network (source_cidr)",
                ));
            }
        },
    )
}

pub(crate) async fn allow_client_access(
    app: &App,
    request: AccessRequest,
    consent: &Consent,
) -> Result<AccessOutput, Error> {
    let group_id = AwsId::SecurityGroup.check_field(
        "endpoint_security_group_id",
        &request.endpoint_security_group_id,
    )?;
    let source = source_of(&request)?;
    let asked_port = request.port.map(validate::port).transpose()?;
    if let Some(c) = &request.cluster_id {
        validate::cluster_id(c)?;
    }
    let asked_region = request
        .region
        .as_deref()
        .map(RegionNames::parse)
        .transpose()?;

    if request.cluster_id.is_none() && asked_port.is_none() {
        return Err(Error::missing(
            "port",
            "pass cluster_id (the port is read from its private link address) or port",
        ));
    }
    let located = cluster::locate(app, request.cluster_id.as_deref(), asked_region).await?;
    let region = located.region;
    let mut warnings = Vec::new();
    let port = match (&located.cluster, asked_port) {
        (Some(t), asked) => {
            let link_port = t.require_address()?.port;
            if let Some(asked) = asked
                && asked != link_port
            {
                warnings.push(format!(
                    "port {asked} was given, but the private link of {} listens on {link_port}; \
                     using {link_port}",
                    t.cluster_id()
                ));
            }
            link_port
        }
        (None, asked) => asked.unwrap_or_default(),
    };

    let clients = app.aws.clients(Some(&region)).await?;
    let mut ids = vec![group_id.clone()];
    if let Peer::Group(source_id) = &source
        && source_id != &group_id
    {
        ids.push(source_id.clone());
    }
    let (groups, identity) = tokio::join!(
        ec2::security_groups(&clients.ec2, &ids, Vec::new()),
        app.aws.identity(&region),
    );
    let identity = identity?;
    let groups = groups.map_err(|e| match e {
        Error::NotFound { what, .. } => Error::not_found(
            what,
            format!(
                "Check the security group ids; they must be in {}",
                region.aws_region
            ),
        ),
        other => other,
    })?;
    let group = groups
        .iter()
        .find(|g| g.id == group_id)
        .ok_or_else(|| Error::not_found(format!("security group `{group_id}`"), "Check the id"))?;
    let rule = Rule::new("tcp", Some((port, port)), source.clone()).summary("from");

    let mut proposal = Proposal::new("allow_client_access", &identity, &region);
    proposal.vpc_id = group.vpc_id.clone();
    proposal.cluster_id = request.cluster_id.clone();
    proposal.warnings = warnings;
    let already_allowed_by = tcp_allowed(&group.inbound, port, &source).map(|r| r.summary("from"));
    match &already_allowed_by {
        Some(existing) => {
            proposal.nothing_to_do =
                format!("Nothing to do: {group_id} already allows {rule} (through `{existing}`).")
        }
        None => proposal.changes.push(Change::AllowTcp {
            group_id: group_id.clone(),
            group_name: group.name.clone(),
            port,
            source,
            description: match &request.cluster_id {
                Some(c) => format!("Zilliz private link {c} (zilliz-privatelink-mcp)"),
                None => "Zilliz private link (zilliz-privatelink-mcp)".to_string(),
            },
            made_outside: !is_managed(&group.tags),
        }),
    }
    let (mut report, applied) =
        change::settle(app, &clients, proposal, request.confirm, consent).await?;
    if applied.is_some() {
        report.message = format!("Added to {group_id}: {rule}.");
    }
    Ok(AccessOutput {
        report,
        rule,
        already_allowed_by,
        group_id,
        port,
    })
}
