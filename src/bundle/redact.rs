//! Redaction of a bundle's reads: every account id, ARN, IPv4 address and block, resource id
//! (`vpc-…`, `sg-…`, `in01-…`, Route 53 zone ids, command ids) and name (`Name` tags, group,
//! cluster and log group names) is replaced by a stand-in, the same one wherever the value
//! recurs, so that what the judgement compares still compares alike:
//! - ids keep their prefix and length (`vpc-0a1b…` stays a `vpc-` id), so kinds stay apart;
//! - addresses are mapped prefix-preservingly (two addresses that share their first n bits
//!   share them after), so an address stays inside its block, and a block's size is kept; the
//!   first octet of a private, loopback or link-local range is kept (10/8, 127/8, and the
//!   first 12 or 16 bits of 172.16/12, 192.168/16, 169.254/16), so private stays private;
//! - domain names are kept but for the ids in them (the host compares with zone names).
//!
//! The stand-ins come from a hash keyed at random for each bundle: the same value maps alike
//! within one bundle, and no one can reverse them without the key, which is never written.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash, Hasher};
use std::net::Ipv4Addr;
use std::sync::LazyLock;

use regex_lite::{Captures, Regex};
use serde_json::Value;

/// Keys whose string values are names (and descriptions) a person chose.
const NAME_KEYS: &[&str] = &[
    "name",
    "description",
    "name_tag",
    "group_name",
    "cluster_name",
    "log_group",
    "group",
];

/// Names AWS gives and the judgement may rely on: kept.
const KEPT_NAMES: &[&str] = &["default", "AmazonProvidedDNS"];

/// The parts of an ARN's resource that are kinds, not names: kept.
const ARN_WORDS: &[&str] = &[
    "log-group",
    "log-stream",
    "user",
    "role",
    "assumed-role",
    "hostedzone",
    "vpc",
    "subnet",
    "security-group",
    "vpc-endpoint",
    "vpc-endpoint-service",
    "transit-gateway",
    "deliverystream",
    "resolver-rule",
    "firewall-rule-group",
    "profile",
    "document",
    "instance",
    "*",
    "",
];

static ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"arn:(aws[a-z-]*):([a-z0-9-]*):([a-z0-9-]*):([0-9]{12})?:([^\s\x22',;()]+)")
        .expect("ARN pattern")
});
static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
        .expect("UUID pattern")
});
static ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b([a-z][a-z0-9]*(?:-[a-z]+)*)-([0-9a-f]{8,40})\b").expect("id pattern")
});
static ZONE_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bZ[0-9A-Z]{8,32}\b").expect("zone id pattern"));
static ACCOUNT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[0-9]{12}\b").expect("account pattern"));
static IPV4: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b([0-9]{1,3}(?:\.[0-9]{1,3}){3})(/[0-9]{1,2})?\b").expect("address pattern")
});

const HEX: &[u8] = b"0123456789abcdef";
const UPPER: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// One bundle's redaction: its random key.
pub(super) struct Redactor {
    key: RandomState,
}

impl Redactor {
    pub(super) fn new() -> Self {
        Self {
            key: RandomState::new(),
        }
    }

    fn hash(&self, what: &str, salt: u64) -> u64 {
        let mut h = self.key.build_hasher();
        salt.hash(&mut h);
        what.hash(&mut h);
        h.finish()
    }

