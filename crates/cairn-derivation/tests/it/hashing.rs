//! hashDerivationModulo and output paths, beyond the fixtures.

use std::collections::BTreeMap;

use cairn_derivation::{Derivation, DerivationOutput, DrvHashKind, HashModuloError, ModuloHasher};
use cairn_hash::{Encoding, Hash, HashAlgo};
use cairn_store_path::{FileIngestionMethod, StoreDir, StorePath};

use crate::fixtures_dir;

fn fixture(name_suffix: &str) -> (StorePath, Derivation) {
    for entry in std::fs::read_dir(fixtures_dir().join("drv")).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        if file.ends_with(&format!("-{name_suffix}.drv")) {
            let bytes = std::fs::read(fixtures_dir().join("drv").join(&file)).unwrap();
            return (
                file.parse().unwrap(),
                Derivation::from_aterm(&StoreDir::default(), &bytes).unwrap(),
            );
        }
    }
    panic!("no fixture {name_suffix}");
}

fn empty_resolver() -> BTreeMap<StorePath, Derivation> {
    BTreeMap::new()
}

#[test]
fn fixed_output_hash_is_of_its_output_only() {
    let store = StoreDir::default();
    let (_, drv) = fixture("fixed-recursive-sha1");
    let mut hasher = ModuloHasher::new(store.clone(), empty_resolver());
    let hash = hasher.hash_derivation_modulo(&drv, false).unwrap();
    let DerivationOutput::Fixed {
        path,
        hash: output_hash,
        method,
    } = &drv.outputs["out"]
    else {
        panic!("not fixed");
    };
    assert_eq!(*method, FileIngestionMethod::Recursive);
    let expected = Hash::digest(
        HashAlgo::Sha256,
        format!(
            "fixed:out:r:sha1:{}:{}",
            output_hash.encode(Encoding::Base16, false),
            store.display(path)
        )
        .as_bytes(),
    );
    assert_eq!(hash.hashes["out"], expected);
    assert_eq!(hash.kind, DrvHashKind::Regular);
    // The builder does not matter.
    let mut other = drv.clone();
    other.builder = "/bin/other".into();
    assert_eq!(hasher.hash_derivation_modulo(&other, false).unwrap(), hash);
}

#[test]
fn missing_input_is_named() {
    let store = StoreDir::default();
    let (_, drv) = fixture("deep-2");
    let (b_path, b) = fixture("deep-1");
    // deep-2's input resolves, but deep-1's input (deep-0) does not.
    let mut known = BTreeMap::new();
    known.insert(b_path.clone(), b);
    let mut hasher = ModuloHasher::new(store.clone(), known);
    let e = hasher.hash_derivation_modulo(&drv, true).unwrap_err();
    let HashModuloError::MissingInput {
        drv_path,
        needed_by,
    } = &e
    else {
        panic!("{e}");
    };
    assert!(drv_path.ends_with("-deep-0.drv"), "{drv_path}");
    assert_eq!(*needed_by, format!("'{}'", store.display(&b_path)));
    assert!(
        e.to_string().contains("-deep-0.drv' of '/nix/store/"),
        "{e}"
    );
}

#[test]
fn resolver_errors_carry_their_cause() {
    let store = StoreDir::default();
    let (_, drv) = fixture("chain-b");
    struct Failing;
    impl cairn_derivation::DerivationResolver for Failing {
        fn resolve(
            &mut self,
            _: &StorePath,
        ) -> Result<Option<Derivation>, cairn_derivation::ResolveError> {
            Err("disk on fire".into())
        }
    }
    let e = ModuloHasher::new(store, Failing)
        .hash_derivation_modulo(&drv, false)
        .unwrap_err();
    assert!(matches!(e, HashModuloError::Resolve { .. }));
    assert_eq!(
        std::error::Error::source(&e).unwrap().to_string(),
        "disk on fire"
    );
}

#[test]
fn inputs_are_resolved_once() {
    let store = StoreDir::default();
    let (_, top) = fixture("diamond-top");
    let mut calls: BTreeMap<StorePath, usize> = BTreeMap::new();
    let mut hasher = ModuloHasher::new(store, |path: &StorePath| {
        *calls.entry(path.clone()).or_default() += 1;
        let bytes = std::fs::read(fixtures_dir().join("drv").join(path.to_string())).ok()?;
        Some(Derivation::from_aterm(&StoreDir::default(), &bytes).unwrap())
    });
    hasher.hash_derivation_modulo(&top, true).unwrap();
    hasher.hash_derivation_modulo(&top, false).unwrap();
    drop(hasher);
    assert_eq!(calls.len(), 3);
    assert!(calls.values().all(|&n| n == 1), "{calls:?}");
}

