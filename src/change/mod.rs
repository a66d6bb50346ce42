//! The one change path. Every changing tool (and the instance probe, which runs a command on
//! the person's instance) reads with read calls only, plans as a pure function of what it
//! read, and hands the plan over here as a [`Proposal`]. This module alone answers the preview,
//! asks the person, makes the [`WritePermit`] and applies the plan:
//!
//! 1. nothing to change: says so;
//! 2. without `confirm`: the preview, and nothing else happens;
//! 3. the read-only guard;
//! 4. the person's yes ([`consent`]: asked through the client, or `confirm: true`, as
//!    `--consent` says); a no changes nothing;
//! 5. a permit granted for exactly the plan that was shown, and the changes applied in order
//!    with it ([`plan::Change::apply`]).
//!
//! Every write in `crate::aws` and `crate::zilliz` takes `&WritePermit`, and only step 5 can
//! make one, so a preview cannot reach a write without a compile error.

pub(crate) mod consent;
#[cfg(test)]
mod guarantees;
mod permit;
pub(crate) mod plan;

use schemars::JsonSchema;
use serde::Serialize;

use crate::app::{App, read_only_refusal};
use crate::aws::{Identity, RegionClients};
use crate::error::Error;
use crate::region::RegionNames;
use consent::{Consent, Decision};
use permit::PlanPrint;
pub(crate) use permit::WritePermit;
use plan::{Applied, Change};

/// What a changing tool hands over once it has read and planned.
#[derive(Debug, Clone)]
pub(crate) struct Proposal {
    tool: &'static str,
    /// Who acts, as the person is told.
    identity: Identity,
    region: RegionNames,
    pub(crate) vpc_id: Option<String>,
    pub(crate) cluster_id: Option<String>,
    /// The changes, in the order they must happen; empty when there is nothing to do.
    pub(crate) changes: Vec<Change>,
    /// What the plan leaves as it is, with why (shown in the question).
    pub(crate) kept: Vec<String>,
    pub(crate) warnings: Vec<String>,
    /// The message when there is nothing to change.
    pub(crate) nothing_to_do: String,
    /// The account that holds the endpoint and its zone, where it is not `identity`'s (a
    /// landing zone's network account): the changes it makes are made with its clients.
    pub(crate) endpoint_account: Option<EndpointAccount>,
}

/// The endpoint's account in a plan across two accounts: who it is and its clients.
#[derive(Debug, Clone)]
pub(crate) struct EndpointAccount {
    pub(crate) identity: Identity,
    pub(crate) clients: RegionClients,
}

impl Proposal {
    /// A proposal with no changes yet, for `tool` acting as `identity` in `region`.
    pub(crate) fn new(tool: &'static str, identity: &Identity, region: &RegionNames) -> Self {
        Self {
            tool,
            identity: identity.clone(),
            region: region.clone(),
            vpc_id: None,
            cluster_id: None,
            changes: Vec::new(),
            kept: Vec::new(),
            warnings: Vec::new(),
            nothing_to_do: "Nothing to do.".into(),
            endpoint_account: None,
        }
    }

    /// Whether the plan only runs a command (the instance probe) and changes nothing.
    fn only_runs(&self) -> bool {
        !self.changes.is_empty() && self.changes.iter().all(Change::only_runs)
    }

    /// What "nothing happened" means for this plan.
    fn nothing_done(&self) -> &'static str {
        if self.only_runs() {
            "nothing ran"
        } else {
            "nothing was changed"
        }
    }

    /// The question put to the person: who and where, then every change and what stays.
    fn question(&self) -> String {
        let act = if self.only_runs() {
            "run a command in"
        } else {
            "change"
        };
        let mut text = format!(
            "{} wants to {act} AWS account {} ({}, profile {}) in {}",
            self.tool,
            self.identity.account_id,
            self.identity.caller_arn,
            self.identity.profile,
            self.region.aws_region
        );
        if let Some(other) = &self.endpoint_account {
            text.push_str(&format!(
                ", and AWS account {} ({}, profile {}) that holds the endpoint and its zone",
                other.identity.account_id, other.identity.caller_arn, other.identity.profile
            ));
        }
        if let Some(vpc) = &self.vpc_id {
            text.push_str(&format!(", VPC {vpc}"));
        }
        if let Some(cluster) = &self.cluster_id {
            text.push_str(&format!(", for Zilliz cluster {cluster}"));
        }
        text.push(':');
        for change in &self.changes {
            text.push_str("\n- ");
            text.push_str(&change.describe());
            for line in change.shown_in_full() {
                text.push_str("\n    ");
                text.push_str(line);
            }
        }
        for kept in &self.kept {
            text.push_str("\nkept: ");
            text.push_str(kept);
        }
        text.push_str(if self.only_runs() {
            "\nRun it?"
        } else {
            "\nApply these changes?"
        });
        text
    }
}

