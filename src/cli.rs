//! `terraform-provider-irsa check`: the trust check from a shell, for
//! people debugging a cluster without Terraform. Same steps as the
//! `irsa_trust_check` data source ([`crate::trust_check`]); each is printed
//! as it is judged, and the exit status is 1 at the first failure.

use std::process::ExitCode;

use crate::aws;
use crate::domain::arn::role_name_of;
use crate::domain::service_account::ServiceAccountPattern;
use crate::domain::trust_check::{Report, Step};
use crate::domain::trust_policy::DEFAULT_AUDIENCE;
use crate::kube::{Connection, KeySource};
use crate::trust_check::{self, Clients, ClusterAccess, Inputs};

/// The text of `check --help`.
pub fn help() -> String {
    let steps: String = Step::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| format!("  {}. {:<13} {}\n", i + 1, s.name(), s.summary()))
        .collect();
    format!(
        "Usage: terraform-provider-irsa check --issuer-url URL [options]

Checks the IRSA trust chain from outside, the way AWS STS checks it for
AssumeRoleWithWebIdentity, and stops at the first step that breaks:

{steps}
Options:
  --issuer-url URL          the issuer, byte for byte as --service-account-issuer has it (required)
  --role-arn ARN            a role the service account should assume (with --service-account)
  --service-account NS:NAME the service account (with --role-arn)
  --audience AUD            the tokens' audience [default: {DEFAULT_AUDIENCE}]
  --tls-ca-certificate FILE PEM CA certificates to trust besides the public roots, for private test
                            setups; STS itself accepts only public CAs
  --kubeconfig FILE         a kubeconfig for the cluster [default: KUBECONFIG, else ~/.kube/config]
  --context NAME            the kubeconfig context [default: its current context]
  --jwks-endpoint           check that the keys the apiserver serves at /openid/v1/jwks are published
  --secret NS/NAME[/KEY]    check that the key in that secret (default key tls.crt) is published
  --mint-token              ask the cluster for a token (TokenRequest, 10 minutes) and verify it
  --assume-role             call AssumeRoleWithWebIdentity with that token, unsigned, as a pod does
  -h, --help                this text

AWS: the standard credential chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO, web identity, ...),
AWS_REGION, and AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL_STS. IAM is only read.
The documents are fetched without AWS credentials; HTTPS_PROXY and NO_PROXY are honoured.
No token or kubeconfig content is printed.

Exit status: 0 when every step passes, 1 at the first failure, 2 for a usage error.
"
    )
}

/// Parse `check`'s arguments (those after `check`).
pub fn parse(args: &[String]) -> Result<Option<Inputs>, String> {
    let mut inputs = Inputs {
        audience: DEFAULT_AUDIENCE.to_owned(),
        ..Inputs::default()
    };
    let mut kubeconfig = None;
    let mut context = None;
    let mut keys = None;
    let mut ca_file = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = || -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag {
            "-h" | "--help" => return Ok(None),
            "--issuer-url" => inputs.issuer_url = value()?,
            "--role-arn" => inputs.role_arn = Some(value()?),
            "--service-account" => inputs.service_account = Some(value()?),
            "--audience" => inputs.audience = value()?,
            "--tls-ca-certificate" => ca_file = Some(value()?),
            "--kubeconfig" => kubeconfig = Some(value()?),
            "--context" => context = Some(value()?),
            "--jwks-endpoint" => keys = Some(KeySource::JwksEndpoint),
            "--secret" => keys = Some(secret_source(&value()?)?),
            "--mint-token" => inputs.mint_token = true,
            "--assume-role" => inputs.assume_role = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if inputs.issuer_url.is_empty() {
        return Err("--issuer-url is required".into());
    }
    if !inputs.issuer_url.starts_with("https://") {
        return Err(format!(
            "--issuer-url {:?} must be an https:// URL",
            inputs.issuer_url
        ));
    }
    if inputs.role_arn.is_some() != inputs.service_account.is_some() {
        return Err("--role-arn and --service-account go together".into());
    }
    if let Some(arn) = &inputs.role_arn {
        role_name_of(arn).map_err(|e| format!("--role-arn: {e}"))?;
    }
    if let Some(sa) = &inputs.service_account {
        let p = ServiceAccountPattern::parse(sa).map_err(|e| format!("--service-account: {e}"))?;
        if p.has_wildcard() {
            return Err("--service-account takes one service account, without wildcards".into());
        }
    }
    if inputs.assume_role && !inputs.mint_token {
        return Err("--assume-role needs --mint-token".into());
    }
    if inputs.mint_token && inputs.service_account.is_none() {
        return Err("--mint-token needs --service-account (and --role-arn)".into());
    }
    if let Some(path) = ca_file {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("--tls-ca-certificate {path:?}: {e}"))?;
        inputs.tls_ca_certificate = Some(text);
    }
    if kubeconfig.is_some() || context.is_some() || keys.is_some() || inputs.mint_token {
        let config_path = kubeconfig
            .or_else(|| std::env::var("KUBECONFIG").ok().filter(|p| !p.is_empty()))
            .or_else(|| {
                std::env::var("KUBE_CONFIG_PATH")
                    .ok()
                    .filter(|p| !p.is_empty())
            })
            .unwrap_or_else(|| "~/.kube/config".to_owned());
        inputs.cluster = Some(ClusterAccess {
            connection: Connection {
                config_path: Some(config_path),
                config_context: context,
                ..Connection::default()
            },
            keys,
        });
    }
    Ok(Some(inputs))
}

