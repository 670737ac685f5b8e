//! The release as a team installs and locks it. `scripts/release.py`, the
//! packaging `make release` and `make mirror` run, packages this test run's
//! provider binary (no release build, so seconds rather than minutes); then
//! real Terraform installs it from the filesystem mirror with a version
//! constraint, locks it for linux_amd64 and linux_arm64, installs it again in
//! another directory from that lock file, and refuses a package that does not
//! match the lock. The signature of SHA256SUMS is checked with gpg.
//!
//! The linux_arm64 package holds a stand-in: a minimal AArch64 program the
//! test writes byte by byte (building the provider itself for arm64 takes
//! minutes and a cross toolchain). Terraform hashes that package and never
//! runs it; its ELF header is checked here, by release.py and by file(1).
//! The real arm64 provider binary's header is checked by release.py on every
//! `make release`, which refuses a binary built for another machine.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::support::{
    per_version, provider_binary, repo_root, TfVersion, Workdir, PROVIDER_VERSION,
};

/// The name of the binary inside every zip, as registry releases name it.
const ENTRY: &str = "terraform-provider-irsa_v0.1.0";
/// A fixed SOURCE_DATE_EPOCH (2023-11-14T22:13:20Z), so packaging twice gives
/// the same bytes.
const EPOCH: &str = "1700000000";
/// ELF `e_machine` values.
const EM_X86_64: u16 = 62;
const EM_AARCH64: u16 = 183;

const CONFIG: &str = r#"
terraform {
  required_providers {
    irsa = {
      source  = "irsa/irsa"
      version = "~> 0.1"
    }
  }
}

provider "irsa" {}

data "irsa_apiserver_flags" "this" {
  issuer_url       = "https://irsa-release-test.s3.us-east-1.amazonaws.com/prod"
  previous_issuers = []
}

output "flags" {
  value = data.irsa_apiserver_flags.this.flags
}
"#;

fn zip_name(platform: &str) -> String {
    format!("terraform-provider-irsa_{PROVIDER_VERSION}_{platform}.zip")
}

fn sums_name() -> String {
    format!("terraform-provider-irsa_{PROVIDER_VERSION}_SHA256SUMS")
}

fn manifest_name() -> String {
    format!("terraform-provider-irsa_{PROVIDER_VERSION}_manifest.json")
}

