//! The one error type of the domain. Every message says what went wrong, why, and what to do
//! next, because an assistant reads it and has to correct itself from it alone.

use std::fmt;

#[derive(Debug, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub(crate) enum Error {
    /// Bad input, caught before any cloud call.
    #[error("invalid {field} `{value}`: {expected}")]
    Invalid {
        field: std::borrow::Cow<'static, str>,
        value: Shown,
        expected: String,
    },
    /// A required argument (or one of a pair) was not given.
    #[error("missing {field}: {expected}")]
    Missing {
        field: std::borrow::Cow<'static, str>,
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
            field: field.into(),
            value: Shown::new(value),
            expected: expected.into(),
        }
    }

    pub(crate) fn missing(field: &'static str, expected: impl Into<String>) -> Self {
        Self::Missing {
            field: field.into(),
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

/// A read that failed, kept as a value: which call, what kind of failure, the service's own
/// code and the whole message. Facts hold these where a read failed, so a judgement asks "was
/// it this call, and was it denied?" of the value, and the report's `not_read` and `unknown`
/// are built from them, never from text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct FailedRead {
    /// The call as errors name it (`AWS ec2:DescribeVpcs`, `Zilliz GET /v2/clusters/…`);
    /// `None` where the answer said the thing is not there.
    call: Option<String>,
    kind: ReadFailure,
    /// The service's own error code, where it sent one.
    code: Option<String>,
    message: String,
}

/// What kind of failure a read met, which decides what the person does about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum ReadFailure {
    /// The caller lacks the permission: grant it.
    Denied,
    /// The credentials or key are missing, rejected or expired: refresh them.
    Credentials,
    /// The service refused for the call rate: try again.
    Throttled,
    /// What was named is not there.
    NotFound,
    /// The service did not answer, or answered with a fault: try again.
    Unavailable,
    /// Anything else: the message says what.
    Other,
}

/// AWS's and Zilliz's codes for a call refused for its rate.
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "PriorRequestNotComplete",
];

/// Codes of a service fault, where retrying later is what helps.
const UNAVAILABLE_CODES: &[&str] = &[
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "InternalServiceError",
    "InternalServiceException",
    "Unavailable",
];

impl FailedRead {
    /// The message, as the person reads it.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// Whether the call itself failed (denied, throttled, unavailable…), as opposed to an
    /// answer that the thing named is not there.
    pub(crate) fn call_failed(&self) -> bool {
        self.kind != ReadFailure::NotFound
    }

    /// The same failure, its message saying what the read was for.
    pub(crate) fn reading(mut self, what: &str) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }

    /// A read that was not made, because a read it needs failed first: `why` says which.
    pub(crate) fn not_made(why: impl Into<String>) -> Self {
        Self {
            call: None,
            kind: ReadFailure::Other,
            code: None,
            message: why.into(),
        }
    }
}

impl From<&Error> for FailedRead {
    fn from(error: &Error) -> Self {
        let message = error.to_string();
        let (call, kind, code) = match error {
            Error::Denied { call, code, .. } => {
                (Some(call.clone()), ReadFailure::Denied, Some(code.clone()))
            }
            Error::Credentials { call, code, .. } => {
                (Some(call.clone()), ReadFailure::Credentials, code.clone())
            }
            Error::Cloud { call, code, .. } => {
                let kind = match code.as_deref() {
                    Some(c) if THROTTLING_CODES.contains(&c) => ReadFailure::Throttled,
                    Some(c) if UNAVAILABLE_CODES.contains(&c) => ReadFailure::Unavailable,
                    Some(c) if c.starts_with('5') && c.len() == 3 => ReadFailure::Unavailable,
                    Some(_) => ReadFailure::Other,
                    // No code: no answer (a timeout, a connection that failed).
                    None => ReadFailure::Unavailable,
                };
                (Some(call.clone()), kind, code.clone())
            }
            Error::NotFound { .. } => (None, ReadFailure::NotFound, None),
            _ => (None, ReadFailure::Other, None),
        };
        Self {
            call,
            kind,
            code,
            message,
        }
    }
}

impl From<Error> for FailedRead {
    fn from(error: Error) -> Self {
        Self::from(&error)
    }
}

/// A failed read written in a test as its message.
#[cfg(test)]
impl From<&str> for FailedRead {
    fn from(message: &str) -> Self {
        Self::not_made(message)
    }
}

impl fmt::Display for FailedRead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Which side of the link a call went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Service {
    Aws,
    Zilliz,
}

/// A user-supplied value as it may be echoed back: short, on one line, with control
/// characters escaped, so that a 100 KB argument or a terminal escape sequence is never
/// replayed whole into a result or a log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    fn a_failed_read_keeps_its_call_kind_and_code() {
        let cloud = |code: Option<&str>| Error::Cloud {
            service: Service::Aws,
            call: "AWS ec2:DescribeVpcs".into(),
            code: code.map(str::to_string),
            cause: "c".into(),
            hint: "h".into(),
        };
        let read = FailedRead::from(cloud(Some("RequestLimitExceeded")));
        assert_eq!(read.call.as_deref(), Some("AWS ec2:DescribeVpcs"));
        assert_eq!(read.kind, ReadFailure::Throttled);
        assert_eq!(read.code.as_deref(), Some("RequestLimitExceeded"));
        assert_eq!(read.message(), cloud(None).to_string());
        assert_eq!(FailedRead::from(cloud(None)).kind, ReadFailure::Unavailable);
        assert_eq!(
            FailedRead::from(cloud(Some("InternalError"))).kind,
            ReadFailure::Unavailable
        );
        assert_eq!(
            FailedRead::from(cloud(Some("InvalidParameterValue"))).kind,
            ReadFailure::Other
        );
        let denied = FailedRead::from(Error::Denied {
            service: Service::Aws,
            call: "AWS route53:GetHostedZone".into(),
            code: "AccessDenied".into(),
            cause: "c".into(),
            hint: "h".into(),
        });
        assert_eq!(denied.kind, ReadFailure::Denied);
        assert!(denied.call_failed());
        let gone = FailedRead::from(Error::not_found("VPC `vpc-1`", "Check the id"));
        assert_eq!((gone.kind, gone.call), (ReadFailure::NotFound, None));
        assert!(!FailedRead::from(Error::not_found("x", "y")).call_failed());
    }

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