    /// `len` characters of `alphabet`, drawn from `what`'s hash.
    fn stand_in(&self, what: &str, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|i| {
                let h = self.hash(what, i as u64);
                alphabet[(h % alphabet.len() as u64) as usize] as char
            })
            .collect()
    }

    /// Every string of the value redacted, object keys too (some maps are keyed by ids).
    pub(super) fn value(&self, value: Value) -> Value {
        self.within(value, None)
    }

    fn within(&self, value: Value, key: Option<&str>) -> Value {
        match value {
            Value::String(s) => Value::String(match key {
                Some(k) if NAME_KEYS.contains(&k) => self.name(&s),
                _ => self.text(&s),
            }),
            Value::Array(items) => {
                // A tag as a pair: `["Name", "orders-app"]`.
                if let [Value::String(k), Value::String(v)] = items.as_slice()
                    && k == "Name"
                {
                    return Value::Array(vec![
                        Value::String(k.clone()),
                        Value::String(self.name(v)),
                    ]);
                }
                Value::Array(items.into_iter().map(|v| self.within(v, None)).collect())
            }
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| {
                        let v = self.within(v, Some(&k));
                        (self.text(&k), v)
                    })
                    .collect(),
            ),
            other => other,
        }
    }

    /// A name a person chose. A domain name is kept but for the ids in it: it is compared
    /// with the host and the zones.
    fn name(&self, name: &str) -> String {
        if KEPT_NAMES.contains(&name) || is_domain(name) || name.is_empty() {
            return self.text(name);
        }
        format!("name-{}", self.stand_in(name, HEX, 8))
    }

    /// Free text: every ARN, id, zone id, account id and address in it replaced.
    pub(super) fn text(&self, text: &str) -> String {
        let text = ARN.replace_all(text, |c: &Captures<'_>| {
            let account = c
                .get(4)
                .map(|a| self.account(a.as_str()))
                .unwrap_or_default();
            let resource = self.arn_resource(&c[5]);
            format!("arn:{}:{}:{}:{account}:{resource}", &c[1], &c[2], &c[3])
        });
        let text = UUID.replace_all(&text, |c: &Captures<'_>| {
            let hex = self.stand_in(&c[0], HEX, 32);
            format!(
                "{}-{}-{}-{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..]
            )
        });
        let text = ID.replace_all(&text, |c: &Captures<'_>| self.id(&c[1], &c[2]));
        let text = ZONE_ID.replace_all(&text, |c: &Captures<'_>| {
            format!("Z{}", self.stand_in(&c[0], UPPER, c[0].len() - 1))
        });
        let text = ACCOUNT.replace_all(&text, |c: &Captures<'_>| self.account(&c[0]));
        IPV4.replace_all(&text, |c: &Captures<'_>| match c[1].parse::<Ipv4Addr>() {
            Ok(ip) => {
                let prefix = c.get(2).map_or("", |p| p.as_str());
                let bits = prefix[1.min(prefix.len())..].parse::<u32>().unwrap_or(32);
                let mapped = u32::from(self.address(ip));
                let masked = if bits == 0 {
                    0
                } else {
                    mapped & (u32::MAX << (32 - bits.min(32)))
                };
                let shown = if prefix.is_empty() { mapped } else { masked };
                format!("{}{prefix}", Ipv4Addr::from(shown))
            }
            Err(_) => c[0].to_string(),
        })
        .into_owned()
    }

    fn id(&self, prefix: &str, hex: &str) -> String {
        let whole = format!("{prefix}-{hex}");
        format!("{prefix}-{}", self.stand_in(&whole, HEX, hex.len()))
    }

    fn account(&self, account: &str) -> String {
        let digits = self.stand_in(account, b"0123456789", 11);
        format!("9{digits}")
    }

    /// An ARN's resource: ids as ids, kinds kept, every other part a stand-in.
    fn arn_resource(&self, resource: &str) -> String {
        let mut out = String::new();
        let mut part = String::new();
        let flush = |part: &mut String, out: &mut String| {
            if ARN_WORDS.contains(&part.as_str()) || ID.is_match(part) {
                out.push_str(&self.text(part));
            } else {
                out.push_str(&format!("n{}", self.stand_in(part, HEX, 8)));
            }
            part.clear();
        };
        for ch in resource.chars() {
            if ch == '/' || ch == ':' {
                flush(&mut part, &mut out);
                out.push(ch);
            } else {
                part.push(ch);
            }
        }
        flush(&mut part, &mut out);
        out
    }

    /// An address mapped so that shared prefixes stay shared: bit i of the answer is bit i of
    /// the address flipped or not by a keyed hash of the bits before it. The bits that say the
    /// address is private (or loopback, link-local) are kept, and the first bit after them is
    /// always flipped, so that no address or block (longer than the kept prefix) is left as it
    /// was by chance.
    fn address(&self, ip: Ipv4Addr) -> Ipv4Addr {
        let bits = u32::from(ip);
        let [a, b, ..] = ip.octets();
        let kept = match (a, b) {
            (10 | 127, _) => 8,
            (172, 16..=31) => 12,
            (192, 168) | (169, 254) => 16,
            (0, _) if bits == 0 => 32,
            _ => 8,
        };
        let mut out = bits;
        for i in kept..32 {
            let before = if i == 0 { 0 } else { bits >> (32 - i) };
            if i == kept || self.hash(&format!("{i}/{before}"), 0xad) & 1 == 1 {
                out ^= 1 << (31 - i);
            }
        }
        Ipv4Addr::from(out)
    }
}

