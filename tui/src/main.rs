//! `beeget-admin [--api URL] [--log FILE]`: the staff console.

use std::path::PathBuf;
use std::sync::Arc;

use std::time::Duration;

use beeget_admin::api::{AdminApi, ClientApi, Request};
use beeget_admin::{app::App, config::Settings, runtime, theme::Theme};
use clap::Parser;

#[derive(Parser)]
#[command(name = "beeget-admin", version, about = "The Beeget staff console")]
struct Args {
    /// Base URL of the API [env: BEEGET_ADMIN_API; config file key `api`; default http://127.0.0.1:8080]
    #[arg(long)]
    api: Option<String>,
    /// Write diagnostics to this file (nothing is ever printed over the screen).
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Read this config file instead of <config dir>/beeget-admin/config.toml.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let settings =
        Settings::load(args.config.or_else(beeget_admin::config::config_file), args.api).map_err(anyhow::Error::msg)?;
    if let Some(path) = &args.log {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        tracing_subscriber::fmt()
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_env("BEEGET_ADMIN_LOG")
                    .unwrap_or_else(|_| "info,beeget_admin=debug".into()),
            )
            .init();
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let api = Arc::new(ClientApi::new(&settings.api)?);
    tracing::info!(api = %settings.api, "starting");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .build()?;
    // ratatui::init puts the terminal in raw mode on the alternate screen and installs a panic
    // hook that restores it before the panic message prints; restore() covers every other exit.
    let mut terminal = ratatui::init();
    crossterm::execute!(std::io::stdout(), crossterm::event::EnableBracketedPaste)?;
    let mut app = App::new();
    let result = runtime.block_on(runtime::run(&mut terminal, &mut app, api.clone(), Theme::from_env()));
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableBracketedPaste);
    ratatui::restore();
    // Sign out on the way out, so the refresh token dies with the console (at most 3 s).
    // `timeout` needs the runtime's timer: made inside `block_on`, not before it.
    let signed_out =
        runtime.block_on(async { tokio::time::timeout(Duration::from_secs(3), api.send(Request::Logout)).await });
    if !matches!(signed_out, Ok(Ok(_))) {
        tracing::warn!("could not sign out: the refresh token expires on its own");
    }
    if let Err(e) = &result {
        tracing::error!(error = %e, "stopped");
    }
    result
}
