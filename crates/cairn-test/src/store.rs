//! A temporary chroot store with busybox in it, and a way to write
//! derivations into it: the fixture of every test that really builds.
//!
//! Busybox (`/bin/busybox`, Debian's busybox-static) is the one program the
//! builds run; [`TempStore::new`] imports it as `HASH-busybox/bin/{busybox,
//! sh, cat, …}`, and [`TempStore::derivation`] starts a derivation whose
//! builder is its `sh` with `PATH` set to its applets. Derivations are
//! written with their output paths filled in (their inputs' `.drv` files
//! are remembered, for hashing modulo), so tests can name outputs before
//! building.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cairn_build::{
    BuildConfig, BuildError, BuildEvent, BuildObserver, BuildOptions, Builder, DerivedPath,
    OutputSelection, Realisation,
};
use cairn_derivation::{Derivation, DerivationOutput, ModuloHasher};
use cairn_hash::{Hash, HashAlgo};
use cairn_store::{LocalStore, Store};
use cairn_store_path::{FileIngestionMethod, StoreDir, StorePath};

/// A chroot store under a temporary directory, with busybox imported as
/// `HASH-busybox/bin/{busybox,sh,…}`.
pub struct TempStore {
    /// The temporary directory: the store's root is `root/` in it
    /// (unless made with [`TempStore::at`]).
    pub dir: tempfile::TempDir,
    root: PathBuf,
    /// The store.
    pub store: Arc<LocalStore>,
    /// Busybox's store path.
    pub busybox: StorePath,
    drvs: BTreeMap<StorePath, Derivation>,
}

/// A [`BuildObserver`] that collects the events tests look at.
#[derive(Default)]
pub struct Recorder {
    /// The derivations started, in order.
    pub started: Vec<StorePath>,
    /// Every log line, lossily decoded.
    pub log: Vec<String>,
    /// The build directories kept (`--keep-failed`).
    pub kept: Vec<PathBuf>,
}

impl BuildObserver for Recorder {
    fn on_event(&mut self, event: &BuildEvent<'_>) {
        match event {
            BuildEvent::Started { drv, .. } => self.started.push((*drv).clone()),
            BuildEvent::Log { line, .. } => self.log.push(String::from_utf8_lossy(line).into()),
            BuildEvent::KeptBuildDir { dir, .. } => self.kept.push(dir.to_path_buf()),
            _ => {}
        }
    }
}

/// The applets the test scripts use.
const APPLETS: &[&str] = &[
    "sh", "cat", "echo", "mkdir", "touch", "sleep", "seq", "ln", "ls", "cp", "printf", "true",
    "false", "env", "id", "wc", "test", "sed", "sort", "mkfifo", "mknod", "nc", "head",
];

impl TempStore {
    /// A fresh store with busybox imported.
    ///
    /// # Panics
    ///
    /// When the store cannot be made or `/bin/busybox` is missing.
    #[expect(clippy::new_without_default, reason = "a fixture with side effects")]
    pub fn new() -> TempStore {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        TempStore::open(dir, root)
    }

    /// A store at `root` (made if missing, shared with other handles or
    /// processes, as the CLI's tests do) with busybox imported; the
    /// temporary directory then holds only busybox's tree and build
    /// directories.
    ///
    /// # Panics
    ///
    /// When the store cannot be opened or `/bin/busybox` is missing.
    pub fn at(root: &Path) -> TempStore {
        TempStore::open(tempfile::tempdir().unwrap(), root.to_owned())
    }

    fn open(dir: tempfile::TempDir, root: PathBuf) -> TempStore {
        let store = Arc::new(LocalStore::open(&root, StoreDir::default()).unwrap());
        let tree = dir.path().join("busybox");
        std::fs::create_dir_all(tree.join("bin")).unwrap();
        std::fs::copy("/bin/busybox", tree.join("bin/busybox")).unwrap();
        for applet in APPLETS {
            std::os::unix::fs::symlink("busybox", tree.join("bin").join(applet)).unwrap();
        }
        let busybox = store
            .add_path_to_store(
                "busybox",
                &tree,
                FileIngestionMethod::Recursive,
                HashAlgo::Sha256,
                None,
            )
            .unwrap();
        TempStore {
            dir,
            root,
            store,
            busybox,
            drvs: BTreeMap::new(),
        }
    }

    /// The store directory (`/nix/store`).
    pub fn store_dir(&self) -> &StoreDir {
        self.store.store_dir()
    }

    /// `path` as a string under the store directory.
    pub fn display(&self, path: &StorePath) -> String {
        self.store_dir().display(path)
    }

    /// A build configuration for this store: one job, one core, logs
    /// under the root, build directories inside the temporary directory.
    pub fn config(&self) -> BuildConfig {
        BuildConfig {
            log_dir: self.root.join("nix/var/cairn/log"),
            build_dir_parent: self.dir.path().join("tmp"),
            system: cairn_build::host_system(),
            max_jobs: 1,
            cores: 1,
            sandbox_paths: Vec::new(),
            max_processes: Some(256),
            mirrors: cairn_build::Mirrors::new(),
        }
    }

    /// A builder with [`TempStore::config`].
    pub fn builder(&self) -> Builder {
        Builder::new(self.store.clone(), self.config())
    }

