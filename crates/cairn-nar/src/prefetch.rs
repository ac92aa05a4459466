//! Parallel prefetching of small files for [`crate::dump_path`] and
//! [`crate::hash_path`].
//!
//! For a tree of many small files, archiving is bound by four system calls
//! per file (`statx`, `openat`, `read`, `close`), which Nix 2.8 already
//! issues minimally. The only way to go faster is to issue them from
//! several threads: worker threads stat and read the regular files of the
//! directory being archived (up to [`WINDOW`] files ahead), and the
//! archiving thread consumes the results in name order, so the archive is
//! unchanged. Files larger than [`MAX_PREFETCH_SIZE`] are only stat'ed by
//! workers and then streamed by the archiving thread through one buffer.
//! Buffers are recycled through a small pool.

use std::fs::{DirEntry, File, Metadata};
use std::io::{self, Read};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender};

/// Largest file read whole by a worker.
pub(crate) const MAX_PREFETCH_SIZE: u64 = 64 * 1024;

/// How many files of one directory may be in flight ahead of the
/// archiving thread (bounds memory: `WINDOW * MAX_PREFETCH_SIZE` per open
/// directory).
pub(crate) const WINDOW: usize = 64;

/// Most buffers kept for reuse.
const POOL_SIZE: usize = 256;

/// What a worker found out about one regular file.
pub(crate) enum Fetched {
    /// The whole contents (the file is small).
    Contents { metadata: Metadata, data: Vec<u8> },
    /// Only the metadata (the file is large, or not a regular file any
    /// more: the archiving thread decides).
    Metadata(Metadata),
    /// `lstat` failed.
    MetadataError(io::Error),
    /// Opening or reading failed.
    ReadError(io::Error),
    /// The file had fewer bytes than `lstat` said.
    Short { expected: u64, actual: u64 },
}

/// A request to fetch entry number `index` of a directory.
pub(crate) struct Job {
    pub(crate) index: usize,
    pub(crate) entry: DirEntry,
    pub(crate) reply: Sender<(usize, Fetched)>,
}

/// The archiving thread's handle on the workers.
pub(crate) struct Prefetcher<'a> {
    pub(crate) jobs: Sender<Job>,
    pub(crate) pool: &'a Mutex<Vec<Vec<u8>>>,
}

impl Prefetcher<'_> {
    /// Returns a buffer to the pool.
    pub(crate) fn recycle(&self, buffer: Vec<u8>) {
        if let Ok(mut pool) = self.pool.lock() {
            if pool.len() < POOL_SIZE {
                pool.push(buffer);
            }
        }
    }
}

/// A worker: fetches jobs until the job channel closes.
pub(crate) fn worker(jobs: &Mutex<Receiver<Job>>, pool: &Mutex<Vec<Vec<u8>>>) {
    loop {
        let job = match jobs.lock() {
            Ok(receiver) => match receiver.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
            Err(_) => return,
        };
        let fetched = fetch(&job.entry, pool);
        // The archiving thread may have stopped on an error; fine.
        let _ = job.reply.send((job.index, fetched));
    }
}

fn fetch(entry: &DirEntry, pool: &Mutex<Vec<Vec<u8>>>) -> Fetched {
    let metadata = match entry.metadata() {
        Ok(metadata) => metadata,
        Err(e) => return Fetched::MetadataError(e),
    };
    let size = metadata.len();
    if !metadata.is_file() || size > MAX_PREFETCH_SIZE {
        return Fetched::Metadata(metadata);
    }
    let mut file = match File::open(entry.path()) {
        Ok(file) => file,
        Err(e) => return Fetched::ReadError(e),
    };
    let mut data = pool
        .lock()
        .ok()
        .and_then(|mut pool| pool.pop())
        .unwrap_or_default();
    data.clear();
    data.resize(size as usize, 0);
    let mut filled = 0;
    while filled < data.len() {
        match file.read(&mut data[filled..]) {
            Ok(0) => {
                return Fetched::Short {
                    expected: size,
                    actual: filled as u64,
                };
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Fetched::ReadError(e),
        }
    }
    Fetched::Contents { metadata, data }
}
