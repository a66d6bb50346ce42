//! `zilliz-privatelink-mcp`: an MCP server that connects applications in AWS to Zilliz Cloud
//! over PrivateLink.
//!
//! The flow reads top-down: `main.rs` (the command line) → [`mcp`] (the MCP adapter, thin
//! handlers) → domain modules ([`discovery`], [`setup`], [`status`], [`diagnose`]) → clients
//! ([`aws`], [`zilliz`]). Pure logic (regions, addresses, validation, rules, paging, endpoint
//! states, status derivation, reachability) is plain functions over plain data.

#![deny(unreachable_pub, dead_code)]

mod address;
mod app;
mod audit;
mod aws;
mod bundle;
mod change;
mod cluster;
mod config;
mod diagnose;
mod discovery;
mod endpoint_state;
mod error;
mod evidence;
mod export;
mod facts;
mod finding;
mod iam;
mod mcp;
mod paging;
mod reach;
mod region;
mod request;
mod riders;
mod service;
mod setup;
mod status;
mod summary;
mod validate;
mod verdict;
mod zilliz;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use rmcp::ServiceExt;
use tracing_subscriber::EnvFilter;

use crate::app::App;
use crate::config::{AwsSettings, ConsentMode, Settings, ZillizSettings};
use crate::diagnose::{Outcome, Report, Status, diagnose, mark};
use crate::mcp::Server;
use crate::region::RegionNames;
use crate::request::AuditRequest;
use crate::request::DiagnoseRequest;
use crate::request::ExportRequest;

/// Set up and diagnose AWS PrivateLink connections to Zilliz Cloud, as an MCP server over stdio.
///
/// Zilliz: ZILLIZ_CLOUD_API_KEY (or ZILLIZ_CLOUD_TOKEN), ZILLIZ_CLOUD_URI.
/// AWS: the standard chain (AWS_PROFILE, AWS_REGION, SSO, ...), AWS_ENDPOINT_URL.
/// Logs: stderr, level from RUST_LOG (default info).
#[derive(Debug, Parser)]
#[command(name = "zilliz-privatelink-mcp", version, about, long_about)]
struct Cli {
    /// AWS profile to use instead of AWS_PROFILE / the default profile.
    #[arg(long, global = true, value_name = "NAME")]
    profile: Option<String>,

    /// AWS region (`us-west-2` or `aws-us-west-2`) instead of AWS_REGION / the profile's.
    #[arg(long, global = true, value_name = "REGION", value_parser = parse_region)]
    region: Option<RegionNames>,

    /// Hide and refuse every tool that changes an account.
    #[arg(
        long,
        global = true,
        env = "ZILLIZ_PRIVATELINK_READ_ONLY",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    read_only: bool,

    /// DNS server for the data-plane probes instead of the system's resolver.
    #[arg(
        long,
        global = true,
        env = "ZILLIZ_PRIVATELINK_DNS_SERVER",
        value_name = "IP:PORT"
    )]
    dns_server: Option<SocketAddr>,

    /// How long a call that can run long (wait_for_endpoint, probe_from_instance) runs when
    /// its caller does not say, before it answers with what it has and how to go on. Hosts
    /// give up on a call after about 60 s (Claude Desktop), so the default stays under that.
    #[arg(
        long,
        global = true,
        env = "ZILLIZ_PRIVATELINK_CALL_SECONDS",
        value_name = "SECONDS",
        default_value_t = crate::config::DEFAULT_CALL_SECONDS,
        value_parser = clap::value_parser!(u64).range(1..=1800)
    )]
    call_seconds: u64,

    /// How a change gets the person's yes: `auto` asks through the client where it can
    /// (MCP elicitation), `elicit` always asks and refuses clients that cannot, `confirm`
    /// lets `confirm: true` alone decide.
    #[arg(
        long,
        global = true,
        env = "ZILLIZ_PRIVATELINK_CONSENT",
        value_enum,
        default_value_t = ConsentMode::Auto
    )]
    consent: ConsentMode,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Speak MCP over stdio (the default).
    Serve,
    /// Diagnose a private link from this machine: run it on an instance inside the VPC, where
    /// the DNS and network probes mean something. Exits 1 when a check fails.
    Doctor(Box<DoctorArgs>),
    /// Every private link of the key's projects and this AWS account, per project and region,
    /// with drift named. Exits 1 when a link is broken.
    Audit(AuditArgs),
    /// The Terraform for one VPC's private link (import blocks and resources), to stdout.
    ExportTerraform(ExportRequest),
    /// The IAM policy document the server needs (iam/full.json), to stdout.
    IamPolicy(IamPolicyArgs),
}

#[derive(Debug, Args)]
struct IamPolicyArgs {
    /// Only what the read-only tools, the audit, the export and the diagnosis need
    /// (iam/read-only.json).
    #[arg(long)]
    read_only: bool,
    /// What the account that holds the endpoint and its zone needs where a VPC of another
    /// account is tied to its zone (iam/endpoint-account.json; setup_private_dns's
    /// endpoint_profile).
    #[arg(long, conflicts_with = "read_only")]
    endpoint_account: bool,
}

