//! VPC flow log records, read in the flow log's own format: the default version 2 fields or a
//! custom `LogFormat` of `${field}` names. Pure: the format, the filter pattern that keeps only
//! the endpoint's flows on the link's port (sent to CloudWatch Logs, so that only those are
//! read), and the records parsed into flows.

use std::net::IpAddr;

/// AWS's default format (version 2), used where a flow log names none.
pub(crate) const DEFAULT_FORMAT: &str = "${version} ${account-id} ${interface-id} ${srcaddr} \
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
    pub(crate) fn missing(&self) -> Vec<&'static str> {
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
    /// flows to `port` on the endpoint's interfaces (or, without `interface-id` in the format,
    /// to its addresses). `None` where the format cannot tell them (see [`Self::missing`]).
    pub(crate) fn pattern(
        &self,
        port: u16,
        interfaces: &[String],
        addresses: &[IpAddr],
    ) -> Option<String> {
        if !self.missing().is_empty() {
            return None;
        }
        let any_of = |field: &str, values: &[String]| {
            values
                .iter()
                .map(|v| format!("{field} = \"{v}\""))
                .collect::<Vec<_>>()
                .join(" || ")
        };
        let addresses: Vec<String> = addresses.iter().map(IpAddr::to_string).collect();
        let to_endpoint =
            if let (Some(at), false) = (self.position("interface-id"), interfaces.is_empty()) {
                Some((at, any_of("f_interface", interfaces)))
            } else {
                let field = ["dstaddr", "pkt-dstaddr"]
                    .into_iter()
                    .find_map(|f| self.position(f));
                match field {
                    Some(at) if !addresses.is_empty() => Some((at, any_of("f_dst", &addresses))),
                    _ => None,
                }
            }?;
        let port_at = self.position("dstport")?;
        let last = port_at.max(to_endpoint.0);
        let parts: Vec<String> = (0..=last)
            .map(|i| {
                let name = if i == to_endpoint.0 {
                    if self.fields[i] == "interface-id" {
                        "f_interface"
                    } else {
                        "f_dst"
                    }
                    .to_string()
                } else if i == port_at {
                    "f_port".to_string()
                } else {
                    format!("f{i}")
                };
                if i == to_endpoint.0 {
                    to_endpoint.1.clone()
                } else if i == port_at {
                    format!("{name} = {port}")
                } else {
                    name
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

    /// One record as a flow, where it is one: `None` for a record of another shape, a
    /// `NODATA`/`SKIPDATA` record (fields `-`), or an address or port that does not parse.
    pub(crate) fn flow(&self, message: &str) -> Option<Flow> {
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
        let action = match get("action")? {
            "ACCEPT" => Action::Accept,
            "REJECT" => Action::Reject,
            _ => return None,
        };
        Some(Flow {
            // The packet's own source where the format has it (a client behind a NAT or a
            // transit gateway attachment keeps its address there).
            client: address(["pkt-srcaddr", "srcaddr"])?,
            endpoint: address(["pkt-dstaddr", "dstaddr"]),
            interface: get("interface-id").map(str::to_string),
            port: get("dstport")?.parse().ok()?,
            action,
            packets: get("packets").and_then(|v| v.parse().ok()),
            start: get("start").and_then(|v| v.parse().ok()),
            end: get("end").and_then(|v| v.parse().ok()),
            tcp_flags: get("tcp-flags").and_then(|v| v.parse().ok()),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Accept,
    Reject,
}

/// One flow record to the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Flow {
    pub(crate) client: IpAddr,
    pub(crate) endpoint: Option<IpAddr>,
    pub(crate) interface: Option<String>,
    pub(crate) port: u16,
    pub(crate) action: Action,
    pub(crate) packets: Option<u64>,
    /// Unix seconds.
    pub(crate) start: Option<i64>,
    pub(crate) end: Option<i64>,
    /// The OR of the TCP flags seen in the window (SYN 2, SYN-ACK 18, FIN 1, RST 4).
    pub(crate) tcp_flags: Option<u16>,
}

impl Flow {
    /// Whether this record is a flow to the endpoint on `port`: on one of its interfaces, or
    /// to one of its addresses (what the format lets tell).
    pub(crate) fn reaches(&self, port: u16, interfaces: &[String], addresses: &[IpAddr]) -> bool {
        if self.port != port {
            return false;
        }
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
            .flow("2 123456789010 eni-0aaa 10.0.3.7 10.0.0.37 49761 19530 6 20 4249 1418530010 1418530070 REJECT OK")
            .unwrap();
        assert_eq!(flow.client, "10.0.3.7".parse::<IpAddr>().unwrap());
        assert_eq!(flow.endpoint, Some("10.0.0.37".parse().unwrap()));
        assert_eq!((flow.port, flow.action), (19530, Action::Reject));
        assert_eq!(flow.start, Some(1418530010));
        assert!(flow.reaches(19530, &eni(), &[]));
        assert!(!flow.reaches(443, &eni(), &[]));
        assert!(!flow.reaches(19530, &["eni-0ccc".into()], &[]));
    }

    #[test]
    fn nodata_records_and_other_shapes_are_not_flows() {
        let f = Format::parse(None).unwrap();
        assert_eq!(
            f.flow("2 123456789010 eni-0aaa - - - - - - - 1431280876 1431280934 - NODATA"),
            None
        );
        assert_eq!(f.flow("2 123456789010 eni-0aaa 10.0.3.7"), None);
        assert_eq!(
            f.flow("2 1 eni-0aaa 10.0.3.7 10.0.0.37 1 notaport 6 1 1 1 1 ACCEPT OK"),
            None
        );
    }

    #[test]
    fn a_custom_format_takes_the_packets_own_source_and_the_tcp_flags() {
        let f = Format::parse(Some(CUSTOM)).unwrap();
        let flow = f
            .flow("5 vpc-1 eni-0bbb 10.8.1.4 10.0.9.9 10.0.0.38 19530 2 ACCEPT 100 160")
            .unwrap();
        // Behind a transit gateway the interface sees the attachment; the packet keeps its own.
        assert_eq!(flow.client, "10.8.1.4".parse::<IpAddr>().unwrap());
        assert_eq!(flow.tcp_flags, Some(2));
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
            f.pattern(19530, &eni(), &[]).unwrap(),
            "[f0, f1, f_interface = \"eni-0aaa\" || f_interface = \"eni-0bbb\", f3, f4, f5, \
             f_port = 19530, ...]"
        );
        let custom = Format::parse(Some(CUSTOM)).unwrap();
        assert_eq!(
            custom.pattern(443, &["eni-0aaa".into()], &[]).unwrap(),
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
            f.pattern(19530, &eni(), &ips).unwrap(),
            "[f0, f_dst = \"10.0.0.37\" || f_dst = \"10.0.1.5\", f2, f_port = 19530, ...]"
        );
        assert_eq!(f.pattern(19530, &eni(), &[]), None);
    }

    #[test]
    fn a_format_without_the_port_or_the_action_cannot_answer() {
        let f = Format::parse(Some("${srcaddr} ${dstaddr} ${action}")).unwrap();
        assert_eq!(f.missing(), vec!["dstport"]);
        assert_eq!(f.pattern(19530, &eni(), &[]), None);
        let g = Format::parse(Some("${interface-id} ${srcaddr} ${dstport}")).unwrap();
        assert_eq!(g.missing(), vec!["action"]);
    }
}
