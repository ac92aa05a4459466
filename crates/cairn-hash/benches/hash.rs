//! Throughput of each algorithm on 1 MiB buffers.
#![expect(missing_docs, reason = "criterion generates the entry point")]

use cairn_hash::{Hash, HashAlgo};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn algorithms(c: &mut Criterion) {
    let data = vec![0x5au8; 1 << 20];
    let mut group = c.benchmark_group("digest-1MiB");
    group.throughput(Throughput::Bytes(data.len() as u64));
    for algo in HashAlgo::ALL {
        group.bench_function(algo.name(), |b| b.iter(|| Hash::digest(algo, &data)));
    }
    group.finish();
}

criterion_group!(benches, algorithms);
criterion_main!(benches);
