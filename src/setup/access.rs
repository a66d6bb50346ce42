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
use crate::validate::{self, NamedRef};

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = applied_means)]
pub(crate) struct AccessOutput {
    #[serde(flatten)]
    report: Report,
    /// The rule that lets the clients in, such as `tcp 19531 from sg-0abc` (each rule, `; `
    /// between them, where several clusters' ports were asked).
    rule: String,
    /// The existing rule that already allows it, where there is one.
    already_allowed_by: Option<String>,
    group_id: String,
    /// The port (the first cluster's, where several were asked: `rules` has each).
    port: u16,
    /// One rule a port, with the clusters it serves and what already allows it.
    rules: Vec<PortRule>,
}

/// The rule one port needs, for the clusters that listen on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
struct PortRule {
    port: u16,
    /// The clusters whose private link listens on this port (empty where a port was given).
    cluster_ids: Vec<String>,
    rule: String,
    /// The existing rule that already allows it, where there is one.
    already_allowed_by: Option<String>,
}

fn applied_means(schema: &mut schemars::Schema) {
    change::describe_field(schema, "applied", "True when this call added the rule.");
}

impl Summary for AccessOutput {
    fn summary(&self) -> String {
        self.report.summary()
    }
}

/// Who connects, as the person named it: the clients' security group (id or name) or their
/// network, exactly one of them.
enum Source {
    Group(NamedRef),
    Cidr(ipnet::IpNet),
}

fn source_of(request: &AccessRequest) -> Result<Source, Error> {
    Ok(
        match (&request.source_security_group_id, &request.source_cidr) {
            (Some(sg), None) => Source::Group(validate::group_ref("source_security_group_id", sg)?),
            (None, Some(cidr)) => Source::Cidr(validate::cidr("source_cidr", cidr)?),
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

/// The clusters asked for: `cluster_id` or `cluster_ids`, each checked, each once.
fn clusters_of(request: &AccessRequest) -> Result<Vec<String>, Error> {
    let mut ids = match (&request.cluster_id, &request.cluster_ids) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                "cluster_ids",
                &request.cluster_ids.clone().unwrap_or_default().join(","),
                "give cluster_id or cluster_ids, not both",
            ));
        }
        (Some(one), None) => vec![validate::cluster_id(one)?],
        (None, Some(many)) if many.is_empty() => {
            return Err(Error::invalid(
                "cluster_ids",
                "[]",
                "name at least one cluster, or give port",
            ));
        }
        (None, Some(many)) => many
            .iter()
            .map(|c| validate::cluster_id(c))
            .collect::<Result<_, _>>()?,
        (None, None) => Vec::new(),
    };
    let mut seen = std::collections::BTreeSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    Ok(ids)
}

