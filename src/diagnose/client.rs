//! The client as the diagnosis works it out, for `get_setup_status` too: its instance, groups
//! and own VPC read beside the facts, then placed once they are in (across a peering, inside a
//! VPC's blocks), so that the status's `security_group` step and the diagnosis's judge the same
//! client the same way.

use super::arguments::{self, CheckedRequest};
use super::gather::{self, KnownClient};
use super::history::AppScope;
use super::judge;
use crate::app::App;
use crate::aws::ec2::{self, PeeringConnection};
use crate::cluster::AwsCluster;
use crate::error::Error;
use crate::facts::Facts;
use crate::region::RegionNames;
use crate::request::{ClientArguments, DiagnoseRequest};
use crate::validate::NamedRef;
use crate::verdict::ClientView;

/// The client a call names, its arguments checked.
#[derive(Debug)]
pub(crate) struct AskedClient(CheckedRequest<NamedRef>);

/// The client's arguments, checked before any call; `None` where none was given.
pub(crate) fn check(
    cluster_id: &str,
    given: &ClientArguments,
) -> Result<Option<AskedClient>, Error> {
    if given.is_empty() {
        return Ok(None);
    }
    let request = DiagnoseRequest {
        cluster_id: Some(cluster_id.to_string()),
        client_vpc_id: given.client_vpc_id.clone(),
        client_instance_id: given.client_instance_id.clone(),
        client_security_group_id: given.client_security_group_id.clone(),
        client_cidr: given.client_cidr.clone(),
        probe: Some(false),
        ..Default::default()
    };
    arguments::check(&request, None).map(|c| Some(AskedClient(c)))
}

/// What was read of the client, to be placed once the facts are in.
#[derive(Debug)]
pub(crate) struct ClientReads {
    known: Result<KnownClient, Error>,
    /// The endpoint VPC's peerings, where the client's VPC was named (a VPC this account
    /// cannot read is known through the peering that joins it).
    peerings: Vec<PeeringConnection>,
}

/// Reads the client in the rounds the diagnosis reads it (beside the facts).
pub(crate) async fn read(
    app: &App,
    t: &AwsCluster,
    (vpc_id, vpc_region): (&str, &RegionNames),
    AskedClient(mut c): AskedClient,
) -> Result<ClientReads, Error> {
    // The client is where the VPC is: its names are looked for there.
    c.vpc_region = Some(vpc_region.clone());
    let c = c.resolve(app, Some(&t.region)).await?;
    let clients = app.aws.clients(Some(vpc_region)).await?;
    let (known, peerings) = tokio::join!(gather::client(&clients, &c, vpc_id, vpc_region), async {
        match c.client_vpc {
            Some(_) => ec2::peering_connections_of_vpc(&clients.ec2, vpc_id).await,
            None => Ok(Vec::new()),
        }
    },);
    Ok(ClientReads {
        known,
        // Unread peerings leave only the case of an unreadable client VPC unplaced, and that
        // one fails below as the diagnosis's does.
        peerings: peerings.unwrap_or_default(),
    })
}

impl ClientReads {
    /// The client's own VPC, where it is not the endpoint's and could be read.
    pub(crate) fn other_vpc(&self) -> Option<&str> {
        match &self.known {
            Ok(KnownClient {
                other_vpc:
                    Some(gather::OtherVpc {
                        id, read: Ok(_), ..
                    }),
                ..
            }) => Some(id),
            _ => None,
        }
    }
}

/// Where the client is, once the facts are in: the view the verdicts judge.
pub(crate) fn place(
    reads: ClientReads,
    facts: &Facts,
    t: &AwsCluster,
    vpc_id: &str,
) -> Result<Option<(ClientView, AppScope)>, Error> {
    let mut client = reads.known?;
    let scope = client.scope(vpc_id);
    let other_vpc = client.other_vpc.take();
    let across = judge::across_peering(other_vpc.as_ref(), &reads.peerings, vpc_id);
    let other_vpc = match other_vpc {
        Some(gather::OtherVpc { id, read: Err(e) }) if across.is_none() => {
            return Err(match e {
                Error::NotFound { .. } => Error::not_found(
                    format!("client VPC `{id}` in {}", t.region.aws_region),
                    "Check client_vpc_id: a VPC of the cluster's region in this account, or \
                     one joined to the endpoint's VPC by a peering",
                ),
                other => other,
            });
        }
        other => other,
    };
    let _ = judge::place_client(&mut client, facts, t, vpc_id, other_vpc.as_ref(), across);
    Ok((!client.view.described_as.is_empty()).then_some((client.view, scope)))
}
