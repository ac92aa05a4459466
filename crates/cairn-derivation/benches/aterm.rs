//! Parsing and printing a large `.drv`.
#![expect(missing_docs, reason = "criterion generates the entry point")]

use std::collections::BTreeMap;
use std::hint::black_box;

use cairn_derivation::{Derivation, DerivationOutput};
use cairn_store_path::StoreDir;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn large_derivation(store: &StoreDir) -> Derivation {
    let mut drv = Derivation::default();
    for output in ["out", "dev", "lib", "doc"] {
        let path = store
            .text_path_for(&format!("big-{output}"), output.as_bytes(), [])
            .unwrap();
        drv.outputs
            .insert(output.to_owned(), DerivationOutput::InputAddressed(path));
    }
    for i in 0..200 {
        let path = store
            .text_path_for(&format!("input-{i}.drv"), format!("{i}").as_bytes(), [])
            .unwrap();
        drv.input_drvs
            .insert(path, ["out".to_owned(), "dev".to_owned()].into());
        let src = store
            .text_path_for(&format!("src-{i}"), format!("{i}").as_bytes(), [])
            .unwrap();
        drv.input_srcs.insert(src);
    }
    drv.system = "x86_64-linux".into();
    drv.builder = "/nix/store/00000000000000000000000000000000-bash/bin/bash".into();
    drv.args = (0..100).map(|i| format!("-e\targ {i}").into()).collect();
    let script: String = (0..2000)
        .map(|i| format!("echo \"line {i}\" \\\n  >> $out\n"))
        .collect();
    let mut env = BTreeMap::new();
    env.insert("buildCommand".into(), script.into());
    for i in 0..300 {
        env.insert(
            format!("VAR_{i}").into(),
            format!("value {i} with \"quotes\"").into(),
        );
    }
    drv.env = env;
    drv
}

fn bench(c: &mut Criterion) {
    let store = StoreDir::default();
    let drv = large_derivation(&store);
    let aterm = drv.to_aterm(&store);
    let mut group = c.benchmark_group("aterm");
    group.throughput(Throughput::Bytes(aterm.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| Derivation::from_aterm(&store, black_box(&aterm)).unwrap());
    });
    group.bench_function("print", |b| b.iter(|| black_box(&drv).to_aterm(&store)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
