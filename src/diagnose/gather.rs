//! The diagnosis's reads beyond the facts: the client (its instance, groups and own VPC) and,
//! for a client that may be outside the endpoint's VPC, that VPC's routes, peerings and inbound
//! Resolver endpoints, in the rounds their inputs allow. No judgement here: `judge` reads these
//! values.

use std::collections::{BTreeMap, BTreeSet};

use ipnet::IpNet;

use super::arguments::CheckedRequest;
use crate::app::App;
use crate::aws::RegionClients;
use crate::aws::ec2::{self, PeeringConnection, RouteTable, SecurityGroup};
use crate::aws::resolver::InboundEndpoint;
use crate::aws::route53::Zone;
use crate::aws::transit;
use crate::cluster::AwsCluster;
use crate::error::Error;
use crate::evidence::{self, Evidence, Question};
use crate::facts::{self, Facts};
use crate::reach::ClientSide;
use crate::region::RegionNames;
use crate::verdict::ClientView;

use super::evidence::LogClient;
use super::history::{self, AppScope, RunOn};

/// Everything the checks know about the client: who it is and its groups and subnet.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct KnownClient {
    pub(super) view: ClientView,
    /// The instance the caller named (or the machine the diagnosis runs on).
    pub(super) instance_id: Option<String>,
    pub(super) groups: Vec<SecurityGroup>,
    pub(super) subnet_id: Option<String>,
    /// The client's own VPC where it is not the endpoint's, with what was read of it.
    pub(super) other_vpc: Option<OtherVpc>,
    /// Where only an address was given: every VPC of the region with its blocks, to find the
    /// client's VPC or to tell that it is outside them all (on premises).
    pub(super) networks: Option<Result<Vec<VpcBlocks>, Error>>,
}

impl KnownClient {
    /// Where the application runs, as said before the client is placed: its instance, its
    /// groups and network, in its own VPC (else the endpoint's).
    pub(super) fn scope(&self, vpc_id: &str) -> AppScope {
        AppScope {
            vpc_id: self
                .other_vpc
                .as_ref()
                .map_or(vpc_id.to_string(), |o| o.id.clone()),
            instance_id: self.instance_id.clone(),
            group_ids: self.view.side.group_ids.clone(),
            network: self.view.side.network,
        }
    }
}

/// A VPC's id and its address blocks.
pub(super) type VpcBlocks = (String, Vec<IpNet>);

/// The client's VPC where it is not the endpoint's: its id and what was read of it.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct OtherVpc {
    pub(super) id: String,
    pub(super) read: Result<ClientVpc, Error>,
}

/// The client's own VPC, its private zones and its route tables, and the transit gateways
/// that may join it to the endpoint's VPC.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct ClientVpc {
    pub(super) vpc: ec2::Vpc,
    pub(super) zones: Vec<Zone>,
    pub(super) route_tables: Vec<RouteTable>,
    pub(super) transit: Transit,
}

/// The transit gateway attachments of the client's VPC and the endpoint's, the routes of the
/// route tables they are associated with, and the zones of their subnets (and of the client
/// instance's subnet). The routes and zones are read only where there is an attachment.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct Transit {
    pub(super) attachments: Result<Vec<transit::Attachment>, Error>,
    pub(super) routes: BTreeMap<String, Result<Vec<transit::Route>, Error>>,
    pub(super) zone_of: Result<BTreeMap<String, String>, Error>,
}

/// What the endpoint's VPC shows a client outside it: the way back (route tables), the
/// peerings (for a client VPC) and the inbound Resolver endpoints (for an address alone).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct Surroundings {
    pub(super) route_tables: Result<Vec<RouteTable>, Error>,
    pub(super) inbound: Option<Result<Vec<InboundEndpoint>, Error>>,
    pub(super) peerings: Result<Vec<PeeringConnection>, Error>,
}

