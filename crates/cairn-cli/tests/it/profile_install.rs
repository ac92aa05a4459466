//! `cairn profile install -f/-E/.drv` and `cairn profile upgrade`, end to
//! end on a chroot store: packages are built by busybox derivations from
//! an expression file, and after each step the profile must resolve to
//! exactly the expected environment with exactly the expected `bin/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{TestContext, stdout_of};

/// A chroot store with busybox in it and an expression file `pkgs.nix`
/// making packages that each link `bin/PROGRAM` to busybox.
struct Fixture {
    context: TestContext,
    root: PathBuf,
    busybox: String,
}

impl Fixture {
    fn new() -> Fixture {
        let context = TestContext::new();
        let root = context.path().join("root");
        let tree = context.path().join("busybox");
        std::fs::create_dir_all(tree.join("bin")).unwrap();
        std::fs::copy("/bin/busybox", tree.join("bin/busybox")).unwrap();
        std::os::unix::fs::symlink("busybox", tree.join("bin/sh")).unwrap();
        let added = context.run(&[
            "store",
            "add",
            "--store",
            root.to_str().unwrap(),
            tree.to_str().unwrap(),
        ]);
        assert!(added.status.success(), "{}", stderr_of(&added));
        let busybox = stdout_of(&added).trim().to_owned();
        std::fs::create_dir_all(context.path().join("tmp")).unwrap();
        Fixture {
            context,
            root,
            busybox,
        }
    }