/// Installs gpg if it is missing (`scripts/install-release-tools.sh
/// --gpg-only`), once per test process; the tests need no cross toolchain.
/// Panics with its output when it fails.
fn ensure_release_tools() {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    let result = DONE.get_or_init(|| {
        let out = Command::new("bash")
            .arg(repo_root().join("scripts/install-release-tools.sh"))
            .arg("--gpg-only")
            .current_dir(repo_root())
            .output()
            .map_err(|e| format!("cannot run install-release-tools.sh: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(describe("install-release-tools.sh", &out))
        }
    });
    if let Err(msg) = result {
        panic!("release tools are not installed: {msg}");
    }
}

fn describe(what: &str, out: &Output) -> String {
    format!(
        "{what} ({}):\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `python3 scripts/release.py <args>`, as the Makefile runs it, with
/// SOURCE_DATE_EPOCH set to [`EPOCH`]; returns the output whatever the result.
fn release_py(args: &[&str], env: &[(&str, &Path)]) -> Output {
    Command::new("python3")
        .arg(repo_root().join("scripts/release.py"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .envs(env.iter().copied())
        .current_dir(repo_root())
        .output()
        .expect("run python3 scripts/release.py")
}

/// `release.py package` of `binaries` (platform, path) into `out`; panics
/// unless it succeeds.
fn package(out: &Path, binaries: &[(&str, &Path)]) -> Output {
    package_with(out, binaries, &[], &[])
}

fn package_with(
    out: &Path,
    binaries: &[(&str, &Path)],
    extra_args: &[&str],
    env: &[(&str, &Path)],
) -> Output {
    let out_dir = out.to_str().unwrap();
    let mut args = vec!["package", "--version", PROVIDER_VERSION, "--out", out_dir];
    args.extend_from_slice(extra_args);
    let specs: Vec<String> = binaries
        .iter()
        .map(|(platform, path)| format!("{platform}={}", path.display()))
        .collect();
    args.extend(specs.iter().map(String::as_str));
    let result = release_py(&args, env);
    assert!(
        result.status.success(),
        "{}",
        describe("release.py package", &result)
    );
    result
}

/// `release.py mirror` of the release in `dist` into `mirror`, writing the CLI
/// configuration `terraformrc`.
fn mirror(dist: &Path, mirror: &Path, terraformrc: &Path) {
    let result = release_py(
        &[
            "mirror",
            "--version",
            PROVIDER_VERSION,
            "--dist",
            dist.to_str().unwrap(),
            "--mirror",
            mirror.to_str().unwrap(),
            "--terraformrc",
            terraformrc.to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        result.status.success(),
        "{}",
        describe("release.py mirror", &result)
    );
}

/// A small program for linux_arm64, written here byte by byte: an ELF64
/// executable for AArch64 (e_machine 183) whose one loadable segment runs
/// `exit(0)` (`mov x8, #93; mov x0, #0; svc #0`). Terraform only hashes the
/// package, so a real arm64 program is enough; the release's own arm64
/// provider is cross-compiled and its header checked by `make release`. No
/// cross toolchain is needed to run the tests.
fn arm64_stand_in() -> &'static Path {
    static WRITTEN: OnceLock<PathBuf> = OnceLock::new();
    WRITTEN.get_or_init(|| {
        const BASE: u64 = 0x40_0000;
        const HEADERS: u64 = 64 + 56;
        let code: [u32; 3] = [0xD280_0BA8, 0xD280_0000, 0xD400_0001];
        let size = HEADERS + 4 * code.len() as u64;
        let mut elf = Vec::new();
        elf.extend_from_slice(b"\x7fELF");
        elf.extend_from_slice(&[2, 1, 1, 0]); // 64-bit, little-endian, version 1, System V
        elf.extend_from_slice(&[0; 8]);
        elf.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
        elf.extend_from_slice(&183u16.to_le_bytes()); // EM_AARCH64
        elf.extend_from_slice(&1u32.to_le_bytes());
        elf.extend_from_slice(&(BASE + HEADERS).to_le_bytes()); // entry
        elf.extend_from_slice(&64u64.to_le_bytes()); // program headers
        elf.extend_from_slice(&0u64.to_le_bytes()); // no section headers
        elf.extend_from_slice(&0u32.to_le_bytes());
        for v in [64u16, 56, 1, 64, 0, 0] {
            elf.extend_from_slice(&v.to_le_bytes());
        }
        elf.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
        elf.extend_from_slice(&5u32.to_le_bytes()); // read + execute
        for v in [0, BASE, BASE, size, size, 0x1000] {
            elf.extend_from_slice(&v.to_le_bytes());
        }
        for insn in code {
            elf.extend_from_slice(&insn.to_le_bytes());
        }
        assert_eq!(elf.len() as u64, size);
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("arm64-stand-in");
        fs::write(&path, &elf).unwrap();
        let mut perms = fs::metadata(&path).unwrap().permissions();
        perms.set_mode(0o755);
        fs::set_permissions(&path, perms).unwrap();
        // An independent reader agrees on what it is.
        let out = Command::new("file")
            .arg(&path)
            .output()
            .expect("file(1) is needed to check the arm64 stand-in (Debian package `file`)");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("ARM aarch64"), "file(1) says: {text}");
        path
    })
}

/// The release of this run's provider binary (linux_amd64) and the arm64
/// stand-in, packaged once per test process: zipping the 85 MB debug binary
/// is the slow part, and the tests of both Terraform versions read the same
/// files (each makes its own mirror from them). It lives under cargo's temp
/// dir for integration tests, one directory per process; those of processes
/// that have ended are removed first.
fn shared_dist() -> &'static Path {
    static DIST: OnceLock<PathBuf> = OnceLock::new();
    DIST.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let prefix = "e2e-release-dist-";
        for entry in fs::read_dir(tmp).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let ended = name
                .strip_prefix(prefix)
                .is_some_and(|pid| !Path::new("/proc").join(pid).exists());
            if ended {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
        let dist = tmp.join(format!("{prefix}{}", std::process::id()));
        let provider = provider_binary();
        let arm64 = arm64_stand_in();
        assert_eq!(elf_machine(&provider), EM_X86_64);
        assert_eq!(elf_machine(arm64), EM_AARCH64);
        package(&dist, &[("linux_amd64", &provider), ("linux_arm64", arm64)]);
        dist
    })
}

/// `e_machine` of a 64-bit little-endian ELF executable; panics on anything else.
fn elf_machine(path: &Path) -> u16 {
    let bytes = fs::read(path).unwrap();
    assert_eq!(&bytes[..4], b"\x7fELF", "{} is not ELF", path.display());
    assert_eq!(bytes[4], 2, "{}: not ELFCLASS64", path.display());
    assert_eq!(bytes[5], 1, "{}: not little-endian", path.display());
    let e_type = u16::from_le_bytes([bytes[16], bytes[17]]);
    assert!(
        e_type == 2 || e_type == 3,
        "{}: ELF type {e_type}",
        path.display()
    );
    u16::from_le_bytes([bytes[18], bytes[19]])
}

fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Terraform's `h1:` hash of a package, computed here from the files it must
/// hold: SHA-256 over the sorted lines `<sha256 hex>  <name>\n`, in base64.
fn h1(files: &[(&str, &[u8])]) -> String {
    let mut files = files.to_vec();
    files.sort_by_key(|(name, _)| *name);
    let lines: String = files
        .iter()
        .map(|(name, bytes)| format!("{}  {name}\n", sha256_hex(bytes)))
        .collect();
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(lines.as_bytes()))
    )
}

