//! Criterion benchmarks of the pure domain logic: the work the provider does
//! on every plan besides talking to AWS.
//!
//! Run with `cargo bench --bench domain`; `make bench` runs it and copies the
//! medians into `bench/results.md`. Inputs are the fixture keys of
//! `src/domain/testdata/`, which were made with openssl.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use irsa::domain::arn::OidcProviderArn;
use irsa::domain::jwks::build_jwks;
use irsa::domain::keys::parse_public_keys_pem;
use irsa::domain::service_account::ServiceAccountPattern;
use irsa::domain::trust_policy::{TrustPolicy, DEFAULT_AUDIENCE};

const RSA2048: &str = include_str!("../src/domain/testdata/rsa2048.pub.pem");
const RSA4096: &str = include_str!("../src/domain/testdata/rsa4096.pub.pem");
const EC_P256: &str = include_str!("../src/domain/testdata/ec_p256.pub.pem");
const RSA2048_CERT: &str = include_str!("../src/domain/testdata/rsa2048.cert.pem");

fn pem_parsing(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_pem");
    for (name, pem) in [
        ("rsa2048", RSA2048),
        ("rsa4096", RSA4096),
        ("ec_p256", EC_P256),
        ("rsa2048_certificate", RSA2048_CERT),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| parse_public_keys_pem(black_box(pem)).expect("fixture parses"))
        });
    }
    group.finish();
}

fn kid_computation(c: &mut Criterion) {
    let mut group = c.benchmark_group("kid");
    for (name, pem) in [("rsa2048", RSA2048), ("ec_p256", EC_P256)] {
        let key = parse_public_keys_pem(pem)
            .expect("fixture parses")
            .remove(0);
        group.bench_function(name, |b| b.iter(|| black_box(&key).kid()));
    }
    group.finish();
}

fn jwks_rendering(c: &mut Criterion) {
    // A key rotation in progress: the old RSA key, the new one, and an EC key.
    let keys: Vec<_> = [RSA2048, RSA4096, EC_P256]
        .iter()
        .flat_map(|pem| parse_public_keys_pem(pem).expect("fixture parses"))
        .collect();
    let mut group = c.benchmark_group("jwks");
    group.bench_function("render_3_keys", |b| {
        b.iter(|| build_jwks(black_box(&keys), false).to_json())
    });
    group.bench_function("render_3_keys_with_legacy_empty_kid", |b| {
        b.iter(|| build_jwks(black_box(&keys), true).to_json())
    });
    group.finish();
}

fn trust_policy_rendering(c: &mut Criterion) {
    let primary =
        "arn:aws:iam::123456789012:oidc-provider/irsa-example.s3.eu-west-1.amazonaws.com/cluster-a";
    let additional = "arn:aws:iam::123456789012:oidc-provider/oidc.cluster-b.example.com";
    let accounts = [
        "kube-system:external-dns",
        "billing:report-writer",
        "team-*:report-reader",
    ];
    let build = || {
        TrustPolicy::new(
            OidcProviderArn::parse(primary).expect("valid ARN"),
            [OidcProviderArn::parse(additional).expect("valid ARN")],
            accounts
                .iter()
                .map(|sa| ServiceAccountPattern::parse(sa).expect("valid service account")),
            DEFAULT_AUDIENCE,
        )
        .expect("valid trust policy")
    };
    let policy = build();
    let mut group = c.benchmark_group("trust_policy");
    group.bench_function("render", |b| b.iter(|| black_box(&policy).render()));
    group.bench_function("build_and_render", |b| b.iter(|| build().render()));
    group.finish();
}

fn config() -> Criterion {
    // Short runs: these functions take microseconds, and `make bench` has
    // more to do.
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = pem_parsing, kid_computation, jwks_rendering, trust_policy_rendering
}
criterion_main!(benches);
