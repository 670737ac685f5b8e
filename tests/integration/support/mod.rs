//! Shared harness for the integration tests: real Terraform, the real provider
//! binary, and a local moto server standing in for AWS.
//!
//! `tests/integration/main.rs` declares it once (`mod support;`); the test
//! modules use it as `crate::support`. See `tests/README.md`.
#![allow(dead_code)]

use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, OnceLock};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tempfile::TempDir;

pub mod background;
pub mod fault_proxy;
pub mod kube_apiserver;
pub mod public_https;
pub mod trust_chain;

/// Provider source address used in test configurations.
pub const PROVIDER_SOURCE: &str = "registry.terraform.io/irsa/irsa";
/// Provider version the mirror installs.
pub const PROVIDER_VERSION: &str = "0.1.0";

/// Default time limit for one Terraform command; see [`Workdir::set_timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// Root of the repository (the crate's manifest directory).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The provider binary cargo built for this test run.
///
/// `IRSA_TEST_PROVIDER` names another build instead, to run the same tests
/// against it (for example an older release, to see which cases it fails).
pub fn provider_binary() -> PathBuf {
    match std::env::var_os("IRSA_TEST_PROVIDER") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-irsa")),
    }
}

/// Runs `scripts/install-tools.sh` once per test process (later calls wait for
/// the first). Panics with the script's output if it fails: a missing tool is a
/// test failure, never a skip.
pub fn ensure_tools() {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    let result = DONE.get_or_init(|| {
        let script = repo_root().join("scripts/install-tools.sh");
        let out = Command::new("bash")
            .arg(&script)
            .current_dir(repo_root())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
                script.display(),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    });
    if let Err(msg) = result {
        panic!("test tools are not installed: {msg}");
    }
}

/// Python interpreter of the repo's test venv (`.venv`, made by [`ensure_tools`]).
pub fn venv_python() -> PathBuf {
    ensure_tools();
    repo_root().join(".venv/bin/python")
}

/// Validates Kubernetes objects offline with `scripts/validate_k8s.py`: each
/// against the strict OpenAPI schemas of the script's default Kubernetes
/// versions (1.28, 1.31 and the newest kubernetes-validate ships), cert-manager
/// kinds with its structural check. An element may be an object or a string
/// holding one as JSON, as in a `manifests` output.
///
/// Returns the script's JSON summary (its last line: `versions`, `checks`,
/// `structural_only`, ...). Panics with the script's whole output when any
/// object fails, or when the script cannot run.
pub fn validate_k8s(objects: &[serde_json::Value]) -> serde_json::Value {
    use std::io::Write;

    let script = repo_root().join("scripts/validate_k8s.py");
    let mut child = Command::new(venv_python())
        .arg(&script)
        .current_dir(repo_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    // The script reads all of stdin before it prints anything.
    let input = serde_json::to_vec(objects).expect("objects serialize");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(&input)
        .unwrap_or_else(|e| panic!("cannot write to {}: {e}", script.display()));
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("{} did not finish: {e}", script.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report = || {
        format!(
            "validate_k8s.py ({}):\n--- stdout\n{stdout}\n--- stderr\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    };
    assert!(
        out.status.success(),
        "Kubernetes objects do not validate: {}",
        report()
    );
    stdout
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| panic!("no JSON summary on the last line of {}", report()))
}

/// The Terraform versions the provider is tested with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TfVersion {
    /// `terraform` on `PATH`, which must be 1.11.x.
    Current,
    /// `tools/terraform-1.0.3/terraform`, installed by `scripts/install-tools.sh`.
    V1_0_3,
}

impl TfVersion {
    /// Every supported version, newest first. A new one needs its test in
    /// [`per_version!`] too.
    pub fn all() -> [TfVersion; 2] {
        [TfVersion::Current, TfVersion::V1_0_3]
    }

    /// What `terraform version` must report, as a prefix of `terraform_version`.
    pub fn expected_prefix(self) -> &'static str {
        match self {
            TfVersion::Current => "1.11.",
            TfVersion::V1_0_3 => "1.0.3",
        }
    }

    /// Path of the binary, checked once per process to report the expected version.
    pub fn binary(self) -> PathBuf {
        static CURRENT: OnceLock<PathBuf> = OnceLock::new();
        static OLD: OnceLock<PathBuf> = OnceLock::new();
        let (cell, find): (_, fn() -> PathBuf) = match self {
            TfVersion::Current => (&CURRENT, || find_on_path("terraform")),
            TfVersion::V1_0_3 => (&OLD, || {
                ensure_tools();
                repo_root().join("tools/terraform-1.0.3/terraform")
            }),
        };
        cell.get_or_init(|| {
            let path = find();
            let version = terraform_version(&path);
            assert!(
                version.starts_with(self.expected_prefix()),
                "{} reports Terraform {version}, expected {}x",
                path.display(),
                self.expected_prefix()
            );
            path
        })
        .clone()
    }

    /// The version string the binary reports, e.g. `1.11.4`.
    pub fn version(self) -> String {
        terraform_version(&self.binary())
    }
}

impl fmt::Display for TfVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TfVersion::Current => write!(f, "terraform-current"),
            TfVersion::V1_0_3 => write!(f, "terraform-1.0.3"),
        }
    }
}

