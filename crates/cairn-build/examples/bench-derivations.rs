//! Writes N trivial derivations into a chroot store, for `bench/build.sh`.
//!
//! Usage: `bench-derivations ROOT N LAYERS NONCE` — opens (or creates) the
//! store under ROOT, imports `/bin/busybox` as `busybox/bin/{busybox,sh}`,
//! and writes N derivations `bench-NONCE-I` running `echo I > $out`, in
//! LAYERS layers (each derivation of layer L > 0 depends on one of layer
//! L - 1). Prints the `.drv` paths, one per line.

#![expect(clippy::print_stdout, reason = "an example program prints its result")]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use cairn_derivation::{Derivation, DerivationOutput, ModuloHasher};
use cairn_hash::HashAlgo;
use cairn_store::{LocalStore, Store};
use cairn_store_path::{FileIngestionMethod, StoreDir, StorePath};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, root, count, layers, nonce] = args.as_slice() else {
        return Err("usage: bench-derivations ROOT N LAYERS NONCE".into());
    };
    let count: usize = count.parse()?;
    let layers: usize = layers.parse::<usize>()?.max(1);
    let store = LocalStore::open(Path::new(root), StoreDir::default())?;
    let store_dir = store.store_dir().clone();

    let tree = tempfile::tempdir()?;
    std::fs::create_dir(tree.path().join("bin"))?;
    std::fs::copy("/bin/busybox", tree.path().join("bin/busybox"))?;
    std::os::unix::fs::symlink("busybox", tree.path().join("bin/sh"))?;
    let busybox = store.add_path_to_store(
        "busybox",
        tree.path(),
        FileIngestionMethod::Recursive,
        HashAlgo::Sha256,
        None,
    )?;
    let sh = format!("{}/bin/sh", store_dir.display(&busybox));
    let system = cairn_build::host_system();

    let mut written: BTreeMap<StorePath, Derivation> = BTreeMap::new();
    let mut previous_layer: Vec<StorePath> = Vec::new();
    let per_layer = count.div_ceil(layers);
    let mut paths = Vec::with_capacity(count);
    for layer in 0..layers {
        let mut this_layer = Vec::new();
        for j in 0..per_layer {
            let i = layer * per_layer + j;
            if i >= count {
                break;
            }
            let name = format!("bench-{nonce}-{i}");
            let mut drv = Derivation {
                system: system.clone().into(),
                builder: sh.clone().into(),
                args: vec!["-c".into(), format!("echo {i} > $out").into()],
                ..Derivation::default()
            };
            drv.input_srcs.insert(busybox.clone());
            if let Some(dep) = previous_layer.get(j % previous_layer.len().max(1)) {
                drv.input_drvs
                    .insert(dep.clone(), BTreeSet::from(["out".to_owned()]));
            }
            drv.outputs.insert("out".into(), DerivationOutput::Deferred);
            for (key, value) in [
                ("builder", sh.as_str()),
                ("name", &name),
                ("system", &system),
            ] {
                drv.env.insert(key.into(), value.into());
            }
            let mut hasher =
                ModuloHasher::new(store_dir.clone(), |p: &StorePath| written.get(p).cloned());
            drv.fill_in_output_paths(&name, &mut hasher)?;
            let references: BTreeSet<StorePath> = drv.references().cloned().collect();
            let path = store.add_text_to_store(
                &format!("{name}.drv"),
                &drv.to_aterm(&store_dir),
                &references,
            )?;
            written.insert(path.clone(), drv);
            this_layer.push(path.clone());
            paths.push(path);
        }
        previous_layer = this_layer;
    }
    for path in &paths {
        println!("{}", store_dir.display(path));
    }
    Ok(())
}
