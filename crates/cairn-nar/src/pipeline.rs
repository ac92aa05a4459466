//! The archiving pipeline behind [`crate::dump_path`] and
//! [`crate::hash_path`].
//!
//! A tree of many small files costs four system calls per file (open,
//! stat, read, close), the same four Nix makes, and those calls are most of
//! the time. To go faster they are spread over worker threads while the
//! calling thread keeps the archive in order:
//!
//! 1. The calling thread walks the tree depth-first in NAR order (names
//!    sorted bytewise), using the file type `readdir` reports, and cuts the
//!    walk into [`Batch`]es of at most [`BATCH_FILES`] regular files. A
//!    batch is a list of [`Step`]s (entries, directory starts and ends,
//!    symlinks with their targets, files) plus the paths of its files.
//! 2. Worker threads take batches and fetch their files: open, `fstat`
//!    (owner-execute bit, size) and, for files up to [`INLINE_MAX`] bytes,
//!    the whole contents. Larger files are handed back open.
//! 3. The calling thread encodes batches strictly in order, streaming large
//!    files itself. At most [`AHEAD`] batches are in flight, which bounds
//!    memory to `AHEAD * BATCH_FILES * INLINE_MAX` bytes of contents.
//!
//! The archive does not depend on scheduling, and neither does the error:
//! a failure is recorded where it happens in archive order and reported
//! when the encoder reaches it, so the first error in NAR order wins.

use std::collections::{BTreeMap, VecDeque};
use std::ffi::OsString;
use std::fs::{self, File, FileType, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, mpsc};

use crate::MAX_DEPTH;
use crate::dump::DumpError;
use crate::encode::{EncodeError, Encoder};

/// Regular files per batch.
const BATCH_FILES: usize = 128;
/// Steps per batch, so that trees of empty directories or symlinks also
/// move along in bounded pieces.
const BATCH_STEPS: usize = 4 * BATCH_FILES;
/// Largest file a worker reads whole; larger ones are streamed by the
/// encoding thread through the encoder's buffer.
const INLINE_MAX: u64 = 32 * 1024;
/// Batches handed out ahead of the one being encoded.
const AHEAD: usize = 6;
/// Most worker threads, whatever the machine has.
const MAX_WORKERS: usize = 4;
/// Files at least this large are read on a second thread while the
/// encoding thread hashes (see [`read_ahead`]).
const READ_AHEAD_MIN: u64 = 1024 * 1024;
/// Size of one read-ahead chunk: large enough to amortise the system call
/// and the hand-over, small enough for a few to stay in cache.
const READ_AHEAD_CHUNK: usize = 256 * 1024;
/// Read-ahead chunks in flight per file.
const READ_AHEAD_CHUNKS: usize = 4;

/// One thing the encoder does, in archive order.
enum Step {
    /// A directory entry; the path's last component is its name.
    Entry(PathBuf),
    /// The directory at this path starts.
    StartDir(PathBuf),
    /// The directory at this path ends.
    EndDir(PathBuf),
    /// The next file of the batch.
    File,
    /// A symlink and its target.
    Symlink(PathBuf, OsString),
    /// The walk failed here.
    Fail(DumpError),
}

/// A piece of the walk.
#[derive(Default)]
struct Batch {
    steps: Vec<Step>,
    files: Vec<PathBuf>,
}

/// A regular file as a worker found it.
enum Fetched {
    /// The whole contents.
    Inline { executable: bool, data: Vec<u8> },
    /// Open, to be streamed.
    Open {
        executable: bool,
        size: u64,
        file: File,
    },
    /// Opening, stat'ing or reading failed.
    Failed(DumpError),
}

/// Depth-first walker that produces batches.
struct Walker {
    /// Remaining entries of each open directory, innermost last.
    stack: Vec<std::vec::IntoIter<(OsString, FileType)>>,
    /// Path of the node being visited.
    path: PathBuf,
    /// The root, not visited yet.
    root: Option<FileType>,
    /// Set once the walk has failed or finished.
    done: bool,
}

