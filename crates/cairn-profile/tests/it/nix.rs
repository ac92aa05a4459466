//! The same changes as `fixtures/nix-2.8/transcript.txt` (made by
//! `fixtures/generate.sh` with Nix 2.8's `nix-env`), replayed with
//! cairn-profile: after every step the profile's directory holds exactly
//! the links Nix left, and the step switched, deleted or failed as Nix's
//! did.

use std::time::SystemTime;

use cairn_profile::{DeleteSelector, Profile};
use cairn_store::Store;
use cairn_store_path::StorePath;

use crate::common::{MemoryStore, entries};

/// One `$ nix-env …` step of the transcript.
struct Step {
    args: Vec<String>,
    /// Nix's messages, without the `# ` prefix.
    messages: Vec<String>,
    /// The links afterwards, as `NAME -> TARGET`.
    links: Vec<String>,
}

fn transcript() -> (Vec<(String, String)>, Vec<Step>) {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/nix-2.8/transcript.txt"),
    )
    .unwrap();
    let mut paths = Vec::new();
    let mut steps: Vec<Step> = Vec::new();
    for line in text.lines() {
        if let Some(command) = line.strip_prefix("$ nix-env ") {
            steps.push(Step {
                args: command.split(' ').map(str::to_owned).collect(),
                messages: Vec::new(),
                links: Vec::new(),
            });
        } else if let Some(message) = line.strip_prefix("# ") {
            steps.last_mut().unwrap().messages.push(message.to_owned());
        } else if let Some(step) = steps.last_mut() {
            step.links.push(line.to_owned());
        } else {
            let (name, path) = line.split_once(' ').unwrap();
            paths.push((name.to_owned(), path.to_owned()));
        }
    }
    (paths, steps)
}

#[test]
fn replays_nix_env_transcript() {
    let (paths, steps) = transcript();
    assert_eq!(steps.len(), 18, "the whole transcript was read");
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles");
    std::fs::create_dir(&profiles).unwrap();
    let store = MemoryStore::new(dir.path());
    for (_, path) in &paths {
        store.add_existing(&store.store_dir().parse_path(path).unwrap());
    }
    let p = Profile::open(profiles.join("p"), store.store_dir()).unwrap();

    for step in &steps {
        let context = format!("nix-env {}", step.args.join(" "));
        let (flag, rest) = step.args.split_first().unwrap();
        let result: Result<Vec<String>, String> = match flag.as_str() {
            "--set" => {
                let target: StorePath = store.store_dir().parse_path(&rest[0]).unwrap();
                p.create_generation(&store, &target)
                    .map(|_| Vec::new())
                    .map_err(|e| e.to_string())
            }
            "--switch-generation" | "--rollback" => {
                let switch = if flag == "--rollback" {
                    p.rollback()
                } else {
                    p.switch_to(rest[0].parse().unwrap())
                };
                switch
                    .map(|s| {
                        vec![format!(
                            "switching profile from version {} to {}",
                            s.from.unwrap(),
                            s.to
                        )]
                    })
                    .map_err(|e| e.to_string())
            }
            "--delete-generations" => DeleteSelector::parse(rest)
                .and_then(|selector| p.delete_generations(&selector, SystemTime::now(), false))
                .map(|deleted| {
                    deleted
                        .iter()
                        .map(|g| format!("removing profile version {}", g.number))
                        .collect()
                })
                .map_err(|e| e.to_string()),
            other => panic!("{context}: unknown step {other}"),
        };
        match result {
            Ok(messages) => assert_eq!(messages, step.messages, "{context}"),
            Err(message) => {
                let [nix] = step.messages.as_slice() else {
                    panic!("{context}: cairn failed ({message}) where Nix did not");
                };
                let nix = nix.strip_prefix("error: ").unwrap();
                if nix.starts_with("cannot delete current version of profile") {
                    // Nix 2.8 prints a stray quote after the path; cairn
                    // quotes it on both sides.
                    assert!(message.starts_with("cannot delete current version"));
                } else {
                    assert_eq!(message, nix, "{context}");
                }
            }
        }
        let links: Vec<String> = entries(&profiles)
            .into_iter()
            .map(|(name, target)| format!("{name} -> {target}"))
            .collect();
        assert_eq!(links, step.links, "{context}");
    }
}

/// The user environment `nix-env -i` built from packages added with
/// `nix-store --add` (`fixtures/nix-2.8/environment.txt`): cairn makes the
/// same packages (the same store paths) and links the same tree, and
/// reports a collision with Nix's words.
#[test]
fn links_the_environment_nix_env_builds() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/nix-2.8/environment.txt"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store =
        cairn_store::LocalStore::open(&dir.path().join("root"), Default::default()).unwrap();
    // The trees of generate.sh's `pkg` calls.
    let packages: [(&str, &[(&str, &str)]); 4] = [
        (
            "hello-2.12",
            &[
                ("bin/hello", "hello"),
                ("share/man/man1/hello.1", "man"),
                ("nix-support/setup-hook", "hook"),
            ],
        ),
        (
            "coreutils-9.1",
            &[
                ("bin/ls", "ls"),
                ("share/man/man1/ls.1", "man"),
                ("share/info/dir", "index"),
            ],
        ),
        ("one-1", &[("bin/tool", "one")]),
        ("two-1", &[("bin/tool", "two")]),
    ];
    let mut paths = Vec::new();
    for (name, files) in packages {
        let tree = dir.path().join("pkgs").join(name);
        for (file, contents) in files {
            std::fs::create_dir_all(tree.join(file).parent().unwrap()).unwrap();
            std::fs::write(tree.join(file), format!("{contents}\n")).unwrap();
        }
        paths.push(
            store
                .add_path_to_store(
                    name,
                    &tree,
                    cairn_store_path::FileIngestionMethod::Recursive,
                    cairn_hash::HashAlgo::Sha256,
                    None,
                )
                .unwrap(),
        );
    }
    let mut sections = text.split("$ nix-env -i ");
    let listed: Vec<String> = sections
        .next()
        .unwrap()
        .lines()
        .map(|l| l.strip_prefix("package ").unwrap().to_owned())
        .collect();
    let made: Vec<String> = paths.iter().map(|p| store.store_dir().display(p)).collect();
    assert_eq!(made, listed, "same packages, same store paths");

    let expected_tree: Vec<&str> = sections.next().unwrap().lines().skip(1).collect();
    let out = dir.path().join("env");
    std::fs::create_dir(&out).unwrap();
    cairn_profile::link_environment(
        &store,
        &[(paths[0].clone(), 5), (paths[1].clone(), 5)],
        &out,
    )
    .unwrap();
    let mut tree = Vec::new();
    list_tree(&out, "", &mut tree);
    assert_eq!(tree, expected_tree);

    let expected_error = sections.next().unwrap().lines().nth(1).unwrap();
    let clash = dir.path().join("clash");
    std::fs::create_dir(&clash).unwrap();
    let err = cairn_profile::link_environment(
        &store,
        &[(paths[2].clone(), 5), (paths[3].clone(), 5)],
        &clash,
    )
    .unwrap_err();
    assert_eq!(format!("error: {err}"), expected_error);
}

/// `find . | sort` of `dir` as generate.sh prints it.
fn list_tree(dir: &std::path::Path, prefix: &str, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = format!("{prefix}{}", path.file_name().unwrap().to_str().unwrap());
        if let Ok(target) = std::fs::read_link(&path) {
            out.push(format!("{name} -> {}", target.display()));
        } else {
            out.push(format!("{name}/"));
            list_tree(&path, &format!("{name}/"), out);
        }
    }
}
