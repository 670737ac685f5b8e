//! The CloudFront client (src/aws/cloudfront.rs) through the real SDK
//! against moto, patched where its CloudFront differs from AWS (see
//! tests/README.md): Origin Access Controls and distributions created, read,
//! changed under their ETag, disabled, waited for and deleted; creates whose
//! answer is lost converge on the caller reference; missing objects are
//! [`AwsError::NotFound`].

use std::time::Duration;

use irsa::aws::cloudfront::{self, Wait, WaitError, DEPLOYED};
use irsa::aws::{AwsError, Endpoints, Settings, StaticKeys};
use irsa::domain::cloudfront::{drift, DesiredDistribution, DistributionOptions, PriceClass};

use crate::support::fault_proxy::{Fault, FaultProxy};
use crate::support::{random_suffix, Moto};

/// The provider settings of these tests: moto's credentials, the
/// CloudFront endpoint `endpoint` (none: the environment's), one retry.
fn settings(endpoint: Option<&str>) -> Settings {
    Settings {
        region: Some("eu-west-1".into()),
        endpoints: Endpoints {
            cloudfront: endpoint.map(str::to_owned),
            ..Default::default()
        },
        static_keys: Some(StaticKeys {
            access_key: "testing".into(),
            secret_key: "testing".to_owned().into(),
            token: None,
        }),
        max_retries: Some(1),
        ..Default::default()
    }
}

/// A CloudFront client whose calls go to `endpoint`.
async fn client(endpoint: &str) -> aws_sdk_cloudfront::Client {
    irsa::aws::connect(&settings(Some(endpoint)))
        .await
        .cloudfront
}

/// Short pauses: moto deploys on the second look.
const QUICK: Wait = Wait {
    timeout: Duration::from_secs(10),
    poll: Duration::from_millis(20),
    max_poll: Duration::from_millis(100),
};

fn desired(bucket: &str, oac_id: &str, options: DistributionOptions) -> DesiredDistribution {
    DesiredDistribution::for_issuer(bucket, Some("c1"), "eu-west-1", oac_id, options)
}

fn enabled() -> DistributionOptions {
    DistributionOptions {
        enabled: true,
        ..Default::default()
    }
}

fn code(e: &AwsError) -> &str {
    e.code().unwrap_or("(no code)")
}

/// How many distributions have an origin at `origin_domain`.
async fn count_serving(c: &aws_sdk_cloudfront::Client, origin_domain: &str) -> usize {
    let out = c.list_distributions().send().await.unwrap();
    out.distribution_list()
        .map(|l| l.items())
        .unwrap_or_default()
        .iter()
        .filter(|s| {
            s.origins()
                .is_some_and(|o| o.items().iter().any(|o| o.domain_name() == origin_domain))
        })
        .count()
}

