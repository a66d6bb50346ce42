//! A call of one of this server's tools, as guidance carries it: the `remedy` of a finding, the
//! `next_action` of a status. An assistant follows it literally, so it is a value with the
//! tool's name and its arguments (serialized as `{tool, arguments}`), and its one-line text says
//! "then again with confirm: true" only for the tools that take `confirm`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The tools that change something in an account: without `confirm: true` they preview, and
/// `--read-only` hides and refuses them. (The MCP layer checks this list against the tools'
/// own `readOnlyHint` annotations.)
pub const CHANGING_TOOLS: &[&str] = &[
    "create_vpc_endpoint",
    "register_endpoint",
    "setup_private_dns",
    "allow_client_access",
    "remove_private_link",
    "probe_from_instance",
];

/// A call of one of this server's tools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ToolCall {
    /// The tool's name.
    pub tool: String,
    /// Its arguments, filled in from what is known; a changing tool called so previews.
    pub arguments: Map<String, Value>,
}

impl ToolCall {
    /// A call of `tool` with `arguments` (a JSON object; anything else is no arguments).
    pub fn new(tool: &str, arguments: Value) -> Self {
        Self {
            tool: tool.to_string(),
            arguments: match arguments {
                Value::Object(map) => map,
                _ => Map::new(),
            },
        }
    }

    /// The tool previews without `confirm: true`.
    pub fn takes_confirm(&self) -> bool {
        CHANGING_TOOLS.contains(&self.tool.as_str())
    }

    /// The call as one line, for a finding's `fix` and the text answers.
    pub fn text(&self) -> String {
        let arguments = serde_json::to_string(&self.arguments).unwrap_or_default();
        if self.takes_confirm() {
            format!(
                "{} {arguments} (preview, then again with confirm: true)",
                self.tool
            )
        } else {
            format!("{} {arguments}", self.tool)
        }
    }
}

impl std::fmt::Display for ToolCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_changing_tools_are_told_to_confirm() {
        let wait = ToolCall::new("wait_for_endpoint", json!({"endpoint_id": "vpce-1"}));
        assert_eq!(wait.text(), r#"wait_for_endpoint {"endpoint_id":"vpce-1"}"#);
        let dns = ToolCall::new("setup_private_dns", json!({"cluster_id": "in01-a"}));
        assert!(
            dns.text()
                .ends_with("(preview, then again with confirm: true)")
        );
        assert_eq!(
            serde_json::to_value(&dns).unwrap(),
            json!({"tool": "setup_private_dns", "arguments": {"cluster_id": "in01-a"}})
        );
    }
}
