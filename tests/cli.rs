//! The command line as a person meets it, run as the built binary. (This integration test is
//! also what makes `cargo test` build the binary that the end-to-end tests drive.)

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zilliz-privatelink-mcp"))
        .args(args)
        // Nothing here may reach a network: no metadata service, no AWS, no Zilliz.
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("ZILLIZ_CLOUD_URI", "http://127.0.0.1:9")
        .env("ZILLIZ_CLOUD_API_KEY", "zk-cli-test")
        .env("AWS_REGION", "us-west-2")
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn iam_policy_prints_the_documents_in_the_repository() {
    let full = run(&["iam-policy"]);
    assert!(full.status.success());
    assert_eq!(
        text(&full.stdout),
        std::fs::read_to_string("iam/full.json").unwrap()
    );
    let read_only = run(&["iam-policy", "--read-only"]);
    assert_eq!(
        text(&read_only.stdout),
        std::fs::read_to_string("iam/read-only.json").unwrap()
    );
    let endpoint_account = run(&["iam-policy", "--endpoint-account"]);
    assert_eq!(
        text(&endpoint_account.stdout),
        std::fs::read_to_string("iam/endpoint-account.json").unwrap()
    );
}

#[test]
fn a_bad_argument_exits_2_naming_it_before_any_call() {
    let doctor = run(&["doctor", "--cluster-id", "in01-NOT_AN_ID", "--no-probe"]);
    assert_eq!(doctor.status.code(), Some(2), "{}", text(&doctor.stderr));
    assert!(
        text(&doctor.stderr).contains("in01-NOT_AN_ID"),
        "{}",
        text(&doctor.stderr)
    );
    let export = run(&["export-terraform", "--cluster-id", "in01-0123456789abcdef"]);
    assert_eq!(export.status.code(), Some(2));
    assert!(text(&export.stderr).contains("--vpc-id"));
    let audit = run(&["audit", "--regions", "mars-north-1"]);
    assert_eq!(audit.status.code(), Some(2), "{}", text(&audit.stderr));
    assert!(text(&audit.stderr).contains("mars-north-1"));
    // A call budget no host would allow, or none at all.
    for bad in ["0", "7200", "soon"] {
        let budget = run(&["--call-seconds", bad, "iam-policy"]);
        assert_eq!(budget.status.code(), Some(2), "{}", text(&budget.stderr));
        assert!(
            text(&budget.stderr).contains(bad),
            "{}",
            text(&budget.stderr)
        );
    }
}
