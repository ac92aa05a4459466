//! The crate layering of DESIGN.md, enforced.
//!
//! Reads `cargo metadata` and fails on any dependency edge between
//! workspace crates that the table below does not allow, and on any
//! workspace crate the table does not list, so that adding a crate forces a
//! decision about its layer. The table is `shared/notes/style.md` §7 (the
//! "May depend on" column), summarised in DESIGN.md under "Crates"; change
//! it only together with those documents.
//!
//! It lives in cairn-cli's test binary because cairn-cli is the one crate
//! that sits above all others; the check itself is about the whole
//! workspace.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// The layer-0 and layer-1 crates, which several rows allow wholesale.
const LAYER_0: &[&str] = &["cairn-util", "cairn-hash", "cairn-settings"];
const LAYER_1: &[&str] = &[
    "cairn-syntax",
    "cairn-store-path",
    "cairn-nar",
    "cairn-derivation",
    "cairn-narinfo",
    "cairn-elf",
    "cairn-deb",
];

/// Every crate and the workspace crates it may depend on (normal and build
/// dependencies). Dev-dependencies may additionally use `cairn-test`.
fn allowed() -> BTreeMap<&'static str, Vec<&'static str>> {
    let layers_0_1: Vec<&str> = LAYER_0.iter().chain(LAYER_1).copied().collect();
    let with = |base: &[&'static str], extra: &[&'static str]| -> Vec<&'static str> {
        base.iter().chain(extra).copied().collect()
    };
    BTreeMap::from([
        // L0
        ("cairn-util", vec![]),
        ("cairn-hash", vec![]),
        ("cairn-settings", vec![]),
        // L1
        ("cairn-syntax", vec![]),
        ("cairn-store-path", vec!["cairn-hash"]),
        ("cairn-nar", vec!["cairn-hash"]),
        ("cairn-derivation", vec!["cairn-hash", "cairn-store-path"]),
        ("cairn-narinfo", vec!["cairn-hash", "cairn-store-path"]),
        ("cairn-elf", vec![]),
        ("cairn-deb", vec!["cairn-hash"]),
        // L2
        ("cairn-eval", vec!["cairn-syntax", "cairn-hash"]),
        (
            "cairn-store",
            vec![
                "cairn-util",
                "cairn-hash",
                "cairn-store-path",
                "cairn-nar",
                "cairn-narinfo",
                "cairn-derivation",
            ],
        ),
        ("cairn-sandbox", vec!["cairn-util"]),
        // L3
        ("cairn-substituter", with(&layers_0_1, &["cairn-store"])),
        ("cairn-profile", with(&layers_0_1, &["cairn-store"])),
        // L4
        (
            "cairn-build",
            with(
                &layers_0_1,
                &[
                    "cairn-derivation",
                    "cairn-store",
                    "cairn-substituter",
                    "cairn-sandbox",
                ],
            ),
        ),
        (
            "cairn-system",
            vec![
                "cairn-hash",
                "cairn-profile",
                "cairn-store",
                "cairn-store-path",
                "cairn-util",
            ],
        ),
        // L5
        // Layers 0 and 1 too: hashes and NAR hashing of imported sources.
        (
            "cairn-glue",
            with(&layers_0_1, &["cairn-eval", "cairn-store", "cairn-build"]),
        ),
        (
            "cairn-daemon",
            with(&layers_0_1, &["cairn-store", "cairn-build"]),
        ),
        // L6: everything except the test-support crate.
        ("cairn-cli", vec!["*"]),
        // Test support: anything, but only ever as a dev-dependency.
        ("cairn-test", vec!["*"]),
    ])
}

#[derive(Debug)]
struct Edge {
    from: String,
    to: String,
    /// `None` for a normal dependency, else `dev` or `build`.
    kind: Option<String>,
}

fn workspace_edges() -> (BTreeSet<String>, Vec<Edge>) {
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    let packages = metadata["packages"].as_array().unwrap();
    let members: BTreeSet<String> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    let mut edges = Vec::new();
    for package in packages {
        let from = package["name"].as_str().unwrap();
        for dependency in package["dependencies"].as_array().unwrap() {
            let to = dependency["name"].as_str().unwrap();
            if members.contains(to) {
                edges.push(Edge {
                    from: from.to_owned(),
                    to: to.to_owned(),
                    kind: dependency["kind"].as_str().map(str::to_owned),
                });
            }
        }
    }
    (members, edges)
}

/// Why `edge` breaks the layering, if it does.
fn violation(allowed: &BTreeMap<&str, Vec<&str>>, edge: &Edge) -> Option<String> {
    let is_dev = edge.kind.as_deref() == Some("dev");
    if edge.to == "cairn-test" {
        return (!is_dev).then(|| {
            format!(
                "{} -> cairn-test must be a dev-dependency ({:?})",
                edge.from, edge.kind
            )
        });
    }
    let targets = allowed.get(edge.from.as_str())?;
    let ok = targets.contains(&"*") || targets.contains(&edge.to.as_str());
    (!ok).then(|| {
        format!(
            "{} -> {} ({}) is not allowed; {} may depend on: {}",
            edge.from,
            edge.to,
            edge.kind.as_deref().unwrap_or("normal"),
            edge.from,
            if targets.is_empty() {
                "no workspace crate".to_owned()
            } else {
                targets.join(", ")
            }
        )
    })
}

#[test]
fn every_workspace_crate_is_in_the_layer_table() {
    let allowed = allowed();
    let (members, _) = workspace_edges();
    let missing: Vec<&String> = members
        .iter()
        .filter(|name| !allowed.contains_key(name.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "workspace crates missing from the layer table in {}: {missing:?}; \
         add them (and to shared/notes/style.md §7 and DESIGN.md)",
        file!()
    );
}

#[test]
fn dependencies_point_down_the_layers() {
    let allowed = allowed();
    let (_, edges) = workspace_edges();
    let violations: Vec<String> = edges
        .iter()
        .filter_map(|edge| violation(&allowed, edge))
        .collect();
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_check_catches_bad_edges() {
    let allowed = allowed();
    let edge = |from: &str, to: &str, kind: Option<&str>| Edge {
        from: from.to_owned(),
        to: to.to_owned(),
        kind: kind.map(str::to_owned),
    };
    assert!(violation(&allowed, &edge("cairn-eval", "cairn-store", None)).is_some());
    assert!(violation(&allowed, &edge("cairn-hash", "cairn-util", Some("build"))).is_some());
    assert!(violation(&allowed, &edge("cairn-nar", "cairn-test", None)).is_some());
    assert!(violation(&allowed, &edge("cairn-nar", "cairn-test", Some("dev"))).is_none());
    assert!(violation(&allowed, &edge("cairn-nar", "cairn-hash", None)).is_none());
    assert!(violation(&allowed, &edge("cairn-cli", "cairn-nar", None)).is_none());
    assert!(violation(&allowed, &edge("cairn-build", "cairn-settings", None)).is_none());
}
