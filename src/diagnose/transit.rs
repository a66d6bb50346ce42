//! A client reached through a transit gateway, judged as AWS routes the packets: a VPC's
//! traffic reaches the gateway only from the zones its attachment has a subnet in, is routed
//! by the route table its attachment is associated with (the most specific route; for the
//! same prefix a static route before a propagated one; a blackhole drops), and arrives only
//! at a VPC attached to the gateway. Each way is judged on its own: the client's packets to
//! the endpoint's subnets, and the answers back to the client. Plain data in, a finding out.
//! (AWS Transit Gateway Guide: "How transit gateways work", "Route evaluation order".)

use std::collections::BTreeMap;

use ipnet::IpNet;

use crate::aws::transit::{Attachment, Route};
use crate::error::{Error, FailedRead};
use crate::finding::{self, Finding};

/// What the diagnosis read of the transit gateways between two VPCs.
#[derive(Debug)]
pub(super) struct TransitView<'a> {
    pub(super) attachments: &'a [Attachment],
    /// Each route table read, by its id.
    pub(super) routes: &'a BTreeMap<String, Result<Vec<Route>, Error>>,
    /// The zone of each subnet that is known (the attachments' subnets among them).
    pub(super) zone_of: &'a BTreeMap<String, String>,
}

/// One way through the gateway.
#[derive(Debug)]
pub(super) struct Crossing<'a> {
    /// `transit_gateway` (to the endpoint) or `transit_gateway_back` (the answers).
    pub(super) check: &'static str,
    pub(super) transit_gateway_id: &'a str,
    pub(super) from_vpc: &'a str,
    /// The zones the packets leave from, where known (the client instance's; the endpoint's
    /// interfaces').
    pub(super) from_zones: Option<&'a [String]>,
    pub(super) to_vpc: &'a str,
    /// What the packets are for: the endpoint's subnets, or the client's network.
    pub(super) destinations: &'a [IpNet],
    /// How the destinations are called in the words (`the endpoint's subnets`).
    pub(super) destinations_are: &'a str,
}

/// The route a transit gateway route table uses for `network`: the most specific that covers
/// it, a static one before a propagated one of the same prefix.
fn route_for<'a>(routes: &'a [Route], network: &IpNet) -> Option<&'a Route> {
    routes
        .iter()
        .filter(|r| r.destination.contains(network))
        .max_by_key(|r| (r.destination.prefix_len(), !r.propagated))
}

fn attachment_of<'a>(
    attachments: &'a [Attachment],
    tgw: &str,
    vpc: &str,
) -> Option<&'a Attachment> {
    attachments
        .iter()
        .find(|a| a.transit_gateway_id == tgw && a.vpc_id == vpc)
}

/// The attachment is there and available, or the failing finding that says why not.
fn usable<'a>(
    c: &Crossing<'_>,
    attachments: &'a [Attachment],
    vpc: &str,
    leaving: bool,
) -> Result<&'a Attachment, Box<Finding>> {
    let role = if leaving {
        "where the packets leave"
    } else {
        "where they go"
    };
    let tgw = c.transit_gateway_id;
    let Some(attachment) = attachment_of(attachments, tgw, vpc) else {
        return Err(Box::new(finding::fail(
            c.check,
            format!(
                "{vpc} ({role}) has no attachment to transit gateway {tgw}: {tgw} cannot carry \
                 packets {} it",
                if leaving { "from" } else { "to" }
            ),
            format!(
                "aws ec2 create-transit-gateway-vpc-attachment --transit-gateway-id {tgw} \
                 --vpc-id {vpc} --subnet-ids <one subnet of {vpc} in each of its zones>"
            ),
        )));
    };
    if attachment.state != "available" {
        let fix = if attachment.state == "pendingAcceptance" {
            format!(
                "in the account that owns {tgw}: aws ec2 \
                 accept-transit-gateway-vpc-attachment --transit-gateway-attachment-id {}",
                attachment.id
            )
        } else {
            format!(
                "attachment {} cannot carry traffic while {}: attach {vpc} again (aws ec2 \
                 create-transit-gateway-vpc-attachment --transit-gateway-id {tgw} --vpc-id \
                 {vpc} --subnet-ids <one subnet in each zone>)",
                attachment.id, attachment.state
            )
        };
        return Err(Box::new(finding::fail(
            c.check,
            format!(
                "the attachment {} of {vpc} ({role}) to {tgw} is {}, not available: no packet \
                 crosses it",
                attachment.id, attachment.state
            ),
            fix,
        )));
    }
    Ok(attachment)
}

