//! The `nix-env` personality (cairn started through a symlink named
//! `nix-env`), on a chroot store:
//!
//! - a profile of store paths managed through Nix 2.8's command line gives
//!   the transcript Nix gives (`fixtures/nix-env/transcript.txt`, made by
//!   its `generate.sh`), byte for byte but for Nix's `building
//!   '…-user-environment.drv'...` notices (cairn builds user environments
//!   without a derivation);
//! - installing from an expression file by name and by attribute path,
//!   `-E`, `-qa`, and `-u` against a newer file, with the profile resolving
//!   to exactly the expected `bin/` after each step;
//! - command-line and selection errors in Nix's words.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use insta::assert_snapshot;

use crate::common::{TestContext, stdout_of};

/// A chroot store, a `nix-env` symlink to cairn, and a working directory
/// `work/` with `prof/` for profiles.
struct Fixture {
    context: TestContext,
    root: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let context = TestContext::new();
        let root = context.path().join("root");
        std::fs::create_dir_all(context.path().join("bin")).unwrap();
        std::os::unix::fs::symlink(
            env!("CARGO_BIN_EXE_cairn"),
            context.path().join("bin/nix-env"),
        )
        .unwrap();
        std::fs::create_dir_all(context.path().join("work/prof")).unwrap();
        Fixture { context, root }
    }

    fn work(&self) -> PathBuf {
        self.context.path().join("work")
    }

    /// Adds the tree `dir` to the store.
    fn add(&self, dir: &Path) -> String {
        let added = self.context.run(&[
            "store",
            "add",
            "--store",
            self.root.to_str().unwrap(),
            dir.to_str().unwrap(),
        ]);
        assert!(added.status.success(), "{added:?}");
        stdout_of(&added).trim().to_owned()
    }

    /// `generate.sh`'s packages: `NAME-VERSION/bin/NAME`, a script.
    fn package(&self, full: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let name = full.split('-').next().unwrap();
        let dir = self.context.path().join("src").join(full);
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        let program = dir.join("bin").join(name);
        std::fs::write(&program, format!("#!/bin/sh\necho {full}\n")).unwrap();
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
        self.add(&dir)
    }

    /// `nix-env --store ROOT ARGS…` in `work/`.
    fn nix_env(&self, args: &[&str]) -> Output {
        Command::new(self.context.path().join("bin/nix-env"))
            .current_dir(self.work())
            .env_clear()
            .env("HOME", self.context.path().join("home"))
            .env("USER", "alice")
            .env("CAIRN_CONF_DIR", self.context.path().join("etc"))
            .env("TMPDIR", self.context.path().join("tmp"))
            .env("NO_COLOR", "1")
            .arg("--store")
            .arg(&self.root)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// Runs `args` and lays the result out as `generate.sh` does.
    fn transcript(&self, shown: &str, args: &[&str]) -> String {
        let output = self.nix_env(args);
        let mut text = format!("$ nix-env {shown}\n");
        text.push_str(&String::from_utf8_lossy(&output.stdout));
        for line in String::from_utf8_lossy(&output.stderr).lines() {
            text.push_str(&format!("[stderr] {line}\n"));
        }
        text.push_str(&format!("[exit {}]\n", output.status.code().unwrap_or(-1)));
        self.context.scrub(&without_dates(&text))
    }

    /// The sorted entries of the profile's `bin/` (which may be a link to
    /// a package's, when only one package has a `bin/`).
    fn bin(&self, profile: &str) -> Vec<String> {
        let profile = self.work().join(profile);
        let target = std::fs::read_link(&profile).unwrap();
        let generation = std::fs::read_link(profile.parent().unwrap().join(target)).unwrap();
        let real = |logical: &Path| self.root.join(logical.strip_prefix("/").unwrap());
        let mut bin = real(&generation).join("bin");
        if let Ok(link) = std::fs::read_link(&bin) {
            bin = real(&link);
        }
        let mut names: Vec<String> = std::fs::read_dir(bin)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// `YYYY-MM-DD HH:MM:SS` replaced by `[DATE]`, as `generate.sh` does.
fn without_dates(text: &str) -> String {
    let shape = b"dddd-dd-dd dd:dd:dd";
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let fits = bytes.len() - i >= shape.len()
            && shape.iter().zip(&bytes[i..]).all(|(s, b)| match s {
                b'd' => b.is_ascii_digit(),
                _ => s == b,
            });
        if fits {
            out.push_str("[DATE]");
            i += shape.len();
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

#[test]
fn store_path_profiles_match_nix_2_8() {
    let expected = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/nix-env/transcript.txt"),
    )
    .unwrap();
    let f = Fixture::new();
    let paths = [
        ("HELLO10", f.package("hello-2.10")),
        ("HELLO12", f.package("hello-2.12")),
        ("COWSAY", f.package("cowsay-3.03")),
    ];
    let mut got = String::new();
    let mut want = String::new();
    for block in expected.split("$ nix-env ").filter(|b| !b.is_empty()) {
        let (command, _) = block.split_once('\n').unwrap();
        let args: Vec<String> = command
            .split(' ')
            .map(|word| {
                paths
                    .iter()
                    .find(|(name, _)| *name == word)
                    .map_or_else(|| word.to_owned(), |(_, path)| path.clone())
            })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        got.push_str(&f.transcript(command, &args));
        // Nix builds its user environments with a derivation and says so.
        want.push_str("$ nix-env ");
        for line in block.lines() {
            if !(line.starts_with("[stderr] building '") && line.ends_with("'...")) {
                want.push_str(line);
                want.push('\n');
            }
        }
    }
    assert_eq!(got, want);
}

/// Writes `NAME.nix`: packages built by busybox that link
/// `bin/PROGRAM` to it.
fn write_packages(f: &Fixture, busybox: &str, file: &str, packages: &[(&str, &str, &str)]) {
    let mut text = format!(
        "let bb = builtins.storePath \"{busybox}\";\n\
         mk = name: program: derivation {{\n\
         \x20 inherit name; system = builtins.currentSystem;\n\
         \x20 builder = \"${{bb}}/bin/sh\";\n\
         \x20 args = [ \"-c\" \"${{bb}}/bin/busybox mkdir -p $out/bin && ${{bb}}/bin/busybox ln -s ${{bb}}/bin/busybox $out/bin/${{program}}\" ];\n\
         }};\nin {{\n"
    );
    for (attr, name, program) in packages {
        text.push_str(&format!("  {attr} = mk \"{name}\" \"{program}\";\n"));
    }
    text.push_str(
        "  tools = { recurseForDerivations = true; sed = mk \"gnused-4.8\" \"sed\"; };\n}\n",
    );
    std::fs::write(f.work().join(file), text).unwrap();
}

fn busybox(f: &Fixture) -> String {
    let tree = f.context.path().join("busybox");
    std::fs::create_dir_all(tree.join("bin")).unwrap();
    std::fs::copy("/bin/busybox", tree.join("bin/busybox")).unwrap();
    std::os::unix::fs::symlink("busybox", tree.join("bin/sh")).unwrap();
    f.add(&tree)
}

fn stderr_lines(output: &Output) -> Vec<String> {
    // Only Nix's report lines; the builder's progress is cairn's own.
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| !l.contains("uilt") && !l.contains("uilding"))
        .map(ToOwned::to_owned)
        .collect()
}

#[test]
fn installs_upgrades_and_queries_an_expression_file() {
    let f = Fixture::new();
    let bb = busybox(&f);
    write_packages(
        &f,
        &bb,
        "pkgs.nix",
        &[
            ("hello", "hello-2.10", "hello"),
            ("cowsay", "cowsay-3.03", "cowsay"),
        ],
    );
    write_packages(
        &f,
        &bb,
        "pkgs2.nix",
        &[
            ("hello", "hello-2.12", "hello"),
            ("hello_old", "hello-2.9", "hello"),
            ("cowsay", "cowsay-3.03", "cowsay"),
        ],
    );
    let p = &["-p", "prof/p"];
    let run = |args: &[&str]| {
        let output = f.nix_env(&[p.as_slice(), args].concat());
        assert!(output.status.success(), "{args:?}: {output:?}");
        output
    };

    // By attribute path, then by name.
    let out = run(&["-f", "pkgs.nix", "-iA", "hello"]);
    assert_eq!(stderr_lines(&out), ["installing 'hello-2.10'"]);
    // Said before the build, as Nix does.
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.starts_with("installing 'hello-2.10'\n"), "{stderr}");
    assert_eq!(f.bin("prof/p"), ["hello"]);
    let out = run(&["-f", "pkgs.nix", "-i", "cowsay"]);
    assert_eq!(stderr_lines(&out), ["installing 'cowsay-3.03'"]);
    assert_eq!(f.bin("prof/p"), ["cowsay", "hello"]);
    assert_eq!(stdout_of(&run(&["-q"])), "cowsay-3.03\nhello-2.10\n");

    // What the file has, with attribute paths and status.
    assert_eq!(
        stdout_of(&run(&["-f", "pkgs.nix", "-qaP"])),
        "cowsay     cowsay-3.03\ntools.sed  gnused-4.8\nhello      hello-2.10\n"
    );
    let status = stdout_of(&run(&["-f", "pkgs.nix", "-qas"]));
    assert_eq!(
        status,
        "IP-  cowsay-3.03\n---  gnused-4.8\nIP-  hello-2.10\n"
    );

    // Upgrading takes the newest version of each installed name.
    let out = run(&["-f", "pkgs2.nix", "-u"]);
    assert_eq!(
        stderr_lines(&out),
        ["upgrading 'hello-2.10' to 'hello-2.12'"]
    );
    assert_eq!(stdout_of(&run(&["-q"])), "cowsay-3.03\nhello-2.12\n");
    let out = run(&["-f", "pkgs2.nix", "-u"]);
    assert!(stderr_lines(&out).is_empty(), "{out:?}");
    // A dry run changes nothing.
    let out = run(&["-f", "pkgs.nix", "-u", "--always", "--dry-run"]);
    assert_eq!(
        stderr_lines(&out),
        [
            "(dry run; not doing anything)",
            "upgrading 'hello-2.12' to 'hello-2.10'"
        ]
    );
    assert_eq!(stdout_of(&run(&["-q"])), "cowsay-3.03\nhello-2.12\n");

    // Replacing an installed name says so first.
    let out = run(&["-f", "pkgs.nix", "-iA", "hello", "--dry-run"]);
    assert_eq!(
        stderr_lines(&out),
        [
            "(dry run; not doing anything)",
            "replacing old 'hello-2.12'",
            "installing 'hello-2.10'"
        ]
    );

    // `-E`: a function of the file's value.
    let out = run(&["-f", "pkgs.nix", "-E", "-i", "pkgs: pkgs.tools.sed"]);
    assert_eq!(stderr_lines(&out), ["installing 'gnused-4.8'"]);
    assert_eq!(f.bin("prof/p"), ["cowsay", "hello", "sed"]);

    let out = run(&["-e", "hello", "gnused-4.8"]);
    assert_eq!(
        stderr_lines(&out),
        ["uninstalling 'hello-2.12'", "uninstalling 'gnused-4.8'"]
    );
    assert_eq!(f.bin("prof/p"), ["cowsay"]);
    // Every change was a generation, and rolling back restores the last.
    let generations = stdout_of(&run(&["--list-generations"]));
    assert_eq!(generations.lines().count(), 5, "{generations}");
    run(&["--rollback"]);
    assert_eq!(f.bin("prof/p"), ["cowsay", "hello", "sed"]);
}

#[test]
fn errors_are_worded_as_nix_words_them() {
    let f = Fixture::new();
    let bb = busybox(&f);
    write_packages(&f, &bb, "pkgs.nix", &[("hello", "hello-2.10", "hello")]);
    let cases: &[&[&str]] = &[
        &["-p", "prof/p"],
        &["-p", "prof/p", "-i", "-e"],
        &["-p", "prof/p", "-q", "--bogus"],
        &["-p", "prof/p", "-G"],
        &["-p", "prof/p", "-G", "x"],
        &["-p", "prof/p", "-i", "hello"],
        &["-p", "prof/p", "-f", "pkgs.nix", "-i", "nosuch"],
        &["-p", "prof/p", "-f", "pkgs.nix", "-qa", "nosuch"],
        &["-p", "prof/p", "--rollback"],
        &["-p", "prof/p", "--delete-generations", "+0"],
        &["-p", "prof/p", "-e", "nosuch"],
    ];
    let mut text = String::new();
    for args in cases {
        text.push_str(&f.transcript(&args.join(" "), args));
    }
    assert_snapshot!(text);
}

/// `splitmix64`: enough randomness for kill moments, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, max: std::time::Duration) -> std::time::Duration {
        let micros = u64::try_from(max.as_micros()).unwrap().max(1);
        std::time::Duration::from_micros(self.next() % micros)
    }
}

