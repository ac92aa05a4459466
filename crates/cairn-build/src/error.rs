//! Build errors. Messages follow Nix 2.8's wording where Nix has one.

use cairn_store::StoreError;

/// Why realising derivations failed. Every variant names the derivation
/// (or path) it is about, as an absolute store path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A store operation failed.
    #[error("store operation failed while building '{drv}'")]
    Store {
        /// The derivation being built or read.
        drv: String,
        /// Why.
        #[source]
        source: Box<StoreError>,
    },
    /// A file operation failed.
    #[error("file operation failed while building '{drv}'")]
    Io {
        /// The derivation being built.
        drv: String,
        /// Why (names the file).
        #[source]
        source: cairn_util::Error,
    },
    /// A `.drv` file could not be parsed.
    #[error("cannot parse derivation '{drv}'")]
    Parse {
        /// The `.drv` path.
        drv: String,
        /// Why.
        #[source]
        source: Box<cairn_derivation::ParseError>,
    },
    /// A derivation's outputs do not make a valid derivation.
    #[error("derivation '{drv}' is invalid")]
    InvalidDerivation {
        /// The `.drv` path.
        drv: String,
        /// Why.
        #[source]
        source: cairn_derivation::DerivationTypeError,
    },
    /// A store path that is needed is neither valid nor buildable.
    #[error("path '{path}' is required, but it is not valid and there is no way to build it")]
    MissingPath {
        /// The path.
        path: String,
    },
    /// A derivation asks for an output it does not have.
    #[error("derivation '{drv}' does not have an output named '{output}'")]
    UnknownOutput {
        /// The `.drv` path.
        drv: String,
        /// The output asked for.
        output: String,
    },
    /// An attribute of the derivation has a value that cannot be used.
    #[error("attribute '{attribute}' of derivation '{drv}' is invalid: {reason}")]
    InvalidAttribute {
        /// The `.drv` path.
        drv: String,
        /// The attribute.
        attribute: String,
        /// Why.
        reason: String,
    },
    /// The derivation uses a feature cairn does not implement.
    #[error("derivation '{drv}' uses {feature}, which cairn does not support yet")]
    Unsupported {
        /// The `.drv` path.
        drv: String,
        /// The feature.
        feature: String,
    },
    /// The derivation is for another platform.
    #[error("a '{system}' system is required to build '{drv}', but I am a '{host}'")]
    WrongSystem {
        /// The `.drv` path.
        drv: String,
        /// The derivation's `system`.
        system: String,
        /// This machine's system.
        host: String,
    },
    /// The builder exited unsuccessfully.
    #[error("builder for '{drv}' {status}{}", log_tail_text(.log_tail, .log_hint))]
    BuilderFailed {
        /// The `.drv` path.
        drv: String,
        /// `failed with exit code N`, `was killed by signal N`, `timed out
        /// after N seconds`, ….
        status: String,
        /// The last lines of the build log.
        log_tail: Vec<String>,
        /// Where the full log is, when it was kept.
        log_hint: Option<String>,
    },
    /// The builder ran longer than `--timeout`, or was silent longer than
    /// `--max-silent-time`.
    #[error("building of '{drv}!{outputs}' from .drv file timed out after {seconds} seconds{}", if *.silence { " of silence" } else { "" })]
    TimedOut {
        /// The `.drv` path.
        drv: String,
        /// The outputs being built, comma-separated.
        outputs: String,
        /// The limit.
        seconds: u64,
        /// Whether the limit was `--max-silent-time`.
        silence: bool,
    },
    /// The sandbox could not be set up or the builder not started.
    #[error("cannot run the builder of '{drv}'")]
    Sandbox {
        /// The `.drv` path.
        drv: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The builder exited successfully without creating an output.
    #[error("builder for '{drv}' failed to produce output path for output '{output}' at '{path}'")]
    MissingOutput {
        /// The `.drv` path.
        drv: String,
        /// The output's name.
        output: String,
        /// Where it should have been.
        path: String,
    },
    /// A fixed-output derivation produced something else than promised.
    #[error(
        "hash mismatch in fixed-output derivation '{drv}':\n  specified: {specified}\n     got:    {got}"
    )]
    HashMismatch {
        /// The `.drv` path.
        drv: String,
        /// The hash in the derivation (SRI).
        specified: String,
        /// The hash of what was built (SRI).
        got: String,
    },
    /// A flat fixed output is not a single regular file.
    #[error(
        "output path '{path}' should be a non-executable regular file since recursive hashing is not enabled (outputHashMode=flat)"
    )]
    FlatOutputNotFile {
        /// The output path.
        path: String,
    },
    /// An output refers to paths its derivation forbids.
    #[error(
        "output '{output}' is not allowed to refer to the following paths:{}",
        paths.iter().map(|p| format!("\n  {p}")).collect::<String>()
    )]
    ForbiddenReferences {
        /// The output path.
        output: String,
        /// The offending paths.
        paths: Vec<String>,
    },
    /// A fixed-output derivation's output refers to store paths.
    #[error(
        "the fixed-output derivation '{drv}' must not reference store paths: '{output}' references '{reference}'"
    )]
    FixedOutputReferences {
        /// The `.drv` path.
        drv: String,
        /// The output path.
        output: String,
        /// One of the paths it refers to.
        reference: String,
    },
    /// An output or its closure is larger than `maxSize`/`maxClosureSize`.
    #[error("{what} '{path}' is too large at {size} bytes; limit is {limit} bytes")]
    TooLarge {
        /// `path` or `closure of path`.
        what: &'static str,
        /// The output path.
        path: String,
        /// Its (closure's) NAR size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// `--check` found an output that differs from the registered one.
    #[error("derivation '{drv}' may not be deterministic: output '{output}' differs{}", kept_text(.kept))]
    NotDeterministic {
        /// The `.drv` path.
        drv: String,
        /// The output path.
        output: String,
        /// Where the new build was kept (`--keep-failed`).
        kept: Option<String>,
        /// Files that differ, relative to the output.
        differences: Vec<String>,
    },
    /// The builtin fetcher failed.
    #[error("unable to download '{url}': {reason}")]
    Fetch {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// `builtin:unpack-debs` failed.
    #[error(transparent)]
    UnpackDebs(#[from] Box<crate::debs::UnpackDebsError>),
    /// A `mirror://` URL names no configured mirror (or is malformed).
    #[error(transparent)]
    Mirror(#[from] crate::mirror::MirrorError),
    /// Reading or hashing an output failed.
    #[error("cannot read output '{path}'")]
    Nar {
        /// The output path.
        path: String,
        /// Why.
        #[source]
        source: cairn_nar::DumpError,
    },
    /// The derivation graph has a cycle (impossible for content-hashed
    /// `.drv` files, but checked).
    #[error("cycle in the derivation graph at '{drv}'")]
    Cycle {
        /// A `.drv` on the cycle.
        drv: String,
    },
    /// `max-jobs` is 0 and there is something to build.
    #[error("unable to start any build; either increase '--max-jobs' or enable remote builds")]
    NoBuildSlots,
    /// A dependency failed, so the derivation was not built.
    #[error("dependency '{dependency}' of '{drv}' failed")]
    DependencyFailed {
        /// The `.drv` that was not built.
        drv: String,
        /// The failed dependency.
        dependency: String,
    },
    /// Several builds failed (`--keep-going`, or builds running in
    /// parallel when the first failed).
    #[error("build of {} failed", .drvs.iter().map(|d| format!("'{d}'")).collect::<Vec<_>>().join(", "))]
    Several {
        /// The derivations that failed.
        drvs: Vec<String>,
        /// Each failure.
        errors: Vec<BuildError>,
    },
}

fn log_tail_text(tail: &[String], hint: &Option<String>) -> String {
    let mut text = String::new();
    if !tail.is_empty() {
        text.push_str(&format!(";\nlast {} log lines:", tail.len()));
        for line in tail {
            text.push_str("\n> ");
            text.push_str(line);
        }
    }
    if let Some(hint) = hint {
        text.push('\n');
        text.push_str(hint);
    }
    text
}

fn kept_text(kept: &Option<String>) -> String {
    kept.as_ref()
        .map(|path| format!(" from '{path}'"))
        .unwrap_or_default()
}
