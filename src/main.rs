use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use rmcp::ServiceExt;
use tracing_subscriber::EnvFilter;

use zilliz_privatelink_mcp::app::App;
use zilliz_privatelink_mcp::config::{AwsSettings, Settings, ZillizSettings};
use zilliz_privatelink_mcp::mcp::Server;
use zilliz_privatelink_mcp::region::RegionNames;

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

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Speak MCP over stdio (the default).
    Serve,
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
    };
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
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => runtime.block_on(serve(settings)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// Stdout carries MCP messages only, so logs go to stderr.
fn init_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
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
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| format!("MCP session failed to start: {e}"))?;
    running
        .waiting()
        .await
        .map_err(|e| format!("MCP session ended abnormally: {e}"))?;
    Ok(())
}
