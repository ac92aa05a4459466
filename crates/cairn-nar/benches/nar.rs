//! NAR + SHA-256 (`hash_path`) of a tree of large files and of a tree of
//! many small files, generated in a temporary directory.
//!
//! The sizes are fixed so the bench stays quick (256 MiB of large files,
//! 10,000 small files); `bench/hash-path.sh` at the repository root runs
//! the 1 GiB / 100,000-file comparison with Nix.
#![expect(missing_docs, reason = "criterion generates the entry point")]

use std::fs;
use std::path::Path;

use cairn_hash::HashAlgo;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Deterministic filler: a xorshift stream, so the files are not all zero.
fn fill(buf: &mut [u8], mut seed: u64) {
    for chunk in buf.chunks_mut(8) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let bytes = seed.to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
}

fn large_tree(root: &Path) -> u64 {
    fs::create_dir(root).unwrap();
    let mut data = vec![0u8; 64 << 20];
    for i in 0..4u64 {
        fill(&mut data, i + 1);
        fs::write(root.join(format!("large-{i}")), &data).unwrap();
    }
    4 * (64 << 20)
}

fn small_tree(root: &Path) -> u64 {
    fs::create_dir(root).unwrap();
    let mut data = vec![0u8; 4096];
    let mut total = 0;
    for d in 0..100u64 {
        let dir = root.join(format!("dir-{d:03}"));
        fs::create_dir(&dir).unwrap();
        for f in 0..100u64 {
            let size = ((d * 100 + f) * 37 % 4000) as usize;
            fill(&mut data[..size], d * 1000 + f + 1);
            fs::write(dir.join(format!("file-{f:03}.txt")), &data[..size]).unwrap();
            total += size as u64;
        }
    }
    total
}

fn hash_path(c: &mut Criterion) {
    let temp = tempfile::tempdir().unwrap();
    let large = temp.path().join("large");
    let large_bytes = large_tree(&large);
    let small = temp.path().join("small");
    small_tree(&small);

    let mut group = c.benchmark_group("hash_path");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(large_bytes));
    group.bench_function("large-256MiB-sha256", |b| {
        b.iter(|| cairn_nar::hash_path(&large, HashAlgo::Sha256).unwrap())
    });
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("small-10000-files-sha256", |b| {
        b.iter(|| cairn_nar::hash_path(&small, HashAlgo::Sha256).unwrap())
    });
    group.finish();
}

criterion_group!(benches, hash_path);
criterion_main!(benches);
