//! `get_setup_status`: where a private link setup stands, read from the accounts themselves
//! (never from a local file), with the next call to make.
//!
//! The reads gather [`Facts`] once; [`crate::verdict`] judges them with pure functions, and
//! [`derive`] renders the verdicts as steps, so every combination of states is tested without
//! a network, and the diagnosis (which renders the same verdicts) agrees.

use schemars::JsonSchema;
use serde::Serialize;

use crate::app::App;
use crate::cluster;
use crate::diagnose;
use crate::error::{Error, FailedRead};
use crate::facts::{self, Facts};
use crate::region::RegionNames;
use crate::request::StatusRequest;
use crate::request::ToolCall;
use crate::summary::Summary;
use crate::validate;
use crate::verdict::{self, ClientView, Level, Remedy, SetupStep};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum StepStatus {
    Done,
    Pending,
    Missing,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
struct Step {
    step: SetupStep,
    status: StepStatus,
    detail: String,
    resource_ids: Vec<String>,
    /// The failed reads the detail names (not on the wire): `not_read` lists the others.
    #[serde(skip)]
    #[schemars(skip)]
    names: Vec<FailedRead>,
}

/// The next call: the same `{tool, arguments}` value as a finding's `remedy`.
type NextAction = ToolCall;

/// What only the person can do or tell before the setup goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
struct PersonsPart {
    /// The step that waits on them.
    step: String,
    /// What to ask them, or what they do (a console step, a plan, a permission).
    ask: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct SetupStatus {
    cluster_id: String,
    vpc_id: String,
    /// The cluster's region (Zilliz's service, the registration).
    region_id: Option<String>,
    aws_region: Option<String>,
    /// The VPC's region, where it is not the cluster's: the link crosses regions through a
    /// cross-region endpoint (AWS charges inter-region data transfer for its traffic).
    #[serde(skip_serializing_if = "Option::is_none")]
    vpc_region: Option<String>,
    steps: Vec<Step>,
    /// Every step is done.
    complete: bool,
    /// The client the `security_group` step was judged for, where the call named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    judged_for: Option<String>,
    /// The call to make next; absent when the person must act first, and when complete,
    /// except that for a named client whose instances SSM manages, a complete setup is
    /// followed by `probe_from_instance` on one of them until a probe there passed in the last
    /// day (the one test from where the application runs).
    next_action: Option<NextAction>,
    /// What the newest `probe_from_instance` on the client's instances showed (SSM's history
    /// of the last day), for a complete setup and a named client.
    #[serde(skip_serializing_if = "Option::is_none")]
    application_probe: Option<String>,
    /// Where the next step needs the person (an answer, a plan, a console step): what to ask
    /// or tell them. `next_action` is then absent: call get_setup_status again once done.
    #[serde(skip_serializing_if = "Option::is_none")]
    persons_part: Option<PersonsPart>,
    /// The other clusters of the project (and VPCs) that reach the endpoint this VPC uses: a
    /// private link is the project's, one endpoint serving every cluster of the project in the
    /// region, each through its own name.
    pub(crate) shared_with: Vec<crate::riders::Ride>,
    /// What of the setup could not be judged because a read failed (the DNS attributes): the
    /// setup is then not `complete`, whatever the steps say.
    unknown: Vec<String>,
    /// Every other read that failed, naming its call: the steps above do not depend on it,
    /// and the diagnosis does.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_read: Vec<String>,
}

impl Summary for SetupStatus {
    fn summary(&self) -> String {
        // Across regions, both are named: where the VPC is, and where the cluster is.
        let (from, to) = match (&self.vpc_region, &self.aws_region) {
            (Some(vpc), Some(cluster)) => (
                format!("{} ({vpc})", self.vpc_id),
                format!("{} ({cluster})", self.cluster_id),
            ),
            _ => (self.vpc_id.clone(), self.cluster_id.clone()),
        };
        let mut text = if self.complete {
            format!("The private link from {from} to {to} is complete.")
        } else {
            format!("Private link setup from {from} to {to}:")
        };
        for step in &self.steps {
            let mark = match step.status {
                StepStatus::Done => "done",
                StepStatus::Pending => "pending",
                StepStatus::Missing => "missing",
                StepStatus::Failed => "FAILED",
            };
            text.push_str(&format!(
                "\n- {} [{mark}]: {}",
                step.step.name(),
                step.detail
            ));
        }
        if !self.shared_with.is_empty() {
            let mut ids: Vec<&str> = self
                .shared_with
                .iter()
                .map(|r| r.cluster_id.as_str())
                .collect();
            ids.dedup();
            text.push_str(&format!(
                "\nThe endpoint is the project's private link, shared with {}.",
                ids.join(", ")
            ));
        }
        for unknown in &self.unknown {
            text.push_str(&format!("\nNot judged: {unknown}"));
        }
        if !self.not_read.is_empty() {
            text.push_str(&format!(
                "\nNot read (the steps do not depend on it): {}",
                self.not_read.join("; ")
            ));
        }
        if let Some(next) = &self.next_action {
            let (tool, arguments) = next.parts();
            let arguments = serde_json::to_string(&arguments).unwrap_or_default();
            text.push_str(&format!("\nNext: {tool} {arguments}"));
        }
        text
    }
}
/// The eight steps, in order, and what comes next: the remedy of the first open step. Where
/// this server can make it, that is the next call; where it needs the person, it is said as
/// the person's part and there is no next call (a later step's call would skip theirs).
fn derive(
    f: &Facts,
    client: Option<&ClientView>,
) -> (Vec<Step>, Option<NextAction>, Option<PersonsPart>) {
    let verdicts = verdict::judge(f, client);
    let first_open = verdicts
        .iter()
        .find(|v| v.level != Level::Done && !v.blocked && v.remedy.is_some());
    let (next, persons_part) = match first_open.and_then(|v| v.remedy.as_ref().map(|r| (v, r))) {
        Some((_, Remedy::Tool(call))) => (Some(call.clone()), None),
        Some((v, Remedy::Step(text))) => (
            None,
            Some(PersonsPart {
                step: v.step.name().to_string(),
                ask: text.clone(),
            }),
        ),
        None => (None, None),
    };
    let steps = verdicts
        .into_iter()
        .map(|v| Step {
            step: v.step,
            status: match v.level {
                Level::Done => StepStatus::Done,
                Level::Pending => StepStatus::Pending,
                Level::Missing => StepStatus::Missing,
                Level::Failed => StepStatus::Failed,
            },
            detail: v.detail,
            resource_ids: v.resource_ids,
            names: v.names,
        })
        .collect();
    (steps, next, persons_part)
}

/// What the steps could not judge, and the failed reads they do not say. The VPC's DNS
/// attributes are part of the setup (without them its private zones do not answer), though no
/// step of their own shows them.
fn unjudged(f: &Facts, steps: &[Step]) -> (Vec<String>, Vec<String>) {
    let dns_attributes_unread = match &f.vpc {
        Err(e) if f.cluster.is_ok() => Some(e),
        _ => None,
    };
    let unknown = dns_attributes_unread
        .iter()
        .map(|e| format!("vpc_dns_attributes: {e}"))
        .collect();
    let said = |e: &FailedRead| {
        steps.iter().any(|s| s.names.contains(e)) || dns_attributes_unread == Some(e)
    };
    let not_read = f
        .failed_reads()
        .into_iter()
        .filter(|e| !said(e))
        .map(|e| e.to_string())
        .collect();
    (unknown, not_read)
}

/// `endpoint_app`: the server acting through `endpoint_profile`, where the VPC's zone for the
/// host belongs to that account (a landing zone's network account).
pub(crate) async fn get_setup_status(
    app: &App,
    endpoint_app: Option<&App>,
    request: &StatusRequest,
) -> Result<SetupStatus, Error> {
    let cluster_id = validate::cluster_id(&request.cluster_id)?;
    let vpc = validate::vpc_ref("vpc_id", &request.vpc_id)?;
    let asked_region = RegionNames::parse_optional(request.region.as_deref())?;
    let asked_client = diagnose::client::check(&cluster_id, &request.client())?;
    // Round 1: the cluster; then the facts, and the client beside them.
    let target = cluster::read(app, &cluster_id).await;
    let (vpc_id, vpc_region) = match &target {
        Ok(t) => {
            let (id, region) =
                cluster::vpc_and_region(app, &vpc, asked_region.as_ref(), &t.region).await?;
            (id, Some(region))
        }
        // Without the cluster the steps stop at it, and the VPC is only named.
        Err(_) => (vpc.as_given().to_string(), None),
    };
    let vpc_region = vpc_region.as_ref();
    // The endpoint VPC's reads that a client in another VPC does not ask (its DNS side).
    let mut aside = Vec::new();
    let (facts, client) = match (asked_client, target) {
        (Some(asked), Ok(t)) => {
            let (facts, client) = tokio::join!(
                Box::pin(facts::gather_from(
                    app,
                    &cluster_id,
                    Ok(t.clone()),
                    &vpc_id,
                    vpc_region
                )),
                diagnose::client::read(app, &t, (&vpc_id, vpc_region.unwrap_or(&t.region)), asked),
            );
            let facts = facts::completed_across_accounts(
                endpoint_app,
                &t,
                facts,
                vpc_region.unwrap_or(&t.region),
            )
            .await;
            let client = client?;
            // A client in another VPC asks that VPC's resolver: its DNS side is judged there,
            // as the diagnosis judges it (`Facts::reached_through`).
            let facts = match client.other_vpc() {
                Some(other) => {
                    let asking =
                        facts::gather_from(app, &cluster_id, Ok(t.clone()), other, vpc_region)
                            .await;
                    aside = facts.failed_reads();
                    asking.reached_through(&facts).unwrap_or(facts)
                }
                None => facts,
            };
            let client = diagnose::client::place(client, &facts, &t, &vpc_id)?;
            (facts, client.map(|(view, scope)| (view, scope, t)))
        }
        (_, target) => {
            let known = target.as_ref().ok().cloned();
            let facts = facts::gather_from(app, &cluster_id, target, &vpc_id, vpc_region).await;
            let facts = match &known {
                Some(t) => {
                    let region = vpc_region.unwrap_or(&t.region);
                    facts::completed_across_accounts(endpoint_app, t, facts, region).await
                }
                None => facts,
            };
            (facts, None)
        }
    };
    let (steps, mut next_action, persons_part) = derive(&facts, client.as_ref().map(|c| &c.0));
    let region = facts.cluster.as_ref().ok().map(|c| c.region.clone());
    let (unknown, mut not_read) = unjudged(&facts, &steps);
    for read in aside {
        let said = read.to_string();
        if !not_read.contains(&said) && !unknown.iter().any(|u| u.contains(&said)) {
            not_read.push(said);
        }
    }
    let complete = steps.iter().all(|s| s.status == StepStatus::Done) && unknown.is_empty();
    let mut application_probe = None;
    if let (true, Some((_, scope, t))) = (complete, &client)
        && let Some(address) = &t.address
        && !app.settings.read_only
    {
        let clients = app
            .aws
            .clients(Some(vpc_region.unwrap_or(&t.region)))
            .await?;
        // The test from the application's side adds to a complete setup; a read it needs
        // that fails is named, and the setup stays complete.
        match diagnose::history::next_probe(&clients, scope, address, &cluster_id).await {
            Ok((probe, last)) => {
                next_action = probe;
                application_probe = last.map(|f| f.detail);
            }
            Err(e) => not_read.push(e.to_string()),
        }
    }
    Ok(SetupStatus {
        complete,
        unknown,
        not_read,
        application_probe,
        judged_for: client.map(|c| c.0.described_as),
        cluster_id,
        vpc_id,
        region_id: region.as_ref().map(|r| r.region_id.clone()),
        aws_region: region.map(|r| r.aws_region),
        vpc_region: facts
            .cross_region
            .as_ref()
            .map(|x| x.vpc_region.aws_region.clone()),
        steps,
        next_action,
        persons_part,
        shared_with: facts.shared_with(),
    })
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::route53::{ARecord, Zone};
    use crate::aws::rules::Rule;
    use crate::facts::fixtures::*;
    use serde_json::json;

    fn statuses(steps: &[Step]) -> Vec<(&str, StepStatus)> {
        steps.iter().map(|s| (s.step.name(), s.status)).collect()
    }

    #[test]
    fn nothing_set_up_proposes_the_endpoint_with_supported_subnets() {
        let (steps, next, _) = derive(&nothing(), None);
        use StepStatus::*;
        assert_eq!(
            statuses(&steps),
            [
                ("cluster_ready", Done),
                ("endpoint_service", Done),
                ("vpc_endpoint", Missing),
                ("zilliz_registration", Missing),
                ("private_link_address", Missing),
                ("hosted_zone", Missing),
                ("alias_record", Missing),
                ("security_group", Missing),
            ]
        );
        let next = next.unwrap();
        assert_eq!(next.tool(), "create_vpc_endpoint");
        assert_eq!(
            next.arguments()["subnet_ids"],
            json!(["subnet-aaaaaaaa", "subnet-bbbbbbbb"])
        );
        assert_eq!(next.arguments()["cluster_id"], json!("in01-abc"));
    }

    #[test]
    fn an_unregistered_endpoint_proposes_registration_even_while_pending() {
        let mut f = nothing();
        f.endpoints = Ok(vec![endpoint("pendingAcceptance")]);
        let (steps, next, _) = derive(&f, None);
        assert_eq!(steps[2].status, StepStatus::Pending);
        assert_eq!(next.unwrap().tool(), "register_endpoint");
    }

    #[test]
    fn registered_without_an_address_waits() {
        let mut f = nothing();
        f.endpoints = Ok(vec![endpoint("available")]);
        f.registrations = Ok(vec!["vpce-11111111".into()]);
        let (steps, next, _) = derive(&f, None);
        assert_eq!(steps[3].status, StepStatus::Done);
        assert_eq!(steps[4].status, StepStatus::Pending);
        assert_eq!(next.unwrap().tool(), "wait_for_endpoint");
    }

    #[test]
    fn with_an_address_and_no_zone_proposes_dns_then_access() {
        let mut f = with_address(nothing());
        f.endpoints = Ok(vec![endpoint("available")]);
        f.registrations = Ok(vec!["vpce-11111111".into()]);
        let (steps, next, _) = derive(&f, None);
        assert_eq!(steps[4].status, StepStatus::Done);
        let next = next.unwrap();
        assert_eq!(next.tool(), "setup_private_dns");
        assert_eq!(next.arguments()["endpoint_id"], json!("vpce-11111111"));

        f.zone = Ok(Some(Zone {
            id: "Z123".into(),
            name: HOST.into(),
        }));
        f.record = Ok(Some(ARecord::alias(
            HOST,
            (
                "vpce-11111111-x.vpce-svc.us-west-2.vpce.amazonaws.com",
                "Z1",
            ),
        )));
        f.endpoint_groups = Ok(vec![group(vec![])]);
        let (steps, next, _) = derive(&f, None);
        assert_eq!(steps[5].status, StepStatus::Done);
        assert_eq!(steps[6].status, StepStatus::Done);
        assert_eq!(steps[7].status, StepStatus::Missing);
        let next = next.unwrap();
        assert_eq!(next.tool(), "allow_client_access");
        assert_eq!(
            next.arguments()["endpoint_security_group_id"],
            json!("sg-11111111")
        );
        assert_eq!(next.arguments()["source_cidr"], json!("10.0.0.0/16"));

        f.endpoint_groups = Ok(vec![group(vec![Rule::new(
            "tcp",
            Some((19531, 19531)),
            crate::aws::rules::Peer::Group("sg-22222222".into()),
        )])]);
        let (steps, next, _) = derive(&f, None);
        assert!(
            steps.iter().all(|s| s.status == StepStatus::Done),
            "{steps:?}"
        );
        assert!(next.is_none());
    }

    #[test]
    fn a_step_that_needs_the_person_is_said_and_no_later_call_skips_it() {
        // A plan without private links: the person upgrades first; no endpoint is proposed.
        let mut f = nothing();
        if let Ok(c) = &mut f.cluster {
            c.plan = Some("Standard".into());
        }
        let (_, next, persons_part) = derive(&f, None);
        assert!(next.is_none(), "{next:?}");
        let part = persons_part.unwrap();
        assert_eq!(part.step, "cluster_ready");
        assert!(part.ask.contains("Enterprise"));
        // A suspended cluster: resumed (or waited for) by the person first.
        let mut f = nothing();
        if let Ok(c) = &mut f.cluster {
            c.status = Some("SUSPENDED".into());
        }
        let (_, next, persons_part) = derive(&f, None);
        assert!(next.is_none() && persons_part.is_some());
    }

    #[test]
    fn a_wrong_alias_or_plain_record_fails_and_proposes_dns() {
        let mut f = with_address(nothing());
        f.endpoints = Ok(vec![endpoint("available")]);
        f.registrations = Ok(vec!["vpce-11111111".into()]);
        f.zone = Ok(Some(Zone {
            id: "Z123".into(),
            name: HOST.into(),
        }));
        f.record = Ok(Some(ARecord::alias(HOST, ("elsewhere.example.com", "Z9"))));
        let (steps, next, _) = derive(&f, None);
        assert_eq!(steps[6].status, StepStatus::Failed);
        assert!(steps[6].detail.contains("elsewhere.example.com"));
        assert_eq!(next.unwrap().tool(), "setup_private_dns");
    }

    #[test]
    fn a_failed_read_fails_only_its_steps() {
        let mut f = with_address(nothing());
        f.endpoints = Ok(vec![endpoint("available")]);
        f.registrations = Err("Zilliz GET … failed".into());
        f.zone = Err("AWS route53:ListHostedZonesByVPC failed: denied".into());
        let (steps, _, _) = derive(&f, None);
        use StepStatus::*;
        assert_eq!(steps[2].status, Done);
        assert_eq!(steps[3].status, Failed);
        assert_eq!(steps[5].status, Failed);
        assert!(steps[5].detail.contains("denied"));
        assert_eq!(steps[6].status, Failed);
        // The steps name both reads by the values they hold: `not_read` repeats neither, and
        // lists a failed read no step names (the same text would not be taken for it).
        assert_eq!(unjudged(&f, &steps).1, Vec::<String>::new());
        f.not_read = vec!["Zilliz GET … failed".into()];
        f.not_read[0] = f.not_read[0].clone().reading("the project's clusters");
        let (_, not_read) = unjudged(&f, &steps);
        assert_eq!(not_read, ["the project's clusters: Zilliz GET … failed"]);

        let mut f = nothing();
        f.cluster = Err("cluster not found".into());
        let (steps, next, _) = derive(&f, None);
        assert!(steps.iter().all(|s| s.status == Failed));
        assert_eq!(steps.len(), 8);
        assert!(next.is_none());
    }

    #[test]
    fn a_cluster_off_the_enterprise_plan_fails_first() {
        let mut f = nothing();
        if let Ok(c) = &mut f.cluster {
            c.plan = Some("Standard".into());
        }
        let (steps, _, _) = derive(&f, None);
        assert_eq!(steps[0].status, StepStatus::Failed);
        assert!(steps[0].detail.contains("Enterprise"));
    }

    #[test]
    fn a_plan_word_not_known_is_said_but_does_not_fail() {
        let mut f = nothing();
        if let Ok(c) = &mut f.cluster {
            c.plan = Some("Platinum".into());
        }
        let (steps, _, _) = derive(&f, None);
        assert_eq!(steps[0].status, StepStatus::Done);
        assert!(steps[0].detail.contains("Platinum"));
    }
}
