//! `cairn profile history|switch|rollback|delete-generations|wipe-history|list`
//! on profiles laid out as `nix-env` lays them out.

use std::path::{Path, PathBuf};

use insta::assert_snapshot;

use crate::common::{TestContext, stdout_of};

const A: &str = "/nix/store/y9xsr1hg3kf7xbva2dgqpagj6x6555a3-a";
const B: &str = "/nix/store/ksndzbhi1maykqax5lj5q2wzn5in9gk8-b";

/// A profile `profiles/p` with generations 1 (A), 2 (B), 3 (A), current 3,
/// created 2026-11-24 09:43:28 UTC plus one minute per generation.
fn profile_with_three_generations(context: &TestContext) -> PathBuf {
    let dir = context.path().join("profiles");
    std::fs::create_dir_all(&dir).unwrap();
    for (number, target) in [(1, A), (2, B), (3, A)] {
        let link = dir.join(format!("p-{number}-link"));
        std::os::unix::fs::symlink(target, &link).unwrap();
        set_mtime(&link, 1_795_513_408 + 60 * number);
    }
    std::os::unix::fs::symlink("p-3-link", dir.join("p")).unwrap();
    dir.join("p")
}

/// Sets a symlink's own modification time.
fn set_mtime(link: &Path, seconds: i64) {
    let status = std::process::Command::new("touch")
        .args(["-h", "-d", &format!("@{seconds}")])
        .arg(link)
        .status()
        .unwrap();
    assert!(status.success());
}

fn run(context: &TestContext, profile: &Path, args: &[&str]) -> std::process::Output {
    let mut command = context.command();
    command
        .arg("profile")
        .args(args)
        .arg("--profile")
        .arg(profile);
    command.output().unwrap()
}

fn links(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().into_string().unwrap();
            match std::fs::read_link(e.path()) {
                Ok(target) if !target.is_absolute() => format!("{name} -> {}", target.display()),
                _ => name,
            }
        })
        .filter(|n| !n.ends_with(".lock"))
        .collect();
    names.sort();
    names
}

#[test]
fn history_lists_generations_like_nix_env() {
    let context = TestContext::new();
    let p = profile_with_three_generations(&context);
    let out = stdout_of(&run(&context, &p, &["history"]));
    assert_eq!(
        out,
        format!(
            "   1   2026-11-24 09:44:28   {A}\n   2   2026-11-24 09:45:28   {B}\n   3   2026-11-24 09:46:28   {A}   (current)\n"
        )
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(&run(&context, &p, &["history", "--json"]))).unwrap();
    assert_eq!(
        json[1],
        serde_json::json!({"number": 2, "created": 1_795_513_528_i64, "storePath": B, "current": false})
    );
    assert_eq!(json[2]["current"], true);
}

#[test]
fn switch_rollback_delete_and_wipe() {
    let context = TestContext::new();
    let p = profile_with_three_generations(&context);
    let dir = p.parent().unwrap();

    assert_eq!(
        stdout_of(&run(&context, &p, &["switch", "1"])),
        "Switched to generation 1 (was 3)\n"
    );
    assert_eq!(std::fs::read_link(&p).unwrap(), Path::new("p-1-link"));
    assert_eq!(
        stdout_of(&run(&context, &p, &["switch", "1"])),
        "Already at generation 1\n"
    );
    assert_eq!(
        stdout_of(&run(&context, &p, &["switch", "3"])),
        "Switched to generation 3 (was 1)\n"
    );
    assert_eq!(
        stdout_of(&run(&context, &p, &["rollback"])),
        "Switched to generation 2 (was 3)\n"
    );
    assert_eq!(std::fs::read_link(&p).unwrap(), Path::new("p-2-link"));

    assert_eq!(
        stdout_of(&run(
            &context,
            &p,
            &["delete-generations", "1", "3", "--dry-run"]
        )),
        "Would remove 2 generations (1, 3)\n"
    );
    assert_eq!(
        links(dir),
        ["p -> p-2-link", "p-1-link", "p-2-link", "p-3-link"]
    );
    assert_eq!(
        stdout_of(&run(&context, &p, &["delete-generations", "3"])),
        "Removed generation 3\n\
         hint: the store paths only they used are garbage now; collect them with `cairn store gc`\n"
    );
    assert_eq!(links(dir), ["p -> p-2-link", "p-1-link", "p-2-link"]);
    assert_eq!(
        stdout_of(&run(
            &context,
            &p,
            &["delete-generations", "--older-than", "36500d"]
        )),
        "No generations to remove\n"
    );
    assert_eq!(
        stdout_of(&run(&context, &p, &["wipe-history"])),
        "Removed generation 1\n\
         hint: the store paths only they used are garbage now; collect them with `cairn store gc`\n"
    );
    assert_eq!(links(dir), ["p -> p-2-link", "p-2-link"]);
}

