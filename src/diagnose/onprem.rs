//! A client outside every VPC of the region (on premises, over a VPN or Direct Connect): its
//! DNS servers cannot ask a private zone; they must forward the host to an inbound Resolver
//! endpoint in a VPC where the zone answers. An inbound endpoint answers from the zones its own
//! VPC sees, so in the usual central design the endpoints live in a shared DNS VPC tied to the
//! zone (directly, or through a Route 53 Profile), not in the endpoint's VPC. Judged over plain
//! data.

use ipnet::IpNet;

use crate::aws::resolver::InboundEndpoint;
use crate::finding::{self, Finding};

#[derive(Debug, Clone)]
pub(super) struct OnPremises<'a> {
    pub(super) host: &'a str,
    /// The endpoint's VPC.
    pub(super) vpc_id: &'a str,
    /// The VPCs where a private zone answers for the host: the endpoint's (where it does), the
    /// others its zone is tied to, those its Profile is associated with.
    pub(super) answering_vpcs: &'a [String],
    /// Every inbound Resolver endpoint of the region.
    pub(super) inbound: &'a [InboundEndpoint],
    pub(super) client: IpNet,
}

pub(super) fn dns(p: &OnPremises<'_>) -> Finding {
    let answering: Vec<&InboundEndpoint> = p
        .inbound
        .iter()
        .filter(|e| p.answering_vpcs.contains(&e.vpc_id))
        .collect();
    let forwarder = |addresses: &str| {
        format!(
            "on the premises' DNS servers, a conditional forwarder for {} (or \
             vectordb.zillizcloud.com) to {addresses}",
            p.host
        )
    };
    if !answering.is_empty() {
        let named: Vec<String> = answering
            .iter()
            .map(|e| {
                if e.vpc_id == p.vpc_id {
                    format!("{} in {}", e.id, e.vpc_id)
                } else {
                    format!("{} in {} (a DNS VPC that sees the zone)", e.id, e.vpc_id)
                }
            })
            .collect();
        let addresses: Vec<String> = answering
            .iter()
            .flat_map(|e| e.addresses.iter().cloned())
            .collect();
        return finding::pass(
            "on_premises_dns",
            format!(
                "{} is outside every VPC of the region; inbound Resolver endpoint(s) {} answer \
                 for the host's private zone: that works once there is {}",
                p.client,
                named.join(", "),
                forwarder(&addresses.join(", "))
            ),
        );
    }
    let elsewhere: Vec<String> = p
        .inbound
        .iter()
        .map(|e| format!("{} in {}", e.id, e.vpc_id))
        .collect();
    let (where_, zone_note) = if p.answering_vpcs.iter().any(|v| v == p.vpc_id) {
        (p.vpc_id.to_string(), String::new())
    } else {
        (
            p.vpc_id.to_string(),
            format!(
                "; no private zone answers for {} in {} yet (fix hosted_zone first)",
                p.host, p.vpc_id
            ),
        )
    };
    finding::fail(
        "on_premises_dns",
        format!(
            "{} is outside every VPC of the region (on premises, or another network): its DNS \
             servers cannot ask a private zone, and no inbound Resolver endpoint sits in a VPC \
             where the host's zone answers ({}){}{zone_note}",
            p.client,
            if p.answering_vpcs.is_empty() {
                "none".to_string()
            } else {
                p.answering_vpcs.join(", ")
            },
            if elsewhere.is_empty() {
                String::new()
            } else {
                format!(
                    "; inbound endpoint(s) {} answer from other zones",
                    elsewhere.join(", ")
                )
            }
        ),
        format!(
            "aws route53resolver create-resolver-endpoint --direction INBOUND --name \
             zilliz-inbound --creator-request-id zilliz-inbound-{where_} --security-group-ids \
             <a group allowing udp and tcp 53 from {}> --ip-addresses SubnetId=<subnet in \
             {where_}> SubnetId=<subnet in another zone> (or tie the zone to the VPC of an \
             existing inbound endpoint); then {}",
            p.client,
            forwarder("its addresses")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;

    const HOST: &str = "in01-abc-privatelink.aws-us-west-2.vectordb.zillizcloud.com";

    fn inbound(vpc: &str) -> InboundEndpoint {
        InboundEndpoint {
            id: "rslvr-in-1".into(),
            vpc_id: vpc.into(),
            addresses: vec!["10.0.0.10".into(), "10.0.1.10".into()],
        }
    }

    fn judged(inbound: &[InboundEndpoint], answering: &[&str]) -> Finding {
        let answering: Vec<String> = answering.iter().map(|v| v.to_string()).collect();
        dns(&OnPremises {
            host: HOST,
            vpc_id: "vpc-1",
            answering_vpcs: &answering,
            inbound,
            client: "192.168.10.0/24".parse().unwrap(),
        })
    }

    #[test]
    fn premises_need_an_inbound_endpoint_where_the_zone_answers() {
        let found = judged(&[], &["vpc-1"]);
        assert_eq!(found.status, Status::Fail);
        assert!(
            found
                .fix
                .as_deref()
                .unwrap()
                .contains("--direction INBOUND")
        );
        let found = judged(&[inbound("vpc-9")], &["vpc-1"]);
        assert_eq!(found.status, Status::Fail);
        assert!(found.detail.contains("rslvr-in-1 in vpc-9"));
        let found = judged(&[inbound("vpc-1")], &["vpc-1"]);
        assert_eq!(found.status, Status::Pass);
        assert!(found.detail.contains("10.0.0.10, 10.0.1.10") && found.detail.contains(HOST));
        // Without the zone there, the endpoint has nothing to answer with.
        assert_eq!(judged(&[inbound("vpc-1")], &[]).status, Status::Fail);
    }

    #[test]
    fn a_central_dns_vpc_that_sees_the_zone_answers_for_the_premises() {
        // The zone is tied to the endpoint's VPC and to the DNS hub, where the inbound
        // endpoints live.
        let found = judged(&[inbound("vpc-hub")], &["vpc-1", "vpc-hub"]);
        assert_eq!(found.status, Status::Pass, "{found:?}");
        assert!(found.detail.contains("vpc-hub") && found.detail.contains("10.0.0.10"));
        // A hub the zone is not tied to answers from other zones.
        let found = judged(&[inbound("vpc-hub")], &["vpc-1"]);
        assert_eq!(found.status, Status::Fail);
    }
}