#[derive(Debug, Args)]
struct AuditArgs {
    #[command(flatten)]
    request: AuditRequest,
    /// Print the links as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct DoctorArgs {
    #[command(flatten)]
    request: DiagnoseRequest,
    /// Skip the DNS, TCP and HTTP probes.
    #[arg(long)]
    no_probe: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Also write everything the diagnosis read, and its report, to FILE (a bundle that
    /// `--replay` judges again offline; see docs/bundle.md).
    #[arg(long, value_name = "FILE")]
    bundle: Option<std::path::PathBuf>,
    /// With --bundle: replace account ids, ARNs, addresses, resource ids and names in it by
    /// stable stand-ins, so that it can be shared.
    #[arg(long, requires = "bundle")]
    redact: bool,
    /// Make the report again from a bundle, with no network and no credentials.
    #[arg(long, value_name = "FILE", conflicts_with = "bundle")]
    replay: Option<std::path::PathBuf>,
}

fn parse_region(value: &str) -> Result<RegionNames, String> {
    RegionNames::parse(value).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let zilliz = match ZillizSettings::from_env() {
        Ok(zilliz) => zilliz,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let settings = Settings {
        aws: AwsSettings {
            profile: cli.profile,
            region: cli.region.map(|r| r.aws_region),
        },
        zilliz,
        read_only: cli.read_only,
        dns_server: cli.dns_server,
        consent: cli.consent,
        call_budget: std::time::Duration::from_secs(cli.call_seconds),
    };
    if let Some(Command::IamPolicy(args)) = &cli.command {
        print!(
            "{}",
            crate::iam::policy(args.read_only, args.endpoint_account)
        );
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => match runtime.block_on(serve(settings)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                tracing::error!("{message}");
                ExitCode::FAILURE
            }
        },
        Command::Doctor(args) => runtime.block_on(doctor(settings, *args)),
        Command::Audit(args) => runtime.block_on(audit(settings, args)),
        Command::ExportTerraform(args) => runtime.block_on(export_terraform(settings, args)),
        Command::IamPolicy(_) => ExitCode::SUCCESS,
    }
}

/// Runs the diagnosis engine and prints its report: exit 0 when healthy, 1 when a check
/// fails, 2 when the arguments are wrong, 3 when no check failed but one could not be judged
/// (a read it needs failed).
async fn doctor(settings: Settings, args: DoctorArgs) -> ExitCode {
    let report = match &args.replay {
        Some(path) => replayed(path),
        None => diagnosed(settings, &args).await,
    };
    let report = match report {
        Ok(report) => report,
        Err(error) => return failed(&error),
    };
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        print!("{}", render(&report));
    }
    match report.verdict {
        Outcome::Healthy => ExitCode::SUCCESS,
        Outcome::Broken => ExitCode::FAILURE,
        Outcome::Unknown => ExitCode::from(3),
    }
}

/// The report of a diagnosis run here, its bundle written where asked.
async fn diagnosed(settings: Settings, args: &DoctorArgs) -> Result<Report, crate::error::Error> {
    let app = App::new(settings);
    // On an EC2 instance its metadata says which instance and VPC this is.
    let machine = crate::aws::imds::this_machine().await;
    let request = DiagnoseRequest {
        probe: Some(!args.no_probe),
        machine,
        ..args.request.clone()
    };
    // The network account's side, where the VPC's zone is its (a landing zone).
    let endpoint_app = request.endpoint_profile.as_ref().map(|profile| {
        let mut settings = app.settings.clone();
        settings.aws.profile = Some(profile.clone());
        App::new(settings)
    });
    let gathered = crate::diagnose::gather(&app, endpoint_app.as_ref(), request).await?;
    let Some(path) = &args.bundle else {
        return Ok(crate::diagnose::judge(gathered));
    };
    let (bundle, report) = crate::bundle::Bundle::of(gathered, args.redact)?;
    std::fs::write(path, bundle.to_json()?).map_err(|e| {
        crate::error::Error::Config(format!(
            "the bundle could not be written to {}: {e}",
            path.display()
        ))
    })?;
    eprintln!("bundle written to {}", path.display());
    Ok(report)
}

/// The report a bundle replays into, read from `path`.
fn replayed(path: &std::path::Path) -> Result<Report, crate::error::Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        crate::error::Error::invalid(
            "replay",
            &path.display().to_string(),
            format!("a bundle file written by `doctor --bundle` ({e})"),
        )
    })?;
    crate::bundle::replay(&text)
}

/// The exit code of a failed command: 2 for arguments, 1 for the rest.
fn failed(error: &crate::error::Error) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::from(if error.is_bad_request() { 2 } else { 1 })
}

