//! `endure dev`: the bundled examples served on loopback, state in a local folder.

use endure_server::{ServerState, guide, router};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on: loopback only (`endure serve` is for anything else).
    #[arg(long, default_value = "127.0.0.1")]
    ip: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// Where state lives.
    #[arg(long, default_value_os_t = crate::default_state_dir())]
    state_dir: PathBuf,
}

/// `MY_WORKFLOW` for `my-workflow`: the binding names the banner shows.
fn binding_name(workflow: &str) -> String {
    workflow.to_uppercase().replace('-', "_")
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    use std::fmt::Write as _;
    if !args.ip.is_loopback() {
        eprintln!(
            "error: endure dev listens on loopback only (127.0.0.1 or ::1), not {}",
            args.ip
        );
        return Ok(ExitCode::from(2));
    }
    let (engine, db) = crate::examples_engine(&args.state_dir).await?;
    let listener = match tokio::net::TcpListener::bind(SocketAddr::new(args.ip, args.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {}:{}: {e}", args.ip, args.port);
            return Ok(ExitCode::from(2));
        }
    };
    let addr = listener.local_addr()?;
    let state = ServerState {
        engine: engine.clone(),
        started_on: engine.now().to_iso(),
        tokens: Default::default(),
        creation_limit: None,
    };
    let app = router(state).merge(guide::routes(
        engine.workflow(endure_examples::starter::NAME)?,
    ));
    let names = engine.workflow_names();
    let mut banner = String::from("endure dev\n");
    let _ = writeln!(banner, "  listening on http://{addr}");
    let _ = writeln!(
        banner,
        "  REST API     http://{addr}/client/v4/accounts/local/workflows"
    );
    let _ = writeln!(
        banner,
        "  app routes   http://{addr}/ (the seed guide's handler for {})",
        endure_examples::starter::NAME
    );
    let _ = writeln!(banner, "  state        {}", db.display());
    for n in &names {
        let _ = writeln!(banner, "  workflow     {n} (binding {})", binding_name(n));
    }
    // One write, and never fatal: a closed stdout (say `endure dev | head -1`) must not stop the
    // server.
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(banner.as_bytes()).and_then(|_| out.flush());
    drop(out);
    endure_server::serve(listener, app).await?;
    Ok(ExitCode::SUCCESS)
}
