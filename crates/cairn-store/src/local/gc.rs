//! Roots, liveness and garbage collection (see the locking protocol in the
//! parent module's docs).
//!
//! A path is **alive** when it is reachable from a root through
//! references (and, with `keep_derivations`, through a live path's deriver;
//! with `keep_outputs`, through a live derivation's recorded outputs).
//! Roots are:
//!
//! - symlinks under `gcroots/` and `profiles/` (searched recursively) that
//!   point into the store, or that point to a symlink that points into the
//!   store (indirect roots: `gcroots/auto/X → /home/u/result → store`; an
//!   `auto/` link whose target is gone is deleted);
//! - regular files under `gcroots/` named like a store path;
//! - every path in a live temp-roots file.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cairn_store_path::StorePath;
use cairn_util::{FileLock, LockMode, Operation};

use super::{LocalStore, fsops};
use crate::{Store, StoreError};

/// A GC root: where it is and which store path it keeps alive.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Root {
    /// The symlink or file that is the root, or the temp-roots file.
    pub link: PathBuf,
    /// The store path it keeps alive (not necessarily valid: a temporary
    /// root may name a path being built).
    pub path: StorePath,
    /// Whether it is a temporary root of a running process.
    pub temporary: bool,
}

/// What [`LocalStore::collect_garbage`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GcAction {
    /// Delete every dead path (`nix-store --gc`).
    DeleteDead,
    /// Only list the dead paths (`--print-dead`, `--dry-run`).
    PrintDead,
    /// Only list the live paths (`--print-live`).
    PrintLive,
    /// Delete exactly these paths, refusing any that is alive or still
    /// referred to by a path outside the set (`nix-store --delete`).
    DeleteSpecific(BTreeSet<StorePath>),
}

/// Options of [`LocalStore::collect_garbage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GcOptions {
    /// What to do.
    pub action: GcAction,
    /// Stop deleting once this many bytes are freed.
    pub max_freed: Option<u64>,
    /// Keep the derivers of live paths (Nix's `keep-derivations`, default
    /// on).
    pub keep_derivations: bool,
    /// Keep the outputs of live derivations (Nix's `keep-outputs`, default
    /// off).
    pub keep_outputs: bool,
}

impl Default for GcOptions {
    fn default() -> GcOptions {
        GcOptions {
            action: GcAction::DeleteDead,
            max_freed: None,
            keep_derivations: true,
            keep_outputs: false,
        }
    }
}

/// What a collection did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcResults {
    /// The paths deleted, or (for the print actions) listed, sorted.
    pub paths: Vec<StorePath>,
    /// Unregistered entries of the store directory that were deleted
    /// (debris of interrupted writes).
    pub debris_deleted: usize,
    /// Bytes freed, counting regular files with no other hard link.
    pub bytes_freed: u64,
    /// How long the collection took.
    pub elapsed: Duration,
}

/// How a live path was reached.
#[derive(Debug, Clone, Copy)]
enum Via {
    Root(usize),
    Path(i64),
}

/// The liveness computation over the loaded graph.
struct Liveness {
    ids: HashMap<String, i64>,
    /// Live path → how it was reached.
    parent: HashMap<i64, Via>,
}

impl LocalStore {
    /// Every root, temporary ones included, sorted by link.
    ///
    /// # Errors
    /// An I/O error reading the roots directories.
    pub fn find_roots(&self) -> Result<Vec<Root>, StoreError> {
        let mut roots = self.permanent_roots(false)?;
        roots.extend(self.temp_roots(false)?);
        roots.sort();
        Ok(roots)
    }

    fn permanent_roots(&self, remove_dangling: bool) -> Result<Vec<Root>, StoreError> {
        let mut roots = Vec::new();
        let gcroots = self.gcroots_dir();
        let auto = gcroots.join("auto");
        self.scan_roots(&gcroots, &auto, remove_dangling, &mut roots)?;
        self.scan_roots(&self.profiles_dir(), &auto, remove_dangling, &mut roots)?;
        Ok(roots)
    }

