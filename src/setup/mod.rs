//! The changing half of the server: each step of Zilliz's guide as a function that first
//! works out a plan with read calls only (a list of [`plan::Change`] values), answers it as a
//! preview, and carries it out only when confirmed, through [`plan::carry_out`] and its
//! [`WritePermit`](crate::app::WritePermit). Every step looks for what an earlier call made
//! before it makes anything, so a second identical call is a no-op.

pub(crate) mod access;
pub(crate) mod dns;
pub(crate) mod endpoint;
pub(crate) mod plan;
pub(crate) mod register;
pub(crate) mod remove;
pub(crate) mod wait;

/// The text of a changing tool's answer: the message, then the changes, then the warnings.
pub(crate) fn change_summary(message: &str, preview: &[String], warnings: &[String]) -> String {
    let mut text = message.to_string();
    for line in preview {
        text.push_str("\n- ");
        text.push_str(line);
    }
    for warning in warnings {
        text.push_str("\nwarning: ");
        text.push_str(warning);
    }
    text
}
