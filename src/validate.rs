//! Checks on identifiers and values that arrive from an assistant, made before any cloud
//! call so that a typo costs nothing and is named exactly.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::error::Error;

/// The kinds of AWS identifiers the tools take. AWS ids are a prefix and 8 or 17 lowercase
/// hexadecimal digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AwsId {
    Vpc,
    Subnet,
    SecurityGroup,
    VpcEndpoint,
    Instance,
}

impl AwsId {
    fn prefix(self) -> &'static str {
        match self {
            Self::Vpc => "vpc",
            Self::Subnet => "subnet",
            Self::SecurityGroup => "sg",
            Self::VpcEndpoint => "vpce",
            Self::Instance => "i",
        }
    }

    fn field(self) -> &'static str {
        match self {
            Self::Vpc => "vpc_id",
            Self::Subnet => "subnet_id",
            Self::SecurityGroup => "security_group_id",
            Self::VpcEndpoint => "endpoint_id",
            Self::Instance => "client_instance_id",
        }
    }

    /// Checks `value` and gives it back trimmed.
    pub(crate) fn check(self, value: &str) -> Result<String, Error> {
        self.check_field(self.field(), value)
    }

    /// As [`AwsId::check`], naming the argument the value came in.
    pub(crate) fn check_field(self, field: &'static str, value: &str) -> Result<String, Error> {
        let trimmed = value.trim();
        let ok = trimmed
            .strip_prefix(self.prefix())
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|hex| {
                matches!(hex.len(), 8 | 17)
                    && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            });
        if ok {
            Ok(trimmed.to_string())
        } else {
            Err(Error::invalid(
                field,
                value,
                format!(
                    "expected `{}-` followed by 8 or 17 lowercase hex digits, such as `{}-0123456789abcdef0`",
                    self.prefix(),
                    self.prefix()
                ),
            ))
        }
    }
}

/// A Zilliz cluster id such as `in01-840ec44485bf25d`: a short lowercase prefix, a hyphen,
/// and lowercase letters and digits.
pub(crate) fn cluster_id(value: &str) -> Result<String, Error> {
    zilliz_id(
        "cluster_id",
        value,
        |prefix| prefix.len() <= 8,
        "expected a Zilliz cluster id such as `in01-840ec44485bf25d`",
    )
}

/// A Zilliz project id such as `proj-4487580fcfe2c8a4391686`.
pub(crate) fn project_id(value: &str) -> Result<String, Error> {
    zilliz_id(
        "project_id",
        value,
        |prefix| prefix == "proj",
        "expected a Zilliz project id such as `proj-4487580fcfe2c8a4391686`",
    )
}

fn zilliz_id(
    field: &'static str,
    value: &str,
    prefix_ok: impl Fn(&str) -> bool,
    expected: &str,
) -> Result<String, Error> {
    let trimmed = value.trim();
    let is_word = |s: &str| {
        !s.is_empty()
            && s.len() <= 40
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    match trimmed.split_once('-') {
        Some((prefix, rest)) if is_word(prefix) && prefix_ok(prefix) && is_word(rest) => {
            Ok(trimmed.to_string())
        }
        _ => Err(Error::invalid(field, value, expected)),
    }
}

/// An IPv4 or IPv6 network in CIDR form; a bare address is taken as a single host.
pub(crate) fn cidr(field: &'static str, value: &str) -> Result<IpNet, Error> {
    let trimmed = value.trim();
    if let Ok(net) = trimmed.parse::<IpNet>() {
        return Ok(net.trunc());
    }
    if let Ok(addr) = trimmed.parse::<IpAddr>() {
        return Ok(IpNet::from(addr));
    }
    Err(Error::invalid(
        field,
        value,
        "expected a CIDR block such as `10.0.0.0/16` or an address such as `10.0.1.25`",
    ))
}

/// A tag value to match, as EC2 takes one: 1 to 256 characters, none of them a control
/// character (`*` and `?` are EC2's wildcards).
pub(crate) fn tag_value(field: &'static str, value: &str) -> Result<String, Error> {
    let length = value.chars().count();
    if (1..=256).contains(&length) && !value.chars().any(char::is_control) {
        Ok(value.to_string())
    } else {
        Err(Error::invalid(
            field,
            value,
            "expected a Name tag of 1 to 256 characters, without control characters (`*` \
             matches any characters)",
        ))
    }
}

/// A VPC or a security group as a person names it: its id, or its `Name` tag (for a group,
/// or its `GroupName`), as the EC2 console shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NamedRef {
    Id(String),
    Name(String),
}

