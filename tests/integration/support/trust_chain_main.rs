//! `cargo run --example trust_chain_check -- <endpoint> <private key PEM file> <issuer> <role ARN> <namespace:name>`
//!
//! The trust-chain check of `make demo`: mints a service-account token with
//! the cluster's private key for `issuer` (the apiserver's
//! `--service-account-issuer`), then checks it as STS would against what the
//! emulator at `endpoint` holds (see `trust_chain.rs`, the same code the
//! end-to-end tests use). Then shows that a token for another service
//! account, with another audience, signed by a key the cluster does not
//! publish, or with a trailing slash on the issuer, is refused, and where.

#[path = "trust_chain.rs"]
mod trust_chain;

use trust_chain::{Claims, RelyingParty, SigningKey};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [endpoint, key_file, issuer, role_arn, service_account] = &args[..] else {
        eprintln!(
            "usage: trust_chain_check <endpoint> <private key PEM file> <issuer> <role ARN> <namespace:name>"
        );
        std::process::exit(2);
    };
    let pem = std::fs::read_to_string(key_file).unwrap_or_else(|e| {
        eprintln!("cannot read {key_file}: {e}");
        std::process::exit(2);
    });
    let key = SigningKey::from_pem(&pem).unwrap_or_else(|e| {
        eprintln!("{key_file}: {e}");
        std::process::exit(2);
    });
    let rp = RelyingParty::emulator(endpoint);
    let (namespace, _) = service_account.split_once(':').unwrap_or(("default", ""));
    let other = format!("{namespace}:someone-else");

    let mut ok = true;
    println!("  A token for {service_account}, signed with the cluster's key:");
    match rp.check(&key.token(&Claims::new(issuer, service_account)), role_arn) {
        Ok(v) => {
            println!("    accepted:");
            println!(
                "      token iss = discovery issuer = IAM OIDC provider URL: {}",
                v.issuer
            );
            println!("      kid {} found at jwks_uri, signature verified", v.kid);
            println!(
                "      aud {} is a client ID of {}",
                v.audience, v.oidc_provider_arn
            );
            println!(
                "      trust policy statement {} allows {}",
                v.statement, v.subject
            );
            println!("      AssumeRoleWithWebIdentity: {}", v.assumed_role_arn);
        }
        Err(e) => {
            ok = false;
            println!("    REFUSED at {e}");
        }
    }
    let stranger = SigningKey::generate_rsa();
    let negatives = [
        (
            format!("a token for {other}"),
            key.token(&Claims::new(issuer, &other)),
        ),
        (
            "a token with the audience \"example.com\"".to_owned(),
            key.token(&Claims::new(issuer, service_account).with_audience("example.com")),
        ),
        (
            "a token signed by a key the cluster does not publish".to_owned(),
            stranger.token(&Claims::new(issuer, service_account)),
        ),
        (
            "a token from an apiserver whose issuer flag has a trailing slash".to_owned(),
            key.token(&Claims::new(&format!("{issuer}/"), service_account)),
        ),
    ];
    println!("  Tokens that must be refused:");
    for (what, token) in negatives {
        match rp.check(&token, role_arn) {
            Ok(_) => {
                ok = false;
                println!("    {what}: ACCEPTED");
            }
            Err(e) => println!("    {what}\n      refused at {e}"),
        }
    }
    if !ok {
        std::process::exit(1);
    }
}