#[test]
fn errors_say_what_to_do() {
    let context = TestContext::new();
    let p = profile_with_three_generations(&context);
    let p_text = p.to_str().unwrap();
    assert_snapshot!(
        "switch_missing",
        context.transcript(&run(&context, &p, &["switch", "9"]))
    );
    run(&context, &p, &["switch", "1"]);
    assert_snapshot!(
        "rollback_oldest",
        context.transcript(&run(&context, &p, &["rollback"]))
    );
    assert_snapshot!(
        "delete_current",
        context.transcript(&run(&context, &p, &["delete-generations", "1"]))
    );
    assert_snapshot!(
        "delete_bad_argument",
        context.transcript(&run(&context, &p, &["delete-generations", "+0"]))
    );
    // Nothing changed.
    assert_eq!(std::fs::read_link(p_text).unwrap(), Path::new("p-1-link"));
}

#[test]
fn default_profile_is_created_on_first_use() {
    let context = TestContext::new();
    let root = context.path().join("root");
    let output = context
        .command()
        .env("USER", "alice")
        .args(["profile", "history", "--store"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(stdout_of(&output), "");
    let link = context.path().join("home/.local/state/cairn/profile");
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        root.join("nix/var/cairn/profiles/per-user/alice/profile")
    );
    assert!(root.join("nix/var/cairn/profiles/per-user/alice").is_dir());

    // Without USER there is no telling whose profile it is.
    let output = context
        .command()
        .args(["profile", "history", "--store"])
        .arg(&root)
        .output()
        .unwrap();
    assert_snapshot!("default_profile_without_user", context.transcript(&output));
}

#[test]
fn list_reads_the_manifest_of_the_current_generation() {
    let context = TestContext::new();
    let root = context.path().join("root");
    let p = profile_with_three_generations(&context);
    // Generation 3 points at A; give A a manifest under the chroot root.
    let env = root.join(A.trim_start_matches('/'));
    std::fs::create_dir_all(&env).unwrap();
    std::fs::write(
        env.join("manifest.json"),
        format!(
            r#"{{"version":1,"elements":[
              {{"name":"hello","version":"2.12","source":{{"type":"attrPath","expression":"/pkgs","attrPath":"hello"}},
                "outputs":["out"],"storePaths":["{B}"]}},
              {{"name":"a-tool","source":{{"type":"storePaths"}},"outputs":["out"],"storePaths":["{A}"],"active":false}}]}}"#
        ),
    )
    .unwrap();
    let list = |args: &[&str]| {
        let mut command = context.command();
        command
            .arg("profile")
            .args(args)
            .arg("--profile")
            .arg(&p)
            .arg("--store")
            .arg(&root);
        command.output().unwrap()
    };
    assert_eq!(
        stdout_of(&list(&["list"])),
        format!("hello   2.12  {B}\na-tool        {A}  (inactive)\n")
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(&list(&["list", "--json"]))).unwrap();
    assert_eq!(json["elements"][0]["name"], "hello");
    // Generation 2 (B) has no manifest: it is not a user environment.
    run(&context, &p, &["switch", "2"]);
    assert_eq!(
        stdout_of(&list(&["list"])),
        format!(
            "{B}\nhint: this is not a user environment (it has no `manifest.json`), so there are no installed packages to list\n"
        )
    );
}