    /// A derivation running `script` with busybox's `sh`, `PATH` set to
    /// busybox's applets.
    pub fn derivation(&mut self, name: &str, script: &str) -> DrvBuilder<'_> {
        let sh = format!("{}/bin/sh", self.display(&self.busybox));
        let mut drv = Derivation {
            system: cairn_build::host_system().into(),
            builder: sh.clone().into(),
            args: vec![
                "-c".into(),
                format!("export PATH={}/bin; {script}", self.display(&self.busybox)).into(),
            ],
            ..Derivation::default()
        };
        drv.input_srcs.insert(self.busybox.clone());
        drv.outputs.insert("out".into(), DerivationOutput::Deferred);
        for (key, value) in [
            ("builder", sh.as_str()),
            ("name", name),
            ("system", &cairn_build::host_system()),
        ] {
            drv.env.insert(key.into(), value.into());
        }
        DrvBuilder {
            test: self,
            name: name.to_owned(),
            drv,
        }
    }

    /// Writes `drv` into the store.
    fn add(&mut self, name: &str, mut drv: Derivation) -> StorePath {
        let store_dir = self.store_dir().clone();
        let mut hasher = ModuloHasher::new(store_dir.clone(), self.drvs.clone());
        drv.fill_in_output_paths(name, &mut hasher).unwrap();
        let references: BTreeSet<StorePath> = drv.references().cloned().collect();
        let path = self
            .store
            .add_text_to_store(
                &format!("{name}.drv"),
                &drv.to_aterm(&store_dir),
                &references,
            )
            .unwrap();
        self.drvs.insert(path.clone(), drv);
        path
    }

    /// The path of `drv`'s `output` (`drv` written by this fixture).
    pub fn output(&self, drv: &StorePath, output: &str) -> StorePath {
        self.drvs[drv].outputs[output].path().unwrap().clone()
    }

    /// Where `path` is on disk.
    pub fn real(&self, path: &StorePath) -> PathBuf {
        self.store.real_path(path)
    }

    /// Builds all outputs of `drvs`.
    ///
    /// # Errors
    ///
    /// The builder's.
    pub fn realise_with(
        &self,
        drvs: &[&StorePath],
        options: &BuildOptions,
        observer: &mut dyn BuildObserver,
    ) -> Result<Realisation, BuildError> {
        let targets: Vec<DerivedPath> = drvs
            .iter()
            .map(|drv| DerivedPath::Built {
                drv: (*drv).clone(),
                outputs: OutputSelection::All,
            })
            .collect();
        self.builder().realise(&targets, options, observer)
    }

    /// Builds all outputs of `drvs` with default options.
    ///
    /// # Errors
    ///
    /// The builder's.
    pub fn realise(&self, drvs: &[&StorePath]) -> Result<Realisation, BuildError> {
        self.realise_with(drvs, &BuildOptions::default(), &mut Recorder::default())
    }

    /// Every valid path and every entry of the real store directory, to
    /// compare before and after a failure.
    pub fn snapshot(&self) -> (Vec<StorePath>, Vec<String>) {
        let valid = self.store.query_all_valid_paths().unwrap();
        let mut entries: Vec<String> = std::fs::read_dir(self.store.real_store_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        entries.sort();
        (valid, entries)
    }

    /// Whether `path` is valid in the store.
    pub fn is_valid(&self, path: &StorePath) -> bool {
        self.store.is_valid_path(path).unwrap()
    }
}

/// A derivation being put together.
pub struct DrvBuilder<'a> {
    test: &'a mut TempStore,
    name: String,
    drv: Derivation,
}

impl DrvBuilder<'_> {
    /// Uses output `output` of `drv` (its path is in `$NAME` when the
    /// caller sets an env var to it).
    pub fn input(mut self, drv: &StorePath, output: &str) -> Self {
        self.drv
            .input_drvs
            .entry(drv.clone())
            .or_default()
            .insert(output.to_owned());
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.drv.env.insert(key.into(), value.into());
        self
    }

    /// Sets an environment variable to the path of `drv`'s `output`, and
    /// uses it as an input.
    pub fn env_output(self, key: &str, drv: &StorePath, output: &str) -> Self {
        let path = self.test.display(&self.test.output(drv, output));
        self.input(drv, output).env(key, &path)
    }

    /// Declares the outputs (default: `out`).
    pub fn outputs(mut self, names: &[&str]) -> Self {
        self.drv.outputs = names
            .iter()
            .map(|n| ((*n).to_owned(), DerivationOutput::Deferred))
            .collect();
        self.drv
            .env
            .insert("outputs".into(), names.join(" ").into());
        self
    }

    /// Makes it a fixed-output derivation.
    pub fn fixed(mut self, method: FileIngestionMethod, hash: Hash) -> Self {
        let path = self
            .test
            .store_dir()
            .make_fixed_output_path(method, &hash, &self.name, [], false)
            .unwrap();
        self.drv.outputs = BTreeMap::from([(
            "out".to_owned(),
            DerivationOutput::Fixed { method, hash, path },
        )]);
        self
    }

    /// Replaces the builder (for `builtin:fetchurl`).
    pub fn builtin(mut self, builder: &str) -> Self {
        self.drv.builder = builder.into();
        self.drv.args.clear();
        self.drv.input_srcs.clear();
        self.drv.env.insert("builder".into(), builder.into());
        self
    }

    /// Writes the derivation into the store; returns its path.
    pub fn add(self) -> StorePath {
        let name = self.name.clone();
        self.test.add(&name, self.drv)
    }
}

/// The contents of `path` as UTF-8.
///
/// # Panics
///
/// When it cannot be read.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}