#[tokio::test]
async fn an_origin_access_control_is_created_read_and_deleted_under_its_etag() {
    let moto = Moto::shared();
    let c = client(&moto.endpoint()).await;
    let name = format!("irsa-{}", random_suffix());
    let made = cloudfront::create_origin_access_control(&c, &name, "OIDC issuer b/c1")
        .await
        .unwrap();
    assert_eq!(made.name, name);
    assert!(
        made.description.starts_with("OIDC issuer b/c1 (creation "),
        "{}",
        made.description
    );
    assert_eq!(
        (
            made.signing_protocol.as_str(),
            made.signing_behavior.as_str(),
            made.origin_type.as_str()
        ),
        ("sigv4", "always", "s3")
    );
    let read = cloudfront::get_origin_access_control(&c, &made.id)
        .await
        .unwrap();
    assert_eq!(read, made);

    // The name is taken: a second create is refused, and the control that
    // exists is not taken for this call's own.
    let again = cloudfront::create_origin_access_control(&c, &name, "OIDC issuer b/c1")
        .await
        .unwrap_err();
    assert_eq!(code(&again), cloudfront::OAC_EXISTS, "{again}");

    let stale = cloudfront::delete_origin_access_control(&c, &made.id, "E0STALE")
        .await
        .unwrap_err();
    assert_eq!(code(&stale), "PreconditionFailed", "{stale}");
    cloudfront::delete_origin_access_control(&c, &made.id, &read.etag)
        .await
        .unwrap();
    let gone = cloudfront::get_origin_access_control(&c, &made.id)
        .await
        .unwrap_err();
    assert!(gone.is_not_found(), "{gone:?}");
    let twice = cloudfront::delete_origin_access_control(&c, &made.id, &read.etag)
        .await
        .unwrap_err();
    assert!(twice.is_not_found(), "{twice:?}");
    assert!(cloudfront::find_origin_access_control(&c, &name)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_distribution_is_created_updated_disabled_waited_for_and_deleted() {
    let moto = Moto::shared();
    let c = client(&moto.endpoint()).await;
    let s = random_suffix();
    let bucket = format!("cf-life-{s}");
    let oac = cloudfront::create_origin_access_control(&c, &format!("irsa-{s}"), "life")
        .await
        .unwrap();
    let want = desired(&bucket, &oac.id, enabled());
    let reference = irsa::aws::creation_token();

    let made = cloudfront::create_distribution(&c, &reference, &want)
        .await
        .unwrap();
    assert_eq!(made.caller_reference, reference);
    assert_eq!(made.status, "InProgress");
    assert!(
        made.domain_name.ends_with(".cloudfront.net"),
        "{}",
        made.domain_name
    );
    assert!(
        made.arn.ends_with(&format!(":distribution/{}", made.id)),
        "{}",
        made.arn
    );
    assert_eq!(drift(&want, &made.live), vec![]);
    assert_eq!(
        made.live.origin_domains,
        vec![format!("{bucket}.s3.eu-west-1.amazonaws.com")]
    );

    let deployed = cloudfront::wait_deployed(&c, &made.id, QUICK)
        .await
        .unwrap();
    assert_eq!(deployed.status, DEPLOYED);
    assert_eq!(drift(&want, &deployed.live), vec![]);

    // An update names the version it changes.
    let mut changed = want.clone();
    changed.price_class = PriceClass::PriceClass100;
    changed.web_acl_id = Some("a1b2c3d4-5678-90ab-cdef-0123456789ab".into());
    let stale = cloudfront::update_distribution(&c, &made.id, "E0STALE", &reference, &changed)
        .await
        .unwrap_err();
    assert_eq!(code(&stale), "PreconditionFailed", "{stale}");
    let current = cloudfront::get_distribution(&c, &made.id).await.unwrap();
    let updated =
        cloudfront::update_distribution(&c, &made.id, &current.etag, &reference, &changed)
            .await
            .unwrap();
    assert_ne!(updated.etag, current.etag);
    assert_eq!(updated.caller_reference, reference);
    assert_eq!(drift(&changed, &updated.live), vec![]);
    assert_eq!(
        drift(&want, &updated.live),
        vec![
            irsa::domain::cloudfront::Drift::PriceClass,
            irsa::domain::cloudfront::Drift::WebAcl
        ]
    );

    // Still deploying the update: a wait with no time left says so.
    let timeout = cloudfront::wait_deployed(
        &c,
        &made.id,
        Wait {
            timeout: Duration::ZERO,
            ..QUICK
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&timeout, WaitError::Timeout { id, status, .. } if *id == made.id && status == "InProgress"),
        "{timeout:?}"
    );

    // An enabled distribution is not deleted, and its OAC is in use.
    let enabled_now = cloudfront::get_distribution(&c, &made.id).await.unwrap();
    let refused = cloudfront::delete_distribution(&c, &made.id, &enabled_now.etag)
        .await
        .unwrap_err();
    assert_eq!(code(&refused), "DistributionNotDisabled", "{refused}");
    let in_use = cloudfront::delete_origin_access_control(&c, &oac.id, &oac.etag)
        .await
        .unwrap_err();
    assert_eq!(code(&in_use), "OriginAccessControlInUse", "{in_use}");

    let disabled = cloudfront::disable_distribution(&c, &made.id)
        .await
        .unwrap();
    assert!(!disabled.live.enabled);
    assert_ne!(disabled.etag, enabled_now.etag);
    assert_eq!(disabled.live.price_class.as_deref(), Some("PriceClass_100"));
    // Disabling again changes nothing.
    let again = cloudfront::disable_distribution(&c, &made.id)
        .await
        .unwrap();
    assert_eq!(again.etag, disabled.etag);
    cleanup(&c, &made.id, &oac).await;
    assert!(matches!(
        cloudfront::wait_deployed(&c, &made.id, QUICK).await,
        Err(WaitError::Aws(e)) if e.is_not_found()
    ));
}

/// A client behind a fault proxy, an OAC, and a distribution to create.
struct Faulty {
    proxy: FaultProxy,
    c: aws_sdk_cloudfront::Client,
    oac: cloudfront::OriginAccessControl,
    want: DesiredDistribution,
    reference: String,
    /// The random suffix of the names.
    s: String,
}

async fn faulty(what: &str) -> Faulty {
    let proxy = FaultProxy::start(&Moto::shared().endpoint());
    let c = client(&proxy.endpoint()).await;
    let s = random_suffix();
    let oac = cloudfront::create_origin_access_control(&c, &format!("irsa-{s}"), what)
        .await
        .unwrap();
    let want = desired(&format!("cf-{what}-{s}"), &oac.id, enabled());
    Faulty {
        proxy,
        c,
        oac,
        want,
        reference: irsa::aws::creation_token(),
        s,
    }
}

#[tokio::test]
async fn a_create_whose_answer_is_lost_converges_on_the_caller_reference() {
    let Faulty {
        proxy,
        c,
        oac,
        want,
        reference,
        ..
    } = faulty("lost").await;

    // Every answer to CreateDistribution is dropped: the distribution is
    // made, and found again by its caller reference.
    proxy.arm("cloudfront:CreateDistribution", Fault::DropAnswer);
    let made = cloudfront::create_distribution(&c, &reference, &want)
        .await
        .unwrap();
    assert!(proxy.faulted() >= 1);
    proxy.disarm();
    let calls = proxy.take_calls();
    assert!(
        calls.contains(&"cloudfront:ListDistributions".to_owned()),
        "{calls:?}"
    );
    assert_eq!(made.caller_reference, reference);
    assert_eq!(drift(&want, &made.live), vec![]);
    assert_eq!(count_serving(&c, &want.origin_domain).await, 1);

    // A later retry with the same caller reference returns it, whether
    // CloudFront answers with it (same configuration) or with
    // DistributionAlreadyExists (another one).
    let same = cloudfront::create_distribution(&c, &reference, &want)
        .await
        .unwrap();
    assert_eq!(same.id, made.id);
    let mut other = want.clone();
    other.price_class = PriceClass::PriceClass200;
    let exists = cloudfront::create_distribution(&c, &reference, &other)
        .await
        .unwrap();
    assert_eq!(exists.id, made.id);
    assert_eq!(count_serving(&c, &want.origin_domain).await, 1);
    let found = cloudfront::find_by_caller_reference(&c, &reference, &want.origin_domain)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, made.id);
    assert!(
        cloudfront::find_by_caller_reference(&c, "another-reference", &want.origin_domain)
            .await
            .unwrap()
            .is_none()
    );

    cleanup(&c, &made.id, &oac).await;
}

#[tokio::test]
async fn a_create_that_never_arrived_is_an_error_and_the_retry_creates() {
    let Faulty {
        proxy,
        c,
        oac,
        want,
        reference,
        s,
    } = faulty("never").await;
    for fault in [Fault::Status500, Fault::Close] {
        proxy.arm("cloudfront:CreateDistribution", fault);
        let err = cloudfront::create_distribution(&c, &reference, &want)
            .await
            .unwrap_err();
        proxy.disarm();
        assert!(err.may_have_happened(), "{fault:?}: {err:?}");
        assert_eq!(count_serving(&c, &want.origin_domain).await, 0, "{fault:?}");
    }
    let made = cloudfront::create_distribution(&c, &reference, &want)
        .await
        .unwrap();
    assert_eq!(count_serving(&c, &want.origin_domain).await, 1);

    // A lost answer to the OAC create converges too, on its name and token.
    proxy.arm("cloudfront:CreateOriginAccessControl", Fault::DropAnswer);
    let name = format!("irsa-lost-{s}");
    let lost = cloudfront::create_origin_access_control(&c, &name, "lost answer")
        .await
        .unwrap();
    assert!(proxy.faulted() >= 1);
    proxy.disarm();
    assert_eq!(lost.name, name);
    let again = cloudfront::get_origin_access_control(&c, &lost.id)
        .await
        .unwrap();
    assert_eq!(again, lost);
    cloudfront::delete_origin_access_control(&c, &lost.id, &lost.etag)
        .await
        .unwrap();

    cleanup(&c, &made.id, &oac).await;
}

#[tokio::test]
async fn missing_objects_are_not_found() {
    let moto = Moto::shared();
    let c = client(&moto.endpoint()).await;
    let e = cloudfront::get_distribution(&c, "E0MISSING")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, AwsError::NotFound { call: "GetDistribution", resource } if resource == "distribution E0MISSING"),
        "{e:?}"
    );
    let e = cloudfront::disable_distribution(&c, "E0MISSING")
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    let e = cloudfront::get_origin_access_control(&c, "E0MISSING")
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    assert!(cloudfront::find_by_caller_reference(
        &c,
        "no-such-reference",
        "nowhere.s3.eu-west-1.amazonaws.com"
    )
    .await
    .unwrap()
    .is_none());
}

