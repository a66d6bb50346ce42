//! Route 53 Resolver rules associated with a VPC, as plain data.

use aws_sdk_route53resolver::Client;
use aws_sdk_route53resolver::types::Filter;

use super::sdk_error;
use crate::error::Error;

/// A Resolver rule that applies to a VPC.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ResolverRule {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    /// Without the trailing dot, lowercase.
    pub(crate) domain: String,
    /// `FORWARD`, `SYSTEM` or `RECURSIVE`.
    pub(crate) rule_type: String,
    /// `ip:port` of each target, for forwarding rules.
    pub(crate) targets: Vec<String>,
    /// Shared from another account through AWS RAM.
    pub(crate) shared: bool,
    /// Where a Route 53 Profile brings the rule rather than an association of the VPC's own:
    /// that Profile, as findings name it.
    pub(crate) via_profile: Option<String>,
}

impl ResolverRule {
    fn of(r: &aws_sdk_route53resolver::types::ResolverRule) -> Self {
        Self {
            id: r.id().unwrap_or_default().to_string(),
            name: r.name().map(str::to_string),
            domain: r
                .domain_name()
                .unwrap_or_default()
                .trim_end_matches('.')
                .to_ascii_lowercase(),
            rule_type: r
                .rule_type()
                .map(|t| t.as_str().to_ascii_uppercase())
                .unwrap_or_default(),
            targets: r
                .target_ips()
                .iter()
                .map(|t| {
                    format!(
                        "{}:{}",
                        t.ip().or(t.ipv6()).unwrap_or("?"),
                        t.port().unwrap_or(53)
                    )
                })
                .collect(),
            shared: r
                .share_status()
                .is_some_and(|s| s.as_str() == "SHARED_WITH_ME"),
            via_profile: None,
        }
    }
}

/// One Resolver rule by id (a rule a Route 53 Profile brings).
pub(super) async fn rule(client: &Client, id: &str) -> Result<ResolverRule, Error> {
    let out = client
        .get_resolver_rule()
        .resolver_rule_id(id)
        .send()
        .await
        .map_err(|e| sdk_error("route53resolver:GetResolverRule", e))?;
    out.resolver_rule()
        .map(ResolverRule::of)
        .ok_or_else(|| Error::not_found(format!("Resolver rule {id}"), "check the Profile"))
}

/// The Resolver rules associated with a VPC: its associations and the rules, read in one
/// round (both lists at once) and joined here.
pub(crate) async fn rules_of_vpc(
    client: &Client,
    vpc_id: &str,
) -> Result<Vec<ResolverRule>, Error> {
    let (associations, rules) = tokio::join!(
        client
            .list_resolver_rule_associations()
            .filters(Filter::builder().name("VPCId").values(vpc_id).build())
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
        client
            .list_resolver_rules()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
    );
    let associations =
        associations.map_err(|e| sdk_error("route53resolver:ListResolverRuleAssociations", e))?;
    let rules = rules.map_err(|e| sdk_error("route53resolver:ListResolverRules", e))?;
    let associated: Vec<&str> = associations
        .iter()
        .filter(|a| a.vpc_id() == Some(vpc_id))
        .filter_map(|a| a.resolver_rule_id())
        .collect();
    let mut found: Vec<ResolverRule> = rules
        .iter()
        .filter(|r| r.id().is_some_and(|id| associated.contains(&id)))
        .map(ResolverRule::of)
        .collect();
    found.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(found)
}

/// An inbound Resolver endpoint: where DNS servers outside AWS send queries for names only
/// the VPC's resolver can answer (its private zones).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct InboundEndpoint {
    pub(crate) id: String,
    pub(crate) vpc_id: String,
    pub(crate) addresses: Vec<String>,
}

/// Every inbound Resolver endpoint of the region with its addresses, in two rounds.
pub(crate) async fn inbound_endpoints(client: &Client) -> Result<Vec<InboundEndpoint>, Error> {
    let endpoints = client
        .list_resolver_endpoints()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| sdk_error("route53resolver:ListResolverEndpoints", e))?;
    let inbound: Vec<(String, String)> = endpoints
        .iter()
        .filter(|e| e.direction().is_some_and(|d| d.as_str() == "INBOUND"))
        .filter_map(|e| Some((e.id()?.to_string(), e.host_vpc_id()?.to_string())))
        .collect();
    let addresses = futures::future::join_all(inbound.iter().map(|(id, _)| {
        client
            .list_resolver_endpoint_ip_addresses()
            .resolver_endpoint_id(id)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
    }))
    .await;
    inbound
        .into_iter()
        .zip(addresses)
        .map(|((id, vpc_id), found)| {
            let found = found
                .map_err(|e| sdk_error("route53resolver:ListResolverEndpointIpAddresses", e))?;
            Ok(InboundEndpoint {
                id,
                vpc_id,
                addresses: found
                    .iter()
                    .filter_map(|a| a.ip().or(a.ipv6()).map(str::to_string))
                    .collect(),
            })
        })
        .collect()
}

/// A Resolver query logging configuration associated with a VPC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryLogConfig {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    /// The VPC whose queries it logs.
    pub(crate) vpc_id: String,
    /// A CloudWatch Logs log group, an S3 bucket or a Firehose stream; `None` for a
    /// configuration this account cannot list (another account's, not shared with it).
    pub(crate) destination_arn: Option<String>,
}

/// The query logging configurations associated with `vpcs`: the associations and the
/// configurations (their destinations), read in one round and joined here.
pub(crate) async fn query_log_configs(
    client: &Client,
    vpcs: &[String],
) -> Result<Vec<QueryLogConfig>, Error> {
    let (associations, configs) = tokio::join!(
        client
            .list_resolver_query_log_config_associations()
            .filters(
                Filter::builder()
                    .name("ResourceId")
                    .set_values(Some(vpcs.to_vec()))
                    .build()
            )
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
        client
            .list_resolver_query_log_configs()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
    );
    let associations = associations
        .map_err(|e| sdk_error("route53resolver:ListResolverQueryLogConfigAssociations", e))?;
    let configs =
        configs.map_err(|e| sdk_error("route53resolver:ListResolverQueryLogConfigs", e))?;
    let mut found: Vec<QueryLogConfig> = associations
        .iter()
        .filter(|a| a.status().is_none_or(|s| s.as_str() != "FAILED"))
        .filter_map(|a| {
            let vpc = a.resource_id().filter(|v| vpcs.iter().any(|w| w == v))?;
            let id = a.resolver_query_log_config_id()?;
            let config = configs.iter().find(|c| c.id() == Some(id));
            Some(QueryLogConfig {
                id: id.to_string(),
                name: config.and_then(|c| c.name()).map(str::to_string),
                vpc_id: vpc.to_string(),
                destination_arn: config.and_then(|c| c.destination_arn()).map(str::to_string),
            })
        })
        .collect();
    found.sort_by(|a, b| (&a.vpc_id, &a.id).cmp(&(&b.vpc_id, &b.id)));
    Ok(found)
}
