//! The one error type of the domain. Every message says what went wrong, why, and what to do
//! next, because an assistant reads it and has to correct itself from it alone.

use std::fmt;

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// Bad input, caught before any cloud call.
    #[error("invalid {field} `{value}`: {expected}")]
    Invalid {
        field: &'static str,
        value: Shown,
        expected: String,
    },
    /// A required argument (or one of a pair) was not given.
    #[error("missing {field}: {expected}")]
    Missing {
        field: &'static str,
        expected: String,
    },
    /// Something the user named does not exist.
    #[error("{what} was not found. {hint}")]
    NotFound { what: String, hint: String },
    /// The server is not configured for this call (a missing key, no region).
    #[error("{0}")]
    Config(String),
    /// A call to AWS or Zilliz failed; `code` is the service's own error code, where it sent
    /// one, so that a caller matches on it and never on the text.
    #[error("{call} failed: {cause}. {hint}")]
    Cloud {
        service: Service,
        call: String,
        code: Option<String>,
        cause: String,
        hint: String,
    },
    /// The caller lacks a permission: only the person (or whoever runs their account) can
    /// grant it, and the hint names what to grant.
    #[error("{call} failed: {cause}. {hint}")]
    Denied {
        service: Service,
        call: String,
        code: String,
        cause: String,
        hint: String,
    },
    /// The credentials (AWS) or the API key (Zilliz) are missing, rejected or expired: the
    /// person refreshes them; no argument of the call can fix it.
    #[error("{call} failed: {cause}. {hint}")]
    Credentials {
        service: Service,
        call: String,
        code: Option<String>,
        cause: String,
        hint: String,
    },
    /// A bug in this server, said as one: no change of arguments or account fixes it.
    #[error("internal error in zilliz-privatelink-mcp (a bug; please report it): {0}")]
    Bug(String),
    /// The request is valid but the state of the accounts does not allow it.
    #[error("{0}")]
    Conflict(String),
    /// The person must answer `question` before the change goes ahead; on a protocol where
    /// the server sends no requests, the client asks them and calls again with the answer,
    /// echoing `state` (which ties the answer to this very question).
    #[error("the person's answer is needed first: {question}")]
    AnswerNeeded { question: String, state: String },
}

impl Error {
    pub(crate) fn invalid(field: &'static str, value: &str, expected: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            value: Shown::new(value),
            expected: expected.into(),
        }
    }

    pub(crate) fn missing(field: &'static str, expected: impl Into<String>) -> Self {
        Self::Missing {
            field,
            expected: expected.into(),
        }
    }

    /// True for errors in the request itself, as opposed to the state of the accounts.
    pub(crate) fn is_bad_request(&self) -> bool {
        matches!(self, Self::Invalid { .. } | Self::Missing { .. })
    }

    pub(crate) fn not_found(what: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::NotFound {
            what: what.into(),
            hint: hint.into(),
        }
    }

    /// An AWS call failed without a code of AWS's (an answer missing what it should hold).
    pub(crate) fn aws(
        call: impl Into<String>,
        cause: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self::Cloud {
            service: Service::Aws,
            call: call.into(),
            code: None,
            cause: cause.into(),
            hint: hint.into(),
        }
    }

    /// A Zilliz call failed without a code of Zilliz's.
    pub(crate) fn zilliz(
        call: impl Into<String>,
        cause: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self::Cloud {
            service: Service::Zilliz,
            call: call.into(),
            code: None,
            cause: cause.into(),
            hint: hint.into(),
        }
    }
}

/// Which side of the link a call went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    Aws,
    Zilliz,
}

/// A user-supplied value as it may be echoed back: short, on one line, with control
/// characters escaped, so that a 100 KB argument or a terminal escape sequence is never
/// replayed whole into a result or a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shown(String);

impl Shown {
    const MAX_CHARS: usize = 64;

    pub(crate) fn new(raw: &str) -> Self {
        let mut shown: String = raw
            .chars()
            .take(Self::MAX_CHARS)
            .flat_map(char::escape_default)
            .collect();
        if raw.chars().count() > Self::MAX_CHARS {
            shown.push('…');
        }
        Self(shown)
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_and_hostile_values_are_cut_and_escaped() {
        let long = "a".repeat(100_000);
        let message = Error::invalid("vpc_id", &long, "expected vpc-…").to_string();
        assert!(message.len() < 200, "{}", message.len());

        let message = Error::invalid("vpc_id", "vpc-1\n\u{1b}[31m", "x").to_string();
        assert!(
            !message.contains('\n') && !message.contains('\u{1b}'),
            "{message}"
        );
        assert!(message.contains("vpc-1\\n\\u{1b}[31m"), "{message}");
    }
}