impl Walker {
    fn new(root: &Path, file_type: FileType) -> Walker {
        Walker {
            stack: Vec::new(),
            path: root.to_owned(),
            root: Some(file_type),
            done: false,
        }
    }

    /// Appends steps to `batch` until it is full or the walk ends.
    fn fill(&mut self, batch: &mut Batch) {
        if let Some(file_type) = self.root.take() {
            self.visit(file_type, batch, true);
        }
        while !self.done && batch.files.len() < BATCH_FILES && batch.steps.len() < BATCH_STEPS {
            let Some(frame) = self.stack.last_mut() else {
                self.done = true;
                break;
            };
            match frame.next() {
                Some((name, file_type)) => {
                    self.path.push(name);
                    batch.steps.push(Step::Entry(self.path.clone()));
                    self.visit(file_type, batch, false);
                }
                None => {
                    self.stack.pop();
                    batch.steps.push(Step::EndDir(self.path.clone()));
                    if !self.stack.is_empty() {
                        self.path.pop();
                    }
                }
            }
        }
    }

    /// Visits the node at `self.path`. Directories stay on the path until
    /// their end; every other node is popped off it here.
    fn visit(&mut self, file_type: FileType, batch: &mut Batch, is_root: bool) {
        if file_type.is_dir() {
            match self.open_directory() {
                Ok(entries) => {
                    batch.steps.push(Step::StartDir(self.path.clone()));
                    self.stack.push(entries.into_iter());
                }
                Err(error) => self.fail(batch, error),
            }
            return;
        }
        if file_type.is_file() {
            batch.files.push(self.path.clone());
            batch.steps.push(Step::File);
        } else if file_type.is_symlink() {
            match fs::read_link(&self.path) {
                Ok(target) => batch
                    .steps
                    .push(Step::Symlink(self.path.clone(), target.into_os_string())),
                Err(source) => {
                    let path = self.path.clone();
                    self.fail(batch, DumpError::ReadLink { path, source });
                }
            }
        } else {
            let path = self.path.clone();
            self.fail(
                batch,
                DumpError::UnsupportedType {
                    path,
                    kind: kind_name(file_type),
                },
            );
        }
        if !is_root {
            self.path.pop();
        }
    }

    /// Lists the directory at `self.path`, sorted by raw name bytes.
    fn open_directory(&self) -> Result<Vec<(OsString, FileType)>, DumpError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(DumpError::TooDeep {
                path: self.path.clone(),
            });
        }
        let read_dir_error = |source| DumpError::ReadDir {
            path: self.path.clone(),
            source,
        };
        let mut entries = Vec::new();
        for entry in fs::read_dir(&self.path).map_err(read_dir_error)? {
            let entry = entry.map_err(read_dir_error)?;
            // `d_type` where the filesystem reports it; an `lstat`
            // otherwise.
            let file_type = entry.file_type().map_err(|source| DumpError::Metadata {
                path: entry.path(),
                source,
            })?;
            entries.push((entry.file_name(), file_type));
        }
        entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        Ok(entries)
    }

    fn fail(&mut self, batch: &mut Batch, error: DumpError) {
        batch.steps.push(Step::Fail(error));
        self.done = true;
    }
}

/// How a file that a NAR cannot hold (socket, fifo, device) is named in
/// errors.
pub(crate) fn kind_name(file_type: FileType) -> &'static str {
    if file_type.is_socket() {
        "socket"
    } else if file_type.is_fifo() {
        "fifo"
    } else if file_type.is_block_device() {
        "block device"
    } else if file_type.is_char_device() {
        "character device"
    } else {
        "unknown"
    }
}

