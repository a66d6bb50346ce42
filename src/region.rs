//! Region names: Zilliz says `aws-us-west-2`, AWS says `us-west-2`.

use std::fmt;

use schemars::JsonSchema;
use serde::Serialize;

use crate::error::Error;

/// An AWS region, known by both of its names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, JsonSchema, serde::Deserialize)]
pub(crate) struct RegionNames {
    /// Zilliz's name, such as `aws-us-west-2`.
    pub(crate) region_id: String,
    /// AWS's name, such as `us-west-2`.
    pub(crate) aws_region: String,
}

impl RegionNames {
    /// Accepts either form; anything that is not plainly an AWS region name is refused by name.
    pub(crate) fn parse(input: &str) -> Result<Self, Error> {
        let trimmed = input.trim();
        let aws = trimmed.strip_prefix("aws-").unwrap_or(trimmed);
        if !is_aws_region_name(aws) {
            return Err(Error::invalid(
                "region",
                input,
                "expected an AWS region such as `us-west-2` or Zilliz's `aws-us-west-2`",
            ));
        }
        Ok(Self::from_aws(aws))
    }

    /// An optional `region` argument, checked as [`RegionNames::parse`] checks one.
    pub(crate) fn parse_optional(input: Option<&str>) -> Result<Option<Self>, Error> {
        input.map(Self::parse).transpose()
    }

    pub(crate) fn from_aws(aws_region: &str) -> Self {
        Self {
            region_id: format!("aws-{aws_region}"),
            aws_region: aws_region.to_string(),
        }
    }

    /// The AWS region behind a Zilliz region id, if the region is on AWS at all
    /// (`gcp-us-west1` and `az-eastus` are not).
    pub(crate) fn from_zilliz(region_id: &str) -> Option<Self> {
        let aws = region_id.strip_prefix("aws-")?;
        is_aws_region_name(aws).then(|| Self::from_aws(aws))
    }
}

impl fmt::Display for RegionNames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.aws_region, self.region_id)
    }
}

/// `us-west-2`, `ap-southeast-1`, `us-gov-west-1`, `eu-central-2`: lowercase words joined by
/// hyphens, the first two letters long, the last a number.
fn is_aws_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    let Some((number, words)) = parts.split_last() else {
        return false;
    };
    words.len() >= 2
        && words[0].len() == 2
        && words
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && (1..=2).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_both_forms_and_answers_both() {
        for input in ["us-west-2", "aws-us-west-2", " us-west-2 "] {
            let region = RegionNames::parse(input).unwrap();
            assert_eq!(region.aws_region, "us-west-2");
            assert_eq!(region.region_id, "aws-us-west-2");
        }
        assert_eq!(
            RegionNames::parse("us-gov-west-1").unwrap().region_id,
            "aws-us-gov-west-1"
        );
        assert_eq!(
            RegionNames::parse("ap-southeast-1").unwrap().aws_region,
            "ap-southeast-1"
        );
    }

    #[test]
    fn refuses_what_is_not_a_region_and_names_it() {
        for bad in [
            "",
            "us",
            "uswest2",
            "US-WEST-2",
            "us-west",
            "us-west-x",
            "gcp-us-west1",
            "us-west-2; rm -rf /",
            "../etc",
            "us-west-123",
        ] {
            let err = RegionNames::parse(bad).unwrap_err().to_string();
            assert!(err.contains("region"), "{bad}: {err}");
            assert!(err.contains(&format!("`{bad}`")), "{bad}: {err}");
        }
    }

    #[test]
    fn zilliz_regions_off_aws_have_no_aws_name() {
        assert_eq!(
            RegionNames::from_zilliz("aws-eu-central-1")
                .unwrap()
                .aws_region,
            "eu-central-1"
        );
        assert!(RegionNames::from_zilliz("gcp-us-west1").is_none());
        assert!(RegionNames::from_zilliz("az-eastus").is_none());
        assert!(RegionNames::from_zilliz("ali-cn-hangzhou").is_none());
    }
}