    /// Writes `pkgs.nix`: an attribute set of packages.
    fn write_packages(&self, packages: &[Package<'_>]) {
        let mut text = format!(
            "let bb = builtins.storePath \"{}\";\n\
             mk = name: version: programs: derivation {{\n\
             \x20 name = \"${{name}}-${{version}}\"; system = builtins.currentSystem;\n\
             \x20 builder = \"${{bb}}/bin/sh\";\n\
             \x20 args = [ \"-c\" (\"${{bb}}/bin/busybox mkdir -p $out/bin\" + builtins.concatStringsSep \"\" (map (p: \" && ${{bb}}/bin/busybox ln -s ${{bb}}/bin/busybox $out/bin/${{p}}\") programs)) ];\n\
             }};\nin {{\n",
            self.busybox
        );
        for (attr, name, version, programs, priority) in packages {
            let programs: Vec<String> = programs.iter().map(|p| format!("\"{p}\"")).collect();
            let meta =
                priority.map_or(String::new(), |p| format!(" // {{ meta.priority = {p}; }}"));
            text.push_str(&format!(
                "  {attr} = mk \"{name}\" \"{version}\" [ {} ]{meta};\n",
                programs.join(" ")
            ));
        }
        text.push_str("}\n");
        std::fs::write(self.context.path().join("pkgs.nix"), text).unwrap();
    }

    /// Runs `cairn profile ARGS… --store ROOT` as `user`.
    fn run(&self, user: &str, args: &[&str]) -> Output {
        let home = self.context.path().join("homes").join(user);
        self.context
            .command()
            .env("HOME", &home)
            .env("USER", user)
            .env("TMPDIR", self.context.path().join("tmp"))
            .arg("profile")
            .args(args)
            .arg("--store")
            .arg(&self.root)
            .output()
            .unwrap()
    }

    /// Runs and requires success; returns standard output.
    fn ok(&self, user: &str, args: &[&str]) -> String {
        let output = self.run(user, args);
        assert!(
            output.status.success(),
            "cairn profile {args:?} failed:\n{}",
            stderr_of(&output)
        );
        stdout_of(&output)
    }

    /// The store path `user`'s default profile resolves to, through the
    /// home link, the profile link and the generation link.
    fn resolved(&self, user: &str) -> String {
        let home_link = self
            .context
            .path()
            .join("homes")
            .join(user)
            .join(".local/state/cairn/profile");
        let profile = std::fs::read_link(&home_link).unwrap();
        let generation = profile
            .parent()
            .unwrap()
            .join(std::fs::read_link(&profile).unwrap());
        std::fs::read_link(generation)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned()
    }

    /// The real directory of a logical store path.
    fn real(&self, logical: &str) -> PathBuf {
        self.root.join(logical.trim_start_matches('/'))
    }

    /// `bin/` of `user`'s profile: program name → the package it comes
    /// from. With one package providing `bin/`, the environment links the
    /// whole directory, as Nix's `buildenv` does.
    fn bin(&self, user: &str) -> BTreeMap<String, String> {
        let bin = self.real(&self.resolved(user)).join("bin");
        let mut links = BTreeMap::new();
        if let Ok(whole) = std::fs::read_link(&bin) {
            let whole = whole.to_str().unwrap();
            let package = whole.strip_suffix("/bin").unwrap();
            for entry in std::fs::read_dir(self.real(whole)).unwrap() {
                let name = entry.unwrap().file_name().to_str().unwrap().to_owned();
                links.insert(name, package.to_owned());
            }
            return links;
        }
        for entry in std::fs::read_dir(bin).unwrap() {
            let entry = entry.unwrap();
            let target = std::fs::read_link(entry.path()).unwrap();
            let package = target
                .to_str()
                .unwrap()
                .trim_end_matches(&format!("/bin/{}", entry.file_name().to_str().unwrap()))
                .to_owned();
            links.insert(entry.file_name().to_str().unwrap().to_owned(), package);
        }
        links
    }

    /// `list` lines as (name, version, store path).
    fn installed(&self, user: &str) -> Vec<(String, String, String)> {
        self.ok(user, &["list"])
            .lines()
            .map(|line| {
                let words: Vec<&str> = line.split_whitespace().collect();
                (
                    words[0].to_owned(),
                    words[1].to_owned(),
                    words[2].to_owned(),
                )
            })
            .collect()
    }

    /// The generation links of `user`'s profile, by number.
    fn generations(&self, user: &str) -> Vec<String> {
        self.ok(user, &["history"])
            .lines()
            .map(|line| line.split_whitespace().nth(3).unwrap().to_owned())
            .collect()
    }
}

/// A package in `pkgs.nix`: attribute, name, version, programs in
/// `bin/`, `meta.priority`.
type Package<'a> = (&'a str, &'a str, &'a str, &'a [&'a str], Option<i64>);

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The store path `user`'s `list` shows for `name`.
fn path_of(installed: &[(String, String, String)], name: &str) -> String {
    installed
        .iter()
        .find(|(n, _, _)| n == name)
        .map(|(_, _, path)| path.clone())
        .unwrap()
}