/// Everything the control plane's judgement reads.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct ControlPlaneReads {
    pub(super) facts: Facts,
    pub(super) client: Result<KnownClient, Error>,
    /// Only where the client may be outside the endpoint's VPC.
    pub(super) surroundings: Option<Surroundings>,
    /// What the flow logs and query logs said, with who the client is as they can tell it.
    pub(super) logs: (Evidence, LogClient),
    /// The probes `probe_from_instance` ran for the link's address, from SSM's history, and
    /// where the application runs; `None` where the cluster has no address yet.
    pub(super) probes: Option<(Result<Vec<RunOn>, Error>, AppScope)>,
    /// The facts of the client's own VPC where it is not the endpoint's and can be read: what
    /// its instances' resolver answers from.
    pub(super) client_facts: Option<Facts>,
    /// Where the VPC named reaches an endpoint another account keeps (read with
    /// `endpoint_profile`): that endpoint's VPC, from which the link is judged.
    #[serde(default)]
    pub(super) across_accounts_hub: Option<String>,
}

impl ControlPlaneReads {
    /// Where the VPC named uses another VPC's endpoint of this account (hub and spoke): that
    /// VPC. A hub of another account is read through its own profile, never from here.
    pub(super) fn hub_vpc(&self, vpc_id: &str) -> Option<String> {
        if self.facts.zone_account_elsewhere().is_some() {
            return None;
        }
        self.facts
            .endpoint()
            .map(|e| e.vpc_id.clone())
            .filter(|hub| hub != vpc_id)
    }
}