/// What every changing tool answers, flattened into its output.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct Report {
    /// True when this call made the changes in `preview`.
    pub(crate) applied: bool,
    /// The changes this call makes (or, without `confirm`, would make); empty when there is nothing to do.
    pub(crate) preview: Vec<String>,
    warnings: Vec<String>,
    pub(crate) message: String,
    region_id: String,
    aws_region: String,
    /// Who acts: the account, the caller's ARN and the AWS profile.
    identity: Identity,
}

impl Report {
    /// The text of a changing tool's answer: the message, then the changes, then the warnings.
    pub(crate) fn summary(&self) -> String {
        let mut text = self.message.clone();
        for line in &self.preview {
            text.push_str("\n- ");
            text.push_str(line);
        }
        for warning in &self.warnings {
            text.push_str("\nwarning: ");
            text.push_str(warning);
        }
        text
    }
}

/// Gives a field of a flattened [`Report`] the tool's own description in its output schema
/// (`#[schemars(transform = …)]` on the output type).
pub(crate) fn describe_field(schema: &mut schemars::Schema, field: &str, description: &str) {
    if let Some(property) = schema
        .get_mut("properties")
        .and_then(|p| p.get_mut(field))
        .and_then(|p| p.as_object_mut())
    {
        property.insert("description".into(), description.into());
    }
}

/// Answers the proposal: nothing to do, the preview, the person's no, or the plan applied
/// (then `Applied` says what each change made, and the tool writes the message).
pub(crate) async fn settle(
    app: &App,
    clients: &RegionClients,
    proposal: Proposal,
    confirm: bool,
    consent: &Consent,
) -> Result<(Report, Option<Applied>), Error> {
    let mut report = Report {
        applied: false,
        preview: plan::preview(&proposal.changes),
        warnings: proposal.warnings.clone(),
        message: String::new(),
        region_id: proposal.region.region_id.clone(),
        aws_region: proposal.region.aws_region.clone(),
        identity: proposal.identity.clone(),
    };
    report
        .warnings
        .extend(app.scope_warning(&proposal.identity.account_id, &proposal.region.aws_region));
    if proposal.changes.is_empty() {
        report.message = proposal.nothing_to_do.clone();
        return Ok((report, None));
    }
    if !confirm {
        report.message = format!(
            "Preview only, {} in account {} ({}). {}",
            proposal.nothing_done(),
            proposal.identity.account_id,
            proposal.region.aws_region,
            if proposal.only_runs() {
                "Show it to the person; call again with confirm: true to run it."
            } else {
                "Call again with confirm: true to apply."
            }
        );
        return Ok((report, None));
    }
    let Some(permit) = grant(app, &proposal, consent, &mut report).await? else {
        return Ok((report, None));
    };
    let endpoint_side = proposal.endpoint_account.as_ref().map(|a| &a.clients);
    let sides = (clients, endpoint_side);
    let applied = apply_all(&permit, app, sides, proposal.tool, &proposal.changes).await?;
    report.applied = true;
    report.warnings.extend(applied.warnings.iter().cloned());
    Ok((report, Some(applied)))
}

/// The guard and the person's yes; a permit for this very plan, or the no in the report.
async fn grant(
    app: &App,
    proposal: &Proposal,
    consent: &Consent,
    report: &mut Report,
) -> Result<Option<WritePermit>, Error> {
    if app.settings.read_only {
        return Err(read_only_refusal(proposal.tool));
    }
    match consent::obtain(app.settings.consent, consent, proposal.question()).await? {
        Decision::Go => Ok(Some(WritePermit::grant(PlanPrint::of(&report.preview)))),
        Decision::Declined(why) => {
            report.message = why.say(proposal.nothing_done());
            Ok(None)
        }
    }
}