/// A chroot store under `root` holding two "user environments" whose
/// closures differ: hello 2.10 → 2.12, gnugrep removed, ripgrep added.
fn store_with_two_environments(root: &Path) -> (String, String) {
    use cairn_store::Store;
    use std::collections::BTreeSet;
    let store = cairn_store::LocalStore::open(root, cairn_store_path::StoreDir::default()).unwrap();
    let add = |name: &str, refs: &[&cairn_store_path::StorePath]| {
        let refs: BTreeSet<_> = refs.iter().map(|r| (*r).clone()).collect();
        store
            .add_text_to_store(name, format!("contents of {name}").as_bytes(), &refs)
            .unwrap()
    };
    let glibc = add("glibc-2.35-224", &[]);
    let hello_old = add("hello-2.10", &[&glibc]);
    let grep = add("gnugrep-3.7", &[&glibc]);
    let old = add("user-environment", &[&hello_old, &grep]);
    let hello_new = add("hello-2.12", &[&glibc]);
    let ripgrep = add("ripgrep-14.0.3", &[&glibc]);
    let new = add("user-environment", &[&hello_new, &ripgrep]);
    let dir = store.store_dir();
    (dir.display(&old), dir.display(&new))
}

#[test]
fn set_then_diff_generations() {
    let context = TestContext::new();
    let root = context.path().join("root");
    let (old, new) = store_with_two_environments(&root);
    let profile = root.join("nix/var/cairn/profiles/p");
    let run = |args: &[&str]| {
        let mut command = context.command();
        command
            .arg("profile")
            .args(args)
            .arg("--profile")
            .arg(&profile)
            .arg("--store")
            .arg(&root);
        command.output().unwrap()
    };
    assert_eq!(
        stdout_of(&run(&["set", &old])),
        "Switched to new generation 1\n"
    );
    assert_eq!(
        stdout_of(&run(&["set", &new])),
        "Switched to new generation 2 (was 1)\n"
    );
    assert_eq!(stdout_of(&run(&["set", &new])), "Already at generation 2\n");
    assert_eq!(
        std::fs::read_link(root.join("nix/var/cairn/profiles/p-2-link")).unwrap(),
        Path::new(&new)
    );
    let expected = "Version changes:\n\
                    \x20 hello    2.10 -> 2.12\n\
                    Added packages:\n\
                    \x20 ripgrep  14.0.3\n\
                    Removed packages:\n\
                    \x20 gnugrep  3.7\n";
    let diff = stdout_of(&run(&["diff"]));
    assert!(diff.starts_with(expected), "{diff}");
    assert!(diff.contains("Closure size: 4 -> 4 paths (+0), "), "{diff}");
    // Generation numbers and store paths name the same sides.
    assert_eq!(stdout_of(&run(&["diff", "1", "2"])), diff);
    assert_eq!(stdout_of(&run(&["diff", &old, &new])), diff);
    assert_eq!(stdout_of(&run(&["diff", "1"])), diff);
    // History with each generation's changes.
    let history = stdout_of(&run(&["history", "--diff"]));
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 2 + diff.lines().count(), "{history}");
    assert!(lines[0].ends_with(&old) && lines[1].ends_with("(current)"));
    for (got, want) in lines[2..].iter().zip(diff.lines()) {
        assert_eq!(*got, format!("       {want}"));
    }
    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(&run(&["history", "--diff", "--json"]))).unwrap();
    assert!(json[0].get("diff").is_none());
    assert_eq!(json[1]["diff"]["added"][0]["name"], "ripgrep");
    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(&run(&["diff", "2", "1", "--json"]))).unwrap();
    assert_eq!(json["added"][0]["name"], "gnugrep");

    let output = run(&["set", "/nix/store/00000000000000000000000000000000-missing"]);
    assert_snapshot!("set_invalid_path", context.transcript(&output));
}