/// Rounds 2 and 3: the facts; the client (and its own VPC) beside them; and, for a client that
/// may be outside the VPC, the endpoint VPC's routes (the way back), its peerings and, for an
/// address alone, the inbound Resolver endpoints (on premises). The logs that exist are listed
/// in round 2 too; what answers the question is read in a fourth round, once the endpoint is
/// known. Fails only where AWS cannot be reached at all; every other read's failure stays in
/// its value.
pub(super) async fn control_plane(
    (app, endpoint_app): (&App, Option<&App>),
    t: &AwsCluster,
    vpc_id: &str,
    c: &CheckedRequest,
) -> Result<ControlPlaneReads, Error> {
    // The AWS side is read where the VPC is, which for a cross-region link is not the
    // cluster's region.
    let region = c.vpc_region.clone().unwrap_or_else(|| t.region.clone());
    let clients = app.aws.clients(Some(&region)).await?;
    let outside = c.client_vpc.is_some() || c.instance_id.is_some() || c.client_network.is_some();
    let asking_vpcs: Vec<String> = std::iter::once(vpc_id.to_string())
        .chain(c.client_vpc.clone().filter(|v| v != vpc_id))
        .collect();
    let named_client_vpc = c.client_vpc.as_deref().filter(|v| *v != vpc_id);
    let facts_of = |vpc| facts_of(app, t, vpc, &region);
    let (facts, client_facts, mut client, mut surroundings, log_sources, runs) = tokio::join!(
        facts_of(vpc_id),
        async {
            match named_client_vpc {
                Some(vpc) => Some(facts_of(vpc).await),
                None => None,
            }
        },
        client(&clients, c, vpc_id, &region),
        async {
            if !outside {
                return None;
            }
            let (route_tables, inbound, peerings) = tokio::join!(
                ec2::route_tables_of_vpc(&clients.ec2, vpc_id),
                async {
                    if c.address_only() {
                        Some(crate::aws::resolver::inbound_endpoints(&clients.resolver).await)
                    } else {
                        None
                    }
                },
                async {
                    if c.client_vpc.is_some() {
                        ec2::peering_connections_of_vpc(&clients.ec2, vpc_id).await
                    } else {
                        Ok(Vec::new())
                    }
                },
            );
            Some(Surroundings {
                route_tables,
                inbound,
                peerings,
            })
        },
        evidence::find(&clients, &asking_vpcs),
        async {
            match &t.address {
                Some(address) => Some(history::read(&clients, address).await),
                None => None,
            }
        },
    );
    // A zone of another account: its owner reads it, and the endpoint it names, where given.
    let facts = facts::completed_across_accounts(endpoint_app, t, facts, &region).await;
    // Completed so, the link is judged from the endpoint's VPC with the named one as the
    // client's: its routes read here, the endpoint VPC's way back read by its account.
    let across_accounts_hub = match (
        endpoint_app,
        facts.zone_account_elsewhere(),
        facts.endpoint(),
    ) {
        (Some(hub), Some(_), Some(e)) if e.vpc_id != vpc_id => Some((hub, e.vpc_id.clone())),
        _ => None,
    };
    if let Some((hub, endpoint_vpc)) = &across_accounts_hub
        && let Ok(hub_clients) = hub.aws.clients(Some(&region)).await
    {
        let both = [vpc_id.to_string(), endpoint_vpc.clone()];
        let (mut read, route_tables, peerings, hub_transit) = tokio::join!(
            client_vpc_reads(&clients, vpc_id, endpoint_vpc, None, &region),
            ec2::route_tables_of_vpc(&hub_clients.ec2, endpoint_vpc),
            ec2::peering_connections_of_vpc(&hub_clients.ec2, endpoint_vpc),
            async {
                // A gateway the network account owns is routed by its tables: read there.
                let found = transit::attachments_of_vpcs(&hub_clients.ec2, &both).await;
                transit_reads(&hub_clients, found, None, facts.zone_account_elsewhere()).await
            },
        );
        if let Ok(read) = &mut read {
            read.transit.merge(hub_transit);
        }
        if let Ok(known) = &mut client {
            known.other_vpc = Some(OtherVpc {
                id: vpc_id.to_string(),
                read,
            });
        }
        surroundings = Some(Surroundings {
            route_tables,
            inbound: None,
            peerings,
        });
    }
    // A client VPC learnt from the instance or the address: its facts now, beside the logs
    // (the named VPC's, completed across accounts, are already the client's).
    let learnt_client_vpc = match (&client_facts, &client) {
        _ if across_accounts_hub.is_some() => None,
        (
            None,
            Ok(KnownClient {
                other_vpc: Some(OtherVpc { id, read: Ok(_) }),
                ..
            }),
        ) => Some(id.as_str()),
        _ => None,
    };
    // Round 4: the logs, filtered by what the facts found.
    let mut question = log_question(&facts, c.log_minutes);
    question.public_host = t
        .cluster
        .connect_address
        .as_deref()
        .and_then(|a| url::Url::parse(a).ok())
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    let (evidence, learnt_facts) =
        tokio::join!(evidence::read(&clients, log_sources, &question), async {
            match learnt_client_vpc {
                Some(vpc) => Some(facts_of(vpc).await),
                None => None,
            }
        });
    let client_facts = client_facts.or(learnt_facts);
    let log_client = LogClient {
        network: client.as_ref().ok().and_then(|k| k.view.side.network),
        instance: c.instance_id.clone(),
    };
    let probes = match (runs, &client) {
        (Some(runs), Ok(known)) => Some((runs, known.scope(vpc_id))),
        _ => None,
    };
    Ok(ControlPlaneReads {
        facts,
        client,
        surroundings,
        logs: (evidence, log_client),
        probes,
        client_facts,
        across_accounts_hub: across_accounts_hub.map(|(_, vpc)| vpc),
    })
}

/// The facts of one VPC of the link. Boxed: the facts' future is large, and inline in the
/// control plane's it overflows a worker thread's stack in debug builds.
fn facts_of<'a>(
    app: &'a App,
    t: &'a AwsCluster,
    vpc_id: &'a str,
    region: &'a RegionNames,
) -> std::pin::Pin<Box<impl std::future::Future<Output = Facts> + 'a>> {
    Box::pin(facts::gather_from(
        app,
        t.cluster_id(),
        Ok(t.clone()),
        vpc_id,
        Some(region),
    ))
}

/// What the logs are asked, from the facts: the endpoint the VPC uses (its own, or a hub's),
/// its addresses, the link's port and host, and the window ending now.
fn log_question(facts: &Facts, minutes: u32) -> Question {
    let endpoint = facts.endpoint();
    let address = facts.address();
    let end_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    Question {
        endpoint_vpc: endpoint.map(|e| e.vpc_id.clone()),
        subnets: endpoint.map(|e| e.subnet_ids.clone()).unwrap_or_default(),
        interfaces: endpoint
            .map(|e| e.network_interface_ids.clone())
            .unwrap_or_default(),
        addresses: facts.endpoint_addresses.clone(),
        port: address.map(|a| a.port),
        host: address.map(|a| a.host.clone()),
        public_host: None,
        end_ms,
        minutes,
    }
}

