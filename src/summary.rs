//! The one short text that goes with every tool answer.

/// Everything a tool answers also reads as one short text for the assistant to show, for
/// clients that do not read `structuredContent`.
pub(crate) trait Summary {
    fn summary(&self) -> String;
}