    fn scan_roots(
        &self,
        dir: &Path,
        auto: &Path,
        remove_dangling: bool,
        roots: &mut Vec<Root>,
    ) -> Result<(), StoreError> {
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(StoreError::io(Operation::ReadDir, dir, e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| StoreError::io(Operation::ReadDir, dir, e))?;
            let path = entry.path();
            let file_type = entry
                .file_type()
                .map_err(|e| StoreError::io(Operation::Stat, &path, e))?;
            if file_type.is_dir() {
                self.scan_roots(&path, auto, remove_dangling, roots)?;
            } else if file_type.is_symlink() {
                let target = resolve(&path)?;
                if let Some(store_path) = self.store_path_in(&target) {
                    roots.push(Root {
                        link: path,
                        path: store_path,
                        temporary: false,
                    });
                    continue;
                }
                match fs::symlink_metadata(&target) {
                    Ok(meta) if meta.file_type().is_symlink() => {
                        let second = resolve(&target)?;
                        if let Some(store_path) = self.store_path_in(&second) {
                            roots.push(Root {
                                link: target,
                                path: store_path,
                                temporary: false,
                            });
                        }
                    }
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        if remove_dangling && path.starts_with(auto) {
                            let _ = fs::remove_file(&path);
                        }
                    }
                    Err(e) => return Err(StoreError::io(Operation::Stat, &target, e)),
                }
            } else if file_type.is_file()
                && let Some(name) = path.file_name().and_then(|n| n.to_str())
                && let Ok(store_path) = StorePath::from_base_name(name)
            {
                roots.push(Root {
                    link: path,
                    path: store_path,
                    temporary: false,
                });
            }
        }
        Ok(())
    }

    /// The temporary roots of live handles; with `remove_stale`, also
    /// deletes the files of handles that are gone (only under the GC lock).
    fn temp_roots(&self, remove_stale: bool) -> Result<Vec<Root>, StoreError> {
        let dir = self.state_dir().join("temproots");
        let mut roots = Vec::new();
        for file in cairn_util::fs::read_dir_sorted(&dir)? {
            // A file whose lock can be taken belongs to a handle that is
            // gone: its roots protect nothing.
            if let Some(lock) = FileLock::try_acquire(&file, LockMode::Exclusive)? {
                if remove_stale {
                    let _ = fs::remove_file(&file);
                }
                drop(lock);
                continue;
            }
            let text = match fs::read_to_string(&file) {
                Ok(text) => text,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(StoreError::io(Operation::Read, &file, e)),
            };
            for line in text.lines() {
                if let Ok(path) = self.store_dir().parse_path(line) {
                    roots.push(Root {
                        link: file.clone(),
                        path,
                        temporary: true,
                    });
                }
            }
        }
        Ok(roots)
    }

    /// Marks everything reachable from `roots`.
    fn liveness(
        &self,
        graph: &super::db::Graph,
        roots: &[Root],
        options: &GcOptions,
    ) -> Result<Liveness, StoreError> {
        let ids: HashMap<String, i64> = graph
            .paths
            .iter()
            .map(|(id, path)| (path.clone(), *id))
            .collect();
        let mut outputs: HashMap<i64, Vec<i64>> = HashMap::new();
        if options.keep_outputs {
            for (drv, path) in self.db().all_derivation_outputs()? {
                if let Some(id) = ids.get(&path) {
                    outputs.entry(drv).or_default().push(*id);
                }
            }
        }
        let mut parent: HashMap<i64, Via> = HashMap::new();
        let mut queue = VecDeque::new();
        for (index, root) in roots.iter().enumerate() {
            if let Some(&id) = ids.get(&self.store_dir().display(&root.path))
                && !parent.contains_key(&id)
            {
                parent.insert(id, Via::Root(index));
                queue.push_back(id);
            }
        }
        while let Some(id) = queue.pop_front() {
            let mut next: Vec<i64> = graph.references.get(&id).cloned().unwrap_or_default();
            if options.keep_derivations
                && let Some(deriver) = graph.derivers.get(&id)
                && let Some(&d) = ids.get(deriver)
            {
                next.push(d);
            }
            if let Some(outs) = outputs.get(&id) {
                next.extend(outs);
            }
            for n in next {
                if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(n) {
                    e.insert(Via::Path(id));
                    queue.push_back(n);
                }
            }
        }
        Ok(Liveness { ids, parent })
    }

    /// The chain from a root to the live path `id`: the root's link, then
    /// the store paths from the root's path down to `id`'s.
    fn chain(graph: &super::db::Graph, roots: &[Root], live: &Liveness, id: i64) -> Vec<String> {
        let mut chain = Vec::new();
        let mut current = id;
        loop {
            chain.push(graph.paths[&current].clone());
            match live.parent[&current] {
                Via::Path(p) => current = p,
                Via::Root(r) => {
                    let root = &roots[r];
                    let label = if root.temporary {
                        format!("{} (temporary root)", root.link.display())
                    } else {
                        root.link.display().to_string()
                    };
                    chain.push(label);
                    break;
                }
            }
        }
        chain.reverse();
        chain
    }

    /// Why `path` is alive: a root's link, then the store paths leading
    /// from it to `path`; `None` when it is dead (or not valid).
    ///
    /// # Errors
    /// An I/O or database error.
    pub fn why_alive(&self, path: &StorePath) -> Result<Option<Vec<String>>, StoreError> {
        let roots = self.find_roots()?;
        let graph = self.db().graph()?;
        let live = self.liveness(&graph, &roots, &GcOptions::default())?;
        let Some(&id) = live.ids.get(&self.store_dir().display(path)) else {
            return Ok(None);
        };
        if !live.parent.contains_key(&id) {
            return Ok(None);
        }
        Ok(Some(Self::chain(&graph, &roots, &live, id)))
    }

    /// A shortest chain of references from `from` to `to` (both included),
    /// or `None` when `from`'s closure does not contain `to`.
    ///
    /// # Errors
    /// `from` not valid; a database error.
    pub fn why_depends(
        &self,
        from: &StorePath,
        to: &StorePath,
    ) -> Result<Option<Vec<StorePath>>, StoreError> {
        if !self.is_valid_path(from)? {
            return Err(StoreError::InvalidPath {
                path: self.store_dir().display(from),
            });
        }
        let mut parent: HashMap<StorePath, Option<StorePath>> = HashMap::new();
        parent.insert(from.clone(), None);
        let mut queue = VecDeque::from([from.clone()]);
        while let Some(current) = queue.pop_front() {
            if &current == to {
                let mut chain = vec![current.clone()];
                let mut at = current;
                while let Some(Some(p)) = parent.get(&at) {
                    chain.push(p.clone());
                    at = p.clone();
                }
                chain.reverse();
                return Ok(Some(chain));
            }
            let Some(info) = self.query_path_info(&current)? else {
                continue;
            };
            for r in info.info.references {
                if !parent.contains_key(&r) {
                    parent.insert(r.clone(), Some(current.clone()));
                    queue.push_back(r);
                }
            }
        }
        Ok(None)
    }

    /// Collects garbage; see [`GcAction`] and the module docs.
    ///
    /// # Errors
    /// A path to delete that is alive or referred to; an I/O or database
    /// error (paths deleted before it stay deleted).
    pub fn collect_garbage(&self, options: &GcOptions) -> Result<GcResults, StoreError> {
        let start = Instant::now();
        let _gc = FileLock::acquire(self.gc_lock_path(), LockMode::Exclusive)?;
        let mut results = GcResults::default();
        let deleting = matches!(
            options.action,
            GcAction::DeleteDead | GcAction::DeleteSpecific(_)
        );
        let mut roots = self.permanent_roots(deleting)?;
        roots.extend(self.temp_roots(true)?);
        let graph = self.db().graph()?;
        let live = self.liveness(&graph, &roots, options)?;

        let dead: Vec<i64> = match &options.action {
            GcAction::PrintLive => {
                results.paths = self.sorted_paths(&graph, live.parent.keys().copied())?;
                results.elapsed = start.elapsed();
                return Ok(results);
            }
            GcAction::PrintDead => {
                let dead = graph
                    .paths
                    .keys()
                    .copied()
                    .filter(|id| !live.parent.contains_key(id));
                results.paths = self.sorted_paths(&graph, dead)?;
                results.elapsed = start.elapsed();
                return Ok(results);
            }
            GcAction::DeleteDead => graph
                .paths
                .keys()
                .copied()
                .filter(|id| !live.parent.contains_key(id))
                .collect(),
            GcAction::DeleteSpecific(paths) => {
                self.check_deletable(&graph, &roots, &live, paths)?
            }
        };

        let order = referrers_first(&graph, &dead);
        let trash = self
            .real_store_dir()
            .join(format!(".cairn-trash-{}", std::process::id()));
        self.remove_debris_trash()?;
        cairn_util::fs::create_dir_all(&trash)?;
        let batch = if options.max_freed.is_some() {
            1
        } else {
            16_384
        };
        // Once a batch's rows are gone its files may go in any order; the
        // directory's own order (hash order on ext4) touches each directory
        // block once instead of at random, which makes unlinking much
        // cheaper in a large store.
        let position = if batch > 1 {
            self.directory_order()?
        } else {
            HashMap::new()
        };
        let mut deleted = Vec::new();
        'batches: for chunk in order.chunks(batch) {
            self.db().invalidate(chunk)?;
            let mut bases: Vec<(usize, &str)> = chunk
                .iter()
                .map(|id| {
                    let base = graph.paths[id].rsplit('/').next().unwrap_or_default();
                    (position.get(base).copied().unwrap_or(usize::MAX), base)
                })
                .collect();
            bases.sort_unstable();
            for (_, base) in bases {
                let real = self.real_store_dir().join(base);
                results.bytes_freed += fsops::delete_object(&real, &trash.join(base))?;
            }
            deleted.extend_from_slice(chunk);
            if options
                .max_freed
                .is_some_and(|max| results.bytes_freed >= max)
            {
                break 'batches;
            }
        }
        let _ = fs::remove_dir(&trash);
        if options.action == GcAction::DeleteDead
            && options
                .max_freed
                .is_none_or(|max| results.bytes_freed < max)
        {
            let protected: HashSet<String> = roots.iter().map(|r| r.path.base_name()).collect();
            self.delete_debris(&protected, &mut results)?;
            results.bytes_freed += self.clean_links()?;
        }
        results.paths = self.sorted_paths(&graph, deleted.into_iter())?;
        results.elapsed = start.elapsed();
        Ok(results)
    }

    /// Each entry of the store directory by its position in `readdir`.
    fn directory_order(&self) -> Result<HashMap<String, usize>, StoreError> {
        let dir = self.real_store_dir();
        let mut position = HashMap::new();
        for (index, entry) in cairn_util::fs::read_dir(dir)?.enumerate() {
            let entry = entry.map_err(|e| StoreError::io(Operation::ReadDir, dir, e))?;
            if let Ok(name) = entry.file_name().into_string() {
                position.insert(name, index);
            }
        }
        Ok(position)
    }

    fn sorted_paths(
        &self,
        graph: &super::db::Graph,
        ids: impl Iterator<Item = i64>,
    ) -> Result<Vec<StorePath>, StoreError> {
        let mut paths = ids
            .map(|id| self.parse_logical(&graph.paths[&id]))
            .collect::<Result<Vec<_>, _>>()?;
        paths.sort();
        Ok(paths)
    }

    fn check_deletable(
        &self,
        graph: &super::db::Graph,
        roots: &[Root],
        live: &Liveness,
        paths: &BTreeSet<StorePath>,
    ) -> Result<Vec<i64>, StoreError> {
        let mut ids = Vec::new();
        for path in paths {
            let text = self.store_dir().display(path);
            let Some(&id) = live.ids.get(&text) else {
                return Err(StoreError::InvalidPath { path: text });
            };
            if live.parent.contains_key(&id) {
                return Err(StoreError::StillAlive {
                    path: text,
                    chain: Self::chain(graph, roots, live, id),
                });
            }
            ids.push(id);
        }
        let set: HashSet<i64> = ids.iter().copied().collect();
        for (referrer, references) in &graph.references {
            if set.contains(referrer) {
                continue;
            }
            for reference in references {
                if set.contains(reference) {
                    return Err(StoreError::Referenced {
                        path: graph.paths[reference].clone(),
                        referrer: graph.paths[referrer].clone(),
                    });
                }
            }
        }
        Ok(ids)
    }

    /// Removes trash directories left by collections that crashed.
    fn remove_debris_trash(&self) -> Result<(), StoreError> {
        for entry in cairn_util::fs::read_dir(self.real_store_dir())? {
            let entry =
                entry.map_err(|e| StoreError::io(Operation::ReadDir, self.real_store_dir(), e))?;
            if entry
                .file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(".cairn-trash-"))
            {
                fsops::delete_tree(&entry.path())?;
            }
        }
        Ok(())
    }

    /// Deletes unregistered entries of the store directory that are not
    /// temporary roots: half-written objects of crashed writers, and the
    /// scratch stores (`.cairn-scratch-DRV`) of killed builds. Writers
    /// that are alive hold the GC lock shared, so none is mid-write now;
    /// a live build holds its `.drv` as a temporary root.
    fn delete_debris(
        &self,
        protected: &HashSet<String>,
        results: &mut GcResults,
    ) -> Result<(), StoreError> {
        let dir = self.real_store_dir();
        let valid_now: HashSet<String> = self
            .db()
            .all_paths()?
            .into_iter()
            .filter_map(|p| p.rsplit('/').next().map(str::to_owned))
            .collect();
        for entry in cairn_util::fs::read_dir(dir)? {
            let entry = entry.map_err(|e| StoreError::io(Operation::ReadDir, dir, e))?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let debris = if name.starts_with(".cairn-add-") {
                true
            } else if let Some(drv) = name.strip_prefix(".cairn-scratch-") {
                // A build's scratch store, named after its `.drv`, which
                // the building process holds as a temporary root.
                !protected.contains(drv)
            } else if name.starts_with('.') || name.ends_with(".lock") {
                false
            } else {
                StorePath::from_base_name(&name).is_ok()
                    && !valid_now.contains(&name)
                    && !protected.contains(&name)
            };
            if debris {
                results.bytes_freed += fsops::delete_tree(&entry.path())?;
                results.debris_deleted += 1;
            }
        }
        Ok(())
    }

    /// Deletes entries of `.links` that no store object uses any more.
    fn clean_links(&self) -> Result<u64, StoreError> {
        use std::os::unix::fs::MetadataExt;
        let links = self.real_store_dir().join(".links");
        let entries = match fs::read_dir(&links) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(StoreError::io(Operation::ReadDir, &links, e)),
        };
        let mut freed = 0;
        for entry in entries {
            let entry = entry.map_err(|e| StoreError::io(Operation::ReadDir, &links, e))?;
            let path = entry.path();
            let meta = fs::symlink_metadata(&path)
                .map_err(|e| StoreError::io(Operation::Stat, &path, e))?;
            if meta.nlink() == 1 {
                fs::remove_file(&path).map_err(|e| StoreError::io(Operation::Remove, &path, e))?;
                freed += meta.len();
            }
        }
        Ok(freed)
    }
}