/// One `#[test]` per Terraform version for a test written as
/// `fn name(version: TfVersion)`: a module `name` holding `tf_1_11`
/// ([`TfVersion::Current`]) and `tf_1_0_3` ([`TfVersion::V1_0_3`]), so a
/// failure names its version, e.g. `e2e_role::lifecycle::tf_1_0_3`.
///
/// ```ignore
/// fn lifecycle(version: TfVersion) {
///     let wd = Workdir::new(version, Install::DevOverrides);
///     // ...
/// }
/// per_version!(lifecycle);
/// ```
///
/// Each version is a test of its own, so it may run beside the other: it
/// must not depend on what the other one left behind (name objects with
/// [`random_suffix`]).
macro_rules! per_version {
    ($name:ident) => {
        mod $name {
            #[test]
            fn tf_1_11() {
                super::$name($crate::support::TfVersion::Current)
            }

            #[test]
            fn tf_1_0_3() {
                super::$name($crate::support::TfVersion::V1_0_3)
            }
        }
    };
}
pub(crate) use per_version;

fn find_on_path(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("`{name}` is not on PATH"))
}

/// Runs `<binary> version -json` and returns `terraform_version`.
fn terraform_version(binary: &Path) -> String {
    let out = Command::new(binary)
        .args(["version", "-json"])
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
    assert!(
        out.status.success(),
        "{} version failed: {}",
        binary.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{} version -json printed no JSON ({e}): {}",
            binary.display(),
            String::from_utf8_lossy(&out.stdout)
        )
    });
    json["terraform_version"]
        .as_str()
        .expect("terraform_version in `terraform version -json`")
        .to_string()
}

/// How Terraform finds the provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Install {
    /// `dev_overrides` pointing at cargo's output directory. No `init` needed;
    /// Terraform warns that overrides are in effect.
    DevOverrides,
    /// An unpacked filesystem mirror holding a copy of the binary as version
    /// 0.1.0, like an installed release. Needs `init`.
    Mirror,
    /// Nothing installed by the harness: Terraform reads the CLI configuration
    /// given to [`Workdir::with_cli_config`], as a user's Terraform would.
    /// Not in [`Install::all`]; `Workdir::new` does not take it.
    CliConfig,
}

impl Install {
    pub fn all() -> [Install; 2] {
        [Install::DevOverrides, Install::Mirror]
    }
}

/// Result of one Terraform command. Expected failures are inspected here; the
/// `*_ok()` helpers of [`Workdir`] panic with this whole output instead.
#[derive(Clone, Debug)]
pub struct TfOutput {
    /// The command line, for messages.
    pub command: String,
    /// Exit status 0.
    pub success: bool,
    /// Exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl TfOutput {
    /// Panics with the full output unless the command succeeded.
    pub fn assert_success(self) -> Self {
        assert!(self.success, "terraform failed:\n{self}");
        self
    }

