//! Route 53 record sets as plain data, for a bundle (`crate::bundle`): the SDK's
//! `ResourceRecordSet` is kept whole where a delete must repeat it, and has no serde of its
//! own. Every field a record set of a private zone can hold is kept.

use aws_sdk_route53::types::{
    AliasTarget, ResourceRecord, ResourceRecordSet, ResourceRecordSetFailover,
    ResourceRecordSetRegion, RrType,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::FailedRead;

#[derive(Debug, Serialize, Deserialize)]
struct Plain {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ttl: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    alias: Option<Alias>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    set_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    weight: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failover: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    multi_value_answer: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    health_check_id: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Alias {
    dns_name: String,
    hosted_zone_id: String,
    evaluate_target_health: bool,
}

impl From<&ResourceRecordSet> for Plain {
    fn from(set: &ResourceRecordSet) -> Self {
        Self {
            name: set.name().to_string(),
            kind: set.r#type().as_str().to_string(),
            ttl: set.ttl(),
            values: set
                .resource_records()
                .iter()
                .map(|r| r.value().to_string())
                .collect(),
            alias: set.alias_target().map(|a| Alias {
                dns_name: a.dns_name().to_string(),
                hosted_zone_id: a.hosted_zone_id().to_string(),
                evaluate_target_health: a.evaluate_target_health(),
            }),
            set_identifier: set.set_identifier().map(str::to_string),
            weight: set.weight(),
            region: set.region().map(|r| r.as_str().to_string()),
            failover: set.failover().map(|f| f.as_str().to_string()),
            multi_value_answer: set.multi_value_answer(),
            health_check_id: set.health_check_id().map(str::to_string),
        }
    }
}

impl Plain {
    fn into_set(self) -> Result<ResourceRecordSet, String> {
        let records = self
            .values
            .into_iter()
            .map(|v| ResourceRecord::builder().value(v).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        let alias = self
            .alias
            .map(|a| {
                AliasTarget::builder()
                    .dns_name(a.dns_name)
                    .hosted_zone_id(a.hosted_zone_id)
                    .evaluate_target_health(a.evaluate_target_health)
                    .build()
            })
            .transpose()
            .map_err(|e| e.to_string())?;
        ResourceRecordSet::builder()
            .name(self.name)
            .r#type(RrType::from(self.kind.as_str()))
            .set_ttl(self.ttl)
            .set_resource_records((!records.is_empty()).then_some(records))
            .set_alias_target(alias)
            .set_set_identifier(self.set_identifier)
            .set_weight(self.weight)
            .set_region(self.region.as_deref().map(ResourceRecordSetRegion::from))
            .set_failover(
                self.failover
                    .as_deref()
                    .map(ResourceRecordSetFailover::from),
            )
            .set_multi_value_answer(self.multi_value_answer)
            .set_health_check_id(self.health_check_id)
            .build()
            .map_err(|e| e.to_string())
    }
}

/// `#[serde(with = "record_set::one")]` on a `ResourceRecordSet`.
pub(crate) mod one {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        set: &ResourceRecordSet,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        Plain::from(set).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<ResourceRecordSet, D::Error> {
        Plain::deserialize(d)?
            .into_set()
            .map_err(serde::de::Error::custom)
    }
}

/// `#[serde(with = "record_set::many")]` on a `Vec<ResourceRecordSet>`.
pub(crate) mod many {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        sets: &[ResourceRecordSet],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        sets.iter()
            .map(Plain::from)
            .collect::<Vec<_>>()
            .serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<ResourceRecordSet>, D::Error> {
        Vec::<Plain>::deserialize(d)?
            .into_iter()
            .map(Plain::into_set)
            .collect::<Result<_, _>>()
            .map_err(serde::de::Error::custom)
    }
}

/// `#[serde(with = "record_set::read")]` on a read of record sets that may have failed.
pub(crate) mod read {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        read: &Result<Vec<ResourceRecordSet>, FailedRead>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        read.as_ref()
            .map(|sets| sets.iter().map(Plain::from).collect::<Vec<_>>())
            .serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Result<Vec<ResourceRecordSet>, FailedRead>, D::Error> {
        match Result::<Vec<Plain>, FailedRead>::deserialize(d)? {
            Ok(sets) => sets
                .into_iter()
                .map(Plain::into_set)
                .collect::<Result<Vec<_>, _>>()
                .map(Ok)
                .map_err(serde::de::Error::custom),
            Err(e) => Ok(Err(e)),
        }
    }
}
