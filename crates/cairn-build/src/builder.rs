//! [`Builder`]: plans which derivations to build and runs them in
//! parallel, dependencies first.
//!
//! Planning reads `.drv` files from the store, breadth first from the
//! targets. A derivation whose wanted outputs are all valid is not visited
//! further (nothing below it is needed); every other one becomes a node,
//! and the input derivations whose used outputs are not valid become its
//! dependencies. Input sources must be valid (there are no substituters
//! yet).
//!
//! Scheduling is Kahn's algorithm over that graph: a node is ready when
//! its dependencies are built; up to `max_jobs` ready nodes build at once,
//! each on its own thread. Worker threads report output and completion
//! over a channel, so the [`BuildObserver`] is only ever called on the
//! calling thread. After a failure, nothing new starts unless
//! `keep_going`; nodes depending on a failure never start. A cycle (which
//! content-addressed `.drv` names make impossible, but a corrupt store
//! could fake) is found before anything is built, as nodes Kahn's
//! algorithm cannot order.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use cairn_derivation::{Derivation, DerivationOutput};
use cairn_store::Store;
use cairn_store_path::StorePath;

use crate::api::{
    BuildConfig, BuildEvent, BuildObserver, BuildOptions, BuiltPath, DerivedPath, OutputSelection,
    Realisation,
};
use crate::build::{self, BuildContext, Node, Notice, Outcome};
use crate::error::BuildError;
use crate::log::LogStore;

/// Realises derivations in a store.
///
/// ```no_run
/// use std::sync::Arc;
/// use cairn_build::{BuildConfig, BuildOptions, Builder, DerivedPath, NoObserver, OutputSelection};
/// # fn demo(store: Arc<dyn cairn_store::Store>, config: BuildConfig, drv: cairn_store_path::StorePath) {
/// let builder = Builder::new(store, config);
/// let target = DerivedPath::Built { drv, outputs: OutputSelection::All };
/// let done = builder.realise(&[target], &BuildOptions::default(), &mut NoObserver).unwrap();
/// println!("built {} derivations", done.built.len());
/// # }
/// ```
pub struct Builder {
    store: Arc<dyn Store>,
    config: BuildConfig,
    logs: LogStore,
    host_env: BTreeMap<String, String>,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("store_dir", &self.store.store_dir())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What a worker thread tells the scheduler.
enum Message {
    Output(usize, Vec<u8>),
    KeptBuildDir(usize, std::path::PathBuf),
    Done(usize, Result<Outcome, BuildError>, Duration),
}

/// Splits builder output into lines for [`BuildEvent::Log`].
#[derive(Default)]
struct LineBuffer {
    partial: Vec<u8>,
}

impl LineBuffer {
    fn push(&mut self, chunk: &[u8], mut line: impl FnMut(&[u8])) {
        let mut rest = chunk;
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            if self.partial.is_empty() {
                line(&rest[..end]);
            } else {
                self.partial.extend_from_slice(&rest[..end]);
                line(&self.partial);
                self.partial.clear();
            }
            rest = &rest[end + 1..];
        }
        self.partial.extend_from_slice(rest);
    }

    fn finish(&mut self, mut line: impl FnMut(&[u8])) {
        if !self.partial.is_empty() {
            line(&self.partial);
            self.partial.clear();
        }
    }
}

impl Builder {
    /// A builder for `store` with the machine configuration `config`.
    #[must_use]
    pub fn new(store: Arc<dyn Store>, config: BuildConfig) -> Builder {
        let logs = LogStore::new(config.log_dir.clone());
        Builder {
            store,
            config,
            logs,
            host_env: BTreeMap::new(),
        }
    }

    /// Gives fixed-output derivations the host's values of the variables
    /// they name in `impureEnvVars` (such as `http_proxy`), taken from
    /// `variables`. Without it they get empty values.
    #[must_use]
    pub fn with_host_environment(mut self, variables: BTreeMap<String, String>) -> Builder {
        self.host_env = variables;
        self
    }