/// Opens, stats and (when small) reads one regular file.
fn fetch(path: &Path) -> Fetched {
    let read_error = |source| {
        Fetched::Failed(DumpError::ReadFile {
            path: path.to_owned(),
            source,
        })
    };
    // O_NONBLOCK: if the file was replaced by a FIFO since `readdir`,
    // opening it must not hang; the type check below rejects it.
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
    {
        Ok(file) => file,
        Err(source) => return read_error(source),
    };
    let metadata = match file.metadata() {
        Ok(metadata) => metadata,
        Err(source) => {
            return Fetched::Failed(DumpError::Metadata {
                path: path.to_owned(),
                source,
            });
        }
    };
    if !metadata.is_file() {
        return Fetched::Failed(DumpError::UnsupportedType {
            path: path.to_owned(),
            kind: kind_name(metadata.file_type()),
        });
    }
    let executable = metadata.permissions().mode() & 0o100 != 0;
    let size = metadata.len();
    if size > INLINE_MAX {
        return Fetched::Open {
            executable,
            size,
            file,
        };
    }
    // At most INLINE_MAX, so this fits in usize.
    let mut data = vec![0u8; size as usize];
    let mut filled = 0;
    let mut file = file;
    while filled < data.len() {
        match file.read(&mut data[filled..]) {
            Ok(0) => {
                return Fetched::Failed(DumpError::FileChanged {
                    path: path.to_owned(),
                    expected: size,
                    actual: filled as u64,
                });
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(source) => return read_error(source),
        }
    }
    Fetched::Inline { executable, data }
}

/// Maps an encoder error at `path` to a [`DumpError`].
fn encode_error(path: &Path, error: EncodeError) -> DumpError {
    match error {
        EncodeError::Write(e) => DumpError::Write(e),
        EncodeError::ReadContents(source) => DumpError::ReadFile {
            path: path.to_owned(),
            source,
        },
        EncodeError::ContentsTooShort { expected, actual } => DumpError::FileChanged {
            path: path.to_owned(),
            expected,
            actual,
        },
        EncodeError::InvalidTarget { .. } => DumpError::InvalidTarget {
            path: path.to_owned(),
        },
        EncodeError::TooDeep => DumpError::TooDeep {
            path: path.to_owned(),
        },
        other => DumpError::InvalidName {
            path: path.to_owned(),
            source: other,
        },
    }
}

/// Encodes one batch whose files were fetched as `fetched`.
fn encode_batch<W: Write>(
    encoder: &mut Encoder<W>,
    cores: usize,
    steps: Vec<Step>,
    files: &[PathBuf],
    fetched: Vec<Fetched>,
) -> Result<(), DumpError> {
    let mut files = files.iter().zip(fetched);
    for step in steps {
        match step {
            Step::Entry(path) => {
                let name = path.file_name().unwrap_or_default();
                encoder
                    .entry(name.as_bytes())
                    .map_err(|e| encode_error(&path, e))?;
            }
            Step::StartDir(path) => encoder
                .start_directory()
                .map_err(|e| encode_error(&path, e))?,
            Step::EndDir(path) => encoder
                .end_directory()
                .map_err(|e| encode_error(&path, e))?,
            Step::Symlink(path, target) => encoder
                .symlink(target.as_bytes())
                .map_err(|e| encode_error(&path, e))?,
            Step::Fail(error) => return Err(error),
            Step::File => {
                let Some((path, fetched)) = files.next() else {
                    // Every File step has its path and result.
                    continue;
                };
                match fetched {
                    Fetched::Inline { executable, data } => encoder
                        .regular_bytes(executable, &data)
                        .map_err(|e| encode_error(path, e))?,
                    Fetched::Open {
                        executable,
                        size,
                        file,
                    } if cores > 1 && size >= READ_AHEAD_MIN => {
                        read_ahead(encoder, executable, size, file)
                            .map_err(|e| encode_error(path, e))?
                    }
                    Fetched::Open {
                        executable,
                        size,
                        file,
                    } => encoder
                        .regular(executable, size, file)
                        .map_err(|e| encode_error(path, e))?,
                    Fetched::Failed(error) => return Err(error),
                }
            }
        }
    }
    Ok(())
}

/// A read-ahead buffer on its way to the encoder; dropping it hands the
/// buffer back to the reading thread.
struct Chunk<'a> {
    buffer: Vec<u8>,
    len: usize,
    recycle: &'a mpsc::Sender<Vec<u8>>,
}

