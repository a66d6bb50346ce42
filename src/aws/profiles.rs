//! Route 53 Profiles: the private hosted zones a VPC receives through the Profiles associated
//! with it. `ListHostedZonesByVPC` does not show these, yet Resolver answers from them.

use aws_sdk_route53profiles::Client;

use super::sdk_error;
use crate::error::Error;

/// A private zone that reaches a VPC through a Profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileZone {
    pub profile_id: String,
    /// The zone's id, without `/hostedzone/`.
    pub zone_id: String,
    /// The association's name (the console sets it to the zone's name).
    pub name: Option<String>,
}

/// The zone id in a hosted zone ARN (`arn:aws:route53:::hostedzone/Z123`).
pub fn zone_id_of_arn(arn: &str) -> Option<&str> {
    arn.rsplit_once("hostedzone/").map(|(_, id)| id)
}

/// The private zones every Profile associated with `vpc_id` carries, in two rounds (the
/// associations, then each Profile's zones).
pub async fn zones_of_vpc(client: &Client, vpc_id: &str) -> Result<Vec<ProfileZone>, Error> {
    let associations = client
        .list_profile_associations()
        .resource_id(vpc_id)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| sdk_error("route53profiles:ListProfileAssociations", e))?;
    let mut profiles: Vec<String> = associations
        .iter()
        .filter(|a| a.resource_id() == Some(vpc_id))
        .filter_map(|a| a.profile_id().map(str::to_string))
        .collect();
    profiles.sort();
    profiles.dedup();
    let per_profile = futures::future::join_all(profiles.iter().map(|profile_id| async move {
        client
            .list_profile_resource_associations()
            .profile_id(profile_id)
            .resource_type("AWS::Route53::HostedZone")
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| sdk_error("route53profiles:ListProfileResourceAssociations", e))
            .map(|list| {
                list.into_iter()
                    .filter_map(|r| {
                        Some(ProfileZone {
                            profile_id: profile_id.clone(),
                            zone_id: zone_id_of_arn(r.resource_arn()?)?.to_string(),
                            name: r.name().map(str::to_string),
                        })
                    })
                    .collect::<Vec<_>>()
            })
    }))
    .await;
    let mut zones = Vec::new();
    for found in per_profile {
        zones.extend(found?);
    }
    Ok(zones)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zone_id_comes_from_the_arn() {
        assert_eq!(
            zone_id_of_arn("arn:aws:route53:::hostedzone/Z0123456789ABC"),
            Some("Z0123456789ABC")
        );
        assert_eq!(
            zone_id_of_arn("arn:aws:route53resolver:us-west-2:1:resolver-rule/r"),
            None
        );
    }
}
