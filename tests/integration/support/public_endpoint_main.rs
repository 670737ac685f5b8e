//! `cargo run --example public_endpoint -- <emulator endpoint> <CA file>`
//!
//! The public side of S3 for `make demo`: the stand-in the tests use
//! (`public_https.rs`), in front of the emulator at `<emulator endpoint>`,
//! so that the trust check can fetch the issuer's documents over HTTPS as
//! STS does. Writes the stand-in's CA certificate to `<CA file>`, prints
//! `PROXY=http://127.0.0.1:<port>` (for `HTTPS_PROXY`), and serves until its
//! standard input closes.
#![allow(dead_code)]

#[path = "background.rs"]
mod background;
#[path = "public_https.rs"]
mod public_https;

use std::io::{Read as _, Write as _};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [endpoint, ca_file] = &args[..] else {
        eprintln!("usage: public_endpoint <emulator endpoint> <CA file>");
        std::process::exit(2);
    };
    let public = public_https::PublicEndpoint::start(endpoint);
    if let Err(e) = std::fs::write(ca_file, public.ca_pem()) {
        eprintln!("cannot write {ca_file}: {e}");
        std::process::exit(1);
    }
    println!("PROXY={}", public.proxy_url());
    let _ = std::io::stdout().flush();
    let mut sink = [0u8; 4096];
    while matches!(std::io::stdin().read(&mut sink), Ok(n) if n > 0) {}
}