#[tokio::test]
async fn the_endpoint_falls_back_to_aws_endpoint_url_cloudfront() {
    // The variable is set for the whole test process: every other
    // CloudFront client in it has an endpoint of its own or makes no call.
    std::env::set_var("AWS_ENDPOINT_URL_CLOUDFRONT", Moto::shared().endpoint());
    // moto answers: the call went to the variable's endpoint.
    let c = irsa::aws::connect(&settings(None)).await.cloudfront;
    let e = cloudfront::get_distribution(&c, "E0MISSING")
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    // The block's endpoint (a closed port) takes precedence.
    let c = irsa::aws::connect(&settings(Some("http://127.0.0.1:9")))
        .await
        .cloudfront;
    let e = cloudfront::get_distribution(&c, "E0MISSING")
        .await
        .unwrap_err();
    assert!(matches!(e, AwsError::Transport { .. }), "{e:?}");
}

/// Disable, wait, delete; then it is gone, and deleting again is NotFound.
/// Then the Origin Access Control it used.
async fn cleanup(c: &aws_sdk_cloudfront::Client, id: &str, oac: &cloudfront::OriginAccessControl) {
    cloudfront::disable_distribution(c, id).await.unwrap();
    let ready = cloudfront::wait_deployed(c, id, QUICK).await.unwrap();
    cloudfront::delete_distribution(c, id, &ready.etag)
        .await
        .unwrap();
    let gone = cloudfront::get_distribution(c, id).await.unwrap_err();
    assert!(gone.is_not_found(), "{gone:?}");
    let twice = cloudfront::delete_distribution(c, id, &ready.etag)
        .await
        .unwrap_err();
    assert!(twice.is_not_found(), "{twice:?}");
    cloudfront::delete_origin_access_control(c, &oac.id, &oac.etag)
        .await
        .unwrap();
}