    /// The build logs.
    #[must_use]
    pub fn logs(&self) -> &LogStore {
        &self.logs
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn drv_error(&self, drv: &StorePath) -> impl Fn(cairn_store::StoreError) -> BuildError {
        let drv = self.store.store_dir().display(drv);
        move |source| BuildError::Store {
            drv: drv.clone(),
            source: Box::new(source),
        }
    }

    /// Reads and parses the `.drv` at `path`.
    ///
    /// # Errors
    /// The `.drv` is not valid, cannot be read or parsed.
    pub fn read_derivation(&self, path: &StorePath) -> Result<Derivation, BuildError> {
        let store_dir = self.store.store_dir();
        if !self
            .store
            .is_valid_path(path)
            .map_err(self.drv_error(path))?
        {
            return Err(BuildError::MissingPath {
                path: store_dir.display(path),
            });
        }
        let bytes =
            cairn_util::fs::read(self.store.real_path(path)).map_err(|source| BuildError::Io {
                drv: store_dir.display(path),
                source,
            })?;
        Derivation::from_aterm(store_dir, &bytes).map_err(|source| BuildError::Parse {
            drv: store_dir.display(path),
            source: Box::new(source),
        })
    }

    /// Output name → path of `drv`, for derivations whose output paths are
    /// known (input-addressed and fixed-output ones).
    fn output_paths(
        &self,
        drv_path: &StorePath,
        drv: &Derivation,
    ) -> Result<BTreeMap<String, StorePath>, BuildError> {
        drv.outputs
            .iter()
            .map(|(name, output)| match output {
                DerivationOutput::InputAddressed(path) | DerivationOutput::Fixed { path, .. } => {
                    Ok((name.clone(), path.clone()))
                }
                DerivationOutput::Floating { .. }
                | DerivationOutput::Deferred
                | DerivationOutput::Impure { .. } => Err(BuildError::Unsupported {
                    drv: self.store.store_dir().display(drv_path),
                    feature: "content-addressed or impure outputs".to_owned(),
                }),
            })
            .collect()
    }

    fn select(
        &self,
        drv_path: &StorePath,
        outputs: &BTreeMap<String, StorePath>,
        selection: &OutputSelection,
    ) -> Result<BTreeMap<String, StorePath>, BuildError> {
        match selection {
            OutputSelection::All => Ok(outputs.clone()),
            OutputSelection::Names(names) => names
                .iter()
                .map(|name| {
                    outputs
                        .get(name)
                        .map(|path| (name.clone(), path.clone()))
                        .ok_or_else(|| BuildError::UnknownOutput {
                            drv: self.store.store_dir().display(drv_path),
                            output: name.clone(),
                        })
                })
                .collect(),
        }
    }

    /// The derivations to build for `targets`, in the order they were
    /// found (breadth first from the targets, in order).
    fn plan(&self, targets: &[DerivedPath], check: bool) -> Result<Vec<Node>, BuildError> {
        let store_dir = self.store.store_dir();
        let mut drvs: HashMap<StorePath, Derivation> = HashMap::new();
        let mut nodes: Vec<Node> = Vec::new();
        let mut node_index: HashMap<StorePath, usize> = HashMap::new();
        let mut queue: VecDeque<(StorePath, OutputSelection, bool)> = VecDeque::new();
        for target in targets {
            match target {
                DerivedPath::Opaque(path) => {
                    if !self
                        .store
                        .is_valid_path(path)
                        .map_err(self.drv_error(path))?
                    {
                        return Err(BuildError::MissingPath {
                            path: store_dir.display(path),
                        });
                    }
                }
                DerivedPath::Built { drv, outputs } => {
                    queue.push_back((drv.clone(), outputs.clone(), check));
                }
            }
        }
        while let Some((drv_path, selection, check)) = queue.pop_front() {
            if let Some(&i) = node_index.get(&drv_path) {
                nodes[i].check |= check;
                continue;
            }
            if !drvs.contains_key(&drv_path) {
                let drv = self.read_derivation(&drv_path)?;
                drvs.insert(drv_path.clone(), drv);
            }
            let drv = &drvs[&drv_path];
            let outputs = self.output_paths(&drv_path, drv)?;
            let wanted = self.select(&drv_path, &outputs, &selection)?;
            if !check {
                let mut all_valid = true;
                for path in wanted.values() {
                    if !self
                        .store
                        .is_valid_path(path)
                        .map_err(self.drv_error(&drv_path))?
                    {
                        all_valid = false;
                        break;
                    }
                }
                if all_valid {
                    continue;
                }
            }
            let mut inputs = BTreeSet::new();
            for source in &drv.input_srcs {
                if !self
                    .store
                    .is_valid_path(source)
                    .map_err(self.drv_error(&drv_path))?
                {
                    return Err(BuildError::MissingPath {
                        path: store_dir.display(source),
                    });
                }
                inputs.insert(source.clone());
            }
            let drv = drv.clone();
            for (input, used) in &drv.input_drvs {
                if !drvs.contains_key(input) {
                    let input_drv = self.read_derivation(input)?;
                    drvs.insert(input.clone(), input_drv);
                }
                let input_outputs = self.output_paths(input, &drvs[input])?;
                let used_selection = OutputSelection::Names(used.clone());
                inputs.extend(
                    self.select(input, &input_outputs, &used_selection)?
                        .into_values(),
                );
                queue.push_back((input.clone(), used_selection, false));
            }
            node_index.insert(drv_path.clone(), nodes.len());
            nodes.push(Node {
                drv_path,
                drv,
                outputs,
                inputs,
                check,
            });
        }
        Ok(nodes)
    }

    /// Makes `targets` valid, building what is missing, and returns their
    /// paths.
    ///
    /// # Errors
    /// The first failure, or [`BuildError::Several`] when more than one
    /// build failed; the store is left with the outputs that were built.
    pub fn realise(
        &self,
        targets: &[DerivedPath],
        options: &BuildOptions,
        observer: &mut dyn BuildObserver,
    ) -> Result<Realisation, BuildError> {
        let started = Instant::now();
        let nodes: Vec<Node> = self.plan(targets, options.check)?;
        let index: HashMap<&StorePath, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (&n.drv_path, i))
            .collect();
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
        let mut dependencies: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
        let mut waiting_on: Vec<usize> = vec![0; nodes.len()];
        for (i, node) in nodes.iter().enumerate() {
            for input in node.drv.input_drvs.keys() {
                if let Some(&dep) = index.get(input) {
                    dependents[dep].push(i);
                    dependencies[i].push(dep);
                    waiting_on[i] += 1;
                }
            }
        }

        // Dependencies first, otherwise in the order of the targets; and
        // the cycle check.
        let order = topological_order(&dependencies).map_err(|on_cycle| BuildError::Cycle {
            drv: self.store.store_dir().display(&nodes[on_cycle].drv_path),
        })?;
        let planned: Vec<StorePath> = order.iter().map(|&i| nodes[i].drv_path.clone()).collect();
        observer.on_event(&BuildEvent::Planned { drvs: &planned });

        let max_jobs = options.max_jobs.unwrap_or(self.config.max_jobs);
        if max_jobs == 0 && !nodes.is_empty() {
            return Err(BuildError::NoBuildSlots);
        }
        let mut ready: VecDeque<usize> = order
            .iter()
            .copied()
            .filter(|&i| waiting_on[i] == 0)
            .collect();
        let mut failures: Vec<(usize, BuildError)> = Vec::new();
        let mut built = Vec::new();
        let mut reused = Vec::new();
        let mut finished = 0usize;
        let mut started_count = 0usize;
        let mut lines: Vec<LineBuffer> = (0..nodes.len()).map(|_| LineBuffer::default()).collect();
        let cx = BuildContext {
            store: self.store.as_ref(),
            config: &self.config,
            options,
            logs: &self.logs,
            host_env: &self.host_env,
        };

        std::thread::scope(|scope| {
            let (sender, receiver) = mpsc::channel::<Message>();
            let mut running = 0usize;
            loop {
                let stop = !failures.is_empty() && !options.keep_going;
                while !stop && running < max_jobs {
                    let Some(i) = ready.pop_front() else { break };
                    started_count += 1;
                    observer.on_event(&BuildEvent::Started {
                        drv: &nodes[i].drv_path,
                        index: started_count,
                        done: finished,
                        total: nodes.len(),
                    });
                    let sender = sender.clone();
                    let node = &nodes[i];
                    let cx = &cx;
                    running += 1;
                    scope.spawn(move || {
                        let start = Instant::now();
                        let result = build::build(cx, node, &mut |notice| {
                            let message = match notice {
                                Notice::Output(bytes) => Message::Output(i, bytes),
                                Notice::KeptBuildDir(dir) => Message::KeptBuildDir(i, dir),
                            };
                            let _ = sender.send(message);
                        });
                        let _ = sender.send(Message::Done(i, result, start.elapsed()));
                    });
                }
                if running == 0 {
                    break;
                }
                let Ok(message) = receiver.recv() else { break };
                match message {
                    Message::Output(i, bytes) => {
                        let drv = &nodes[i].drv_path;
                        lines[i].push(&bytes, |line| {
                            observer.on_event(&BuildEvent::Log { drv, line });
                        });
                    }
                    Message::KeptBuildDir(i, dir) => {
                        observer.on_event(&BuildEvent::KeptBuildDir {
                            drv: &nodes[i].drv_path,
                            dir: &dir,
                        });
                    }
                    Message::Done(i, result, elapsed) => {
                        running -= 1;
                        finished += 1;
                        let drv = &nodes[i].drv_path;
                        lines[i].finish(|line| observer.on_event(&BuildEvent::Log { drv, line }));
                        match result {
                            Ok(outcome) => {
                                if outcome == Outcome::Built {
                                    observer.on_event(&BuildEvent::Succeeded { drv, elapsed });
                                    built.push(drv.clone());
                                } else {
                                    observer.on_event(&BuildEvent::Reused { drv });
                                    reused.push(drv.clone());
                                }
                                for &next in &dependents[i] {
                                    waiting_on[next] -= 1;
                                    if waiting_on[next] == 0 {
                                        ready.push_back(next);
                                    }
                                }
                            }
                            Err(error) => {
                                observer.on_event(&BuildEvent::Failed { drv, error: &error });
                                failures.push((i, error));
                            }
                        }
                    }
                }
            }
        });

        if !failures.is_empty() {
            return Err(if failures.len() == 1 {
                failures.remove(0).1
            } else {
                let store_dir = self.store.store_dir();
                BuildError::Several {
                    drvs: failures
                        .iter()
                        .map(|(i, _)| store_dir.display(&nodes[*i].drv_path))
                        .collect(),
                    errors: failures.into_iter().map(|(_, e)| e).collect(),
                }
            });
        }

        let mut paths = Vec::with_capacity(targets.len());
        for target in targets {
            paths.push(match target {
                DerivedPath::Opaque(path) => BuiltPath::Opaque(path.clone()),
                DerivedPath::Built { drv, outputs } => {
                    let parsed = match nodes.iter().find(|n| &n.drv_path == drv) {
                        Some(node) => node.drv.clone(),
                        None => self.read_derivation(drv)?,
                    };
                    let all = self.output_paths(drv, &parsed)?;
                    BuiltPath::Built {
                        drv: drv.clone(),
                        outputs: self.select(drv, &all, outputs)?,
                    }
                }
            });
        }
        Ok(Realisation {
            paths,
            built,
            reused,
            elapsed: started.elapsed(),
        })
    }
}