#[test]
fn install_upgrade_remove_and_roll_back_twice() {
    let f = Fixture::new();
    let no_priority = None;
    f.write_packages(&[
        ("hello", "hello", "2.10", &["hello"], no_priority),
        ("tool", "tool", "1.0", &["tool", "helper"], no_priority),
    ]);

    // Install two packages from the file.
    let output = f.run(
        "alice",
        &["install", "-f", "pkgs.nix", "-A", "hello", "-A", "tool"],
    );
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(
        stdout_of(&output),
        "Installed hello 2.10\nInstalled tool 1.0\nSwitched to new generation 1\n"
    );
    let stderr = stderr_of(&output);
    assert!(stderr.contains("Built 2 derivations in "), "{stderr}");
    assert!(stderr.contains("Installed 2 packages in "), "{stderr}");
    assert!(stderr.contains(" + hello 2.10\n + tool 1.0\n"), "{stderr}");
    let installed = f.installed("alice");
    let hello_210 = path_of(&installed, "hello");
    let tool = path_of(&installed, "tool");
    assert_eq!(
        installed
            .iter()
            .map(|(n, v, _)| format!("{n} {v}"))
            .collect::<Vec<_>>(),
        ["hello 2.10", "tool 1.0"]
    );
    let generation_1 = f.resolved("alice");
    assert!(
        generation_1.ends_with("-user-environment"),
        "{generation_1}"
    );
    assert_eq!(
        f.bin("alice"),
        BTreeMap::from([
            ("hello".to_owned(), hello_210.clone()),
            ("helper".to_owned(), tool.clone()),
            ("tool".to_owned(), tool.clone()),
        ])
    );
    // The manifest says where each element came from.
    let manifest = std::fs::read_to_string(f.real(&generation_1).join("manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let hello = &manifest["elements"][0];
    assert_eq!(hello["name"], "hello");
    assert_eq!(hello["version"], "2.10");
    assert_eq!(hello["priority"], 5);
    assert_eq!(hello["outputs"], serde_json::json!(["out"]));
    let source = hello["source"].to_string();
    assert!(
        source.contains("pkgs.nix") && source.contains("\"hello\""),
        "{source}"
    );

    // Nothing newer: upgrading changes nothing and makes no generation.
    let output = f.run("alice", &["upgrade"]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(stdout_of(&output), "");
    assert!(stderr_of(&output).contains("Nothing to upgrade"));
    assert_eq!(f.generations("alice").len(), 1);

    // Upgrade one package.
    f.write_packages(&[
        ("hello", "hello", "2.12", &["hello"], no_priority),
        ("tool", "tool", "1.0", &["tool", "helper"], no_priority),
    ]);
    assert_eq!(
        f.ok("alice", &["upgrade"]),
        "Upgraded hello 2.10 → 2.12\nSwitched to new generation 2 (was 1)\n"
    );
    let hello_212 = path_of(&f.installed("alice"), "hello");
    assert_ne!(hello_212, hello_210);
    assert!(hello_212.ends_with("-hello-2.12"));
    let generation_2 = f.resolved("alice");
    assert_eq!(
        f.bin("alice"),
        BTreeMap::from([
            ("hello".to_owned(), hello_212.clone()),
            ("helper".to_owned(), tool.clone()),
            ("tool".to_owned(), tool.clone()),
        ])
    );

    // An older version is not an upgrade, unless asked for.
    f.write_packages(&[
        ("hello", "hello", "2.11", &["hello"], no_priority),
        ("tool", "tool", "1.0", &["tool", "helper"], no_priority),
    ]);
    assert_eq!(f.ok("alice", &["upgrade", "hello"]), "");
    assert_eq!(f.resolved("alice"), generation_2);

    // Remove one.
    assert_eq!(
        f.ok("alice", &["remove", "tool"]),
        "Removed tool 1.0\nSwitched to new generation 3 (was 2)\n"
    );
    assert_eq!(
        f.bin("alice"),
        BTreeMap::from([("hello".to_owned(), hello_212.clone())])
    );

    // Roll back twice.
    assert_eq!(
        f.ok("alice", &["rollback"]),
        "Switched to generation 2 (was 3)\n"
    );
    assert_eq!(f.resolved("alice"), generation_2);
    assert_eq!(f.bin("alice")["tool"], tool);
    assert_eq!(f.bin("alice")["hello"], hello_212);
    assert_eq!(
        f.ok("alice", &["rollback"]),
        "Switched to generation 1 (was 2)\n"
    );
    assert_eq!(f.resolved("alice"), generation_1);
    assert_eq!(
        f.bin("alice"),
        BTreeMap::from([
            ("hello".to_owned(), hello_210),
            ("helper".to_owned(), tool.clone()),
            ("tool".to_owned(), tool),
        ])
    );

    // History lists every generation, each with its diff.
    let history = f.ok("alice", &["history", "--diff"]);
    for number in ["1", "2", "3"] {
        assert!(
            history
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{number} "))),
            "{history}"
        );
    }
    assert!(history.contains("hello"), "{history}");
    assert!(
        history.contains("2.10") && history.contains("2.12"),
        "{history}"
    );
    assert!(history.contains("tool"), "{history}");
}

#[test]
fn a_collision_names_both_packages_and_makes_no_generation() {
    let f = Fixture::new();
    f.write_packages(&[
        ("hello", "hello", "2.10", &["hello"], None),
        ("other", "other-hello", "1.0", &["hello"], None),
        ("preferred", "preferred-hello", "1.0", &["hello"], Some(4)),
    ]);
    f.ok("alice", &["install", "-f", "pkgs.nix", "-A", "hello"]);
    let before = f.generations("alice");
    let output = f.run("alice", &["install", "-f", "pkgs.nix", "-A", "other"]);
    assert!(!output.status.success());
    let stderr = stderr_of(&output);
    assert!(stderr.contains("-hello-2.10/bin/hello"), "{stderr}");
    assert!(stderr.contains("-other-hello-1.0/bin/hello"), "{stderr}");
    assert_eq!(f.generations("alice"), before);
    // `meta.priority` settles it: 4 beats the default 5.
    f.ok("alice", &["install", "-f", "pkgs.nix", "-A", "preferred"]);
    let installed = f.installed("alice");
    assert_eq!(
        f.bin("alice")["hello"],
        path_of(&installed, "preferred-hello")
    );
}

#[test]
fn install_from_an_expression_and_a_derivation() {
    let f = Fixture::new();
    f.write_packages(&[("hello", "hello", "2.10", &["hello"], None)]);
    let output = f.run("alice", &["install", "-E", "(import ./pkgs.nix).hello"]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(
        stdout_of(&output),
        "Installed hello 2.10\nSwitched to new generation 1\n"
    );
    // The `.drv` of another package: built, then installed.
    f.write_packages(&[("tool", "tool", "3.1", &["tool"], None)]);
    let instantiated = f
        .context
        .command()
        .args(["instantiate", "--store"])
        .arg(&f.root)
        .args(["pkgs.nix", "-A", "tool"])
        .output()
        .unwrap();
    assert!(
        instantiated.status.success(),
        "{}",
        stderr_of(&instantiated)
    );
    let drv = stdout_of(&instantiated).trim().to_owned();
    assert_eq!(
        f.ok("alice", &["install", &drv]),
        "Installed tool 3.1\nSwitched to new generation 2 (was 1)\n"
    );
    assert_eq!(f.bin("alice").keys().collect::<Vec<_>>(), ["hello", "tool"]);
    // Neither came from a file, so neither is upgraded.
    let output = f.run("alice", &["upgrade"]);
    assert!(stderr_of(&output).contains("Nothing to upgrade"));
}

#[test]
fn two_users_profiles_are_independent() {
    let f = Fixture::new();
    f.write_packages(&[
        ("hello", "hello", "2.10", &["hello"], None),
        ("tool", "tool", "1.0", &["tool"], None),
    ]);
    f.ok("alice", &["install", "-f", "pkgs.nix", "-A", "hello"]);
    f.ok("bob", &["install", "-f", "pkgs.nix", "-A", "tool"]);
    f.ok("bob", &["install", "-f", "pkgs.nix", "-A", "hello"]);
    assert_eq!(f.bin("alice").keys().collect::<Vec<_>>(), ["hello"]);
    assert_eq!(f.bin("bob").keys().collect::<Vec<_>>(), ["hello", "tool"]);
    assert_eq!(f.generations("alice").len(), 1);
    assert_eq!(f.generations("bob").len(), 2);
    f.ok("bob", &["rollback"]);
    assert_eq!(f.bin("alice").keys().collect::<Vec<_>>(), ["hello"]);
    assert_eq!(f.bin("bob").keys().collect::<Vec<_>>(), ["tool"]);
    let alice = Path::new(&f.resolved("alice")).to_owned();
    let bob = Path::new(&f.resolved("bob")).to_owned();
    assert_ne!(alice, bob);
}