/// Adds a package directory with `bin/NAME` to the store under `root`.
fn add_package(root: &Path, scratch: &Path, name: &str, program: &str) -> String {
    use cairn_store::Store;
    let dir = scratch.join(name);
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::write(dir.join("bin").join(program), name).unwrap();
    let store = cairn_store::LocalStore::open(root, cairn_store_path::StoreDir::default()).unwrap();
    let path = store
        .add_path_to_store(
            name,
            &dir,
            cairn_store_path::FileIngestionMethod::Recursive,
            cairn_hash::HashAlgo::Sha256,
            None,
        )
        .unwrap();
    store.store_dir().display(&path)
}

#[test]
fn install_list_remove() {
    let context = TestContext::new();
    let root = context.path().join("root");
    let scratch = context.path().join("scratch");
    let hello = add_package(&root, &scratch, "hello-2.12", "hello");
    let hello_new = add_package(&root, &scratch, "hello-2.13", "hello");
    let other = add_package(&root, &scratch, "other-hello-1.0", "hello");
    let ls = add_package(&root, &scratch, "coreutils-9.1", "ls");
    let profile = root.join("nix/var/cairn/profiles/p");
    std::fs::create_dir_all(profile.parent().unwrap()).unwrap();
    let run = |args: &[&str]| {
        let mut command = context.command();
        command
            .env("TMPDIR", &scratch)
            .arg("profile")
            .args(args)
            .arg("--profile")
            .arg(&profile)
            .arg("--store")
            .arg(&root);
        command.output().unwrap()
    };
    assert_eq!(
        stdout_of(&run(&["install", &hello, &ls])),
        "Installed hello 2.12\nInstalled coreutils 9.1\nSwitched to new generation 1\n"
    );
    assert_eq!(
        stdout_of(&run(&["install", &hello_new])),
        "Replaced hello 2.12\nInstalled hello 2.13\nSwitched to new generation 2 (was 1)\n"
    );
    assert_eq!(
        stdout_of(&run(&["list"])),
        format!("coreutils  9.1   {ls}\nhello      2.13  {hello_new}\n")
    );
    // The environment links the packages' files.
    let target = std::fs::read_link(profile.parent().unwrap().join("p-2-link")).unwrap();
    let env = root.join(target.strip_prefix("/").unwrap());
    assert_eq!(
        std::fs::read_link(env.join("bin/hello")).unwrap(),
        Path::new(&format!("{hello_new}/bin/hello"))
    );

    // A file collision at equal priority is refused, and nothing changes.
    let output = run(&["install", &other]);
    assert_snapshot!(
        "install_collision",
        context
            .transcript(&output)
            .replace(&hello_new, "[HELLO]")
            .replace(&other, "[OTHER]")
    );
    assert_eq!(
        stdout_of(&run(&["install", "--priority", "4", &other])),
        "Installed other-hello 1.0\nSwitched to new generation 3 (was 2)\n"
    );
    assert_eq!(
        stdout_of(&run(&["remove", "hello", "coreutils"])),
        "Removed hello 2.13\nRemoved coreutils 9.1\nSwitched to new generation 4 (was 3)\n"
    );
    let output = run(&["remove", "hello"]);
    assert_snapshot!("remove_missing", context.transcript(&output));
    assert_eq!(
        stdout_of(&run(&["rollback"])),
        "Switched to generation 3 (was 4)\n"
    );
}

#[test]
fn a_profile_outside_the_profiles_directory_gets_a_hint() {
    let context = TestContext::new();
    let root = context.path().join("root");
    let (old, _) = store_with_two_environments(&root);
    std::fs::create_dir(context.path().join("elsewhere")).unwrap();
    let output = context
        .command()
        .args([
            "profile",
            "set",
            &old,
            "--profile",
            "elsewhere/p",
            "--store",
        ])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(
        context.scrub(&stdout_of(&output)),
        "Switched to new generation 1\n\
         hint: 'elsewhere/p' is outside '[TEMP]/root/nix/var/cairn/profiles', where the garbage \
         collector looks for roots, so `cairn store gc` may delete what its generations point to\n"
    );
}