impl NamedRef {
    /// The value as the person gave it, for an answer made before it could be looked up.
    pub(crate) fn as_given(&self) -> &str {
        match self {
            Self::Id(v) | Self::Name(v) => v,
        }
    }
}

/// `sg-…` is checked as an id; anything else is a name (found by `ec2::group_id_of`).
pub(crate) fn group_ref(field: &'static str, value: &str) -> Result<NamedRef, Error> {
    named_ref(AwsId::SecurityGroup, field, value)
}

/// `vpc-…` is checked as an id; anything else is a `Name` tag (found by `ec2::vpc_id_of`).
pub(crate) fn vpc_ref(field: &'static str, value: &str) -> Result<NamedRef, Error> {
    named_ref(AwsId::Vpc, field, value)
}

fn named_ref(kind: AwsId, field: &'static str, value: &str) -> Result<NamedRef, Error> {
    let value = value.trim();
    if value.starts_with(&format!("{}-", kind.prefix())) {
        kind.check_field(field, value).map(NamedRef::Id)
    } else if name_like(value) && !id_of_another_kind(value) {
        Ok(NamedRef::Name(value.to_string()))
    } else {
        let what = match kind {
            AwsId::SecurityGroup => {
                "a security group id (`sg-…`) or its exact Name tag or GroupName"
            }
            _ => "a VPC id (`vpc-…`) or its exact Name tag",
        };
        Err(Error::invalid(
            field,
            value,
            format!(
                "{what}: 1 to 255 letters, digits, spaces and + - = . _ : / @ (AWS's tag \
                 characters)"
            ),
        ))
    }
}

/// AWS's tag characters (letters and digits of any script, spaces, `+ - = . _ : / @`).
fn name_like(value: &str) -> bool {
    let length = value.chars().count();
    (1..=255).contains(&length)
        && value
            .chars()
            .all(|c| c.is_alphanumeric() || " +-=._:/@".contains(c))
}

/// `vpc-0123…`, `subnet-…`: an id, of another kind than the one asked for (its own kind's
/// prefix is checked as an id before this).
fn id_of_another_kind(value: &str) -> bool {
    [
        "vpc-", "sg-", "subnet-", "vpce-", "i-", "pcx-", "tgw-", "eni-", "rtb-", "acl-",
    ]
    .iter()
    .any(|prefix| {
        value.strip_prefix(prefix).is_some_and(|rest| {
            (8..=17).contains(&rest.len()) && rest.chars().all(|c| c.is_ascii_hexdigit())
        })
    })
}