impl AsRef<[u8]> for Chunk<'_> {
    fn as_ref(&self) -> &[u8] {
        &self.buffer[..self.len]
    }
}

impl Drop for Chunk<'_> {
    fn drop(&mut self) {
        // The reader may have finished; then the buffer is simply freed.
        let _ = self.recycle.send(std::mem::take(&mut self.buffer));
    }
}

/// Encodes a large file while a second thread reads it: the kernel's copy
/// into user memory then overlaps with hashing instead of adding to it.
/// The reader reads at most `size` bytes; if the file is shorter, the
/// encoder reports [`EncodeError::ContentsTooShort`].
fn read_ahead<W: Write>(
    encoder: &mut Encoder<W>,
    executable: bool,
    size: u64,
    mut file: File,
) -> Result<(), EncodeError> {
    let (full_sender, full_receiver) = mpsc::sync_channel(READ_AHEAD_CHUNKS);
    let (empty_sender, empty_receiver) = mpsc::channel::<Vec<u8>>();
    for _ in 0..READ_AHEAD_CHUNKS {
        let _ = empty_sender.send(vec![0u8; READ_AHEAD_CHUNK]);
    }
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut remaining = size;
            while remaining > 0 {
                let Ok(mut buffer) = empty_receiver.recv() else {
                    return;
                };
                let want = usize::try_from(remaining)
                    .unwrap_or(usize::MAX)
                    .min(buffer.len());
                let result = loop {
                    match file.read(&mut buffer[..want]) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        other => break other,
                    }
                };
                match result {
                    // The file is shorter than its size said.
                    Ok(0) => return,
                    Ok(n) => {
                        remaining -= n as u64;
                        if full_sender.send(Ok((buffer, n))).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = full_sender.send(Err(e));
                        return;
                    }
                }
            }
        });
        let chunks = full_receiver.iter().map(|item| {
            item.map(|(buffer, len)| Chunk {
                buffer,
                len,
                recycle: &empty_sender,
            })
        });
        let result = encoder.regular_chunks(executable, size, chunks);
        // On an early error the reader may be waiting to hand over a chunk
        // or for a free buffer: closing both channels ends it.
        drop(full_receiver);
        drop(empty_sender);
        result
    })
}

/// Archives the tree at `root` into `out`; returns the bytes written.
pub(crate) fn archive<W: Write>(root: &Path, out: W) -> Result<u64, DumpError> {
    let metadata = fs::symlink_metadata(root).map_err(|source| DumpError::Metadata {
        path: root.to_owned(),
        source,
    })?;
    let mut walker = Walker::new(root, metadata.file_type());
    let mut encoder = Encoder::new(out);
    // The CPUs this process may run on (its affinity mask, so `taskset`
    // counts): with one, threads would only take turns.
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);

    // A single file or symlink needs no threads.
    if !metadata.is_dir() {
        let mut batch = Batch::default();
        walker.fill(&mut batch);
        let fetched = batch.files.iter().map(|p| fetch(p)).collect();
        encode_batch(&mut encoder, cores, batch.steps, &batch.files, fetched)?;
        return finish(encoder, root);
    }

    let workers = cores.clamp(1, MAX_WORKERS);
    let (job_sender, job_receiver) = mpsc::sync_channel::<(usize, Vec<PathBuf>)>(AHEAD);
    let job_receiver = Mutex::new(job_receiver);
    let (result_sender, result_receiver) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let result_sender = result_sender.clone();
            let job_receiver = &job_receiver;
            scope.spawn(move || {
                loop {
                    let job = match job_receiver.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => return,
                    };
                    let Ok((index, files)) = job else { return };
                    let fetched: Vec<Fetched> = files.iter().map(|p| fetch(p)).collect();
                    if result_sender.send((index, files, fetched)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(result_sender);

        let mut pending: VecDeque<Vec<Step>> = VecDeque::new();
        let mut arrived = BTreeMap::new();
        let mut sent = 0usize;
        let mut encoded = 0usize;
        loop {
            while !walker.done && pending.len() < AHEAD {
                let mut batch = Batch::default();
                walker.fill(&mut batch);
                pending.push_back(batch.steps);
                // The workers outlive this loop, so the send succeeds.
                let _ = job_sender.send((sent, batch.files));
                sent += 1;
            }
            let Some(steps) = pending.pop_front() else {
                break;
            };
            let (files, fetched) = loop {
                if let Some(done) = arrived.remove(&encoded) {
                    break done;
                }
                match result_receiver.recv() {
                    Ok((index, files, fetched)) => {
                        arrived.insert(index, (files, fetched));
                    }
                    // Workers only stop early if one panicked.
                    Err(_) => {
                        return Err(DumpError::Write(io::Error::other(
                            "a NAR worker thread stopped unexpectedly",
                        )));
                    }
                }
            };
            encoded += 1;
            encode_batch(&mut encoder, cores, steps, &files, fetched)?;
        }
        // Let the workers see the end of the jobs.
        drop(job_sender);
        Ok(())
    })?;
    finish(encoder, root)
}