/// Where a symlink points, made absolute against its directory.
fn resolve(link: &Path) -> Result<PathBuf, StoreError> {
    let target = cairn_util::fs::read_link(link)?;
    Ok(if target.is_absolute() {
        target
    } else {
        link.parent().unwrap_or(Path::new("/")).join(target)
    })
}

/// Orders `ids` so that every path comes before the paths it refers to.
fn referrers_first(graph: &super::db::Graph, ids: &[i64]) -> Vec<i64> {
    let set: HashSet<i64> = ids.iter().copied().collect();
    let mut done: HashSet<i64> = HashSet::new();
    let mut post = Vec::with_capacity(ids.len());
    let mut sorted_ids = ids.to_vec();
    sorted_ids.sort_unstable();
    for &start in &sorted_ids {
        if !done.insert(start) {
            continue;
        }
        // Iterative DFS: (node, index of the next reference to visit).
        let mut stack = vec![(start, 0usize)];
        while let Some((node, next)) = stack.last_mut() {
            let refs = graph.references.get(node).map_or(&[][..], Vec::as_slice);
            if let Some(&r) = refs.get(*next) {
                *next += 1;
                if set.contains(&r) && done.insert(r) {
                    stack.push((r, 0));
                }
            } else {
                post.push(*node);
                stack.pop();
            }
        }
    }
    post.reverse();
    post
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referrers_come_before_their_references() {
        // 1 → 2 → 3, 1 → 3, 4 → 2; 5 alone; 6 → 1 (6 is not deleted).
        let mut graph = crate::local::db::Graph::default();
        for (from, to) in [(1, 2), (2, 3), (1, 3), (4, 2), (6, 1)] {
            graph.references.entry(from).or_default().push(to);
        }
        let order = referrers_first(&graph, &[3, 2, 1, 4, 5]);
        assert_eq!(order.len(), 5);
        let at = |id: i64| order.iter().position(|&x| x == id).unwrap();
        assert!(at(1) < at(2) && at(2) < at(3) && at(1) < at(3));
        assert!(at(4) < at(2));
    }
}
