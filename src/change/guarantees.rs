//! What makes "no change without a preview and a yes" a property of the code, checked:
//!
//! - the permit cannot be made outside the change path, nor a write called without one: the
//!   compiler refuses both (shown by compiling small programs around `permit.rs` itself);
//! - every function that sends a changing call to AWS or Zilliz takes `&WritePermit`: the
//!   changing calls are those the IAM documents grant for changes, found in the source.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compiles `body` as the body of a function outside the change module of a small crate that
/// holds `permit.rs` as this crate does, with one write that takes the permit: `Ok` when it
/// compiles, the compiler's errors when not.
fn compile_outside_the_change_path(name: &str, body: &str) -> Result<(), String> {
    let permit = root().join("src/change/permit.rs");
    let program = format!(
        r#"
mod change {{
    #[path = {permit:?}]
    mod permit;
    pub(crate) use permit::WritePermit;

    /// What `change::settle` does once the person said yes.
    pub(crate) fn after_yes(lines: &[&str]) -> WritePermit {{
        WritePermit::grant(permit::PlanPrint::of(lines))
    }}
}}

mod aws {{
    pub(crate) fn create_vpc_endpoint(_permit: &crate::change::WritePermit, _vpc: &str) {{}}
}}

pub fn preview() {{
    {body}
}}
"#
    );
    let dir = std::env::temp_dir().join(format!("zpl-permit-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let source = dir.join("lib.rs");
    std::fs::write(&source, program).map_err(|e| e.to_string())?;
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc)
        .args([
            "--edition",
            "2024",
            "--crate-type",
            "lib",
            "--emit",
            "metadata",
        ])
        .args(["-A", "dead_code", "--out-dir"])
        .arg(&dir)
        .arg(&source)
        .output()
        .map_err(|e| format!("rustc did not run: {e}"))?;
    let _ = std::fs::remove_dir_all(&dir);
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn the_compiler_refuses_a_write_without_a_permit_and_a_permit_made_elsewhere() {
    // The harness itself compiles: the change path's permit reaches the write.
    compile_outside_the_change_path(
        "granted",
        r#"let permit = change::after_yes(&["create an endpoint"]);
        aws::create_vpc_endpoint(&permit, "vpc-1");"#,
    )
    .expect("the change path's permit must reach a write");

    let refused = [
        (
            "no_permit",
            r#"aws::create_vpc_endpoint("vpc-1");"#,
            "E0061",
        ),
        (
            "built_by_hand",
            r#"let permit = change::WritePermit { plan: todo!() };
            aws::create_vpc_endpoint(&permit, "vpc-1");"#,
            "private",
        ),
        (
            "granted_elsewhere",
            r#"let permit = change::WritePermit::grant(todo!());
            aws::create_vpc_endpoint(&permit, "vpc-1");"#,
            "private",
        ),
    ];
    for (name, body, says) in refused {
        let errors = compile_outside_the_change_path(name, body)
            .expect_err(&format!("{name}: a preview path compiled a write"));
        assert!(errors.contains(says), "{name}: {errors}");
    }
}

/// The SDK methods and HTTP methods that change an account: the IAM actions `iam/full.json`
/// and `iam/endpoint-account.json` grant beyond `iam/read-only.json` whose verb changes
/// something, in the SDK's snake case.
fn changing_calls() -> Vec<String> {
    let read_only = crate::iam::actions(crate::iam::READ_ONLY);
    let mut calls: Vec<String> = crate::iam::actions(crate::iam::FULL)
        .into_iter()
        .chain(crate::iam::actions(crate::iam::ENDPOINT_ACCOUNT))
        .filter(|a| !read_only.contains(a) && crate::iam::changes(a))
        .filter_map(|a| a.split_once(':').map(|(_, action)| action.to_string()))
        .map(|action| format!(".{}(", snake(&action)))
        .collect();
    calls.extend(
        [
            "Method::POST",
            "Method::PUT",
            "Method::PATCH",
            "Method::DELETE",
        ]
        .map(String::from),
    );
    calls
}

/// `AssociateVPCWithHostedZone` → `associate_vpc_with_hosted_zone`, as the SDK names it.
fn snake(action: &str) -> String {
    let chars: Vec<char> = action.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        let prev_lower = i > 0 && chars[i - 1].is_lowercase();
        if c.is_uppercase() && i > 0 && (prev_lower || next_lower) {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Every use of a changing call in `source` whose enclosing function takes no permit, as
/// `function: call`.
fn writes_without_a_permit(source: &str, calls: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for call in calls {
        for (at, _) in source.match_indices(call.as_str()) {
            let Some(start) = source[..at].rfind("fn ") else {
                found.push(format!("(outside any function): {call}"));
                continue;
            };
            let signature = &source[start..at];
            let signature = &signature[..signature.find('{').unwrap_or(signature.len())];
            if !signature.contains("&WritePermit") {
                let name: String = signature[3..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                found.push(format!("{name}: {call}"));
            }
        }
    }
    found
}

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

#[test]
fn every_function_that_sends_a_changing_call_takes_the_permit() {
    let calls = changing_calls();
    for expected in [
        ".create_vpc_endpoint(",
        ".associate_vpc_with_hosted_zone(",
        ".send_command(",
    ] {
        assert!(
            calls.iter().any(|c| c == expected),
            "{expected} in {calls:?}"
        );
    }
    let mut unguarded = Vec::new();
    let mut guarded = 0;
    for file in sources(&root().join("src")) {
        let source = std::fs::read_to_string(&file).unwrap();
        // The tests' own calls go to fakes, with a test permit where one is needed.
        let source = source
            .split("#[cfg(test)]\nmod ")
            .next()
            .unwrap_or_default();
        if file.ends_with("client_tests.rs") || file.ends_with("guarantees.rs") {
            continue;
        }
        guarded += calls
            .iter()
            .map(|c| source.matches(c.as_str()).count())
            .sum::<usize>();
        unguarded.extend(
            writes_without_a_permit(source, &calls)
                .into_iter()
                .map(|w| format!("{}: {w}", file.display())),
        );
    }
    assert!(
        unguarded.is_empty(),
        "writes without a permit: {unguarded:#?}"
    );
    // Every write of the server was seen (endpoint, groups, rule, attribute, zone, tags,
    // association, records, SSM, and Zilliz's three).
    assert!(guarded >= 16, "only {guarded} changing calls found");
}

#[test]
fn the_scan_finds_a_write_that_lost_its_permit() {
    let calls = vec![
        ".create_vpc_endpoint(".to_string(),
        "Method::POST".to_string(),
    ];
    let source = r#"
pub(crate) async fn make(_permit: &WritePermit, ec2: &Client) { ec2.create_vpc_endpoint().send().await }
pub(crate) async fn sneak(ec2: &Client) { ec2.create_vpc_endpoint().send().await }
async fn post(&self) { self.call(Method::POST, "x").await }
"#;
    assert_eq!(
        writes_without_a_permit(source, &calls),
        ["sneak: .create_vpc_endpoint(", "post: Method::POST"]
    );
    assert_eq!(
        snake("AssociateVPCWithHostedZone"),
        "associate_vpc_with_hosted_zone"
    );
    assert_eq!(snake("DeleteVpcEndpoints"), "delete_vpc_endpoints");
}