    /// Panics with the full output unless the command failed.
    pub fn assert_failure(self) -> Self {
        assert!(!self.success, "terraform unexpectedly succeeded:\n{self}");
        self
    }

    /// stdout followed by stderr.
    pub fn combined(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl fmt::Display for TfOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "$ {}", self.command)?;
        writeln!(f, "exit code: {:?}", self.code)?;
        writeln!(f, "--- stdout\n{}", self.stdout)?;
        write!(f, "--- stderr\n{}", self.stderr)
    }
}

/// A temporary Terraform working directory wired to the provider under test.
///
/// Layout of the temp dir: `work/` (the Terraform working directory, where
/// [`Workdir::write`] puts files), `cli.tfrc` (the CLI config, unless
/// [`Workdir::with_cli_config`] names another), `mirror/` (for
/// [`Install::Mirror`]) and `aws/` (empty; AWS config files point there so the
/// developer's own `~/.aws` is never read).
///
/// Inherited `TF_*` (except `TF_LOG*`) and `AWS_*` variables are dropped, so
/// tests only talk to the endpoints they set with [`Workdir::env`].
pub struct Workdir {
    tmp: TempDir,
    version: TfVersion,
    install: Install,
    cli_config: PathBuf,
    env: Vec<(String, String)>,
    timeout: Duration,
}

impl Workdir {
    /// A fresh directory for `version`, with the provider installed as `install`.
    pub fn new(version: TfVersion, install: Install) -> Workdir {
        let tmp = Self::temp_root();
        let root = tmp.path();
        let provider = provider_binary();
        let installation = match install {
            Install::DevOverrides => {
                let dir = provider.parent().expect("provider binary has a parent dir");
                format!(
                    "  dev_overrides {{\n    {} = {}\n  }}\n  direct {{}}\n",
                    hcl_string(PROVIDER_SOURCE),
                    hcl_string(&dir.to_string_lossy())
                )
            }
            Install::Mirror => {
                let mirror = root.join("mirror");
                let dir = mirror.join(format!("{PROVIDER_SOURCE}/{PROVIDER_VERSION}/linux_amd64"));
                fs::create_dir_all(&dir).expect("create mirror dir");
                let target = dir.join(format!("terraform-provider-irsa_v{PROVIDER_VERSION}"));
                if fs::hard_link(&provider, &target).is_err() {
                    fs::copy(&provider, &target).unwrap_or_else(|e| {
                        panic!("copy {} into the mirror: {e}", provider.display())
                    });
                }
                format!(
                    "  filesystem_mirror {{\n    path    = {}\n    include = [{}]\n  }}\n  \
                     direct {{\n    exclude = [{}]\n  }}\n",
                    hcl_string(&mirror.to_string_lossy()),
                    hcl_string(PROVIDER_SOURCE),
                    hcl_string(PROVIDER_SOURCE)
                )
            }
            Install::CliConfig => {
                panic!("Install::CliConfig is for Workdir::with_cli_config, which takes the file")
            }
        };
        let cli_config = root.join("cli.tfrc");
        fs::write(
            &cli_config,
            format!("provider_installation {{\n{installation}}}\n"),
        )
        .expect("write CLI config");

        Workdir {
            tmp,
            version,
            install,
            cli_config,
            env: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// A fresh directory for `version` whose Terraform reads `cli_config`
    /// (`TF_CLI_CONFIG_FILE`) and nothing the harness wrote: no dev_overrides,
    /// no mirror of its own. Needs `init`, which installs whatever that file
    /// says. [`Workdir::install`] is [`Install::CliConfig`].
    pub fn with_cli_config(version: TfVersion, cli_config: &Path) -> Workdir {
        assert!(
            cli_config.is_absolute(),
            "{} must be absolute: Terraform runs in the work dir",
            cli_config.display()
        );
        Workdir {
            tmp: Self::temp_root(),
            version,
            install: Install::CliConfig,
            cli_config: cli_config.to_path_buf(),
            env: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The temp dir with its empty `work/` and `aws/`.
    fn temp_root() -> TempDir {
        ensure_tools();
        let tmp = tempfile::Builder::new()
            .prefix("irsa-tf-")
            .tempdir()
            .expect("create temp dir");
        fs::create_dir(tmp.path().join("work")).expect("create work dir");
        fs::create_dir(tmp.path().join("aws")).expect("create aws dir");
        tmp
    }

    /// The Terraform working directory.
    pub fn path(&self) -> PathBuf {
        self.tmp.path().join("work")
    }

    pub fn version(&self) -> TfVersion {
        self.version
    }

    pub fn install(&self) -> Install {
        self.install
    }

    /// Writes `contents` to `name` (relative, may contain subdirectories).
    pub fn write(&self, name: &str, contents: &str) -> &Self {
        let path = self.path().join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create parent dir");
        }
        fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        self
    }

    /// Reads a file of the working directory.
    pub fn read(&self, name: &str) -> String {
        let path = self.path().join(name);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    /// Deletes a file of the working directory.
    pub fn remove(&self, name: &str) -> &Self {
        let path = self.path().join(name);
        fs::remove_file(&path).unwrap_or_else(|e| panic!("remove {}: {e}", path.display()));
        self
    }

    /// Sets an extra environment variable for every later Terraform command.
    pub fn env(&mut self, key: &str, val: &str) -> &mut Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), val.to_string()));
        self
    }