/// Every node after its dependencies: a depth-first post-order from each
/// node in turn, so builds follow the order of the targets. `Err` names a
/// node on a cycle.
fn topological_order(dependencies: &[Vec<usize>]) -> Result<Vec<usize>, usize> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum State {
        New,
        OnStack,
        Done,
    }
    let mut state = vec![State::New; dependencies.len()];
    let mut order = Vec::with_capacity(dependencies.len());
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in 0..dependencies.len() {
        if state[root] != State::New {
            continue;
        }
        state[root] = State::OnStack;
        stack.push((root, 0));
        while let Some((node, next)) = stack.last_mut() {
            if let Some(&dep) = dependencies[*node].get(*next) {
                *next += 1;
                match state[dep] {
                    State::New => {
                        state[dep] = State::OnStack;
                        stack.push((dep, 0));
                    }
                    State::OnStack => return Err(dep),
                    State::Done => {}
                }
            } else {
                state[*node] = State::Done;
                order.push(*node);
                stack.pop();
            }
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topological_order_puts_dependencies_first_and_detects_cycles() {
        // 0 needs 2, 1 needs nothing, 2 needs 1.
        let dependencies = vec![vec![2], vec![], vec![1]];
        assert_eq!(topological_order(&dependencies), Ok(vec![1, 2, 0]));
        // 0 → 1 → 0.
        assert!(topological_order(&[vec![1], vec![0]]).is_err());
    }

    #[test]
    fn line_buffer_splits_across_chunks() {
        let mut buffer = LineBuffer::default();
        let mut lines = Vec::new();
        buffer.push(b"one\ntw", |l| lines.push(l.to_vec()));
        buffer.push(b"o\nthree", |l| lines.push(l.to_vec()));
        buffer.finish(|l| lines.push(l.to_vec()));
        assert_eq!(lines, [b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]);
    }
}