#[test]
fn masking_blanks_outputs_and_their_variables() {
    let store = StoreDir::default();
    let (_, drv) = fixture("multiple-outputs");
    let masked = String::from_utf8(drv.to_masked_aterm(&store)).unwrap();
    assert!(masked.starts_with(r#"Derive([("dev","","",""),("lib","","",""),("out","","","")]"#));
    assert!(masked.contains(r#"("dev",""),("lib",""),("name","multiple-outputs"),("out","")"#));
    // The masked hash is what the output paths come from.
    let mut hasher = ModuloHasher::new(store.clone(), empty_resolver());
    let hash = hasher.hash_derivation_modulo(&drv, true).unwrap();
    assert_eq!(
        hash.hashes["out"],
        Hash::digest(HashAlgo::Sha256, masked.as_bytes())
    );
    for (output, value) in &drv.outputs {
        let path = store
            .make_output_path(output, &hash.hashes[output], "multiple-outputs")
            .unwrap();
        assert_eq!(value.path(), Some(&path));
    }
}

#[test]
fn structured_attrs_and_pass_as_file_hash_like_any_env() {
    let store = StoreDir::default();
    let mut hasher = ModuloHasher::new(store.clone(), empty_resolver());
    for name in ["structured", "pass-as-file", "structured-fixed"] {
        let (path, drv) = fixture(name);
        let mut again = drv.clone();
        again.fill_in_output_paths(name, &mut hasher).unwrap();
        assert_eq!(again, drv);
        assert_eq!(drv.drv_path(&store, name).unwrap(), path);
    }
    let (_, structured) = fixture("structured");
    assert!(structured.has_structured_attrs());
    let json = structured.env_var("__json").unwrap();
    assert!(json.starts_with(b"{\"builder\":\"/bin/sh\",\"flag\":false,"));
    // Changing the JSON changes the outputs.
    let mut changed = structured.clone();
    changed.env.insert("__json".into(), b"{}".as_slice().into());
    changed
        .fill_in_output_paths("structured", &mut hasher)
        .unwrap();
    assert_ne!(changed.outputs["out"], structured.outputs["out"]);
}

#[test]
fn deferred_inputs_defer_outputs() {
    let store = StoreDir::default();
    let mut hasher = ModuloHasher::new(store, |path: &StorePath| {
        let bytes = std::fs::read(fixtures_dir().join("drv").join(path.to_string())).ok()?;
        Some(Derivation::from_aterm(&StoreDir::default(), &bytes).unwrap())
    });
    let (path, _) = fixture("deferred-chain");
    assert_eq!(
        hasher.path_derivation_modulo(&path).unwrap().kind,
        DrvHashKind::Deferred
    );
    let (path, _) = fixture("impure");
    let hash = hasher.path_derivation_modulo(&path).unwrap();
    assert_eq!(hash.kind, DrvHashKind::Deferred);
    assert_eq!(
        hash.hashes["out"],
        Hash::digest(HashAlgo::Sha256, b"impure")
    );
}

/// A `.drv` path for a synthetic chain link.
fn link_path(i: usize) -> StorePath {
    let mut digest = [0u8; cairn_store_path::DIGEST_LEN];
    digest[..8].copy_from_slice(&(i as u64).to_le_bytes());
    StorePath::from_digest(&digest, &format!("link-{i}.drv")).unwrap()
}

/// Links `0..len`, each taking the previous one's `out` as input.
fn chain(len: usize, base: &Derivation) -> BTreeMap<StorePath, Derivation> {
    let mut drvs = BTreeMap::new();
    for i in 0..len {
        let mut drv = base.clone();
        drv.input_drvs.clear();
        drv.env.insert("i".into(), i.to_string().into());
        if i > 0 {
            drv.input_drvs
                .insert(link_path(i - 1), ["out".to_owned()].into());
        }
        drvs.insert(link_path(i), drv);
    }
    drvs
}

#[test]
fn a_very_deep_input_chain_does_not_exhaust_the_stack() {
    let (_, base) = fixture("deep-0");
    let len = 20_000;
    let drvs = chain(len, &base);
    // A thread with a small stack: recursion per input would overflow it.
    let hash = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let mut hasher = ModuloHasher::new(StoreDir::default(), drvs);
            hasher.path_derivation_modulo(&link_path(len - 1)).unwrap()
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(hash.kind, DrvHashKind::Regular);

    // The same as hashing the links one by one, bottom-up.
    let (_, base) = fixture("deep-0");
    let mut step = ModuloHasher::new(StoreDir::default(), chain(len, &base));
    for i in 0..len {
        step.path_derivation_modulo(&link_path(i)).unwrap();
    }
    assert_eq!(
        step.path_derivation_modulo(&link_path(len - 1)).unwrap(),
        hash
    );
}

#[test]
fn a_cycle_from_a_resolver_is_an_error_not_a_hang() {
    let (_, base) = fixture("deep-0");
    let mut drvs = chain(3, &base);
    drvs.get_mut(&link_path(0))
        .unwrap()
        .input_drvs
        .insert(link_path(2), ["out".to_owned()].into());
    let e = ModuloHasher::new(StoreDir::default(), drvs)
        .path_derivation_modulo(&link_path(2))
        .unwrap_err();
    assert!(matches!(e, HashModuloError::Cycle { .. }), "{e}");
    assert!(e.to_string().contains("depends on itself"), "{e}");
}
