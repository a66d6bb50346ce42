//! The conversations the two prompts ask an assistant to lead.

use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema)]
pub(super) struct SetupPromptArgs {
    /// The Zilliz cluster, if already chosen.
    pub(super) cluster_id: Option<String>,
    /// The VPC, if already chosen.
    pub(super) vpc_id: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub(super) struct TroubleshootPromptArgs {
    /// The Zilliz cluster, if known.
    pub(super) cluster_id: Option<String>,
}

fn known(label: &str, value: Option<&str>, otherwise: &str) -> String {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => format!("The {label} is `{v}`."),
        None => otherwise.to_string(),
    }
}

pub(super) fn setup(cluster_id: Option<&str>, vpc_id: Option<&str>) -> String {
    let cluster = known(
        "Zilliz cluster",
        cluster_id,
        "Call list_zilliz_clusters and ask me which cluster to connect (private links need the Enterprise plan).",
    );
    let vpc = known(
        "VPC",
        vpc_id,
        "Call list_vpcs in the cluster's region and ask me which VPC my application runs in.",
    );
    format!(
        "Help me connect my application to Zilliz Cloud over AWS PrivateLink.\n\
         {cluster}\n{vpc}\n\n\
         Lead me through it one step at a time:\n\
         1. If the cluster and the VPC are known, call get_setup_status with them first: it says \
            what is already done and gives the next call. Resume from there instead of starting over.\n\
         2. list_subnets for the VPC: show me the subnets with service_supported true and ask me \
            which to use (one per availability zone, at least two zones is best).\n\
         3. create_vpc_endpoint with the VPC, those subnets and the cluster_id. Show me the preview \
            (what it creates, in which account and region, and the warnings) and wait for my yes \
            before calling it again with confirm: true.\n\
         4. register_endpoint with the endpoint id and the cluster_id: preview, my yes, confirm.\n\
         5. wait_for_endpoint until it is available.\n\
         6. setup_private_dns with the cluster_id and the VPC: preview, my yes, confirm. If it says \
            the private link address is not there yet, wait a minute and call get_setup_status.\n\
         7. allow_client_access: ask me which security group (or network) my application runs in, \
            then preview, my yes, confirm.\n\
         8. get_setup_status again to show me everything is done.\n\n\
         Never pass confirm: true before I have seen that step's preview and agreed. If a call \
         fails, read its message: it says what to do next."
    )
}

pub(super) fn troubleshoot(cluster_id: Option<&str>) -> String {
    let cluster = known(
        "Zilliz cluster",
        cluster_id,
        "Call list_zilliz_clusters and ask me which cluster my application cannot reach.",
    );
    format!(
        "My application cannot reach my Zilliz Cloud cluster over its private link (it times out \
         or the name does not resolve).\n{cluster}\n\n\
         Find the broken link:\n\
         1. Ask me which VPC the application runs in (list_vpcs helps), and which security group \
            or address the application has.\n\
         2. Call diagnose_private_link with the cluster, the VPC and the client (its instance id, \
            security group or address): every failing finding names the broken link and its fix. \
            Explain the first failure in one sentence.\n\
         3. If a finding is unclear, get_setup_status and list_security_groups show the details.\n\
         4. Propose the fix as the exact tool call (setup_private_dns, allow_client_access, ...) \
            and show its preview; apply it with confirm: true only after I agree.\n\
         5. If everything is in place but it still fails, probe from the application's own \
            instance: preview probe_from_instance with its instance id, show me the script, and \
            run it only after I agree (SSM must manage the instance); otherwise ask me to run \
            `zilliz-privatelink-mcp doctor` on an instance inside the VPC, where DNS and network \
            probes mean something."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_fill_in_what_is_known() {
        let text = setup(Some("in01-abc"), Some("vpc-11111111"));
        assert!(text.contains("`in01-abc`") && text.contains("`vpc-11111111`"));
        assert!(!text.contains("ask me which cluster"));
        let text = setup(None, None);
        assert!(text.contains("list_zilliz_clusters") && text.contains("list_vpcs"));
        assert!(troubleshoot(Some("in01-abc")).contains("`in01-abc`"));
    }
}