/// Prints every link (a table, or JSON): exit 0 when none is broken, 1 when one is.
async fn audit(settings: Settings, args: AuditArgs) -> ExitCode {
    use crate::audit::{audit_all, judge::LinkStatus};
    let app = App::new(settings);
    // The network account of a landing zone, read beside this one.
    let network_app = args.request.endpoint_profile.as_ref().map(|profile| {
        let mut settings = app.settings.clone();
        settings.aws.profile = Some(profile.clone());
        (App::new(settings), profile.clone())
    });
    let network = network_app
        .as_ref()
        .map(|(app, profile)| crate::audit::NetworkAccount { app, profile });
    let (links, regions) = match audit_all(&app, network, &args.request, None).await {
        Ok(found) => found,
        Err(error) => return failed(&error),
    };
    if args.json {
        let all = serde_json::json!({ "links": links, "regions": regions });
        match serde_json::to_string_pretty(&all) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        println!(
            "{:<16} {:<28} {:<24} {:<24} {:<8} clusters",
            "region", "project", "vpc", "endpoint", "status"
        );
        for link in &links {
            println!(
                "{:<16} {:<28} {:<24} {:<24} {:<8} {}",
                link.aws_region,
                link.project_id.as_deref().unwrap_or("-"),
                link.vpc_id.as_deref().unwrap_or("-"),
                link.endpoint_id.as_deref().unwrap_or("-"),
                format!("{:?}", link.status).to_lowercase(),
                link.cluster_ids.join(",")
            );
            for f in link
                .findings
                .iter()
                .filter(|f| matches!(f.status, Status::Fail | Status::Warn))
            {
                println!("    [{}] {}", mark(f.status), f.detail);
                if let Some(fix) = &f.fix {
                    println!("           fix: {fix}");
                }
            }
        }
        for region in regions.iter().filter(|r| r.error.is_some()) {
            println!(
                "{}: not read: {}",
                region.aws_region,
                region.error.as_deref().unwrap_or_default()
            );
        }
        let broken = links
            .iter()
            .filter(|l| l.status == LinkStatus::Broken)
            .count();
        println!(
            "{} link(s) in {} region(s), {broken} broken.",
            links.len(),
            regions.len()
        );
    }
    if links.iter().any(|l| l.status == LinkStatus::Broken) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Writes the HCL to stdout and what it leaves out to stderr.
async fn export_terraform(settings: Settings, request: ExportRequest) -> ExitCode {
    let app = App::new(settings);
    match crate::export::export_terraform(&app, &request).await {
        Ok(export) => {
            print!("{}", export.hcl);
            for left in &export.left_out {
                eprintln!("left out: {left}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => failed(&error),
    }
}

/// The report for a person at a terminal.
fn render(report: &Report) -> String {
    let mut text = String::new();
    if let (Some(host), Some(port)) = (&report.host, report.port) {
        text.push_str(&format!("Private link {host}:{port}\n"));
    }
    for f in &report.findings {
        text.push_str(&format!(
            "[{:>4}] {:<28} {}\n",
            mark(f.status),
            f.check,
            f.detail
        ));
        // A skip's fix (what would let it run) is in --json; the terminal shows problems'.
        if let Some(fix) = &f.fix
            && (matches!(f.status, Status::Fail | Status::Warn) || f.unjudged)
        {
            text.push_str(&format!("       {:<28} fix: {fix}\n", ""));
        }
    }
    match report.ran_inside_vpc {
        Some(true) => text.push_str("The probes ran inside the VPC.\n"),
        Some(false) => {
            text.push_str("The probes ran outside the VPC: run this on an instance inside it.\n")
        }
        None => {}
    }
    let failing = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .count();
    for unread in &report.not_read {
        text.push_str(&format!("[note] not read: {unread}\n"));
    }
    text.push_str(&match report.verdict {
        Outcome::Healthy => format!("Healthy ({} ms).\n", report.elapsed_ms),
        Outcome::Broken => format!("{failing} check(s) failed ({} ms).\n", report.elapsed_ms),
        Outcome::Unknown => format!(
            "Unknown: no check failed, but {} could not be judged ({} ms).\n",
            report.unknown.len(),
            report.elapsed_ms
        ),
    });
    text
}

/// Stdout carries MCP messages only, so logs go to stderr. By default the server says one line
/// at start-up and rmcp only what goes wrong (at info it logs the client's whole initialize
/// request on every start); `RUST_LOG` asks for more.
fn init_logging() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,rmcp=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
}

async fn serve(settings: Settings) -> Result<(), String> {
    let read_only = settings.read_only;
    let server = Server::new(Arc::new(App::new(settings)));
    tracing::info!(
        read_only,
        version = env!("CARGO_PKG_VERSION"),
        "serving MCP over stdio"
    );
    let guarded = crate::mcp::frames::guarded_stdio();
    let (transport, writer) = (guarded.transport, guarded.writer);
    let running = server
        .serve(transport)
        .await
        .map_err(|e| format!("MCP session failed to start: {e}"))?;
    let ended = running.waiting().await;
    // rmcp's last answers are still on their way to stdout.
    crate::mcp::frames::flushed(writer).await;
    ended.map_err(|e| format!("MCP session ended abnormally: {e}"))?;
    Ok(())
}
