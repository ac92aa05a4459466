//! The `.drv` files, `nix show-derivation` JSON and paths that the Nix 2.8
//! peer produced for `tests/fixtures/exprs/*.nix` (see `generate.sh`).

use std::collections::BTreeMap;

use cairn_derivation::{Derivation, DerivationJson, ModuloHasher, show_derivation_json};
use cairn_store_path::{StoreDir, StorePath};

use crate::fixtures_dir;

/// Every fixture `.drv`: its store path, its bytes and the parsed form.
fn fixture_drvs() -> Vec<(StorePath, Vec<u8>, Derivation)> {
    let store = StoreDir::default();
    let mut drvs = Vec::new();
    for entry in std::fs::read_dir(fixtures_dir().join("drv")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let path = StorePath::from_base_name(&name).unwrap();
        let bytes = std::fs::read(entry.path()).unwrap();
        let drv = Derivation::from_aterm(&store, &bytes)
            .unwrap_or_else(|e| panic!("{name} does not parse: {e}"));
        drvs.push((path, bytes, drv));
    }
    drvs.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(drvs.len() >= 60, "only {} fixture .drv files", drvs.len());
    drvs
}

/// Resolves input derivations from `tests/fixtures/drv/`.
fn resolve_from_fixtures(path: &StorePath) -> Option<Derivation> {
    let file = fixtures_dir().join("drv").join(path.to_string());
    let bytes = std::fs::read(file).ok()?;
    Some(Derivation::from_aterm(&StoreDir::default(), &bytes).unwrap())
}

fn drv_name(path: &StorePath) -> &str {
    Derivation::name_from_path(path).unwrap()
}

#[test]
fn every_fixture_round_trips_byte_for_byte() {
    let store = StoreDir::default();
    for (path, bytes, drv) in fixture_drvs() {
        assert!(
            drv.to_aterm(&store) == bytes,
            "{path} prints differently:\n{}\n{}",
            String::from_utf8_lossy(&drv.to_aterm(&store)),
            String::from_utf8_lossy(&bytes)
        );
    }
}

#[test]
fn show_derivation_json_matches_nix() {
    let store = StoreDir::default();
    let mut compared_as_values = 0;
    for (path, _, drv) in fixture_drvs() {
        let file = fixtures_dir().join("json").join(format!("{path}.json"));
        let nix = std::fs::read(&file).unwrap();
        // The exact bytes, raw non-UTF-8 bytes included.
        assert!(
            show_derivation_json(&store, [(&path, &drv)]) == nix,
            "{path}: JSON bytes differ"
        );
        // As JSON values, through serde, where Nix's output is valid JSON.
        let Ok(nix_value) = serde_json::from_slice::<serde_json::Value>(&nix) else {
            assert_eq!(drv_name(&path), "control-bytes", "{path}: invalid JSON");
            continue;
        };
        let ours: BTreeMap<String, DerivationJson> =
            [(store.display(&path), drv.to_json(&store))].into();
        assert_eq!(serde_json::to_value(&ours).unwrap(), nix_value, "{path}");
        // And back.
        let parsed: BTreeMap<String, DerivationJson> = serde_json::from_slice(&nix).unwrap();
        let back = parsed[&store.display(&path)].to_derivation(&store).unwrap();
        assert_eq!(back, drv, "{path}: JSON does not convert back");
        compared_as_values += 1;
    }
    assert!(compared_as_values >= 60);
}

#[test]
fn output_paths_and_drv_paths_match_nix() {
    let store = StoreDir::default();
    let mut hasher = ModuloHasher::new(store.clone(), resolve_from_fixtures);
    for (path, bytes, drv) in fixture_drvs() {
        let name = drv_name(&path);
        let mut recomputed = drv.clone();
        recomputed
            .fill_in_output_paths(name, &mut hasher)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(recomputed, drv, "{path}: outputs differ");
        assert!(recomputed.to_aterm(&store) == bytes);
        assert_eq!(drv.drv_path(&store, name).unwrap(), path);
    }
}

#[test]
fn manifest_matches_nix() {
    let store = StoreDir::default();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixtures_dir().join("manifest.json")).unwrap())
            .unwrap();
    let mut derivations = 0;
    let mut outputs_checked = 0;
    let mut hasher = ModuloHasher::new(store.clone(), resolve_from_fixtures);
    for (file, entries) in manifest.as_object().unwrap() {
        for (attr, entry) in entries.as_object().unwrap() {
            let drv_path = store
                .parse_path(entry["drvPath"].as_str().unwrap())
                .unwrap();
            let bytes = std::fs::read(fixtures_dir().join("drv").join(drv_path.to_string()))
                .unwrap_or_else(|e| panic!("{file} {attr}: {drv_path}: {e}"));
            let mut drv = Derivation::from_aterm(&store, &bytes).unwrap();
            assert_eq!(drv.drv_path(&store, drv_name(&drv_path)).unwrap(), drv_path);
            // Recompute from the blanked derivation, as instantiation does.
            drv.fill_in_output_paths(drv_name(&drv_path), &mut hasher)
                .unwrap();
            let out_paths = entry["outPaths"].as_object().unwrap();
            assert_eq!(out_paths.len(), drv.outputs.len(), "{file} {attr}");
            for (output, nix_path) in out_paths {
                let nix_path = nix_path.as_str().unwrap();
                let ours = drv.outputs[output].path().map(|p| store.display(p));
                if store.is_in_store(nix_path) {
                    assert_eq!(ours.as_deref(), Some(nix_path), "{file} {attr} {output}");
                    outputs_checked += 1;
                } else {
                    // Floating, deferred and impure outputs: a placeholder.
                    assert_eq!(ours, None, "{file} {attr} {output}");
                }
            }
            derivations += 1;
        }
    }
    assert!(
        derivations >= 30,
        "{derivations} derivations in the manifest"
    );
    assert!(outputs_checked >= 40);
}

#[test]
fn fixture_kinds_are_covered() {
    use cairn_derivation::{DerivationOutput, DerivationType};
    let mut seen = std::collections::BTreeSet::new();
    for (path, _, drv) in fixture_drvs() {
        seen.insert(format!("{:?}", drv.derivation_type().unwrap()));
        for output in drv.outputs.values() {
            seen.insert(
                match output {
                    DerivationOutput::InputAddressed(_) => "input-addressed",
                    DerivationOutput::Fixed { .. } => "fixed",
                    DerivationOutput::Floating { .. } => "floating",
                    DerivationOutput::Deferred => "deferred",
                    DerivationOutput::Impure { .. } => "impure",
                }
                .to_owned(),
            );
        }
        if drv.has_structured_attrs() {
            seen.insert("structured".to_owned());
        }
        if drv.derivation_type().unwrap() == (DerivationType::InputAddressed { deferred: false })
            && drv.outputs.len() == 3
        {
            seen.insert(format!("three outputs: {path}"));
        }
    }
    for kind in [
        "input-addressed",
        "fixed",
        "floating",
        "deferred",
        "impure",
        "structured",
    ] {
        assert!(seen.contains(kind), "no fixture with {kind}");
    }
}