    /// [`Workdir::env`] for each pair, e.g. `wd.envs(moto.env())`.
    pub fn envs<K: AsRef<str>, V: AsRef<str>>(
        &mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> &mut Self {
        for (k, v) in vars {
            self.env(k.as_ref(), v.as_ref());
        }
        self
    }

    /// Time limit for each later command; past it the command's whole process
    /// group (Terraform and provider) is killed and the test panics.
    pub fn set_timeout(&mut self, timeout: Duration) -> &mut Self {
        self.timeout = timeout;
        self
    }

    /// Runs `terraform <args>` in the working directory exactly as given (no
    /// flags added) and returns its output whether it succeeded or not.
    pub fn run(&self, args: &[&str]) -> TfOutput {
        let (cmd, command) = self.command(args);
        run_with_timeout(cmd, &command, self.timeout, None)
    }

    /// Like [`Workdir::run`], but once a provider process of ours is running
    /// in Terraform's process group, SIGINT goes to the whole group, as a
    /// Ctrl-C in a terminal does.
    pub fn run_with_ctrl_c(&self, args: &[&str]) -> TfOutput {
        let (cmd, command) = self.command(args);
        run_with_timeout(cmd, &command, self.timeout, Some(&|| true))
    }

    /// Like [`Workdir::run_with_ctrl_c`], with the Ctrl-C sent once `when`
    /// holds (for example, once a fault proxy holds an AWS call).
    pub fn run_interrupting(&self, args: &[&str], when: &dyn Fn() -> bool) -> TfOutput {
        let (cmd, command) = self.command(args);
        run_with_timeout(cmd, &command, self.timeout, Some(when))
    }

    fn command(&self, args: &[&str]) -> (Command, String) {
        let binary = self.version.binary();
        let mut cmd = Command::new(&binary);
        cmd.args(args).current_dir(self.path());
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if (key.starts_with("TF_") && !key.starts_with("TF_LOG")) || key.starts_with("AWS_") {
                cmd.env_remove(&*key);
            }
        }
        let aws = self.tmp.path().join("aws");
        cmd.env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env("AWS_CONFIG_FILE", aws.join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", aws.join("credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true");
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        let command = format!(
            "{} {} [{}]",
            self.version,
            args.join(" "),
            self.path().display()
        );
        (cmd, command)
    }

    fn run_ok(&self, args: &[&str]) -> TfOutput {
        self.run(args).assert_success()
    }

    /// `terraform init -input=false -no-color`.
    pub fn init(&self) -> TfOutput {
        self.run(&["init", "-input=false", "-no-color"])
    }

    /// `terraform validate -no-color`.
    pub fn validate(&self) -> TfOutput {
        self.run(&["validate", "-no-color"])
    }

    /// `terraform plan -input=false -no-color`.
    pub fn plan(&self) -> TfOutput {
        self.run(&["plan", "-input=false", "-no-color"])
    }

    /// `terraform plan -detailed-exitcode`: code 0 = no changes, 1 = error,
    /// 2 = changes pending. Use [`Workdir::plan_exit_code`] for just the code.
    pub fn plan_detailed(&self) -> TfOutput {
        self.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
    }

    /// Exit code of `terraform plan -detailed-exitcode` (0, 1 or 2). Panics on
    /// anything else (e.g. killed by a signal).
    pub fn plan_exit_code(&self) -> i32 {
        let out = self.plan_detailed();
        match out.code {
            Some(code @ 0..=2) => code,
            _ => panic!("unexpected plan result:\n{out}"),
        }
    }

    /// `terraform apply -auto-approve -input=false -no-color`.
    pub fn apply(&self) -> TfOutput {
        self.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `terraform destroy -auto-approve -input=false -no-color`.
    pub fn destroy(&self) -> TfOutput {
        self.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `terraform import -input=false -no-color <addr> <id>`.
    pub fn import(&self, addr: &str, id: &str) -> TfOutput {
        self.run(&["import", "-input=false", "-no-color", addr, id])
    }

    pub fn init_ok(&self) -> TfOutput {
        self.init().assert_success()
    }

    pub fn validate_ok(&self) -> TfOutput {
        self.validate().assert_success()
    }

    pub fn plan_ok(&self) -> TfOutput {
        self.plan().assert_success()
    }

    pub fn apply_ok(&self) -> TfOutput {
        self.apply().assert_success()
    }

    pub fn destroy_ok(&self) -> TfOutput {
        self.destroy().assert_success()
    }

    pub fn import_ok(&self, addr: &str, id: &str) -> TfOutput {
        self.import(addr, id).assert_success()
    }

    /// `terraform show -json`: the state (or `{"format_version":..}` when empty).
    pub fn show_json(&self) -> serde_json::Value {
        parse_json(self.run_ok(&["show", "-json", "-no-color"]))
    }

    /// `terraform output -json`: `{"name": {"value": .., "type": .., "sensitive": ..}}`.
    pub fn output_json(&self) -> serde_json::Value {
        parse_json(self.run_ok(&["output", "-json", "-no-color"]))
    }

    /// The value of one root module output; panics if it does not exist.
    pub fn output(&self, name: &str) -> serde_json::Value {
        let all = self.output_json();
        all.get(name)
            .and_then(|o| o.get("value"))
            .cloned()
            .unwrap_or_else(|| panic!("no output {name:?} in {all:#}"))
    }
}

fn parse_json(out: TfOutput) -> serde_json::Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("terraform printed no valid JSON ({e}):\n{out}"))
}

/// Quotes a string for HCL.
fn hcl_string(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace("${", "$${")
        .replace("%{", "%%{");
    format!("\"{escaped}\"")
}

/// Runs `cmd` in its own process group, collecting stdout and stderr. On
/// timeout the whole group is killed (so provider plugins die too) and the
/// test panics with what was printed so far.
fn run_with_timeout(
    mut cmd: Command,
    command: &str,
    timeout: Duration,
    ctrl_c: Option<&dyn Fn() -> bool>,
) -> TfOutput {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{command}`: {e}"));
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    let deadline = Instant::now() + timeout;
    let mut interrupt_pending = ctrl_c.is_some();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for terraform") {
            break Some(status);
        }
        if interrupt_pending
            && provider_running_in_group(child.id())
            && ctrl_c.is_some_and(|when| when())
        {
            kill_group(&child, "INT");
            interrupt_pending = false;
        }
        if Instant::now() >= deadline {
            kill_group(&child, "KILL");
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(if interrupt_pending {
            2
        } else {
            50
        }));
    };
    let out = TfOutput {
        command: command.to_string(),
        success: status.is_some_and(|s| s.success()),
        code: status.and_then(|s| s.code()),
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    };
    if status.is_none() {
        panic!("timed out after {timeout:?}, killed:\n{out}");
    }
    out
}

fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// Whether a `terraform-provider-irsa` process runs in process group `pgid`.
fn provider_running_in_group(pgid: u32) -> bool {
    let Ok(entries) = fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|e| {
        let dir = e.path();
        let Ok(stat) = fs::read_to_string(dir.join("stat")) else {
            return false;
        };
        // Fields after the parenthesised command: state ppid pgrp ...
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            return false;
        };
        let pgrp = rest
            .split_whitespace()
            .nth(2)
            .and_then(|f| f.parse::<u32>().ok());
        pgrp == Some(pgid)
            && fs::read(dir.join("cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains("terraform-provider-irsa"))
                .unwrap_or(false)
            && sigint_disposition_set(&dir)
    })
}

/// Whether the process has set SIGINT to ignored or caught: i.e. its `main`
/// has started. Before that (the instant between exec and main) no program
/// can protect itself.
fn sigint_disposition_set(proc_dir: &Path) -> bool {
    const SIGINT_BIT: u64 = 1 << (2 - 1);
    let Ok(status) = fs::read_to_string(proc_dir.join("status")) else {
        return false;
    };
    status.lines().any(|l| {
        let mask = l
            .strip_prefix("SigIgn:")
            .or_else(|| l.strip_prefix("SigCgt:"));
        mask.and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
            .is_some_and(|m| m & SIGINT_BIT != 0)
    })
}

/// Sends SIGsignal to the process group led by `child` (see `process_group(0)`).
fn kill_group(child: &Child, signal: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{signal}"), "--", &format!("-{}", child.id())])
        .stderr(Stdio::null())
        .status();
}

/// A moto server (`scripts/moto_server.py`) on a free 127.0.0.1 port, killed
/// on drop. It also exits by itself when the test process dies (it watches its
/// stdin, which this struct holds open).
pub struct Moto {
    child: Child,
    port: u16,
    log: PathBuf,
    _logdir: TempDir,
}

impl Moto {
    /// How long to wait for `MOTO_PORT=`.
    pub const START_TIMEOUT: Duration = Duration::from_secs(60);

    /// Starts a new server and waits until it is ready. Panics (with moto's
    /// log) if it does not announce its port within [`Moto::START_TIMEOUT`].
    pub fn start() -> Moto {
        let python = venv_python();
        let logdir = tempfile::Builder::new()
            .prefix("irsa-moto-")
            .tempdir()
            .expect("create temp dir");
        let log = logdir.path().join("moto.log");
        let logfile = fs::File::create(&log).expect("create moto log");
        let mut child = Command::new(&python)
            .arg(repo_root().join("scripts/moto_server.py"))
            .args(["--port", "0", "--exit-on-stdin-eof"])
            .env(
                "MOTO_RECORDER_FILEPATH",
                logdir.path().join("recording.jsonl"),
            )
            .current_dir(repo_root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(logfile)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start moto with {}: {e}", python.display()));

        // Read stdout on a thread (kept draining after the port line) so the
        // wait can time out.
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(port) = line.strip_prefix("MOTO_PORT=") {
                    let _ = tx.send(port.trim().to_string());
                }
            }
        });
        let port = match rx.recv_timeout(Self::START_TIMEOUT) {
            Ok(port) => port.parse::<u16>().ok(),
            Err(_) => None,
        };
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "moto did not report a port within {:?}; its log:\n{}",
                Self::START_TIMEOUT,
                fs::read_to_string(&log).unwrap_or_default()
            );
        };
        Moto {
            child,
            port,
            log,
            _logdir: logdir,
        }
    }

    /// One server shared by all tests of this process. It is never dropped;
    /// it exits when the process ends. Use distinct names
    /// ([`random_suffix`]) for the objects each test creates.
    pub fn shared() -> &'static Moto {
        static SHARED: OnceLock<Moto> = OnceLock::new();
        SHARED.get_or_init(Moto::start)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Everything moto has written to stderr so far (request log, tracebacks).
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Environment pointing AWS clients at this server with fake credentials.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ACCESS_KEY_ID", "testing".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
            ("AWS_DEFAULT_REGION", "us-east-1".to_string()),
            ("AWS_REGION", "us-east-1".to_string()),
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// A Terraform configuration header: `required_providers` for irsa and a
    /// provider block sending every service to this server.
    pub fn provider_config(&self) -> String {
        self.provider_config_with_iam(&self.endpoint())
    }

    /// Like [`Moto::provider_config`], with IAM calls sent to `iam` instead
    /// (e.g. a closed port, to make IAM fail).
    pub fn provider_config_with_iam(&self, iam: &str) -> String {
        format!(
            r#"
terraform {{
  required_providers {{
    irsa = {{ source = "irsa/irsa" }}
  }}
}}
provider "irsa" {{
  region            = "us-east-1"
  s3_use_path_style = true
  endpoints {{
    s3  = "{ep}"
    iam = "{iam}"
    sts = "{ep}"
  }}
}}
"#,
            ep = self.endpoint()
        )
    }

    /// Start recording the requests this server receives, forgetting any
    /// recorded before. Use a server of the test's own ([`Moto::start`]) so
    /// that other tests' calls are not counted.
    pub fn start_recording(&self) {
        self.moto_api("reset-recording");
        self.moto_api("start-recording");
    }

    /// Stop recording and return the recorded AWS calls, in order.
    pub fn stop_recording(&self) -> Vec<AwsCall> {
        self.moto_api("stop-recording");
        let path = self._logdir.path().join("recording.jsonl");
        let text = fs::read_to_string(path).unwrap_or_default();
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| AwsCall::from_recording(&serde_json::from_str(l).expect("recording line")))
            .collect()
    }

    fn moto_api(&self, action: &str) {
        use std::io::Write;
        let mut conn =
            std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connect to moto");
        write!(
            conn,
            "POST /moto-api/recorder/{action} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut reply = String::new();
        conn.read_to_string(&mut reply).unwrap();
        assert!(
            reply.starts_with("HTTP/1.1 200") || reply.starts_with("HTTP/1.0 200"),
            "moto {action}: {reply}"
        );
    }

    /// Run a boto3 script against this server and return the JSON it
    /// leaves in `out`. `iam` and `s3` are clients; `json` and `time` are
    /// imported; boto3 decodes policy documents itself.
    pub fn boto(&self, script: &str) -> serde_json::Value {
        let program = format!(
            "import boto3, json, time\ns3 = boto3.client('s3')\niam = boto3.client('iam')\nout = None\n\
             {script}\nprint(json.dumps(out, default=str))\n"
        );
        let res = self
            .python()
            .arg("-c")
            .arg(&program)
            .output()
            .expect("run python");
        assert!(
            res.status.success(),
            "boto3 script failed:\n{program}\n--- stderr\n{}",
            String::from_utf8_lossy(&res.stderr)
        );
        let stdout = String::from_utf8_lossy(&res.stdout);
        serde_json::from_str(stdout.lines().last().unwrap_or("null"))
            .unwrap_or_else(|e| panic!("no JSON from boto3 script ({e}): {stdout}"))
    }

    /// A customer managed policy allowing `action`; returns its ARN.
    pub fn managed_policy(&self, name: &str, action: &str) -> String {
        self.boto(&format!(
            "doc = {{'Version': '2012-10-17', 'Statement': [{{'Effect': 'Allow', 'Action': '{action}', 'Resource': '*'}}]}}\n\
             out = iam.create_policy(PolicyName='{name}', PolicyDocument=json.dumps(doc))['Policy']['Arn']"
        ))
        .as_str()
        .unwrap()
        .to_owned()
    }

    /// A command for the venv's python with [`Moto::env`] set, e.g. to run a
    /// check script against this server, and no other AWS variable of the
    /// test process (a test may set one, such as
    /// `AWS_ENDPOINT_URL_CLOUDFRONT`, that would send boto3 elsewhere).
    pub fn python(&self) -> Command {
        let mut cmd = Command::new(venv_python());
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("AWS_")) {
            cmd.env_remove(k);
        }
        cmd.current_dir(repo_root()).envs(self.env());
        cmd
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One AWS request as moto recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsCall {
    /// `s3`, `iam`, `sts`: from the SigV4 credential scope.
    pub service: String,
    /// For query APIs (IAM, STS) the `Action`, e.g. `GetRole`. For S3 the
    /// method, whether it addresses the bucket or an object, and the first
    /// sub-resource, e.g. `GET bucket?policy` or `PUT object`.
    pub action: String,
    pub method: String,
    pub url: String,
    /// The access key id of the SigV4 credential that signed the call
    /// (`ASIA...` for an assumed role's session); empty when unsigned.
    pub access_key_id: String,
}

impl AwsCall {
    fn from_recording(entry: &serde_json::Value) -> AwsCall {
        use base64::Engine;
        let method = entry["method"].as_str().unwrap_or_default().to_owned();
        let url = entry["url"].as_str().unwrap_or_default().to_owned();
        let auth = entry["headers"]["Authorization"]
            .as_str()
            .unwrap_or_default();
        let service = auth
            .split("Credential=")
            .nth(1)
            .and_then(|c| c.split('/').nth(3))
            .unwrap_or("unknown")
            .to_owned();
        let access_key_id = auth
            .split("Credential=")
            .nth(1)
            .and_then(|c| c.split('/').next())
            .unwrap_or_default()
            .to_owned();
        let body = match (entry["body"].as_str(), entry["body_encoded"].as_bool()) {
            (Some(b), Some(true)) => String::from_utf8_lossy(
                &base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .unwrap_or_default(),
            )
            .into_owned(),
            (Some(b), _) => b.to_owned(),
            _ => String::new(),
        };
        let query_action = body
            .split('&')
            .chain(url.split(['?', '&']))
            .find_map(|kv| kv.strip_prefix("Action="))
            .map(str::to_owned);
        let action = match query_action {
            Some(a) => a,
            None => {
                let after_host = url.splitn(4, '/').nth(3).unwrap_or("");
                let (path, query) = after_host.split_once('?').unwrap_or((after_host, ""));
                let target = if path.trim_end_matches('/').contains('/') {
                    "object"
                } else {
                    "bucket"
                };
                let sub = query
                    .split('&')
                    .next()
                    .filter(|q| !q.is_empty())
                    .map(|q| q.split('=').next().unwrap());
                match sub {
                    Some(sub) => format!("{method} {target}?{sub}"),
                    None => format!("{method} {target}"),
                }
            }
        };
        AwsCall {
            service,
            action,
            method,
            url,
            access_key_id,
        }
    }
}

/// The resource `address` in `terraform show -json` output; panics with the
/// state when it is not there.
pub fn state_resource<'a>(state: &'a serde_json::Value, address: &str) -> &'a serde_json::Value {
    state["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["address"] == address))
        .unwrap_or_else(|| panic!("{address} not in state: {state:#}"))
}

/// A short random lowercase alphanumeric string for naming test objects
/// (unique within the process, and very likely across processes).
pub fn random_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = DefaultHasher::new();
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
        .hash(&mut hasher);
    std::process::id().hash(&mut hasher);
    COUNTER.fetch_add(1, Ordering::Relaxed).hash(&mut hasher);
    let mut n = hasher.finish();
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    (0..10)
        .map(|_| {
            let c = ALPHABET[(n % 36) as usize] as char;
            n /= 36;
            c
        })
        .collect()
}
