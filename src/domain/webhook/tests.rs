use super::*;
use crate::domain::test_support::assert_golden;

const CA: &str = include_str!("../testdata/webhook_ca.cert.pem");
const CERT: &str = include_str!("../testdata/webhook_tls.cert.pem");
const KEY: &str = include_str!("../testdata/webhook_tls.throwaway.key.pem");

fn cert_manager() -> WebhookSpec {
    WebhookSpec::with_defaults(Tls::CertManager { issuer_ref: None })
}

fn provided() -> WebhookSpec {
    WebhookSpec::with_defaults(Tls::Provided {
        certificate_pem: CERT.into(),
        private_key_pem: Some(KEY.into()),
        ca_certificate_pem: CA.into(),
    })
}

fn kinds(r: &Rendered) -> Vec<&str> {
    r.manifests
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect()
}

fn find<'a>(r: &'a Rendered, kind: &str) -> &'a Json {
    r.manifests
        .iter()
        .find(|m| m["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
}

fn pretty(objects: &[Json]) -> String {
    let mut out = serde_json::to_string_pretty(objects).unwrap();
    out.push('\n');
    out
}

#[test]
fn golden_default_rendering() {
    let r = render(&cert_manager());
    assert_golden("webhook_cert_manager.json", &pretty(&r.manifests));
    assert_golden("webhook_cert_manager.yaml", &to_yaml(&r.manifests));
}

#[test]
fn golden_provided_rendering() {
    let mut spec = provided();
    spec.aws_region = Some("eu-west-1".into());
    spec.replicas = 1;
    spec.failure_policy = "Fail".into();
    let r = render(&spec);
    assert_golden("webhook_provided.json", &pretty(&r.manifests));
    assert_golden(
        "webhook_provided_secret.json",
        &pretty(std::slice::from_ref(r.tls_secret.as_ref().unwrap())),
    );
}

#[test]
fn objects_come_in_apply_order() {
    assert_eq!(
        kinds(&render(&cert_manager())),
        [
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Issuer",
            "Certificate",
            "Issuer",
            "Certificate",
            "Deployment",
            "Service",
            "PodDisruptionBudget",
            "MutatingWebhookConfiguration"
        ]
    );
    let mut one = provided();
    one.replicas = 1;
    assert_eq!(
        kinds(&render(&one)),
        [
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Deployment",
            "Service",
            "MutatingWebhookConfiguration"
        ]
    );
    let mut existing = cert_manager();
    existing.tls = Tls::CertManager {
        issuer_ref: Some(IssuerRef {
            kind: "ClusterIssuer".into(),
            name: "corp-ca".into(),
        }),
    };
    let r = render(&existing);
    assert!(!kinds(&r).contains(&"Issuer"));
    assert_eq!(kinds(&r).iter().filter(|k| **k == "Certificate").count(), 1);
    let issuer_ref = &find(&r, "Certificate")["spec"]["issuerRef"];
    assert_eq!(issuer_ref["kind"], "ClusterIssuer");
    assert_eq!(issuer_ref["name"], "corp-ca");
    assert!(find(&r, "Certificate")["spec"].get("isCA").is_none());
}

/// The pieces that must agree, checked across the objects rather than
/// against fixed strings.
fn assert_consistent(spec: &WebhookSpec, r: &Rendered) {
    let svc = find(r, "Service");
    let dep = find(r, "Deployment");
    let hook = &find(r, "MutatingWebhookConfiguration")["webhooks"][0];
    let pod = &dep["spec"]["template"];

    // The webhook calls the Service, which selects the Deployment's pods
    // on the port the container serves.
    let called = &hook["clientConfig"]["service"];
    assert_eq!(called["name"], svc["metadata"]["name"]);
    assert_eq!(called["namespace"], svc["metadata"]["namespace"]);
    assert_eq!(called["port"], svc["spec"]["ports"][0]["port"]);
    assert_eq!(called["path"], "/mutate");
    for (k, v) in svc["spec"]["selector"].as_object().unwrap() {
        assert_eq!(&pod["metadata"]["labels"][k], v);
    }
    assert_eq!(
        dep["spec"]["selector"]["matchLabels"],
        svc["spec"]["selector"]
    );
    let container = &pod["spec"]["containers"][0];
    let target = svc["spec"]["ports"][0]["targetPort"].as_str().unwrap();
    let port = container["ports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == target)
        .unwrap();
    let flags: Vec<&str> = container["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(flags.contains(&format!("--port={}", port["containerPort"]).as_str()));
    assert!(flags.contains(&format!("--token-audience={}", spec.audience).as_str()));
    assert!(flags.contains(
        &format!(
            "--service-name={}",
            svc["metadata"]["name"].as_str().unwrap()
        )
        .as_str()
    ));
    assert!(flags.contains(&format!("--namespace={}", spec.namespace).as_str()));
    assert!(flags.contains(&"--in-cluster=false"));

    // The certificate files the flags name are in the mounted Secret.
    let mount = container["volumeMounts"][0]["mountPath"].as_str().unwrap();
    assert!(flags.contains(&format!("--tls-cert={mount}/tls.crt").as_str()));
    assert!(flags.contains(&format!("--tls-key={mount}/tls.key").as_str()));
    let secret_name = &pod["spec"]["volumes"][0]["secret"]["secretName"];

    // The webhook's own pods are never sent to it.
    let sel = &hook["objectSelector"]["matchExpressions"][0];
    assert_eq!(sel["operator"], "DoesNotExist");
    assert!(pod["metadata"]["labels"]
        .get(sel["key"].as_str().unwrap())
        .is_some());
    assert_eq!(hook["failurePolicy"], spec.failure_policy.as_str());
    assert_eq!(hook["sideEffects"], "None");
    assert_eq!(hook["rules"][0]["operations"], json!(["CREATE"]));
    assert_eq!(hook["rules"][0]["resources"], json!(["pods"]));

    match &spec.tls {
        Tls::CertManager { issuer_ref } => {
            let certs: Vec<&Json> = r
                .manifests
                .iter()
                .filter(|m| m["kind"] == "Certificate")
                .collect();
            let cert = *certs.last().unwrap();
            if issuer_ref.is_none() {
                // self-signed root -> CA Issuer -> serving certificate
                let issuers: Vec<&Json> = r
                    .manifests
                    .iter()
                    .filter(|m| m["kind"] == "Issuer")
                    .collect();
                assert_eq!(certs.len(), 2);
                assert_eq!(issuers.len(), 2);
                assert!(issuers[0]["spec"].get("selfSigned").is_some());
                assert_eq!(
                    certs[0]["spec"]["issuerRef"]["name"],
                    issuers[0]["metadata"]["name"]
                );
                assert_eq!(certs[0]["spec"]["isCA"], true);
                assert_eq!(
                    issuers[1]["spec"]["ca"]["secretName"],
                    certs[0]["spec"]["secretName"]
                );
                assert_eq!(
                    cert["spec"]["issuerRef"]["name"],
                    issuers[1]["metadata"]["name"]
                );
                assert!(cert["spec"].get("isCA").is_none());
            }
            assert_eq!(&cert["spec"]["secretName"], secret_name);
            let names = cert["spec"]["dnsNames"].as_array().unwrap();
            for n in service_dns_names(&spec.name, &spec.namespace) {
                assert!(names.contains(&json!(n)), "{n}");
            }
            let inject = find(r, "MutatingWebhookConfiguration")["metadata"]["annotations"]
                ["cert-manager.io/inject-ca-from"]
                .as_str()
                .unwrap();
            assert_eq!(
                inject,
                format!(
                    "{}/{}",
                    cert["metadata"]["namespace"].as_str().unwrap(),
                    cert["metadata"]["name"].as_str().unwrap()
                )
            );
            assert!(hook["clientConfig"].get("caBundle").is_none());
            assert!(r.tls_secret.is_none() && r.ca_bundle.is_none());
        }
        Tls::Provided {
            ca_certificate_pem, ..
        } => {
            let secret = r.tls_secret.as_ref().unwrap();
            assert_eq!(&secret["metadata"]["name"], secret_name);
            assert_eq!(secret["type"], "kubernetes.io/tls");
            use base64::Engine as _;
            let ca = base64::engine::general_purpose::STANDARD
                .decode(hook["clientConfig"]["caBundle"].as_str().unwrap())
                .unwrap();
            assert_eq!(ca, ca_certificate_pem.as_bytes());
            assert_eq!(
                r.ca_bundle.as_deref(),
                hook["clientConfig"]["caBundle"].as_str()
            );
            // No object of `manifests` carries the key.
            let all = serde_json::to_string(&r.manifests).unwrap();
            let key_b64 = secret["data"]["tls.key"].as_str().unwrap();
            assert!(!all.contains(key_b64) && !all.contains("PRIVATE KEY"));
        }
    }
}

#[test]
fn the_pieces_agree_in_every_mode() {
    let mut custom = cert_manager();
    custom.name = "irsa-hook".into();
    custom.namespace = "irsa".into();
    custom.audience = "irsa.example.com".into();
    custom.replicas = 3;
    for spec in [cert_manager(), provided(), custom] {
        assert_consistent(&spec, &render(&spec));
    }
}

#[test]
fn region_flags_follow_the_region() {
    let mut spec = cert_manager();
    assert!(
        !spec
            .flags()
            .iter()
            .any(|f| f.starts_with("--aws-default-region")
                || f.starts_with("--sts-regional-endpoint"))
    );
    spec.aws_region = Some("ap-southeast-2".into());
    assert!(spec
        .flags()
        .contains(&"--aws-default-region=ap-southeast-2".to_owned()));
    assert!(spec
        .flags()
        .contains(&"--sts-regional-endpoint=true".to_owned()));
    spec.sts_regional_endpoint = false;
    assert!(!spec
        .flags()
        .iter()
        .any(|f| f.starts_with("--sts-regional-endpoint")));
}

#[test]
fn scheduling_inputs_reach_the_pod() {
    let mut spec = cert_manager();
    spec.node_selector =
        BTreeMap::from([("node-role.kubernetes.io/control-plane".into(), "".into())]);
    spec.tolerations = vec![Toleration {
        key: Some("node-role.kubernetes.io/control-plane".into()),
        operator: Some("Exists".into()),
        effect: Some("NoSchedule".into()),
        ..Toleration::default()
    }];
    spec.priority_class_name = String::new();
    let r = render(&spec);
    let pod = &find(&r, "Deployment")["spec"]["template"]["spec"];
    assert_eq!(
        pod["nodeSelector"]["node-role.kubernetes.io/control-plane"],
        ""
    );
    assert_eq!(
        pod["tolerations"],
        json!([{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}])
    );
    assert!(pod.get("priorityClassName").is_none());
    assert_eq!(
        find(&render(&cert_manager()), "Deployment")["spec"]["template"]["spec"]
            ["priorityClassName"],
        DEFAULT_PRIORITY_CLASS
    );
}

#[test]
fn yaml_and_talos_patch_hold_the_same_objects() {
    let r = render(&cert_manager());
    let text = to_yaml(&r.manifests);
    let back: Vec<Json> = serde_yaml::Deserializer::from_str(&text)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    assert_eq!(back, r.manifests);

    let patch = talos_inline_manifest("pod-identity-webhook", &text);
    let doc: Json = serde_yaml::from_str(&patch).unwrap();
    let inline = &doc["cluster"]["inlineManifests"];
    assert_eq!(inline.as_array().unwrap().len(), 1);
    assert_eq!(inline[0]["name"], "pod-identity-webhook");
    assert_eq!(inline[0]["contents"], text.as_str());
    assert_golden("webhook_talos_inline_manifest.yaml", &patch);
}

#[test]
fn rules_refuse_what_kubernetes_or_the_webhook_would() {
    assert!(validate_name("pod-identity-webhook").is_ok());
    for bad in ["", "Webhook", "1hook", "a_b", "x.y", &"a".repeat(64)] {
        assert!(validate_name(bad).is_err(), "{bad:?}");
    }
    assert!(validate_namespace("kube-system").is_ok());
    assert!(validate_namespace("Kube").is_err());
    assert!(validate_subdomain("eks.amazonaws.com").is_ok());
    assert!(validate_subdomain("eks..amazonaws.com").is_err());
    assert!(validate_priority_class_name("").is_ok());

    for ok in [
        DEFAULT_IMAGE,
        "registry.corp:5000/mirror/amazon-eks-pod-identity-webhook:v0.6.8",
        "amazon/amazon-eks-pod-identity-webhook@sha256:0123abcd",
    ] {
        assert_eq!(validate_image(ok), Ok(()), "{ok}");
    }
    for bad in [
        "amazon/amazon-eks-pod-identity-webhook",
        "amazon/amazon-eks-pod-identity-webhook:latest",
        "registry.corp:5000/webhook",
        "x:",
        "a b:v1",
        "x@sha256",
    ] {
        assert!(validate_image(bad).is_err(), "{bad}");
    }
    assert!(validate_image("registry.corp:5000/webhook")
        .unwrap_err()
        .contains("no tag"));

    assert!(validate_replicas(1).is_ok() && validate_replicas(10).is_ok());
    assert!(validate_replicas(0).is_err() && validate_replicas(11).is_err());
    assert!(validate_token_expiration(3600).is_ok());
    assert!(validate_token_expiration(1 << 32).is_ok());
    assert!(validate_token_expiration(3599)
        .unwrap_err()
        .contains("raise"));
    assert!(validate_token_expiration((1 << 32) + 1).is_err());

    let t = |key: &str, op: &str, value: &str, effect: &str, secs: Option<i64>| Toleration {
        key: Some(key.into()).filter(|s: &String| !s.is_empty()),
        operator: Some(op.into()),
        value: Some(value.into()).filter(|s: &String| !s.is_empty()),
        effect: Some(effect.into()).filter(|s: &String| !s.is_empty()),
        toleration_seconds: secs,
    };
    assert!(validate_toleration(&t("", "Exists", "", "", None)).is_ok());
    assert!(validate_toleration(&t("k", "Equal", "v", "NoExecute", Some(30))).is_ok());
    assert_eq!(
        validate_toleration(&t("", "Equal", "v", "", None))
            .unwrap_err()
            .0,
        TolerationField::Key
    );
    assert_eq!(
        validate_toleration(&t("k", "Exists", "v", "", None))
            .unwrap_err()
            .0,
        TolerationField::Value
    );
    assert_eq!(
        validate_toleration(&t("k", "Equal", "v", "NoSchedule", Some(5)))
            .unwrap_err()
            .0,
        TolerationField::TolerationSeconds
    );
    assert_eq!(
        validate_toleration(&t("bad key", "Exists", "", "", None))
            .unwrap_err()
            .0,
        TolerationField::Key
    );
    assert!(validate_label_key("node-role.kubernetes.io/control-plane").is_ok());
    assert!(validate_label_key("-x").is_err());
}

#[test]
fn a_provided_certificate_without_its_key_renders_no_secret_and_mounts_the_callers() {
    let spec = WebhookSpec::with_defaults(Tls::Provided {
        certificate_pem: CERT.into(),
        private_key_pem: None,
        ca_certificate_pem: CA.into(),
    });
    let with_key = render(&provided());
    let r = render(&spec);
    assert!(r.tls_secret.is_none());
    assert_eq!(r.ca_bundle, with_key.ca_bundle);
    assert_eq!(
        r.manifests, with_key.manifests,
        "the same objects, the Secret aside"
    );
    let pod = &find(&r, "Deployment")["spec"]["template"]["spec"];
    assert_eq!(
        pod["volumes"][0]["secret"]["secretName"],
        with_key.tls_secret.unwrap()["metadata"]["name"]
    );
    let text = serde_json::to_string(&r.manifests).unwrap();
    assert!(!text.contains("PRIVATE KEY"));
}