fn finish<W: Write>(encoder: Encoder<W>, root: &Path) -> Result<u64, DumpError> {
    match encoder.finish() {
        Ok((_, size)) => Ok(size),
        Err(error) => Err(encode_error(root, error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files on both sides of every size threshold, spread over more than
    /// one batch, archive exactly as the plain encoder writes them.
    #[test]
    fn every_size_class_matches_the_encoder() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("t");
        fs::create_dir(&root).unwrap();
        let sizes = [
            0,
            1,
            INLINE_MAX as usize,
            INLINE_MAX as usize + 1,
            READ_AHEAD_MIN as usize,
            READ_AHEAD_MIN as usize + READ_AHEAD_CHUNK * 3 + 12_345,
        ];
        let contents = |i: usize, size: usize| -> Vec<u8> {
            (0..size).map(|j| (i * 31 + j * 7) as u8).collect()
        };
        // Enough small files for several batches, then the size classes.
        let mut names: Vec<(String, Vec<u8>)> = (0..BATCH_FILES * 2 + 3)
            .map(|i| (format!("small-{i:04}"), contents(i, i % 50)))
            .collect();
        for (i, size) in sizes.iter().enumerate() {
            names.push((format!("z-{i}"), contents(i, *size)));
        }
        for (name, data) in &names {
            fs::write(root.join(name), data).unwrap();
        }
        names.sort();

        let mut expected = Encoder::new(Vec::new());
        expected.start_directory().unwrap();
        for (name, data) in &names {
            expected.entry(name.as_bytes()).unwrap();
            expected.regular_bytes(false, data).unwrap();
        }
        expected.end_directory().unwrap();
        let (expected, _) = expected.finish().unwrap();

        let mut got = Vec::new();
        let size = archive(&root, &mut got).unwrap();
        assert_eq!(size, got.len() as u64);
        assert!(got == expected, "archives differ");
        // A large file as the root goes through the read-ahead path too.
        let big = root.join("z-5");
        let mut single = Vec::new();
        archive(&big, &mut single).unwrap();
        let mut expected = Encoder::new(Vec::new());
        expected
            .regular_bytes(false, &fs::read(&big).unwrap())
            .unwrap();
        assert!(single == expected.finish().unwrap().0);
    }

    /// The first failure in archive order is the one reported, however the
    /// workers are scheduled.
    #[test]
    fn first_error_in_archive_order_wins() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("t");
        fs::create_dir(&root).unwrap();
        for i in 0..BATCH_FILES * 3 {
            fs::write(root.join(format!("f{i:04}")), b"x").unwrap();
        }
        let a = root.join("f0100-sock");
        let b = root.join("f0600-sock");
        let _a = std::os::unix::net::UnixListener::bind(&a).unwrap();
        let _b = std::os::unix::net::UnixListener::bind(&b).unwrap();
        for _ in 0..5 {
            match archive(&root, io::sink()) {
                Err(DumpError::UnsupportedType { path, .. }) => assert_eq!(path, a),
                other => panic!("{other:?}"),
            }
        }
    }
}