/// Applies a plan in order with its permit. When a change fails, the error says what was done
/// before it; every change is idempotent, so calling the tool again resumes.
async fn apply_all(
    permit: &WritePermit,
    app: &App,
    (clients, endpoint_side): (&RegionClients, Option<&RegionClients>),
    tool: &str,
    changes: &[Change],
) -> Result<Applied, Error> {
    if !permit.covers(PlanPrint::of(&plan::preview(changes))) {
        return Err(Error::Bug(format!(
            "{tool} was about to apply a plan the person was not shown; nothing was changed"
        )));
    }
    let mut applied = Applied::default();
    for change in changes {
        match change
            .apply(permit, app, clients, endpoint_side, &mut applied.made)
            .await
        {
            Ok(()) => applied.done.push(change.describe()),
            Err(error) if change.may_finish_later() => applied.warnings.push(format!(
                "{} did not work yet ({error}); call {tool} again in a minute to finish",
                change.describe()
            )),
            Err(error) => {
                let so_far = if applied.done.is_empty() {
                    "nothing".to_string()
                } else {
                    applied.done.join("; ")
                };
                return Err(Error::Conflict(format!(
                    "{error}. Done so far: {so_far}. Call {tool} again to finish; it looks at \
                     what exists and resumes where this stopped"
                )));
            }
        }
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Identity {
        Identity {
            account_id: "123456789012".into(),
            caller_arn: "arn:aws:iam::123456789012:user/dev".into(),
            profile: "prod".into(),
        }
    }

    fn teardown() -> Proposal {
        let region = RegionNames::parse("us-west-2").unwrap();
        let mut proposal = Proposal::new("remove_private_link", &identity(), &region);
        proposal.vpc_id = Some("vpc-0123456789abcdef0".into());
        proposal.cluster_id = Some("in01-abc".into());
        proposal.kept = vec!["private zone Z1: made outside this tool".into()];
        proposal.changes = vec![
            Change::DeleteEndpoint {
                endpoint_id: "vpce-0123456789abcdef0".into(),
            },
            Change::DeleteSecurityGroup {
                group_id: "sg-0123456789abcdef0".into(),
                name: "zilliz-privatelink-in01-abc".into(),
            },
        ];
        proposal
    }

    #[test]
    fn the_question_names_who_where_every_change_and_what_stays() {
        let text = teardown().question();
        for part in [
            "123456789012",
            "arn:aws:iam::123456789012:user/dev",
            "profile prod",
            "us-west-2",
            "vpc-0123456789abcdef0",
            "in01-abc",
            "delete VPC endpoint vpce-0123456789abcdef0",
            "delete security group sg-0123456789abcdef0",
            "kept: private zone Z1",
            "Apply these changes?",
        ] {
            assert!(text.contains(part), "{part} missing from {text}");
        }
    }

    #[test]
    fn a_command_is_asked_about_with_its_every_line_and_nothing_ran_is_said() {
        let region = RegionNames::parse("us-west-2").unwrap();
        let mut proposal = Proposal::new("probe_from_instance", &identity(), &region);
        proposal.changes = vec![Change::RunProbe {
            instance_id: "i-0123456789abcdef0".into(),
            host: "in01-abc.aws-us-west-2.vectordb.zillizcloud.com".into(),
            port: 19531,
            lines: vec!["getent hosts \"$h\"".into(), "echo done".into()],
            timeout_seconds: 60,
        }];
        let text = proposal.question();
        assert!(text.contains("wants to run a command in AWS account 123456789012"));
        assert!(
            text.contains("\n    getent hosts \"$h\"\n    echo done"),
            "{text}"
        );
        assert!(text.ends_with("Run it?"));
        assert_eq!(proposal.nothing_done(), "nothing ran");
        assert_eq!(teardown().nothing_done(), "nothing was changed");
    }

    #[test]
    fn a_permit_covers_the_plan_it_was_granted_for_and_no_other() {
        let shown = plan::preview(&teardown().changes);
        let permit = WritePermit::grant(PlanPrint::of(&shown));
        assert!(permit.covers(PlanPrint::of(&shown)));
        let mut other = teardown();
        other.changes.pop();
        assert!(!permit.covers(PlanPrint::of(&plan::preview(&other.changes))));
        // The same lines in another order are another plan.
        let reversed: Vec<String> = shown.iter().rev().cloned().collect();
        assert!(!permit.covers(PlanPrint::of(&reversed)));
    }
}
