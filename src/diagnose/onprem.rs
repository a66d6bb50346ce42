//! A client outside every VPC of the region (on premises, over a VPN or Direct Connect): its
//! DNS servers cannot ask a private zone; they must forward the host to an inbound Resolver
//! endpoint in a VPC where the zone answers. Judged over plain data.

use ipnet::IpNet;

use super::finding::{self, Finding};
use crate::aws::resolver::InboundEndpoint;

#[derive(Debug, Clone)]
pub struct OnPremises<'a> {
    pub host: &'a str,
    /// The endpoint's VPC.
    pub vpc_id: &'a str,
    /// The host's private zone answers in that VPC.
    pub zone_here: bool,
    /// Every inbound Resolver endpoint of the region.
    pub inbound: &'a [InboundEndpoint],
    pub client: IpNet,
}

pub fn dns(p: &OnPremises<'_>) -> Finding {
    let here: Vec<&InboundEndpoint> = p.inbound.iter().filter(|e| e.vpc_id == p.vpc_id).collect();
    let forwarder = |addresses: &str| {
        format!(
            "on the premises' DNS servers, a conditional forwarder for {} (or \
             vectordb.zillizcloud.com) to {addresses}",
            p.host
        )
    };
    match here.first() {
        Some(endpoint) if p.zone_here => finding::pass(
            "on_premises_dns",
            format!(
                "{} is outside every VPC of the region; inbound Resolver endpoint {} in {} \
                 answers for the private zone: that works once there is {}",
                p.client,
                endpoint.id,
                p.vpc_id,
                forwarder(&endpoint.addresses.join(", "))
            ),
        ),
        _ => {
            let elsewhere: Vec<String> = p
                .inbound
                .iter()
                .filter(|e| e.vpc_id != p.vpc_id)
                .map(|e| format!("{} in {}", e.id, e.vpc_id))
                .collect();
            finding::fail(
                "on_premises_dns",
                format!(
                    "{} is outside every VPC of the region (on premises, or another network): \
                     its DNS servers cannot ask the private zone of {}, and {} has no inbound \
                     Resolver endpoint to forward {} to{}",
                    p.client,
                    p.vpc_id,
                    p.vpc_id,
                    p.host,
                    if elsewhere.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " (inbound endpoint(s) {} live in VPCs where the zone does not \
                             answer)",
                            elsewhere.join(", ")
                        )
                    }
                ),
                format!(
                    "aws route53resolver create-resolver-endpoint --direction INBOUND --name \
                     zilliz-inbound --creator-request-id zilliz-inbound-{} --security-group-ids \
                     <a group allowing udp and tcp 53 from {}> --ip-addresses \
                     SubnetId=<subnet in {}> SubnetId=<subnet in another zone>; then {}",
                    p.vpc_id,
                    p.client,
                    p.vpc_id,
                    forwarder("its addresses")
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::finding::Status;

    const HOST: &str = "in01-abc-privatelink.aws-us-west-2.vectordb.zillizcloud.com";

    fn inbound(vpc: &str) -> InboundEndpoint {
        InboundEndpoint {
            id: "rslvr-in-1".into(),
            vpc_id: vpc.into(),
            addresses: vec!["10.0.0.10".into(), "10.0.1.10".into()],
        }
    }

    fn judged(inbound: &[InboundEndpoint], zone_here: bool) -> Finding {
        dns(&OnPremises {
            host: HOST,
            vpc_id: "vpc-1",
            zone_here,
            inbound,
            client: "192.168.10.0/24".parse().unwrap(),
        })
    }

    #[test]
    fn premises_need_an_inbound_endpoint_where_the_zone_answers() {
        let found = judged(&[], true);
        assert_eq!(found.status, Status::Fail);
        assert!(
            found
                .fix
                .as_deref()
                .unwrap()
                .contains("--direction INBOUND")
        );
        let found = judged(&[inbound("vpc-9")], true);
        assert_eq!(found.status, Status::Fail);
        assert!(found.detail.contains("rslvr-in-1 in vpc-9"));
        let found = judged(&[inbound("vpc-1")], true);
        assert_eq!(found.status, Status::Pass);
        assert!(found.detail.contains("10.0.0.10, 10.0.1.10") && found.detail.contains(HOST));
        // Without the zone there, the endpoint has nothing to answer with.
        assert_eq!(judged(&[inbound("vpc-1")], false).status, Status::Fail);
    }
}
