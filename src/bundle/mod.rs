//! A diagnosis bundle: everything one diagnosis read (each read's answer, or its failure with
//! the call, kind and code), the probes' results, the checked arguments, the server's version
//! and the time, and the report it made. `doctor --replay` makes the report again from it with
//! no network and no credentials: the judgement is a pure function of what was read
//! (`diagnose::judge`). `--redact` replaces what names the person's accounts (`redact`).
//! The format is written down in `docs/bundle.md` and `docs/bundle.schema.json`.

mod redact;

use serde::{Deserialize, Serialize};

use crate::diagnose::{self, Gathered, Report};
use crate::error::Error;

/// What every bundle says it is.
const KIND: &str = "zilliz-privatelink-mcp diagnosis bundle";
/// The bundle format this version writes and reads. A change to what the diagnosis reads
/// that an older bundle cannot be read as is a new format.
pub(crate) const FORMAT: u32 = 1;

/// A bundle as written to a file.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Bundle {
    kind: String,
    format: u32,
    /// The version of the server that wrote it.
    server_version: String,
    /// When it was written (RFC 3339, UTC).
    written_at: String,
    /// Account ids, ARNs, addresses, resource ids and names were replaced by stable stand-ins.
    redacted: bool,
    /// What the diagnosis read (`diagnose::Gathered`).
    reads: serde_json::Value,
    /// The report made from `reads`.
    report: serde_json::Value,
}

impl Bundle {
    /// The bundle of a diagnosis, and the diagnosis's report. A redacted bundle holds the
    /// report of its redacted reads, which names nothing they do not; the report answered is
    /// the original's, for the person who ran it.
    pub(crate) fn of(gathered: Gathered, redacted: bool) -> Result<(Self, Report), Error> {
        let reads = serde_json::to_value(&gathered).map_err(unencodable)?;
        let report = diagnose::judge(gathered);
        let (reads, kept) = if redacted {
            let reads = redact::Redactor::new().value(reads);
            let shared =
                diagnose::judge(serde_json::from_value(reads.clone()).map_err(unencodable)?);
            (reads, serde_json::to_value(&shared))
        } else {
            (reads, serde_json::to_value(&report))
        };
        let bundle = Self {
            kind: KIND.to_string(),
            format: FORMAT,
            server_version: env!("CARGO_PKG_VERSION").to_string(),
            written_at: now_rfc3339(),
            redacted,
            reads,
            report: kept.map_err(unencodable)?,
        };
        Ok((bundle, report))
    }

    /// A name for the bundle as a resource: what and when.
    pub(crate) fn uri(&self) -> String {
        format!(
            "bundle://zilliz-privatelink-mcp/diagnosis-{}{}.json",
            self.written_at.replace(':', ""),
            if self.redacted { "-redacted" } else { "" }
        )
    }

    pub(crate) fn to_json(&self) -> Result<String, Error> {
        serde_json::to_string_pretty(self).map_err(unencodable)
    }
}

/// The report a bundle replays into: its reads judged again, with nothing read anew.
pub(crate) fn replay(text: &str) -> Result<Report, Error> {
    let bad = |why: String| {
        Error::Conflict(format!(
            "not a bundle this version can replay: {why}. Write it again with `doctor --bundle \
             FILE` of zilliz-privatelink-mcp {}",
            env!("CARGO_PKG_VERSION")
        ))
    };
    let bundle: Bundle =
        serde_json::from_str(text).map_err(|e| bad(format!("it does not parse ({e})")))?;
    if bundle.kind != KIND {
        return Err(bad(format!("it says it is `{}`", bundle.kind)));
    }
    if bundle.format != FORMAT {
        return Err(bad(format!(
            "version {} wrote it in format {}, and this version reads format {FORMAT}",
            bundle.server_version, bundle.format
        )));
    }
    let gathered: Gathered = serde_json::from_value(bundle.reads).map_err(|e| {
        bad(format!(
            "version {} wrote reads of another shape ({e})",
            bundle.server_version
        ))
    })?;
    Ok(diagnose::judge(gathered))
}

fn unencodable(e: serde_json::Error) -> Error {
    Error::Bug(format!("the bundle could not be encoded: {e}"))
}

fn now_rfc3339() -> String {
    use aws_sdk_ec2::primitives::{DateTime, DateTimeFormat};
    DateTime::from(std::time::SystemTime::now())
        .fmt(DateTimeFormat::DateTime)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(verdict, [(check, status)])`, sorted: what a redacted replay must keep.
    fn verdicts(report: &serde_json::Value) -> (String, Vec<(String, String)>) {
        let mut checks: Vec<(String, String)> = report["findings"]
            .as_array()
            .map(|f| {
                f.iter()
                    .map(|f| (f["check"].to_string(), f["status"].to_string()))
                    .collect()
            })
            .unwrap_or_default();
        checks.sort();
        (report["verdict"].to_string(), checks)
    }

    /// Every bundle of `tests/bundles/` (written by the end-to-end tests' diagnosis cases,
    /// `ZPL_UPDATE_BUNDLES=1`) replays into the report it holds, and a redacted copy of each
    /// into the same verdicts.
    #[test]
    fn the_corpus_replays_into_its_reports_and_redacted_into_the_same_verdicts() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bundles");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("tests/bundles")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        assert!(
            files.len() >= 8,
            "the corpus holds the e2e cases: {files:?}"
        );
        for path in files {
            let text = std::fs::read_to_string(&path).expect("bundle");
            let bundle: Bundle = serde_json::from_str(&text).expect("a bundle");
            let report = serde_json::to_value(replay(&text).expect("replays")).unwrap();
            assert_eq!(report, bundle.report, "{}", path.display());

            let hidden = redact::Redactor::new().value(bundle.reads.clone());
            assert_ne!(hidden, bundle.reads);
            let shared = diagnose::judge(serde_json::from_value(hidden).expect("redacted reads"));
            let shared = serde_json::to_value(shared).unwrap();
            assert_eq!(
                verdicts(&shared),
                verdicts(&bundle.report),
                "{}",
                path.display()
            );
        }
    }

    #[test]
    fn a_bundle_of_another_format_says_which_version_wrote_it() {
        let text = serde_json::json!({
            "kind": KIND, "format": 2, "server_version": "0.9.0",
            "written_at": "2027-01-01T00:00:00Z", "redacted": false, "reads": {}, "report": {}
        })
        .to_string();
        let e = replay(&text).unwrap_err().to_string();
        assert!(e.contains("0.9.0") && e.contains("format 2"), "{e}");
        let e = replay(r#"{"kind": "something else"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not parse"), "{e}");
    }
}
