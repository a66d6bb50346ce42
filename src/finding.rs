//! A finding of the diagnosis or the audit, and the only ways to make one: a failing or warning finding cannot be
//! made without its fix.

use schemars::JsonSchema;
use serde::Serialize;

use crate::error::FailedRead;
use crate::request::ToolCall;
use crate::verdict::{Level, Verdict};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct Finding {
    /// A stable id, such as `hosted_zone` or `tcp_connect`.
    pub(crate) check: String,
    pub(crate) status: Status,
    /// What was seen, with the resource ids and values.
    pub(crate) detail: String,
    /// The exact change, as one line: a tool call with its arguments, a console step or an
    /// AWS CLI command. Every finding that does not pass has one (for a `skip`: what lets it
    /// run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fix: Option<String>,
    /// Where the fix is a call of this server's tools: that call, to make as it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) remedy: Option<ToolCall>,
    /// True where the check could not be judged because a read it needs failed (the detail
    /// names the call and its error): the report's verdict is then `unknown`, never healthy.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) unjudged: bool,
    /// The failed reads this finding names (not on the wire): the report's `not_read` lists
    /// the others.
    #[serde(skip)]
    #[schemars(skip)]
    pub(crate) names: Vec<FailedRead>,
}

impl Finding {
    /// The finding with its call (and the fix that writes it) about a VPC in `vpc_region`.
    pub(crate) fn in_vpc_region(mut self, vpc_region: &str) -> Self {
        if let Some(call) = self.remedy.take() {
            let written = self.fix.as_deref() == Some(call.text().as_str());
            let call = call.in_vpc_region(vpc_region);
            if written {
                self.fix = Some(call.text());
            }
            self.remedy = Some(call);
        }
        self
    }

    /// Notes that the finding names `read`'s failure, so the report does not list it again.
    pub(crate) fn naming(mut self, read: &FailedRead) -> Self {
        if !self.names.contains(read) {
            self.names.push(read.clone());
        }
        self
    }
}

/// What a finding says to do: words for the person, or a call of this server's tools.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fix {
    Text(String),
    Call(ToolCall),
}

impl std::fmt::Display for Fix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Text(text) => f.write_str(text),
            Self::Call(call) => f.write_str(&call.text()),
        }
    }
}

impl From<String> for Fix {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<&str> for Fix {
    fn from(text: &str) -> Self {
        Self::Text(text.to_string())
    }
}

impl From<&String> for Fix {
    fn from(text: &String) -> Self {
        Self::Text(text.clone())
    }
}

impl From<ToolCall> for Fix {
    fn from(call: ToolCall) -> Self {
        Self::Call(call)
    }
}

pub(crate) fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Warn => "warn",
        Status::Fail => "FAIL",
        Status::Skip => "skip",
    }
}

fn make(check: &str, status: Status, detail: impl Into<String>, fix: Option<Fix>) -> Finding {
    let (fix, remedy) = match fix {
        None => (None, None),
        Some(Fix::Text(text)) => (Some(text), None),
        Some(Fix::Call(call)) => (Some(call.text()), Some(call)),
    };
    Finding {
        check: check.to_string(),
        status,
        detail: detail.into(),
        fix,
        remedy,
        unjudged: false,
        names: Vec::new(),
    }
}

pub(crate) fn pass(check: &str, detail: impl Into<String>) -> Finding {
    make(check, Status::Pass, detail, None)
}

/// A check that could not run; the fix says what would let it run.
pub(crate) fn skip(check: &str, detail: impl Into<String>, fix: impl Into<Fix>) -> Finding {
    make(check, Status::Skip, detail, Some(fix.into()))
}

/// A check that could not be judged because `read` failed: `detail` names the call and its
/// error, `fix` what lets it be read (the IAM document that grants it, or where to look
/// instead).
pub(crate) fn unread(
    check: &str,
    read: &FailedRead,
    detail: impl Into<String>,
    fix: impl Into<Fix>,
) -> Finding {
    Finding {
        unjudged: true,
        ..make(check, Status::Skip, detail, Some(fix.into()))
    }
    .naming(read)
}

/// A check that could not be judged yet for another reason than a failed read (a command still
/// running): `detail` says why, `fix` how to learn the answer.
pub(crate) fn undecided(check: &str, detail: impl Into<String>, fix: impl Into<Fix>) -> Finding {
    Finding {
        unjudged: true,
        ..make(check, Status::Skip, detail, Some(fix.into()))
    }
}

/// The fix of a read that failed: what grants it, or to try again.
pub(crate) const GRANT_AND_AGAIN: &str = "grant the action the detail names (iam/read-only.json \
     grants every read of the diagnosis), or, where it was throttled or the service is \
     unavailable, try again; then diagnose again";

pub(crate) fn warn(check: &str, detail: impl Into<String>, fix: impl Into<Fix>) -> Finding {
    make(check, Status::Warn, detail, Some(fix.into()))
}

pub(crate) fn fail(check: &str, detail: impl Into<String>, fix: impl Into<Fix>) -> Finding {
    make(check, Status::Fail, detail, Some(fix.into()))
}

/// A verdict as a finding: done passes, pending warns, missing and failed fail, and a step
/// that waits on an earlier one is skipped (its cause is reported once, where it is).
pub(crate) fn from_verdict(v: &Verdict) -> Finding {
    let check = v.step.check();
    let fix = || -> Fix {
        match &v.remedy {
            Some(crate::verdict::Remedy::Tool(call)) => Fix::Call(call.clone()),
            Some(crate::verdict::Remedy::Step(text)) => Fix::Text(text.clone()),
            None => Fix::Text("see the detail".to_string()),
        }
    };
    let finding = if v.blocked {
        skip(
            check,
            &v.detail,
            "follows from an earlier check: fix the first failing one above",
        )
    } else if v.unjudged {
        // A read it needs failed: not judged, never a failure of the link for that alone.
        undecided(check, &v.detail, fix())
    } else {
        match v.level {
            Level::Done if v.remedy.is_some() => warn(check, &v.detail, fix()),
            Level::Done => pass(check, &v.detail),
            Level::Pending => warn(check, &v.detail, fix()),
            Level::Missing | Level::Failed => fail(check, &v.detail, fix()),
        }
    };
    v.names.iter().fold(finding, Finding::naming)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_done_step_with_a_remedy_is_a_warning_and_without_one_a_pass() {
        use crate::verdict::{Level, Remedy, Verdict};
        let mut v = Verdict {
            step: crate::verdict::SetupStep::AliasRecord,
            level: Level::Done,
            detail: "the A record holds the endpoint's current addresses".into(),
            resource_ids: vec![],
            remedy: Some(Remedy::Step("make it an alias".into())),
            blocked: false,
            names: vec![],
            unjudged: false,
        };
        assert_eq!(from_verdict(&v).status, Status::Warn);
        v.remedy = None;
        assert_eq!(from_verdict(&v).status, Status::Pass);
        // A step whose read failed is not judged: never a failure for that alone.
        v.level = Level::Failed;
        v.unjudged = true;
        v.remedy = Some(Remedy::Step("grant the read".into()));
        let unread = from_verdict(&v);
        assert_eq!(unread.status, Status::Skip);
        assert!(unread.unjudged && unread.fix.as_deref() == Some("grant the read"));
    }
}