fn list(networks: &[IpNet]) -> String {
    networks
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One way through the gateway, judged: the first thing that stops the packets, else a pass
/// naming the route that carries them.
pub(super) fn judge(c: &Crossing<'_>, view: &TransitView<'_>) -> Finding {
    let tgw = c.transit_gateway_id;
    let from = match usable(c, view.attachments, c.from_vpc, true) {
        Ok(a) => a,
        Err(f) => return *f,
    };
    // A gateway of another account (shared through RAM): the other VPC's attachment, like the
    // route tables, may be that account's alone to see, unless that account's reads are in.
    let readable = from
        .route_table_id
        .as_deref()
        .and_then(|t| view.routes.get(t))
        .is_some_and(Result::is_ok);
    let not_ours = from.shared_from_another_account() && !readable;
    let to = match usable(c, view.attachments, c.to_vpc, false) {
        Ok(a) => Some(a),
        Err(_) if not_ours => None,
        Err(f) => return *f,
    };
    let attached_zones: Vec<&str> = from
        .subnet_ids
        .iter()
        .filter_map(|s| view.zone_of.get(s).map(String::as_str))
        .collect();
    if let Some(zones) = c.from_zones {
        let unattached: Vec<&String> = zones
            .iter()
            .filter(|z| !attached_zones.contains(&z.as_str()))
            .collect();
        // Only where every attachment subnet's zone is known: an unknown one may be the zone.
        if let Some(zone) = unattached.first()
            && attached_zones.len() == from.subnet_ids.len()
        {
            return finding::fail(
                c.check,
                format!(
                    "packets for {} leave {} from {zone}, where its attachment {} to {tgw} has \
                     no subnet (it has subnets in {}): a VPC reaches a transit gateway only \
                     from the zones of its attachment",
                    c.destinations_are,
                    c.from_vpc,
                    from.id,
                    attached_zones.join(", ")
                ),
                format!(
                    "aws ec2 modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id \
                     {} --add-subnet-ids <a subnet of {} in {zone}>",
                    from.id, c.from_vpc
                ),
            );
        }
    }
    let to = match to {
        Some(to) if !not_ours => to,
        to => return not_this_accounts(c, from, to),
    };
    let Some(table) = from.route_table_id.as_deref() else {
        return finding::fail(
            c.check,
            format!(
                "the attachment {} of {} to {tgw} is associated with no route table: {tgw} \
                 routes none of its packets",
                from.id, c.from_vpc
            ),
            format!(
                "aws ec2 associate-transit-gateway-route-table --transit-gateway-route-table-id \
                 <tgw-rtb-… of {tgw}> --transit-gateway-attachment-id {}",
                from.id
            ),
        );
    };
    let routes = match view.routes.get(table) {
        Some(Ok(routes)) => routes,
        Some(Err(e)) => {
            let read = FailedRead::from(e);
            return finding::unread(
                c.check,
                &read,
                format!("the routes of {table} ({tgw}) could not be read: {e}"),
                finding::GRANT_AND_AGAIN,
            );
        }
        None => {
            return finding::undecided(
                c.check,
                format!("the routes of {table} ({tgw}) were not read"),
                "diagnose again",
            );
        }
    };
    judge_routes(c, routes, table, (from, to), &attached_zones)
}

/// The way through a gateway another account owns: named as not judged, with the line to run
/// there, never passed.
fn not_this_accounts(c: &Crossing<'_>, from: &Attachment, to: Option<&Attachment>) -> Finding {
    let tgw = c.transit_gateway_id;
    let owner = from
        .transit_gateway_owner
        .as_deref()
        .unwrap_or("another account");
    finding::undecided(
        c.check,
        format!(
            "transit gateway {tgw} belongs to account {owner} (shared through AWS RAM): only \
             that account can read its route tables, so the route {} takes from {} to {} is \
             not judged",
            c.destinations_are, c.from_vpc, c.to_vpc
        ),
        format!(
            "in account {owner}: aws ec2 search-transit-gateway-routes \
             --transit-gateway-route-table-id {} --filters \
             Name=state,Values=active,blackhole, and check a route to {} leads to \
             attachment {}",
            from.route_table_id
                .as_deref()
                .unwrap_or("<the table of attachment>"),
            list(c.destinations),
            to.map_or(format!("{}'s attachment", c.to_vpc), |t| t.id.clone())
        ),
    )
}

/// The route table's routes for each destination, in the order a packet meets them.
fn judge_routes(
    c: &Crossing<'_>,
    routes: &[Route],
    table: &str,
    (from, to): (&Attachment, &Attachment),
    attached_zones: &[&str],
) -> Finding {
    let tgw = c.transit_gateway_id;
    let mut carried_by = Vec::new();
    for destination in c.destinations {
        match route_for(routes, destination) {
            None => {
                return finding::fail(
                    c.check,
                    format!(
                        "route table {table} of {tgw} (associated with {}'s attachment) has no \
                         route to {destination} ({} in {}): {tgw} drops those packets",
                        c.from_vpc, c.destinations_are, c.to_vpc
                    ),
                    format!(
                        "aws ec2 enable-transit-gateway-route-table-propagation \
                         --transit-gateway-route-table-id {table} \
                         --transit-gateway-attachment-id {} (or aws ec2 \
                         create-transit-gateway-route --transit-gateway-route-table-id {table} \
                         --destination-cidr-block {destination} --transit-gateway-attachment-id \
                         {})",
                        to.id, to.id
                    ),
                );
            }
            Some(route) if route.blackhole => {
                return finding::fail(
                    c.check,
                    format!(
                        "route table {table} of {tgw} sends {destination} ({} in {}) to a \
                         blackhole (route {}): {tgw} drops those packets",
                        c.destinations_are, c.to_vpc, route.destination
                    ),
                    format!(
                        "aws ec2 replace-transit-gateway-route --transit-gateway-route-table-id \
                         {table} --destination-cidr-block {} --transit-gateway-attachment-id {}",
                        route.destination, to.id
                    ),
                );
            }
            Some(route) if !route.attachment_ids.contains(&to.id) => {
                return finding::warn(
                    c.check,
                    format!(
                        "route table {table} of {tgw} sends {destination} ({} in {}) to {} \
                         (route {}), not to {}'s attachment {}: where that is an inspection \
                         VPC, its own routes decide whether the packets go on",
                        c.destinations_are,
                        c.to_vpc,
                        route.attachment_ids.join(", "),
                        route.destination,
                        c.to_vpc,
                        to.id
                    ),
                    format!(
                        "if the packets should go straight to {}: aws ec2 \
                         replace-transit-gateway-route --transit-gateway-route-table-id {table} \
                         --destination-cidr-block {} --transit-gateway-attachment-id {}",
                        c.to_vpc, route.destination, to.id
                    ),
                );
            }
            Some(route) => carried_by.push(format!(
                "{} ({})",
                route.destination,
                if route.propagated {
                    "propagated"
                } else {
                    "static"
                }
            )),
        }
    }
    carried_by.dedup();
    finding::pass(
        c.check,
        format!(
            "transit gateway {tgw} carries {} ({}) from {} to {}: attachment {} (zones {}) is \
             associated with {table}, whose route {} leads to attachment {}",
            c.destinations_are,
            list(c.destinations),
            c.from_vpc,
            c.to_vpc,
            from.id,
            if attached_zones.is_empty() {
                "unknown".to_string()
            } else {
                attached_zones.join(", ")
            },
            carried_by.join(", "),
            to.id
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn attachment(id: &str, vpc: &str, table: Option<&str>, subnets: &[&str]) -> Attachment {
        Attachment {
            id: id.into(),
            transit_gateway_id: "tgw-1".into(),
            transit_gateway_owner: Some("111111111111".into()),
            vpc_id: vpc.into(),
            vpc_owner: Some("111111111111".into()),
            state: "available".into(),
            route_table_id: table.map(str::to_string),
            subnet_ids: subnets.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn route(destination: &str, to: &[&str], propagated: bool) -> Route {
        Route {
            destination: net(destination),
            attachment_ids: to.iter().map(|s| s.to_string()).collect(),
            blackhole: false,
            propagated,
        }
    }

    /// The client's VPC (10.1/16, zone a) and the endpoint's (10.0/16, zones a and b), each
    /// attached and associated with the one table, both blocks propagated into it.
    struct World {
        attachments: Vec<Attachment>,
        routes: BTreeMap<String, Result<Vec<Route>, Error>>,
        zone_of: BTreeMap<String, String>,
    }

    fn world() -> World {
        World {
            attachments: vec![
                attachment(
                    "tgw-attach-c",
                    "vpc-client",
                    Some("tgw-rtb-1"),
                    &["subnet-c1"],
                ),
                attachment(
                    "tgw-attach-e",
                    "vpc-endpoint",
                    Some("tgw-rtb-1"),
                    &["subnet-e1", "subnet-e2"],
                ),
            ],
            routes: BTreeMap::from([(
                "tgw-rtb-1".to_string(),
                Ok(vec![
                    route("10.1.0.0/16", &["tgw-attach-c"], true),
                    route("10.0.0.0/16", &["tgw-attach-e"], true),
                ]),
            )]),
            zone_of: BTreeMap::from([
                ("subnet-c1".to_string(), "us-west-2a".to_string()),
                ("subnet-e1".to_string(), "us-west-2a".to_string()),
                ("subnet-e2".to_string(), "us-west-2b".to_string()),
            ]),
        }
    }

    impl World {
        fn view(&self) -> TransitView<'_> {
            TransitView {
                attachments: &self.attachments,
                routes: &self.routes,
                zone_of: &self.zone_of,
            }
        }
    }

    fn to_endpoint(w: &World, client_zones: Option<&[String]>) -> Finding {
        let destinations = [net("10.0.1.0/24"), net("10.0.2.0/24")];
        let crossing = Crossing {
            check: "transit_gateway",
            transit_gateway_id: "tgw-1",
            from_vpc: "vpc-client",
            from_zones: client_zones,
            to_vpc: "vpc-endpoint",
            destinations: &destinations,
            destinations_are: "the endpoint's subnets",
        };
        judge(&crossing, &w.view())
    }

    fn back(w: &World, endpoint_zones: &[String]) -> Finding {
        let destinations = [net("10.1.0.0/16")];
        let crossing = Crossing {
            check: "transit_gateway_back",
            transit_gateway_id: "tgw-1",
            from_vpc: "vpc-endpoint",
            from_zones: Some(endpoint_zones),
            to_vpc: "vpc-client",
            destinations: &destinations,
            destinations_are: "the client's network",
        };
        judge(&crossing, &w.view())
    }

    impl World {
        /// One more route in the one table.
        fn with_route(mut self, route: Route) -> Self {
            if let Some(Ok(routes)) = self.routes.get_mut("tgw-rtb-1") {
                routes.push(route);
            }
            self
        }
    }

    fn zones(z: &[&str]) -> Vec<String> {
        z.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn propagated_routes_both_ways_pass_naming_the_table_and_attachments() {
        let w = world();
        let there = to_endpoint(&w, Some(&zones(&["us-west-2a"])));
        assert_eq!(there.status, Status::Pass, "{there:?}");
        assert!(there.detail.contains("tgw-rtb-1") && there.detail.contains("tgw-attach-e"));
        assert!(
            there.detail.contains("10.0.0.0/16 (propagated)"),
            "{}",
            there.detail
        );
        let answers = back(&w, &zones(&["us-west-2a", "us-west-2b"]));
        assert_eq!(answers.status, Status::Pass, "{answers:?}");
    }

    #[test]
    fn a_table_without_the_route_fails_naming_it_with_the_propagation_that_fixes_it() {
        let mut w = world();
        w.routes.insert(
            "tgw-rtb-1".into(),
            Ok(vec![route("10.1.0.0/16", &["tgw-attach-c"], true)]),
        );
        let f = to_endpoint(&w, None);
        assert_eq!(f.status, Status::Fail);
        assert!(f.detail.contains("tgw-rtb-1") && f.detail.contains("no route to 10.0.1.0/24"));
        let fix = f.fix.unwrap();
        assert!(fix.starts_with(
            "aws ec2 enable-transit-gateway-route-table-propagation \
             --transit-gateway-route-table-id tgw-rtb-1 --transit-gateway-attachment-id \
             tgw-attach-e"
        ));
        // The way back still has its route.
        assert_eq!(back(&w, &zones(&["us-west-2a"])).status, Status::Pass);
    }

    #[test]
    fn the_most_specific_route_wins_and_a_blackhole_drops() {
        let mut hole = route("10.0.2.0/24", &[], false);
        hole.blackhole = true;
        let w = world().with_route(hole);
        let f = to_endpoint(&w, None);
        assert_eq!(f.status, Status::Fail);
        assert!(f.detail.contains("blackhole") && f.detail.contains("10.0.2.0/24"));
        assert!(f.fix.unwrap().contains("replace-transit-gateway-route"));
        // A broader blackhole loses to the propagated /16.
        let mut broad = route("10.0.0.0/8", &[], false);
        broad.blackhole = true;
        let w = world().with_route(broad);
        assert_eq!(to_endpoint(&w, None).status, Status::Pass);
    }

    #[test]
    fn a_static_route_beats_a_propagated_one_of_the_same_prefix() {
        let w = world().with_route(route("10.0.0.0/16", &["tgw-attach-inspection"], false));
        let f = to_endpoint(&w, None);
        assert_eq!(f.status, Status::Warn, "{f:?}");
        assert!(f.detail.contains("tgw-attach-inspection") && f.detail.contains("inspection"));
        // The same static route to the endpoint's attachment passes, as static.
        let w = world().with_route(route("10.0.0.0/16", &["tgw-attach-e"], false));
        let f = to_endpoint(&w, None);
        assert!(f.detail.contains("(static)"), "{}", f.detail);
    }

    #[test]
    fn a_missing_or_unaccepted_attachment_fails() {
        let mut w = world();
        w.attachments.retain(|a| a.vpc_id != "vpc-endpoint");
        let f = to_endpoint(&w, None);
        assert_eq!(f.status, Status::Fail);
        assert!(f.detail.contains("vpc-endpoint") && f.detail.contains("packets to it"));
        assert!(
            f.fix
                .unwrap()
                .contains("create-transit-gateway-vpc-attachment")
        );
        let mut w = world();
        w.attachments[0].state = "pendingAcceptance".into();
        let f = to_endpoint(&w, None);
        assert_eq!(f.status, Status::Fail);
        assert!(f.fix.unwrap().contains(
            "accept-transit-gateway-vpc-attachment --transit-gateway-attachment-id tgw-attach-c"
        ));
    }

    #[test]
    fn a_zone_without_an_attachment_subnet_cannot_reach_the_gateway() {
        let w = world();
        // The endpoint has an interface in us-west-2c, where its attachment has no subnet:
        // the answers from there never reach the gateway.
        let f = back(&w, &zones(&["us-west-2a", "us-west-2c"]));
        assert_eq!(f.status, Status::Fail);
        assert!(f.detail.contains("us-west-2c"), "{}", f.detail);
        assert!(f.fix.unwrap().contains(
            "modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id tgw-attach-e \
             --add-subnet-ids"
        ));
        // A client instance in a zone its VPC's attachment has.
        assert_eq!(
            to_endpoint(&w, Some(&zones(&["us-west-2a"]))).status,
            Status::Pass
        );
        // Where an attachment subnet's zone is unknown, the zones are not judged.
        let mut w = world();
        w.zone_of.remove("subnet-e2");
        assert_eq!(back(&w, &zones(&["us-west-2c"])).status, Status::Pass);
    }

    #[test]
    fn an_unassociated_attachment_fails_and_an_unread_table_is_unjudged() {
        let mut w = world();
        w.attachments[0].route_table_id = None;
        let f = to_endpoint(&w, None);
        assert_eq!(f.status, Status::Fail);
        assert!(
            f.fix
                .unwrap()
                .contains("associate-transit-gateway-route-table")
        );
        let mut w = world();
        w.routes.insert(
            "tgw-rtb-1".into(),
            Err(Error::Denied {
                service: crate::error::Service::Aws,
                call: "AWS ec2:SearchTransitGatewayRoutes".into(),
                code: "UnauthorizedOperation".into(),
                cause: "no".into(),
                hint: String::new(),
            }),
        );
        let f = to_endpoint(&w, None);
        assert_eq!(f.status, Status::Skip);
        assert!(f.unjudged && f.detail.contains("SearchTransitGatewayRoutes"));
        assert_eq!(f.names.len(), 1);
    }

    #[test]
    fn another_accounts_gateway_is_named_as_not_read_never_passed() {
        let mut w = world();
        for a in &mut w.attachments {
            a.transit_gateway_owner = Some("222222222222".into());
        }
        // Read by its owner (the network account's profile): judged like one's own.
        assert_eq!(to_endpoint(&w, None).status, Status::Pass);
        // Not read: only that account can.
        w.routes.clear();
        let f = to_endpoint(&w, None);
        assert_eq!(f.status, Status::Skip);
        assert!(f.unjudged && f.detail.contains("222222222222"), "{f:?}");
        // The other VPC's attachment is that account's to see: not seeing it is no failure.
        w.attachments.retain(|a| a.vpc_id != "vpc-endpoint");
        let f = to_endpoint(&w, None);
        assert!(f.status == Status::Skip && f.unjudged, "{f:?}");
        assert!(f.fix.unwrap().contains("vpc-endpoint's attachment"));
        // The VPC's own missing attachment is still a failure: it is this account's.
        w.attachments.clear();
        assert_eq!(to_endpoint(&w, None).status, Status::Fail);
    }
}