fn secret_source(value: &str) -> Result<KeySource, String> {
    let parts: Vec<&str> = value.split('/').collect();
    match parts.as_slice() {
        [ns, name] | [ns, name, _] if !ns.is_empty() && !name.is_empty() => Ok(KeySource::Secret {
            namespace: (*ns).to_owned(),
            name: (*name).to_owned(),
            key: parts
                .get(2)
                .map_or(crate::domain::cluster_keys::DEFAULT_SECRET_KEY, |k| *k)
                .to_owned(),
        }),
        _ => Err(format!(
            "--secret {value:?} must be <namespace>/<name>[/<key>]"
        )),
    }
}

/// The report as the shell shows it.
pub fn render(issuer_url: &str, report: &Report) -> String {
    let mut out = format!("IRSA trust check of {issuer_url}\n");
    for s in &report.steps {
        let mark = if s.ok { "ok  " } else { "FAIL" };
        out.push_str(&format!("  {mark}  {:<13} {}\n", s.step.name(), s.detail));
        if let Some(fix) = &s.fix {
            out.push_str(&format!("        fix: {fix}\n"));
        }
        if let Some(sts) = &s.sts_error {
            out.push_str(&format!("        STS tells pods: \"{sts}\"\n"));
        }
    }
    out.push_str(if report.ok() {
        "The chain holds.\n"
    } else {
        "The chain is broken at the step marked FAIL.\n"
    });
    out
}

/// Run `check` with its arguments; prints the report.
pub fn run(args: &[String]) -> ExitCode {
    let inputs = match parse(args) {
        Ok(Some(i)) => i,
        Ok(None) => {
            print!("{}", help());
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!(
                "terraform-provider-irsa check: {e}\n\nSee terraform-provider-irsa check --help."
            );
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("terraform-provider-irsa check: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let report = runtime.block_on(async {
        let clients = aws::connect(&aws::Settings::default()).await;
        let c = Clients {
            iam: &clients.iam,
            sts: &clients.sts_anonymous,
        };
        trust_check::run(&inputs, &c).await
    });
    print!("{}", render(&inputs.issuer_url, &report));
    if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn arguments_parse_into_inputs() {
        let i = parse(&args(&[
            "--issuer-url",
            "https://i.example.com/c",
            "--role-arn=arn:aws:iam::111122223333:role/app",
            "--service-account",
            "apps:web",
            "--kubeconfig",
            "/k",
            "--context",
            "c",
            "--secret",
            "ns/n-sa",
            "--mint-token",
            "--assume-role",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(i.issuer_url, "https://i.example.com/c");
        assert_eq!(i.audience, DEFAULT_AUDIENCE);
        assert!(i.mint_token && i.assume_role);
        let c = i.cluster.unwrap();
        assert_eq!(c.connection.config_path.as_deref(), Some("/k"));
        assert_eq!(c.connection.config_context.as_deref(), Some("c"));
        assert_eq!(
            c.keys,
            Some(KeySource::Secret {
                namespace: "ns".into(),
                name: "n-sa".into(),
                key: "tls.crt".into()
            })
        );
        assert!(parse(&args(&["--help"])).unwrap().is_none());
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        let err = |a: &[&str]| parse(&args(a)).unwrap_err();
        assert!(err(&[]).contains("--issuer-url is required"));
        assert!(err(&["--issuer-url", "http://x"]).contains("https://"));
        assert!(err(&[
            "--issuer-url",
            "https://x",
            "--role-arn",
            "arn:aws:iam::111122223333:role/a"
        ])
        .contains("go together"));
        assert!(err(&["--issuer-url", "https://x", "--assume-role"]).contains("--mint-token"));
        assert!(err(&["--issuer-url", "https://x", "--mint-token"]).contains("--service-account"));
        assert!(err(&["--issuer-url", "https://x", "--bogus"]).contains("--bogus"));
        assert!(err(&["--issuer-url"]).contains("needs a value"));
        assert!(
            err(&["--issuer-url", "https://x", "--secret", "only"]).contains("<namespace>/<name>")
        );
        assert!(err(&[
            "--issuer-url",
            "https://x",
            "--role-arn",
            "arn:aws:iam::111122223333:role/a",
            "--service-account",
            "apps:*"
        ])
        .contains("wildcards"));
    }

    #[test]
    fn help_lists_every_step_and_the_aws_environment() {
        let h = help();
        for s in Step::ALL {
            assert!(h.contains(s.name()), "{}", s.name());
        }
        for needle in [
            "AWS_ENDPOINT_URL_IAM",
            "AWS_ENDPOINT_URL_STS",
            "AWS_REGION",
            "--tls-ca-certificate",
            "--context",
        ] {
            assert!(h.contains(needle), "{needle}");
        }
    }
}
