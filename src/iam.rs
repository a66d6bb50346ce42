//! The IAM policy documents the server needs, shipped in the repository (`iam/`) and printed
//! by `zilliz-privatelink-mcp iam-policy`. The end-to-end tests run the server under each of
//! them against an emulator that enforces IAM, and prove each action in them is used.

/// Every tool, the audit, the export, the diagnosis, setup, teardown and the instance probe.
pub(crate) const FULL: &str = include_str!("../iam/full.json");
/// The read-only tools, the audit, the export and the diagnosis with all its reads.
pub(crate) const READ_ONLY: &str = include_str!("../iam/read-only.json");
/// What the account that holds the endpoint and its zone needs (`endpoint_profile`, a landing
/// zone's network account) where a VPC of another account is tied to its zone.
pub(crate) const ENDPOINT_ACCOUNT: &str = include_str!("../iam/endpoint-account.json");

/// The document, as `iam-policy [--read-only | --endpoint-account]` prints it.
pub(crate) fn policy(read_only: bool, endpoint_account: bool) -> &'static str {
    match (read_only, endpoint_account) {
        (_, true) => ENDPOINT_ACCOUNT,
        (true, false) => READ_ONLY,
        (false, false) => FULL,
    }
}

/// What a denied call's error says to grant.
pub(crate) fn grant_hint(action: &str) -> String {
    format!(
        "Grant the IAM action `{action}` to the AWS identity the server runs as: iam/full.json \
         grants every action the server uses (iam/read-only.json those of the read-only tools; \
         `zilliz-privatelink-mcp iam-policy [--read-only]` prints them), then try again"
    )
}

/// Every action a policy document grants.
#[cfg(test)]
pub(crate) fn actions(document: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(document).unwrap();
    value["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| match &s["Action"] {
            serde_json::Value::String(a) => vec![a.clone()],
            serde_json::Value::Array(list) => list
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect(),
            _ => vec![],
        })
        .collect()
}

/// Whether an action (`ec2:CreateVpcEndpoint`) changes something, by its verb.
#[cfg(test)]
pub(crate) fn changes(action: &str) -> bool {
    const CHANGING: &[&str] = &[
        "Create",
        "Delete",
        "Modify",
        "Authorize",
        "Associate",
        "Disassociate",
        "Change",
        "Send",
        "Put",
        "Update",
        "Revoke",
    ];
    let name = action.split_once(':').map_or(action, |(_, name)| name);
    CHANGING.iter().any(|verb| name.starts_with(verb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_read_only_document_changes_nothing_and_the_full_one_holds_it() {
        let read_only = actions(READ_ONLY);
        for action in &read_only {
            assert!(!changes(action), "{action} changes something");
        }
        let full = actions(FULL);
        assert!(read_only.iter().all(|a| full.contains(a)));
        assert!(full.iter().any(|a| changes(a)));
        assert!(policy(true, false).contains("ZillizPrivateLinkRead"));
    }

    /// The endpoint's account changes nothing but the authorizations of other accounts'
    /// VPCs (scoped to hosted zones) and what its Route 53 Profiles carry (scoped to
    /// Profiles); everything else it is granted reads.
    #[test]
    fn the_endpoint_accounts_document_only_authorizes_other_vpcs() {
        let granted = actions(ENDPOINT_ACCOUNT);
        let changing: Vec<&String> = granted.iter().filter(|a| changes(a)).collect();
        assert_eq!(
            changing,
            [
                "route53:CreateVPCAssociationAuthorization",
                "route53:DeleteVPCAssociationAuthorization",
                "route53profiles:AssociateResourceToProfile"
            ]
        );
        assert!(ENDPOINT_ACCOUNT.contains("arn:aws:route53:::hostedzone/*"));
        assert!(ENDPOINT_ACCOUNT.contains("arn:aws:route53profiles:*:*:profile/*"));
        assert_eq!(policy(false, true), ENDPOINT_ACCOUNT);
    }
}