/// The strings of the `hashes = [...]` list of a lock file, sorted.
fn lock_hashes(lock: &str) -> Vec<String> {
    let start = lock
        .find("hashes = [")
        .unwrap_or_else(|| panic!("no hashes in the lock file:\n{lock}"));
    let list = &lock[start..];
    let list = &list[..list.find(']').expect("the hashes list ends")];
    let mut hashes: Vec<String> = list
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    hashes.sort();
    hashes
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Where `terraform init` unpacks the provider for linux_amd64.
fn installed_binary(wd: &Workdir) -> PathBuf {
    wd.path().join(format!(
        ".terraform/providers/registry.terraform.io/irsa/irsa/{PROVIDER_VERSION}/linux_amd64/{ENTRY}"
    ))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn installs_from_the_mirror_locks_and_refuses_a_changed_package(version: TfVersion) {
    let tmp = tempfile::tempdir().unwrap();
    let dist = shared_dist();
    let mirror_dir = tmp.path().join("mirror");
    let terraformrc = tmp.path().join("terraformrc");
    let provider = provider_binary();
    let arm64 = arm64_stand_in();

    mirror(dist, &mirror_dir, &terraformrc);
    let packed = mirror_dir.join("registry.terraform.io/irsa/irsa");
    assert_eq!(
        file_names(&packed),
        [zip_name("linux_amd64"), zip_name("linux_arm64")],
        "the packed layout holds the zips directly"
    );

    let provider_bytes = fs::read(&provider).unwrap();
    let amd64_h1 = h1(&[(ENTRY, &provider_bytes)]);
    let arm64_h1 = h1(&[(ENTRY, &fs::read(arm64).unwrap())]);

    // A fresh directory whose only provider installation is the generated CLI
    // configuration: `init` takes irsa/irsa from the mirror by constraint.
    let first = Workdir::with_cli_config(version, &terraformrc);
    first.write("main.tf", CONFIG);
    let init = first.init_ok();
    assert!(
        init.stdout.contains("Installed irsa/irsa v0.1.0"),
        "init did not install 0.1.0:\n{init}"
    );
    let installed = installed_binary(&first);
    assert!(
        fs::read(&installed).unwrap() == provider_bytes,
        "{} is not the packaged binary",
        installed.display()
    );
    let mode = fs::metadata(&installed).unwrap().permissions().mode();
    assert_eq!(mode & 0o755, 0o755, "installed mode {mode:o}");
    first.apply_ok();
    let flags = first.output("flags");
    assert!(
        flags.as_array().unwrap().contains(&serde_json::json!(
            "--service-account-issuer=https://irsa-release-test.s3.us-east-1.amazonaws.com/prod"
        )),
        "the installed provider answered {flags}"
    );
    let lock = first.read(".terraform.lock.hcl");
    assert!(lock.contains(r#"version     = "0.1.0""#), "{lock}");
    assert!(lock.contains(r#"constraints = "~> 0.1""#), "{lock}");
    assert_eq!(
        lock_hashes(&lock),
        std::slice::from_ref(&amd64_h1),
        "init records the package it installed"
    );

    // The team's lock: both platforms' packages, hashed from the mirror, in
    // a directory with no lock file yet. zh: hashes come only from a
    // registry's signed SHA256SUMS, so there are none here.
    let mirror_flag = format!("-fs-mirror={}", mirror_dir.display());
    let lock_both = [
        "providers",
        "lock",
        "-no-color",
        &mirror_flag,
        "-platform=linux_amd64",
        "-platform=linux_arm64",
    ];
    let locker = Workdir::with_cli_config(version, &terraformrc);
    locker.write("main.tf", CONFIG);
    locker.run(&lock_both).assert_success();
    let lock = locker.read(".terraform.lock.hcl");
    let mut expected = vec![amd64_h1, arm64_h1];
    expected.sort();
    assert_eq!(lock_hashes(&lock), expected, "{lock}");
    assert!(lock.contains(r#"constraints = "~> 0.1""#), "{lock}");

    // Adding a platform to the lock that `init` wrote works from Terraform
    // 1.1 on. Terraform 1.0 refuses a package whose hash the entry does not
    // hold yet (hashicorp/terraform#29958), which is why the README locks
    // before the first init.
    let added = first.run(&lock_both);
    match version {
        TfVersion::Current => {
            added.assert_success();
            assert_eq!(lock_hashes(&first.read(".terraform.lock.hcl")), expected);
        }
        TfVersion::V1_0_3 => {
            let refused = added.assert_failure();
            assert!(
                one_line(&refused.stderr).contains("doesn't match any of the checksums"),
                "{refused}"
            );
        }
    }

    // Another directory with the same lock file installs the same package.
    let second = Workdir::with_cli_config(version, &terraformrc);
    second.write("main.tf", CONFIG);
    second.write(".terraform.lock.hcl", &lock);
    second.init_ok();
    assert_eq!(
        second.read(".terraform.lock.hcl"),
        lock,
        "init changed the lock"
    );
    assert!(fs::read(installed_binary(&second)).unwrap() == provider_bytes);

    // The mirror's linux_amd64 zip swapped for a well-formed package of
    // another binary: init must refuse it against the lock file.
    let swapped = tmp.path().join("swapped");
    package(&swapped, &[("linux_amd64", Path::new("/bin/true"))]);
    fs::copy(
        swapped.join(zip_name("linux_amd64")),
        packed.join(zip_name("linux_amd64")),
    )
    .unwrap();
    let third = Workdir::with_cli_config(version, &terraformrc);
    third.write("main.tf", CONFIG);
    third.write(".terraform.lock.hcl", &lock);
    let refused = third.init().assert_failure();
    assert!(
        one_line(&refused.combined()).contains(
            "doesn't match any of the checksums previously recorded in the dependency lock file"
        ),
        "init failed, but not on the checksum:\n{refused}"
    );
    assert!(
        !installed_binary(&third).exists(),
        "the refused package was installed"
    );
}
per_version!(installs_from_the_mirror_locks_and_refuses_a_changed_package);

/// The files a registry release holds, named and laid out as the registry and
/// `terraform init` expect, and the same bytes when packaged again.
#[test]
fn release_files_are_what_the_registry_expects() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    let arm64 = arm64_stand_in();
    // A signature left by an earlier run would not match the new SHA256SUMS.
    fs::create_dir_all(&dist).unwrap();
    fs::write(dist.join(format!("{}.sig", sums_name())), "stale").unwrap();
    fs::write(dist.join("unrelated.txt"), "kept").unwrap();

    package(&dist, &[("linux_arm64", arm64)]);
    let mut expected = vec![
        zip_name("linux_arm64"),
        manifest_name(),
        sums_name(),
        "unrelated.txt".to_string(),
    ];
    expected.sort();
    assert_eq!(file_names(&dist), expected);

    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(dist.join(manifest_name())).unwrap()).unwrap();
    assert_eq!(
        manifest,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );

    // SHA256SUMS lists the zips and the manifest, as `sha256sum` writes it.
    let sums = fs::read_to_string(dist.join(sums_name())).unwrap();
    let expected_sums: String = [zip_name("linux_arm64"), manifest_name()]
        .iter()
        .map(|name| {
            format!(
                "{}  {name}\n",
                sha256_hex(&fs::read(dist.join(name)).unwrap())
            )
        })
        .collect();
    assert_eq!(sums, expected_sums);
    let check = Command::new("sha256sum")
        .args(["--check", "--strict", &sums_name()])
        .current_dir(&dist)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", describe("sha256sum", &check));

    // One entry, the registry's binary name, executable, with the fixed time.
    let listing = Command::new("python3")
        .args([
            "-c",
            "import json, sys, zipfile\n\
             z = zipfile.ZipFile(sys.argv[1])\n\
             print(json.dumps([[i.filename, oct(i.external_attr >> 16), i.create_system, \
             list(i.date_time), i.file_size] for i in z.infolist()]))",
        ])
        .arg(dist.join(zip_name("linux_arm64")))
        .output()
        .unwrap();
    assert!(
        listing.status.success(),
        "{}",
        describe("zip listing", &listing)
    );
    let listing: serde_json::Value = serde_json::from_slice(&listing.stdout).unwrap();
    assert_eq!(
        listing,
        serde_json::json!([[
            ENTRY,
            "0o100755",
            3,
            [2023, 11, 14, 22, 13, 20],
            fs::metadata(arm64).unwrap().len()
        ]])
    );

    // Packaged again from the same binary: the same bytes.
    let again = tmp.path().join("again");
    package(&again, &[("linux_arm64", arm64)]);
    assert_eq!(
        fs::read_to_string(again.join(sums_name())).unwrap(),
        sums,
        "packaging is not reproducible"
    );
}

/// A binary whose ELF header is not for the platform named is refused, and
/// nothing is written.
#[test]
fn packaging_refuses_a_binary_built_for_another_platform() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    let provider = provider_binary();
    let arm64 = arm64_stand_in();
    let script = repo_root().join("scripts/release.py");
    let cases: [(&str, &Path, &str); 4] = [
        (
            "linux_arm64",
            &provider,
            "is built for x86-64, not for AArch64: it cannot be packaged as linux_arm64",
        ),
        (
            "linux_amd64",
            arm64,
            "is built for AArch64, not for x86-64: it cannot be packaged as linux_amd64",
        ),
        (
            "linux_amd64",
            &script,
            "is not an ELF file, so not a linux_amd64 binary",
        ),
        (
            "darwin_arm64",
            &provider,
            "platform 'darwin_arm64' is not one this script can check",
        ),
    ];
    for (platform, binary, message) in cases {
        let spec = format!("{platform}={}", binary.display());
        // The good binary first: one bad binary refuses the whole release.
        let good = format!("linux_amd64={}", provider.display());
        let mut args = vec![
            "package",
            "--version",
            PROVIDER_VERSION,
            "--out",
            dist.to_str().unwrap(),
        ];
        if platform != "linux_amd64" {
            args.push(&good);
        }
        args.push(&spec);
        let out = release_py(&args, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains(message),
            "{spec}: {}",
            describe("release.py package", &out)
        );
        assert!(!dist.exists(), "{spec}: something was written");
    }
}

/// `make mirror` copies only zips that match SHA256SUMS.
#[test]
fn mirror_refuses_a_zip_that_does_not_match_sha256sums() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    package(&dist, &[("linux_arm64", arm64_stand_in())]);
    let zip = dist.join(zip_name("linux_arm64"));
    let mut bytes = fs::read(&zip).unwrap();
    bytes.push(0);
    fs::write(&zip, bytes).unwrap();
    let mirror_dir = tmp.path().join("mirror");
    let out = release_py(
        &[
            "mirror",
            "--version",
            PROVIDER_VERSION,
            "--dist",
            dist.to_str().unwrap(),
            "--mirror",
            mirror_dir.to_str().unwrap(),
            "--terraformrc",
            tmp.path().join("terraformrc").to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        !out.status.success()
            && String::from_utf8_lossy(&out.stderr).contains("does not match its SHA-256"),
        "{}",
        describe("release.py mirror", &out)
    );
    let packed = mirror_dir.join("registry.terraform.io/irsa/irsa");
    assert!(
        !packed.exists() || file_names(&packed).is_empty(),
        "a zip was mirrored"
    );
    assert!(!tmp.path().join("terraformrc").exists());
}

/// A GnuPG home of the test's own with one RSA signing key and no
/// passphrase; its agent is stopped on drop.
struct GpgHome {
    dir: tempfile::TempDir,
    fingerprint: String,
}

impl GpgHome {
    fn new() -> GpgHome {
        ensure_release_tools();
        let dir = tempfile::Builder::new()
            .prefix("irsa-gpg-")
            .tempdir()
            .unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        let mut home = GpgHome {
            dir,
            fingerprint: String::new(),
        };
        let made = home
            .gpg()
            .args(["--batch", "--passphrase", "", "--quick-gen-key"])
            .args([
                "irsa release test <release-test@example.invalid>",
                "rsa3072",
                "sign",
                "never",
            ])
            .output()
            .unwrap();
        assert!(
            made.status.success(),
            "{}",
            describe("gpg --quick-gen-key", &made)
        );
        let listed = home
            .gpg()
            .args(["--batch", "--with-colons", "--list-secret-keys"])
            .output()
            .unwrap();
        let listing = String::from_utf8_lossy(&listed.stdout);
        home.fingerprint = listing
            .lines()
            .find_map(|l| l.strip_prefix("fpr:"))
            .and_then(|l| l.split(':').find(|f| !f.is_empty()))
            .unwrap_or_else(|| panic!("no fingerprint in:\n{listing}"))
            .to_string();
        home
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn gpg(&self) -> Command {
        let mut cmd = Command::new("gpg");
        cmd.env("GNUPGHOME", self.path());
        cmd
    }

    /// `gpg --verify sig file`, with its machine-readable status lines.
    fn verify(&self, sig: &Path, file: &Path) -> Output {
        self.gpg()
            .args(["--batch", "--status-fd", "1", "--verify"])
            .arg(sig)
            .arg(file)
            .output()
            .unwrap()
    }
}

impl Drop for GpgHome {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .env("GNUPGHOME", self.path())
            .output();
    }
}

/// `make release GPG_KEY=<key>`: a detached binary signature of SHA256SUMS
/// that gpg verifies, and that fails once SHA256SUMS changes.
#[test]
fn sha256sums_signature_verifies_with_gpg() {
    let gpg = GpgHome::new();
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    package_with(
        &dist,
        &[("linux_arm64", arm64_stand_in())],
        &["--gpg-key", &gpg.fingerprint],
        &[("GNUPGHOME", gpg.path())],
    );
    let sums = dist.join(sums_name());
    let sig = dist.join(format!("{}.sig", sums_name()));
    let signature = fs::read(&sig).unwrap();
    assert!(
        !signature.starts_with(b"-----BEGIN"),
        "the signature is ASCII-armored; the registry takes a binary one"
    );

    let verified = gpg.verify(&sig, &sums);
    let status = String::from_utf8_lossy(&verified.stdout);
    assert!(
        verified.status.success()
            && status.contains(&format!("[GNUPG:] VALIDSIG {}", gpg.fingerprint)),
        "{}",
        describe("gpg --verify", &verified)
    );

    let mut changed = fs::read_to_string(&sums).unwrap();
    changed.push_str(&format!("{}  extra.zip\n", "0".repeat(64)));
    fs::write(&sums, changed).unwrap();
    let refused = gpg.verify(&sig, &sums);
    assert!(
        !refused.status.success() && String::from_utf8_lossy(&refused.stdout).contains("BADSIG"),
        "{}",
        describe("gpg --verify of a changed SHA256SUMS", &refused)
    );
}