/// A domain name (it is compared with the host and the zones): dotted labels, no spaces.
fn is_domain(name: &str) -> bool {
    name.contains('.')
        && !name.contains(char::is_whitespace)
        && name.split('.').all(|label| {
            label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_*".contains(c))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inside(ip: &str, block: &str) -> bool {
        let ip: Ipv4Addr = ip.parse().unwrap();
        let net: ipnet::Ipv4Net = block.parse().unwrap();
        net.contains(&ip)
    }

    #[test]
    fn an_address_stays_inside_its_block_and_private_stays_private() {
        let r = Redactor::new();
        for (ip, block) in [
            ("10.0.1.25", "10.0.0.0/16"),
            ("10.0.1.25", "10.0.1.0/24"),
            ("172.20.3.4", "172.16.0.0/12"),
            ("192.168.50.7", "192.168.50.0/24"),
        ] {
            let (ip2, block2) = (r.text(ip), r.text(block));
            assert!(inside(&ip2, &block2), "{ip} in {block}: {ip2} in {block2}");
            assert_ne!(ip2, ip);
            // A block no longer than the kept prefix (172.16.0.0/12 itself) says nothing more.
            if block != "172.16.0.0/12" {
                assert_ne!(block2, block);
            }
        }
        // Never left as it was, whatever the key: many keys, the same blocks.
        for _ in 0..200 {
            let r = Redactor::new();
            for block in ["10.0.0.0/16", "10.0.0.0/24", "192.168.0.0/24", "10.0.0.2"] {
                assert_ne!(r.text(block), block);
            }
        }
        // An address outside a block stays outside.
        let (ip2, block2) = (r.text("10.1.0.9"), r.text("10.0.0.0/16"));
        assert!(!inside(&ip2, &block2));
        assert!(r.text("10.4.5.6").starts_with("10."));
        assert!(inside(&r.text("172.31.0.1"), "172.16.0.0/12"));
        assert_eq!(r.text("0.0.0.0/0"), "0.0.0.0/0");
        assert!(r.text("127.0.0.1").starts_with("127."));
    }

    #[test]
    fn ids_keep_their_kind_and_map_alike_wherever_they_recur() {
        let r = Redactor::new();
        let vpc = r.text("vpc-0a1b2c3d4e5f60718");
        assert!(vpc.starts_with("vpc-") && vpc.len() == "vpc-0a1b2c3d4e5f60718".len());
        assert_ne!(vpc, "vpc-0a1b2c3d4e5f60718");
        let sentence = r.text("no rule of vpc-0a1b2c3d4e5f60718 (sg-0e1f2a3b) admits 10.0.1.25");
        assert!(sentence.contains(&vpc) && !sentence.contains("sg-0e1f2a3b"));
        let host =
            r.text("in01-840ec44485bf25d-privatelink.aws-us-west-2.vectordb.zillizcloud.com");
        assert!(
            host.starts_with("in01-")
                && host.ends_with("-privatelink.aws-us-west-2.vectordb.zillizcloud.com")
        );
        assert!(host.contains(&r.text("in01-840ec44485bf25d")));
        assert_eq!(r.text("Z0123456789ABCDEFGHIJ").len(), 21);
        let account = r.text("123456789012");
        assert_eq!(account.len(), 12);
        assert_ne!(account, "123456789012");
    }

    #[test]
    fn arns_lose_their_account_and_names_but_keep_their_shape() {
        let r = Redactor::new();
        let arn = "arn:aws:logs:us-west-2:123456789012:log-group:/corp/flows:*";
        let out = r.text(arn);
        assert!(out.starts_with("arn:aws:logs:us-west-2:"), "{out}");
        assert!(!out.contains("123456789012") && !out.contains("corp") && !out.contains("flows"));
        assert!(out.contains(":log-group:/") && out.ends_with(":*"), "{out}");
        assert_eq!(out, r.text(arn));
        let user = r.text("User: arn:aws:iam::123456789012:user/bob is not authorized");
        assert!(
            !user.contains("bob") && user.contains(":user/") && user.ends_with("is not authorized")
        );
    }

    #[test]
    fn names_are_replaced_by_key_and_tag_while_domains_stay() {
        let r = Redactor::new();
        let value = serde_json::json!({
            "name": "orders-app",
            "zone": {"name": "vectordb.zillizcloud.com"},
            "tags": [["Name", "orders-vpc"], ["zilliz:cluster", "in01-840ec44485bf25d"]],
            "group_name": "default",
        });
        let out = r.value(value).to_string();
        assert!(
            !out.contains("orders-app") && !out.contains("orders-vpc"),
            "{out}"
        );
        assert!(out.contains("vectordb.zillizcloud.com") && out.contains("\"default\""));
        assert!(!out.contains("840ec44485bf25d"));
    }
}