/// A TCP port, 1 to 65535.
pub(crate) fn port(value: i64) -> Result<u16, Error> {
    u16::try_from(value)
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| {
            Error::invalid(
                "port",
                &value.to_string(),
                "expected a TCP port from 1 to 65535",
            )
        })
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_tag_value_is_taken_as_ec2_takes_it() {
        assert_eq!(tag_value("name", "orders-*").unwrap(), "orders-*");
        for bad in ["", "a\nb", &"x".repeat(257)] {
            let e = tag_value("name", bad).unwrap_err().to_string();
            assert!(e.starts_with("invalid name"), "{e}");
        }
        assert!(tag_value("name", &"é".repeat(256)).is_ok());
    }

    use super::*;

    #[test]
    fn a_group_is_an_id_or_a_name_of_tag_characters() {
        let f = "source_security_group_id";
        assert_eq!(
            group_ref(f, "sg-0123456789abcdef0").unwrap(),
            NamedRef::Id("sg-0123456789abcdef0".into())
        );
        assert!(group_ref(f, "sg-nothex").is_err());
        for name in ["orders-app", "Orders App", "team/orders@prod", "注文アプリ"] {
            assert_eq!(group_ref(f, name).unwrap(), NamedRef::Name(name.into()));
        }
        for bad in [
            "",
            "; rm -rf / #",
            "$(reboot)",
            "a*",
            "vpc-0123456789abcdef0",
            "\u{202e}x",
        ] {
            let err = group_ref(f, bad).unwrap_err();
            assert!(err.to_string().contains(f), "{bad}: {err}");
        }
        assert!(group_ref(f, &"a".repeat(256)).is_err());
    }

    #[test]
    fn a_vpc_is_an_id_or_its_name_tag_and_never_another_kind_of_id() {
        let f = "vpc_id";
        assert_eq!(
            vpc_ref(f, " vpc-0123456789abcdef0 ").unwrap(),
            NamedRef::Id("vpc-0123456789abcdef0".into())
        );
        assert!(vpc_ref(f, "vpc-nothex").is_err());
        assert_eq!(
            vpc_ref(f, "orders-prod").unwrap(),
            NamedRef::Name("orders-prod".into())
        );
        for bad in ["sg-0123456789abcdef0", "subnet-0123456789abcdef0", "a*", ""] {
            let err = vpc_ref(f, bad).unwrap_err().to_string();
            assert!(err.contains(f) && err.contains("VPC id"), "{bad}: {err}");
        }
    }

    #[test]
    fn aws_ids_need_their_prefix_and_8_or_17_hex_digits() {
        assert_eq!(AwsId::Vpc.check("vpc-0a1b2c3d").unwrap(), "vpc-0a1b2c3d");
        assert!(AwsId::Vpc.check(" vpc-0123456789abcdef0 ").is_ok());
        assert!(AwsId::Subnet.check("subnet-0123456789abcdef0").is_ok());
        assert!(AwsId::SecurityGroup.check("sg-12345678").is_ok());
        assert!(AwsId::VpcEndpoint.check("vpce-0ce90d01341533a5c").is_ok());
        assert!(AwsId::Instance.check("i-0123456789abcdef0").is_ok());

        for bad in [
            "",
            "vpc-",
            "vpc-123",
            "vpc-0123456789",
            "vpc-0A1B2C3D",
            "subnet-0a1b2c3d",
            "vpc_0a1b2c3d",
            "vpc-0a1b2c3g",
            "vpc-0a1b2c3d;ls",
            "vpc-../../etc",
            "vpc-０a1b2c3d",
        ] {
            let err = AwsId::Vpc.check(bad).unwrap_err().to_string();
            assert!(err.starts_with("invalid vpc_id"), "{bad}: {err}");
        }
        assert!(AwsId::Instance.check("i-0a1b2c3d4").is_err());
    }

    #[test]
    fn zilliz_ids() {
        assert!(cluster_id("in01-840ec44485bf25d").is_ok());
        assert!(cluster_id("in03-0123456789abcdef").is_ok());
        for bad in [
            "",
            "in01",
            "in01-",
            "IN01-abc",
            "in01-abc/def",
            "in01-abc def",
            "-abc",
        ] {
            assert!(cluster_id(bad).is_err(), "{bad}");
        }
        assert!(project_id("proj-4487580fcfe2c8a4391686").is_ok());
        assert!(project_id("in01-abc").is_err());
    }

    #[test]
    fn cidrs_and_ports() {
        assert_eq!(
            cidr("source_cidr", "10.0.1.7/16").unwrap().to_string(),
            "10.0.0.0/16"
        );
        assert_eq!(
            cidr("source_cidr", "10.0.1.7").unwrap().to_string(),
            "10.0.1.7/32"
        );
        assert_eq!(
            cidr("source_cidr", "2001:db8::/32").unwrap().to_string(),
            "2001:db8::/32"
        );
        for bad in ["", "10.0.0.0/33", "10.0.0", "banana", "10.0.0.0/-1"] {
            let err = cidr("source_cidr", bad).unwrap_err().to_string();
            assert!(err.starts_with("invalid source_cidr"), "{err}");
        }
        assert_eq!(port(19530).unwrap(), 19530);
        assert!(port(0).is_err());
        assert!(port(65536).is_err());
        assert!(port(-1).is_err());
    }
}
