//! VPC flow log records, read in the flow log's own format: the default version 2 fields or a
//! custom `LogFormat` of `${field}` names. Pure: the format, the filter pattern that keeps only
//! the endpoint's flows on the link's port (sent to CloudWatch Logs, so that only those are
//! read), and the records parsed into flows.

use std::net::IpAddr;

/// AWS's default format (version 2), used where a flow log names none.
const DEFAULT_FORMAT: &str = "${version} ${account-id} ${interface-id} ${srcaddr} \
     ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} \
     ${log-status}";

/// A flow log's field list, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Format {
    fields: Vec<String>,
}

impl Format {
    /// Parses a `LogFormat` (`${version} ${srcaddr} …`); `None` is the default format. Fails
    /// naming what is not a `${field}`.
    pub(crate) fn parse(log_format: Option<&str>) -> Result<Self, String> {
        let text = log_format
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(DEFAULT_FORMAT);
        let fields = text
            .split_whitespace()
            .map(|token| {
                token
                    .strip_prefix("${")
                    .and_then(|t| t.strip_suffix('}'))
                    .filter(|name| {
                        !name.is_empty()
                            && name
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    })
                    .map(str::to_string)
                    .ok_or_else(|| format!("`{token}` in the log format is not a ${{field}}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { fields })
    }

    fn position(&self, field: &str) -> Option<usize> {
        self.fields.iter().position(|f| f == field)
    }

    /// What this format lacks to say whether a client's packets to the endpoint were let in:
    /// the port, the action, and a way to tell the client and the endpoint.
    pub(super) fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.position("dstport").is_none() {
            missing.push("dstport");
        }
        if self.position("action").is_none() {
            missing.push("action");
        }
        if self.position("srcaddr").is_none() && self.position("pkt-srcaddr").is_none() {
            missing.push("srcaddr");
        }
        if self.position("dstaddr").is_none()
            && self.position("pkt-dstaddr").is_none()
            && self.position("interface-id").is_none()
        {
            missing.push("dstaddr or interface-id");
        }
        missing
    }

    /// The CloudWatch Logs filter pattern (space-delimited form) that keeps the records of
    /// flows on the link's `port` in one `direction`: to the endpoint (its interfaces, or
    /// without `interface-id` in the format its addresses, and the destination port), or back
    /// from it (its answers: the source port). `None` where the format cannot tell them.
    pub(super) fn pattern(
        &self,
        direction: Direction,
        port: u16,
        interfaces: &[String],
        addresses: &[IpAddr],
    ) -> Option<String> {
        if !self.missing().is_empty() {
            return None;
        }
        let (port_field, address_fields) = match direction {
            Direction::ToEndpoint => ("dstport", ["dstaddr", "pkt-dstaddr"]),
            Direction::Back => ("srcport", ["srcaddr", "pkt-srcaddr"]),
        };
        let any_of = |field: &str, values: &[String]| {
            values
                .iter()
                .map(|v| format!("{field} = \"{v}\""))
                .collect::<Vec<_>>()
                .join(" || ")
        };
        let addresses: Vec<String> = addresses.iter().map(IpAddr::to_string).collect();
        let endpoint = match self.position("interface-id") {
            Some(at) if !interfaces.is_empty() => (at, any_of("f_interface", interfaces)),
            _ => match address_fields.into_iter().find_map(|f| self.position(f)) {
                Some(at) if !addresses.is_empty() => (at, any_of("f_endpoint", &addresses)),
                _ => return None,
            },
        };
        let port_at = self.position(port_field)?;
        let last = port_at.max(endpoint.0);
        let parts: Vec<String> = (0..=last)
            .map(|i| {
                if i == endpoint.0 {
                    endpoint.1.clone()
                } else if i == port_at {
                    format!("f_port = {port}")
                } else {
                    format!("f{i}")
                }
            })
            .collect();
        let tail = if last + 1 < self.fields.len() {
            ", ..."
        } else {
            ""
        };
        Some(format!("[{}{tail}]", parts.join(", ")))
    }

    /// One record as a flow on the link's `port`, where it is one: to the endpoint (the
    /// destination port is the link's) or its answer back (the source port is). `None` for a
    /// record of another shape or port, a `NODATA`/`SKIPDATA` record (fields `-`), or an
    /// address or port that does not parse.
    pub(crate) fn flow(&self, message: &str, port: u16) -> Option<Flow> {
        let values: Vec<&str> = message.split_whitespace().collect();
        if values.len() != self.fields.len() {
            return None;
        }
        let get = |field: &str| {
            self.position(field)
                .map(|i| values[i])
                .filter(|v| *v != "-")
        };
        let address = |fields: [&str; 2]| {
            fields
                .into_iter()
                .find_map(|f| get(f).and_then(|v| v.parse::<IpAddr>().ok()))
        };
        let port_of = |field: &str| get(field).and_then(|v| v.parse::<u16>().ok());
        let action = match get("action")? {
            "ACCEPT" => Action::Accept,
            "REJECT" => Action::Reject,
            _ => return None,
        };
        // The packet's own addresses where the format has them (a client behind a NAT or a
        // transit gateway attachment keeps its address there).
        let (source, destination) = (
            address(["pkt-srcaddr", "srcaddr"]),
            address(["pkt-dstaddr", "dstaddr"]),
        );
        let (direction, client, endpoint) = if port_of("dstport") == Some(port) {
            (Direction::ToEndpoint, source?, destination)
        } else if port_of("srcport") == Some(port) {
            (Direction::Back, destination?, source)
        } else {
            return None;
        };
        Some(Flow {
            direction,
            client,
            endpoint,
            interface: get("interface-id").map(str::to_string),
            action,
            start: get("start").and_then(|v| v.parse().ok()),
            end: get("end").and_then(|v| v.parse().ok()),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Action {
    Accept,
    Reject,
}

/// Which way a flow on the link's port goes: the client's packets to the endpoint, or the
/// endpoint's answers back to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Direction {
    ToEndpoint,
    Back,
}

/// One flow record on the link's port, at the endpoint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Flow {
    pub(crate) direction: Direction,
    /// The client's address, whichever way the flow goes.
    pub(crate) client: IpAddr,
    endpoint: Option<IpAddr>,
    interface: Option<String>,
    pub(crate) action: Action,
    /// Unix seconds.
    pub(crate) start: Option<i64>,
    pub(crate) end: Option<i64>,
}

impl Flow {
    /// Whether this record is at the endpoint: on one of its interfaces, or to or from one of
    /// its addresses (what the format lets tell).
    pub(super) fn at_endpoint(&self, interfaces: &[String], addresses: &[IpAddr]) -> bool {
        match (&self.interface, self.endpoint) {
            (Some(eni), _) if !interfaces.is_empty() => interfaces.contains(eni),
            (_, Some(ip)) if !addresses.is_empty() => addresses.contains(&ip),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CUSTOM: &str = "${version} ${vpc-id} ${interface-id} ${pkt-srcaddr} ${srcaddr} \
                          ${dstaddr} ${dstport} ${tcp-flags} ${action} ${start} ${end}";

    fn eni() -> Vec<String> {
        vec!["eni-0aaa".into(), "eni-0bbb".into()]
    }

    #[test]
    fn the_default_format_reads_a_rejected_flow_from_the_user_guide_shape() {
        let f = Format::parse(None).unwrap();
        let flow = f
            .flow(
                "2 123456789010 eni-0aaa 10.0.3.7 10.0.0.37 49761 19530 6 20 4249 1418530010 1418530070 REJECT OK",
                19530,
            )
            .unwrap();
        assert_eq!(flow.client, "10.0.3.7".parse::<IpAddr>().unwrap());
        assert_eq!(flow.endpoint, Some("10.0.0.37".parse().unwrap()));
        assert_eq!(
            (flow.direction, flow.action),
            (Direction::ToEndpoint, Action::Reject)
        );
        assert_eq!(flow.start, Some(1418530010));
        assert!(flow.at_endpoint(&eni(), &[]));
        assert!(!flow.at_endpoint(&["eni-0ccc".into()], &[]));
    }

    #[test]
    fn the_endpoints_answer_is_the_way_back_and_another_port_is_no_flow() {
        let f = Format::parse(None).unwrap();
        let back = f
            .flow(
                "2 1 eni-0aaa 10.0.0.37 10.0.3.7 19530 49761 6 20 4249 1418530010 1418530070 REJECT OK",
                19530,
            )
            .unwrap();
        assert_eq!(back.direction, Direction::Back);
        assert_eq!(back.client, "10.0.3.7".parse::<IpAddr>().unwrap());
        assert_eq!(back.endpoint, Some("10.0.0.37".parse().unwrap()));
        assert!(back.at_endpoint(&[], &["10.0.0.37".parse().unwrap()]));
        assert_eq!(
            f.flow(
                "2 1 eni-0aaa 10.0.3.7 10.0.0.37 49761 22 6 20 4249 1 2 ACCEPT OK",
                19530
            ),
            None
        );
    }

    #[test]
    fn nodata_records_and_other_shapes_are_not_flows() {
        let f = Format::parse(None).unwrap();
        assert_eq!(
            f.flow(
                "2 123456789010 eni-0aaa - - - - - - - 1431280876 1431280934 - NODATA",
                19530
            ),
            None
        );
        assert_eq!(f.flow("2 123456789010 eni-0aaa 10.0.3.7", 19530), None);
        assert_eq!(
            f.flow(
                "2 1 eni-0aaa 10.0.3.7 10.0.0.37 1 notaport 6 1 1 1 1 ACCEPT OK",
                19530
            ),
            None
        );
    }

    #[test]
    fn a_custom_format_takes_the_packets_own_source_and_the_tcp_flags() {
        let f = Format::parse(Some(CUSTOM)).unwrap();
        let flow = f
            .flow(
                "5 vpc-1 eni-0bbb 10.8.1.4 10.0.9.9 10.0.0.38 19530 2 ACCEPT 100 160",
                19530,
            )
            .unwrap();
        // Behind a transit gateway the interface sees the attachment; the packet keeps its own.
        assert_eq!(flow.client, "10.8.1.4".parse::<IpAddr>().unwrap());
        assert_eq!(flow.action, Action::Accept);
    }

    #[test]
    fn a_format_that_is_not_fields_is_refused_by_its_token() {
        let e = Format::parse(Some("${version} srcaddr")).unwrap_err();
        assert!(e.contains("`srcaddr`"), "{e}");
        assert!(Format::parse(Some("${version} ${}")).is_err());
    }

    #[test]
    fn the_pattern_names_the_interfaces_and_the_port_in_their_places() {
        let f = Format::parse(None).unwrap();
        assert_eq!(
            f.pattern(Direction::ToEndpoint, 19530, &eni(), &[])
                .unwrap(),
            "[f0, f1, f_interface = \"eni-0aaa\" || f_interface = \"eni-0bbb\", f3, f4, f5, \
             f_port = 19530, ...]"
        );
        assert_eq!(
            f.pattern(Direction::Back, 19530, &eni(), &[]).unwrap(),
            "[f0, f1, f_interface = \"eni-0aaa\" || f_interface = \"eni-0bbb\", f3, f4, \
             f_port = 19530, ...]"
        );
        let custom = Format::parse(Some(CUSTOM)).unwrap();
        assert_eq!(
            custom
                .pattern(Direction::ToEndpoint, 443, &["eni-0aaa".into()], &[])
                .unwrap(),
            "[f0, f1, f_interface = \"eni-0aaa\", f3, f4, f5, f_port = 443, ...]"
        );
    }

    #[test]
    fn without_the_interface_the_pattern_names_the_addresses() {
        let f = Format::parse(Some(
            "${srcaddr} ${dstaddr} ${srcport} ${dstport} ${action}",
        ))
        .unwrap();
        let ips: Vec<IpAddr> = vec!["10.0.0.37".parse().unwrap(), "10.0.1.5".parse().unwrap()];
        assert_eq!(
            f.pattern(Direction::ToEndpoint, 19530, &eni(), &ips)
                .unwrap(),
            "[f0, f_endpoint = \"10.0.0.37\" || f_endpoint = \"10.0.1.5\", f2, f_port = 19530, \
             ...]"
        );
        assert_eq!(
            f.pattern(Direction::Back, 19530, &eni(), &ips).unwrap(),
            "[f_endpoint = \"10.0.0.37\" || f_endpoint = \"10.0.1.5\", f1, f_port = 19530, ...]"
        );
        assert_eq!(f.pattern(Direction::ToEndpoint, 19530, &eni(), &[]), None);
    }

    #[test]
    fn a_format_without_the_port_or_the_action_cannot_answer() {
        let f = Format::parse(Some("${srcaddr} ${dstaddr} ${action}")).unwrap();
        assert_eq!(f.missing(), vec!["dstport"]);
        assert_eq!(f.pattern(Direction::ToEndpoint, 19530, &eni(), &[]), None);
        let g = Format::parse(Some("${interface-id} ${srcaddr} ${dstport}")).unwrap();
        assert_eq!(g.missing(), vec!["action"]);
    }
}
