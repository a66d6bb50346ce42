//! What a VPC endpoint's state means for the person waiting on it. EC2's own state is the
//! authority; Zilliz's status words vary and are only shown.

/// Where an endpoint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// `available`: traffic can flow.
    Ready,
    /// `pendingAcceptance`, `pending`: the provider has still to accept, or AWS is building it.
    Waiting,
    /// `rejected`, `failed`, `expired`: it will not become available by waiting.
    Broken,
    /// `deleting`, `deleted`: it is going or gone.
    Gone,
    /// A state this code does not know; shown as it is.
    Unknown,
}

/// AWS sends lowercase words (`available`) though its model says `Available`; compare without case.
pub(crate) fn phase(state: &str) -> Phase {
    match state.to_ascii_lowercase().as_str() {
        "available" => Phase::Ready,
        "pendingacceptance" | "pending" | "partial" => Phase::Waiting,
        "rejected" | "failed" | "expired" => Phase::Broken,
        "deleting" | "deleted" => Phase::Gone,
        _ => Phase::Unknown,
    }
}

/// One sentence on what the state means and what to do about it.
pub(crate) fn explain(state: &str) -> String {
    match state.to_ascii_lowercase().as_str() {
        "available" => "the endpoint is available".into(),
        "pendingacceptance" => "the endpoint waits for Zilliz to accept it: register it with register_endpoint (Zilliz accepts registered endpoints), then wait".into(),
        "pending" => "AWS is still creating the endpoint's network interfaces; this takes a minute or two".into(),
        "partial" => "the endpoint is available in some subnets only; check the subnets' zones".into(),
        "rejected" => "Zilliz rejected the endpoint: check that it was registered in the cluster's project and region (and that the account is whitelisted where the region requires it), then delete it and create a new one".into(),
        "failed" => "AWS could not create the endpoint (often an availability zone the service does not offer, or subnet IP exhaustion): delete it and create it again in supported subnets".into(),
        "expired" => "the endpoint's connection request expired before Zilliz accepted it: delete it, register a new one".into(),
        "deleting" | "deleted" => "the endpoint is deleted or being deleted: create a new one".into(),
        other => format!("the endpoint is in state `{other}`, which this tool does not know"),
    }
}

/// An endpoint in one of these states still counts as "the one we made": a second setup
/// call reuses it instead of making another.
pub(crate) fn is_live(state: &str) -> bool {
    matches!(phase(state), Phase::Ready | Phase::Waiting | Phase::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_aws_state_has_a_phase_whatever_its_case() {
        assert_eq!(phase("available"), Phase::Ready);
        assert_eq!(phase("Available"), Phase::Ready);
        assert_eq!(phase("pendingAcceptance"), Phase::Waiting);
        assert_eq!(phase("PendingAcceptance"), Phase::Waiting);
        assert_eq!(phase("pending"), Phase::Waiting);
        assert_eq!(phase("rejected"), Phase::Broken);
        assert_eq!(phase("failed"), Phase::Broken);
        assert_eq!(phase("expired"), Phase::Broken);
        assert_eq!(phase("deleted"), Phase::Gone);
        assert_eq!(phase("somethingNew"), Phase::Unknown);
    }

    #[test]
    fn explanations_say_what_to_do() {
        assert!(explain("pendingAcceptance").contains("register_endpoint"));
        assert!(explain("rejected").contains("whitelisted"));
        assert!(explain("failed").contains("supported subnets"));
        assert!(explain("weird").contains("`weird`"));
    }

    #[test]
    fn only_live_endpoints_are_reused() {
        assert!(is_live("available") && is_live("pendingAcceptance") && is_live("pending"));
        assert!(!is_live("rejected") && !is_live("failed") && !is_live("deleted"));
    }
}