/// Checks, after a kill, that the profile points at an existing
/// generation whose environment is valid and whole: its `bin/` holds
/// exactly the programs of the packages its manifest names.
fn check_profile(f: &Fixture, store: &cairn_store::LocalStore, context: &str) {
    use cairn_store::Store;
    let profile = f.work().join("prof/p");
    let link = std::fs::read_link(&profile).unwrap();
    let generation = std::fs::read_link(profile.parent().unwrap().join(&link))
        .unwrap_or_else(|e| panic!("{context}: {} is missing: {e}", link.display()));
    let text = generation.to_str().unwrap();
    let path = store.store_dir().parse_path(text).unwrap();
    assert!(
        store.is_valid_path(&path).unwrap(),
        "{context}: {text} is not valid"
    );
    let real = f.root.join(text.trim_start_matches('/'));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(real.join("manifest.json")).unwrap())
            .unwrap();
    let mut expected: Vec<String> = manifest["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect();
    expected.sort();
    let profile = format!("prof/{}", profile.file_name().unwrap().to_str().unwrap());
    assert_eq!(f.bin(&profile), expected, "{context}");
}

#[test]
fn sigkill_during_installs_never_leaves_a_broken_profile() {
    use std::time::{Instant, SystemTime, UNIX_EPOCH};
    const ROUNDS: usize = 100;
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = Rng(seed);
    let f = Fixture::new();
    let packages: Vec<String> = (0..60).map(|i| f.package(&format!("pkg{i}-1.0"))).collect();
    let (base, extra) = packages.split_at(40);
    let root = f.root.to_str().unwrap().to_owned();
    let cairn = |args: &[&str]| {
        let mut command = f.context.command();
        command
            .current_dir(f.work())
            .args(args)
            .args(["--store", &root, "--profile", "prof/p"]);
        command
    };
    let mut first = cairn(&["profile", "install"]);
    let installed = first.args(base).output().unwrap();
    assert!(installed.status.success(), "{installed:?}");

    // How long an uninterrupted install takes; kills land anywhere in it,
    // and a little after.
    let started = Instant::now();
    let installed = cairn(&["profile", "install", &extra[0]]).output().unwrap();
    assert!(installed.status.success(), "{installed:?}");
    let full = started.elapsed();

    let mut completed = 0;
    for round in 0..ROUNDS {
        // Now and then from the first generation again: other bases to
        // share links with, and environments made before (the cache).
        if round % 3 == 0 {
            let switched = cairn(&["profile", "switch", "1"]).output().unwrap();
            assert!(switched.status.success(), "{switched:?}");
        }
        let package = &extra[usize::try_from(rng.next() % extra.len() as u64).unwrap()];
        // Both front ends, which share the install.
        let mut child = if round % 2 == 0 {
            cairn(&["profile", "install", package])
        } else {
            let mut command = Command::new(f.context.path().join("bin/nix-env"));
            command
                .current_dir(f.work())
                .env_clear()
                .env("HOME", f.context.path().join("home"))
                .env("TMPDIR", f.context.path().join("tmp"))
                .args(["--store", &root, "-p", "prof/p", "-i", package]);
            command
        }
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        let delay = rng.below(full + full / 4);
        std::thread::sleep(delay);
        let _ = child.kill();
        if child.wait().unwrap().success() {
            completed += 1;
        }
        let store =
            cairn_store::LocalStore::open(&f.root, cairn_store_path::StoreDir::default()).unwrap();
        check_profile(
            &f,
            &store,
            &format!("seed {seed}, round {round}, killed after {delay:?}"),
        );
    }
    // Some runs finished, some were cut short, and the store is whole.
    assert!(
        completed < ROUNDS,
        "seed {seed}: no kill landed in an install"
    );
    let verify = f
        .context
        .run(&["store", "verify", "--check-contents", "--store", &root]);
    assert!(verify.status.success(), "seed {seed}: {verify:?}");
}