/// The client's own VPC, its private zones, its route tables and the two VPCs' transit gateway
/// attachments in one round; where there are attachments, their route tables' routes and
/// their subnets' zones in a second.
async fn client_vpc_reads(
    clients: &RegionClients,
    vpc_id: &str,
    endpoint_vpc: &str,
    client_subnet: Option<&str>,
    region: &RegionNames,
) -> Result<ClientVpc, Error> {
    let both = [vpc_id.to_string(), endpoint_vpc.to_string()];
    let (vpc, zones, tables, attachments) = tokio::join!(
        ec2::vpc(&clients.ec2, vpc_id, region),
        crate::aws::route53::zones_of_vpc(&clients.route53, vpc_id, &region.aws_region),
        ec2::route_tables_of_vpc(&clients.ec2, vpc_id),
        transit::attachments_of_vpcs(&clients.ec2, &both),
    );
    let transit = transit_reads(clients, attachments, client_subnet, None).await;
    Ok(ClientVpc {
        vpc: vpc?,
        zones: zones?,
        route_tables: tables?,
        transit,
    })
}

/// The routes of the tables the attachments are associated with (a gateway of another
/// account's is not asked: only its owner can read them) and the zones of the attachments'
/// subnets and the client's, side by side.
impl Transit {
    /// What another account read of the same gateways (the network account, which owns them):
    /// its attachments (with their associations) over this one's, its route tables and zones
    /// beside.
    fn merge(&mut self, other: Transit) {
        if let (Ok(mine), Ok(theirs)) = (&mut self.attachments, other.attachments) {
            for attachment in theirs {
                mine.retain(|a| a.id != attachment.id);
                mine.push(attachment);
            }
            mine.sort_by(|a, b| a.id.cmp(&b.id));
        }
        self.routes.extend(other.routes);
        if let (Ok(mine), Ok(theirs)) = (&mut self.zone_of, other.zone_of) {
            mine.extend(theirs);
        }
    }
}

/// `reader`: the account `clients` act in where it may own a gateway that others' VPCs attach
/// to (the network account): its route tables are read, and only its own VPCs' subnets.
async fn transit_reads(
    clients: &RegionClients,
    attachments: Result<Vec<transit::Attachment>, Error>,
    client_subnet: Option<&str>,
    reader: Option<&str>,
) -> Transit {
    let found = attachments.as_deref().unwrap_or_default();
    // Without an attachment there is no transit gateway to judge, and nothing more to read.
    if found.is_empty() {
        return Transit {
            attachments,
            routes: BTreeMap::new(),
            zone_of: Ok(BTreeMap::new()),
        };
    }
    let owned_by_reader =
        |owner: &Option<String>| reader.is_some_and(|r| owner.as_deref() == Some(r));
    let tables: BTreeSet<&str> = found
        .iter()
        .filter(|a| !a.shared_from_another_account() || owned_by_reader(&a.transit_gateway_owner))
        .filter_map(|a| a.route_table_id.as_deref())
        .collect();
    let subnet_ids: Vec<String> = found
        .iter()
        .filter(|a| reader.is_none() || owned_by_reader(&a.vpc_owner))
        .flat_map(|a| a.subnet_ids.iter().cloned())
        .chain(client_subnet.map(str::to_string))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let (routes, subnets) = tokio::join!(
        futures::future::join_all(tables.iter().map(|table| async move {
            (
                table.to_string(),
                transit::routes(&clients.ec2, table).await,
            )
        })),
        ec2::subnets_by_id(&clients.ec2, &subnet_ids),
    );
    let zone_of = subnets.map(|subnets| {
        subnets
            .into_iter()
            .map(|s| (s.id, s.availability_zone))
            .collect()
    });
    Transit {
        attachments,
        routes: routes.into_iter().collect(),
        zone_of,
    }
}