/// Events: level, target and message.
type Events = Vec<(tracing::Level, String, String)>;

/// Records the events of the threads that [`record_this_thread`] named.
/// It is the process's global subscriber: a scoped one (`set_default`)
/// misses events when other threads meet the same call sites first.
#[derive(Default)]
struct Recorder {
    threads: std::sync::Mutex<std::collections::HashMap<std::thread::ThreadId, Events>>,
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for &'static Recorder {
    /// DEBUG and above: TRACE call sites stay off for the whole process.
    fn enabled(
        &self,
        meta: &tracing::Metadata<'_>,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) -> bool {
        *meta.level() <= tracing::Level::DEBUG
    }

    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        let mut threads = self.threads.lock().unwrap();
        let Some(events) = threads.get_mut(&std::thread::current().id()) else {
            return;
        };
        let mut m = Message(String::new());
        event.record(&mut m);
        let meta = event.metadata();
        events.push((*meta.level(), meta.target().to_owned(), m.0));
    }
}

/// Start recording this thread's events; returns the recorder.
fn record_this_thread() -> &'static Recorder {
    use tracing_subscriber::layer::SubscriberExt as _;
    static RECORDER: std::sync::OnceLock<&'static Recorder> = std::sync::OnceLock::new();
    let recorder = *RECORDER.get_or_init(|| {
        let recorder: &'static Recorder = Box::leak(Box::default());
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(recorder))
            .expect("no other global subscriber in the test process");
        recorder
    });
    recorder
        .threads
        .lock()
        .unwrap()
        .insert(std::thread::current().id(), Vec::new());
    recorder
}

#[tokio::test]
async fn each_call_and_each_look_of_the_wait_is_logged_at_debug() {
    // This test's runtime runs on this thread only.
    let recorder = record_this_thread();
    let c = client(&Moto::shared().endpoint()).await;
    let s = random_suffix();
    let oac = cloudfront::create_origin_access_control(&c, &format!("irsa-{s}"), "logs")
        .await
        .unwrap();
    let want = desired(&format!("cf-logs-{s}"), &oac.id, enabled());
    let made = cloudfront::create_distribution(&c, &irsa::aws::creation_token(), &want)
        .await
        .unwrap();
    cloudfront::wait_deployed(&c, &made.id, QUICK)
        .await
        .unwrap();
    cleanup(&c, &made.id, &oac).await;

    let events = recorder
        .threads
        .lock()
        .unwrap()
        .remove(&std::thread::current().id())
        .unwrap();
    let debug_at_aws = |needle: &str| {
        events.iter().any(|(level, target, message)| {
            *level == tracing::Level::DEBUG && target == "irsa::aws" && message.contains(needle)
        })
    };
    for op in [
        "CreateOriginAccessControl",
        "CreateDistribution",
        "GetDistribution",
        "GetDistributionConfig",
        "UpdateDistribution",
        "DeleteDistribution",
        "DeleteOriginAccessControl",
    ] {
        assert!(
            debug_at_aws(&format!("AWS call CloudFront.{op}: HTTP ")),
            "no call log line for {op}: {events:#?}"
        );
    }
    assert!(
        debug_at_aws(&format!(
            "CloudFront distribution {}: InProgress after",
            made.id
        )),
        "{events:#?}"
    );
    assert!(
        debug_at_aws(&format!(
            "CloudFront distribution {}: Deployed after",
            made.id
        )),
        "{events:#?}"
    );
}