/// The region and the ports to open: each cluster's own (read from its private link address,
/// all in one region), else the port given; with a warning where a given port is not theirs.
async fn ports_of(
    app: &App,
    clusters: &[String],
    asked_port: Option<u16>,
    asked_region: Option<RegionNames>,
) -> Result<(RegionNames, Vec<(u16, Vec<String>)>, Vec<String>), Error> {
    let Some(first) = clusters.first() else {
        let located = cluster::locate(app, None, asked_region).await?;
        return Ok((
            located.aws,
            vec![(asked_port.unwrap_or_default(), Vec::new())],
            Vec::new(),
        ));
    };
    let located = futures::future::try_join_all(
        clusters
            .iter()
            .map(|id| cluster::locate(app, Some(id), asked_region.clone())),
    )
    .await?;
    let region = located[0].region.clone();
    // The endpoint's group is where `region` says (a cross-region endpoint), else in the
    // clusters' region.
    let group_region = located[0].aws.clone();
    for (id, at) in clusters.iter().zip(&located) {
        if at.region != region {
            return Err(Error::invalid(
                "cluster_ids",
                id,
                format!(
                    "`{id}` is in {}, `{first}` in {region}: one endpoint's group serves one \
                     region; call once a region",
                    at.region
                ),
            ));
        }
    }
    let mut ports: Vec<(u16, Vec<String>)> = Vec::new();
    for (id, at) in clusters.iter().zip(&located) {
        let t = at.cluster.as_ref().expect("located by id");
        let port = t.require_address()?.port;
        match ports.iter_mut().find(|(p, _)| *p == port) {
            Some((_, ids)) => ids.push(id.clone()),
            None => ports.push((port, vec![id.clone()])),
        }
    }
    let listening = ports
        .iter()
        .map(|(p, _)| p.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let warnings = match asked_port {
        Some(asked) if !ports.iter().any(|(p, _)| *p == asked) => vec![format!(
            "port {asked} was given, but the private link of {} listens on {listening}; using \
             {listening}",
            clusters.join(", "),
        )],
        _ => Vec::new(),
    };
    Ok((group_region, ports, warnings))
}

pub(crate) async fn allow_client_access(
    app: &App,
    request: AccessRequest,
    consent: &Consent,
) -> Result<AccessOutput, Error> {
    let endpoint_group = validate::group_ref(
        "endpoint_security_group_id",
        &request.endpoint_security_group_id,
    )?;
    let source = source_of(&request)?;
    let asked_port = request.port.map(validate::port).transpose()?;
    let cluster_ids = clusters_of(&request)?;
    let asked_region = RegionNames::parse_optional(request.region.as_deref())?;
    if cluster_ids.is_empty() && asked_port.is_none() {
        return Err(Error::missing(
            "port",
            "pass cluster_id (the port is read from its private link address) or port",
        ));
    }
    let (region, ports, warnings) = ports_of(app, &cluster_ids, asked_port, asked_region).await?;

    let clients = app.aws.clients(Some(&region)).await?;
    // Groups named by their Name tag (or GroupName) are found first, side by side.
    let (group_id, source) = tokio::join!(
        ec2::group_id_of(
            &clients.ec2,
            "endpoint_security_group_id",
            &endpoint_group,
            None
        ),
        async {
            match source {
                Source::Group(g) => {
                    ec2::group_id_of(&clients.ec2, "source_security_group_id", &g, None)
                        .await
                        .map(Peer::Group)
                }
                Source::Cidr(c) => Ok(Peer::Cidr(c)),
            }
        },
    );
    let (group_id, source) = (group_id?, source?);
    let (group, identity) = tokio::join!(
        the_groups(&clients, &group_id, &source, &region),
        app.aws.identity(&region),
    );
    let (identity, group) = (identity?, group?);

    let mut proposal = Proposal::new("allow_client_access", &identity, &region);
    proposal.vpc_id = group.vpc_id.clone();
    proposal.cluster_id = cluster_ids.first().cloned();
    proposal.warnings = warnings;
    let rules = rules_for(ports, &group.inbound, &source);
    for r in rules.iter().filter(|r| r.already_allowed_by.is_none()) {
        proposal.changes.push(Change::AllowTcp {
            group_id: group_id.clone(),
            group_name: group.name.clone(),
            port: r.port,
            source: source.clone(),
            description: match &r.cluster_ids[..] {
                [] => "Zilliz private link (zilliz-privatelink-mcp)".to_string(),
                ids => format!(
                    "Zilliz private link {} (zilliz-privatelink-mcp)",
                    ids.join(", ")
                ),
            },
            made_outside: !is_managed(&group.tags),
        });
    }
    let said = |r: &PortRule| match &r.already_allowed_by {
        Some(existing) => format!("{} (through `{existing}`)", r.rule),
        None => r.rule.clone(),
    };
    let rule = rules
        .iter()
        .map(|r| r.rule.clone())
        .collect::<Vec<_>>()
        .join("; ");
    proposal.nothing_to_do = format!(
        "Nothing to do: {group_id} already allows {}.",
        rules.iter().map(said).collect::<Vec<_>>().join("; ")
    );
    let (mut report, applied) =
        change::settle(app, &clients, proposal, request.confirm, consent).await?;
    if applied.is_some() {
        let added: Vec<&str> = rules
            .iter()
            .filter(|r| r.already_allowed_by.is_none())
            .map(|r| r.rule.as_str())
            .collect();
        report.message = format!("Added to {group_id}: {}.", added.join("; "));
    }
    Ok(AccessOutput {
        report,
        rule,
        already_allowed_by: rules[0].already_allowed_by.clone(),
        group_id,
        port: rules[0].port,
        rules,
    })
}

/// One rule a port, each with what of the group's rules already allows it.
fn rules_for(ports: Vec<(u16, Vec<String>)>, inbound: &[Rule], source: &Peer) -> Vec<PortRule> {
    ports
        .into_iter()
        .map(|(port, cluster_ids)| PortRule {
            rule: Rule::new("tcp", Some((port, port)), source.clone()).summary("from"),
            already_allowed_by: tcp_allowed(inbound, port, source).map(|r| r.summary("from")),
            port,
            cluster_ids,
        })
        .collect()
}

/// The endpoint's group (and the source group, read beside it to check it exists in the
/// region).
async fn the_groups(
    clients: &crate::aws::RegionClients,
    group_id: &str,
    source: &Peer,
    region: &RegionNames,
) -> Result<ec2::SecurityGroup, Error> {
    let mut ids = vec![group_id.to_string()];
    if let Peer::Group(source_id) = source
        && source_id != group_id
    {
        ids.push(source_id.clone());
    }
    let groups = ec2::security_groups(&clients.ec2, &ids, Vec::new())
        .await
        .map_err(|e| match e {
            Error::NotFound { what, .. } => Error::not_found(
                what,
                format!(
                    "Check the security group ids; they must be in {}",
                    region.aws_region
                ),
            ),
            other => other,
        })?;
    groups
        .into_iter()
        .find(|g| g.id == group_id)
        .ok_or_else(|| Error::not_found(format!("security group `{group_id}`"), "Check the id"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asking(cluster_id: Option<&str>, cluster_ids: Option<&[&str]>) -> AccessRequest {
        AccessRequest {
            cluster_id: cluster_id.map(str::to_string),
            cluster_ids: cluster_ids.map(|ids| ids.iter().map(|c| c.to_string()).collect()),
            ..Default::default()
        }
    }

    #[test]
    fn the_clusters_are_one_or_a_list_each_once_and_checked() {
        let a = "in01-0123456789abcdef";
        let b = "in01-fedcba9876543210";
        assert_eq!(clusters_of(&asking(Some(a), None)).unwrap(), [a]);
        assert_eq!(
            clusters_of(&asking(None, Some(&[b, a, b]))).unwrap(),
            [b, a]
        );
        assert!(clusters_of(&asking(None, None)).unwrap().is_empty());
        let both = clusters_of(&asking(Some(a), Some(&[b]))).unwrap_err();
        assert!(both.to_string().contains("not both"), "{both}");
        let empty = clusters_of(&asking(None, Some(&[]))).unwrap_err();
        assert!(empty.to_string().contains("cluster_ids"), "{empty}");
        let bad = clusters_of(&asking(None, Some(&[a, "in01-x; rm"]))).unwrap_err();
        assert!(bad.to_string().contains("in01-x; rm"), "{bad}");
    }

    #[test]
    fn each_port_gets_its_rule_unless_one_already_allows_it() {
        let source = Peer::Group("sg-app".into());
        let inbound = vec![Rule::new("tcp", Some((19530, 19530)), source.clone())];
        let rules = rules_for(
            vec![
                (19530, vec!["in01-a".into()]),
                (19533, vec!["in01-b".into(), "in01-c".into()]),
            ],
            &inbound,
            &source,
        );
        assert_eq!(rules.len(), 2);
        assert_eq!(
            rules[0].already_allowed_by.as_deref(),
            Some("tcp 19530 from sg-app")
        );
        assert_eq!(rules[1].rule, "tcp 19533 from sg-app");
        assert_eq!(rules[1].already_allowed_by, None);
        // Another source is not allowed by a rule for sg-app.
        let other = rules_for(
            vec![(19530, vec![])],
            &inbound,
            &Peer::Group("sg-other".into()),
        );
        assert_eq!(other[0].already_allowed_by, None);
    }
}