/// Reads what the caller said of the client: an instance (its groups, address, subnet and
/// VPC) and groups, in two rounds at most (the instance, then every group beside the client's
/// own VPC where that is not the endpoint's: `client_vpc_id`, else the instance's).
pub(super) async fn client(
    clients: &RegionClients,
    c: &CheckedRequest,
    vpc_id: &str,
    region: &RegionNames,
) -> Result<KnownClient, Error> {
    let ec2c = &clients.ec2;
    let mut instance_vpc = None;
    let mut client = KnownClient {
        view: ClientView {
            side: ClientSide {
                group_ids: c.client_group.iter().cloned().collect(),
                network: c.client_network,
                within: vec![],
            },
            described_as: String::new(),
        },
        ..Default::default()
    };
    client.instance_id = c.instance_id.clone();
    // Round 2: the instance, or, for an address alone, the region's VPCs.
    let (instance, networks) = tokio::join!(
        async {
            match &c.instance_id {
                Some(id) => Some(ec2::instance(ec2c, id).await),
                None => None,
            }
        },
        async {
            if c.address_only() {
                Some(ec2::vpc_networks(ec2c).await)
            } else {
                None
            }
        },
    );
    // The VPC whose blocks hold the address, most specific first.
    let address_vpc = match (&networks, c.client_network) {
        (Some(Ok(networks)), Some(network)) => networks
            .iter()
            .flat_map(|(id, blocks)| blocks.iter().map(move |b| (id, b)))
            .filter(|(_, b)| b.contains(&network))
            .max_by_key(|(_, b)| b.prefix_len())
            .map(|(id, _)| id.clone()),
        _ => None,
    };
    client.networks = networks;
    if let (Some(id), Some(instance)) = (&c.instance_id, instance) {
        let instance = instance.map_err(|e| match e {
            Error::NotFound { .. } => Error::not_found(
                format!("instance `{id}` in {}", region.aws_region),
                "Check the client_instance_id",
            ),
            other => other,
        })?;
        let side = &mut client.view.side;
        side.group_ids
            .extend(instance.security_group_ids.iter().cloned());
        if side.network.is_none() {
            side.network = instance.private_ip.map(IpNet::from);
        }
        client.subnet_id = instance.subnet_id.clone();
        instance_vpc = instance.vpc_id.clone();
        client.view.described_as = format!(
            "instance {id}{}",
            instance
                .private_ip
                .map(|ip| format!(" ({ip})"))
                .unwrap_or_default()
        );
    }
    let side = &mut client.view.side;
    side.group_ids.sort();
    side.group_ids.dedup();
    let other_vpc = c
        .client_vpc
        .clone()
        .or(instance_vpc)
        .or(address_vpc)
        .filter(|v| v != vpc_id);
    let group_ids = side.group_ids.clone();
    let (groups, other_vpc) = tokio::join!(ec2::security_groups_by_id(ec2c, &group_ids), async {
        match other_vpc {
            Some(id) => {
                let read =
                    client_vpc_reads(clients, &id, vpc_id, client.subnet_id.as_deref(), region)
                        .await;
                Some(OtherVpc { id, read })
            }
            None => None,
        }
    },);
    client.groups = match groups {
        Ok(groups) => groups,
        // A group of a client VPC this account or region cannot read is known through the
        // peering that joins it, not through a read.
        Err(Error::NotFound { .. }) if c.client_vpc.is_some() => Vec::new(),
        Err(e) => return Err(e),
    };
    client.other_vpc = other_vpc;
    if client.view.described_as.is_empty() {
        let mut parts = Vec::new();
        if !client.view.side.group_ids.is_empty() {
            parts.push(format!(
                "group(s) {}",
                client.view.side.group_ids.join(", ")
            ));
        }
        if let Some(n) = client.view.side.network {
            parts.push(n.to_string());
        }
        if !parts.is_empty() {
            client.view.described_as = format!("the client ({})", parts.join(", "));
        }
    }
    Ok(client)
}
