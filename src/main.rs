//! Start-up only: the handshake checks, signals, logging, then serve; or,
//! when started by hand as `terraform-provider-irsa check ...`, the trust
//! check from a shell.

use std::process::ExitCode;
use std::time::Duration;

use irsa::provider::IrsaProvider;
use irsa::tfplugin::{handshake, log, server};

fn main() -> ExitCode {
    // First of all, so that a Ctrl-C arriving while the provider starts
    // cannot kill it; `ignore_interrupts` later swaps this for a handler that
    // only logs.
    // SAFETY: setting a signal's disposition to SIG_IGN has no preconditions.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
    let negotiated = match handshake::negotiate(&handshake::PluginEnv::from_process()) {
        Ok(n) => n,
        // Started by hand: the shell form of the trust check.
        Err(handshake::HandshakeError::NotLaunchedByTerraform)
            if std::env::args().nth(1).as_deref() == Some("check") =>
        {
            let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
            let args: Vec<String> = std::env::args().skip(2).collect();
            return irsa::cli::run(&args);
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    log::init();
    // One TLS crypto provider for the whole process (the AWS SDK, the plugin
    // server and cluster access all use rustls).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("terraform-provider-irsa: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        ignore_interrupts();
        server::serve(IrsaProvider, negotiated).await
    });
    runtime.shutdown_timeout(Duration::from_millis(100));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            ::tracing::error!("{e}");
            eprintln!("terraform-provider-irsa: {e}");
            ExitCode::from(1)
        }
    }
}

/// Ctrl-C reaches every process in the terminal's group. Like Go plugins, the
/// provider ignores it: Terraform itself reacts by calling StopProvider, and
/// the provider finishes or cancels its work and reports the true state.
fn ignore_interrupts() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::interrupt()) {
        Ok(mut sigint) => {
            tokio::spawn(async move {
                let mut count = 0u64;
                while sigint.recv().await.is_some() {
                    count += 1;
                    ::tracing::debug!("ignoring interrupt signal ({count}); waiting for Terraform to stop the provider");
                }
            });
        }
        Err(e) => ::tracing::warn!("cannot handle SIGINT: {e}"),
    }
}
