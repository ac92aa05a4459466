//! The builder's environment and the files Nix puts in its build directory.
//!
//! Nix 2.8 (`LocalDerivationGoal::initEnv`, `initTmpDir`,
//! `writeStructuredAttrs`) starts from an empty environment and sets, in
//! this order of precedence:
//!
//! * `PATH=/path-not-set`, `HOME=/homeless-shelter`, `NIX_STORE`,
//!   `NIX_BUILD_CORES`;
//! * without structured attributes, every variable of the derivation,
//!   except those named in `passAsFile`: each of those is written to
//!   `/build/.attr-NIX32(SHA256(NAME))` and `NAMEPath` points to it;
//! * `NIX_BUILD_TOP`, `TMPDIR`, `TEMPDIR`, `TMP`, `TEMP` and `PWD`, all
//!   `/build`;
//! * for fixed-output derivations, `NIX_OUTPUT_CHECKED=1` and each
//!   variable named in `impureEnvVars` with its value on the host (empty
//!   when unset); then `NIX_LOG_FD=2`, `TERM=xterm-256color`;
//! * with structured attributes (`__json`), no derivation variable at all:
//!   the attributes go to `/build/.attrs.json` (with `outputs` mapping each
//!   output to its path) and, as shell declarations, `/build/.attrs.sh`.
//!   Nix 2.8 points `NIX_ATTRS_JSON_FILE`/`NIX_ATTRS_SH_FILE` at its *host*
//!   temporary directory, which the builder cannot see; cairn points them
//!   at the files in `/build`, as later Nix versions do.
//!
//! Output placeholders (`builtins.placeholder`) in variables, files and
//! arguments are replaced by the outputs' paths, as Nix's `inputRewrites`
//! does.
//!
//! `exportReferencesGraph` (without structured attributes) writes, for
//! each `FILE PATH` pair, the closure of `PATH` to `/build/FILE` in the
//! format of `nix-store --register-validity`.

use std::collections::{BTreeMap, BTreeSet};

use cairn_derivation::Derivation;
use cairn_derivation::bstr::{BString, ByteSlice};
use cairn_hash::{Hash, HashAlgo};
use cairn_store::Store;
use cairn_store_path::{StoreDir, StorePath};

use crate::error::BuildError;

/// The build directory as builders see it.
pub const SANDBOX_BUILD_DIR: &str = "/build";

/// What a build's process starts with: its environment, arguments,
/// program, and the files to create in its build directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuilderEnvironment {
    /// Environment variables, by name.
    pub env: BTreeMap<BString, BString>,
    /// The program (the derivation's `builder`, placeholders replaced).
    pub program: BString,
    /// Its arguments, placeholders replaced.
    pub args: Vec<BString>,
    /// Files to write into the build directory, by name (no slashes).
    pub files: BTreeMap<String, Vec<u8>>,
}

/// What the environment depends on besides the derivation.
pub(crate) struct EnvironmentContext<'a> {
    /// The store (its directory, and closures for `exportReferencesGraph`).
    pub store: &'a dyn Store,
    /// `drv`'s path, for error messages.
    pub drv_path: &'a StorePath,
    /// The path each output is built at.
    pub outputs: &'a BTreeMap<String, StorePath>,
    /// `NIX_BUILD_CORES`.
    pub cores: u32,
    /// Whether `drv` is a fixed-output derivation.
    pub fixed_output: bool,
    /// The host's environment, from which fixed-output derivations get
    /// the variables named in `impureEnvVars`.
    pub host_env: &'a BTreeMap<String, String>,
}

/// The whitespace-separated words of `text` (Nix's `tokenizeString`).
pub(crate) fn words(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.split(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .filter(|word| !word.is_empty())
}

/// Replaces every placeholder of `rewrites` in `input`.
fn rewrite(input: &[u8], rewrites: &[(String, String)]) -> BString {
    let mut text = BString::from(input);
    for (from, to) in rewrites {
        if text.find(from.as_bytes()).is_some() {
            text = text.replace(from.as_bytes(), to.as_bytes()).into();
        }
    }
    text
}

/// The builder environment of `drv`, as Nix 2.8 makes it.
pub(crate) fn builder_environment(
    drv: &Derivation,
    cx: &EnvironmentContext<'_>,
) -> Result<BuilderEnvironment, BuildError> {
    let store_dir = cx.store.store_dir();
    let rewrites: Vec<(String, String)> = cx
        .outputs
        .iter()
        .map(|(name, path)| {
            (
                cairn_store_path::hash_placeholder(name),
                store_dir.display(path),
            )
        })
        .collect();
    let mut env: BTreeMap<BString, BString> = BTreeMap::new();
    let mut files = BTreeMap::new();
    let set = |env: &mut BTreeMap<BString, BString>, key: &str, value: &str| {
        env.insert(key.into(), value.into());
    };
    set(&mut env, "PATH", "/path-not-set");
    set(&mut env, "HOME", "/homeless-shelter");
    set(&mut env, "NIX_STORE", store_dir.as_str());
    set(&mut env, "NIX_BUILD_CORES", &cx.cores.to_string());

    if let Some(json) = drv.env.get(b"__json".as_slice()) {
        let attrs = crate::structured::prepare(json, cx.outputs, store_dir, cx.drv_path)?;
        let sh = crate::structured::to_shell(&attrs);
        files.insert(
            ".attrs.json".to_owned(),
            rewrite(attrs.to_string().as_bytes(), &rewrites).into(),
        );
        files.insert(
            ".attrs.sh".to_owned(),
            rewrite(sh.as_bytes(), &rewrites).into(),
        );
        set(
            &mut env,
            "NIX_ATTRS_JSON_FILE",
            &format!("{SANDBOX_BUILD_DIR}/.attrs.json"),
        );
        set(
            &mut env,
            "NIX_ATTRS_SH_FILE",
            &format!("{SANDBOX_BUILD_DIR}/.attrs.sh"),
        );
    } else {
        let pass_as_file: BTreeSet<&[u8]> = drv
            .env
            .get(b"passAsFile".as_slice())
            .map(|value| words(value).collect())
            .unwrap_or_default();
        for (key, value) in &drv.env {
            if pass_as_file.contains(key.as_slice()) {
                let hash = Hash::digest(HashAlgo::Sha256, key);
                let name = format!(".attr-{}", hash.to_nix32());
                files.insert(name.clone(), rewrite(value, &rewrites).into());
                let mut var = key.clone();
                var.extend_from_slice(b"Path");
                env.insert(var, format!("{SANDBOX_BUILD_DIR}/{name}").into());
            } else {
                env.insert(key.clone(), rewrite(value, &rewrites));
            }
        }
        export_references_graph(drv, cx, &mut files)?;
    }

    for key in ["NIX_BUILD_TOP", "TMPDIR", "TEMPDIR", "TMP", "TEMP", "PWD"] {
        set(&mut env, key, SANDBOX_BUILD_DIR);
    }
    if cx.fixed_output {
        set(&mut env, "NIX_OUTPUT_CHECKED", "1");
        // Only fixed-output derivations, whose result is checked anyway,
        // may see parts of the host's environment (proxies, for fetchers).
        for name in impure_env_vars(drv) {
            let value = cx.host_env.get(&name).map_or("", String::as_str);
            set(&mut env, &name, value);
        }
    }
    set(&mut env, "NIX_LOG_FD", "2");
    set(&mut env, "TERM", "xterm-256color");

    Ok(BuilderEnvironment {
        env,
        program: rewrite(&drv.builder, &rewrites),
        args: drv.args.iter().map(|arg| rewrite(arg, &rewrites)).collect(),
        files,
    })
}

/// The names in `impureEnvVars` (a list in structured attributes, a
/// whitespace-separated string otherwise).
fn impure_env_vars(drv: &Derivation) -> Vec<String> {
    if let Some(json) = drv.env.get(b"__json".as_slice()) {
        let attrs: serde_json::Value = serde_json::from_slice(json).unwrap_or_default();
        attrs
            .get("impureEnvVars")
            .and_then(serde_json::Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        drv.env
            .get(b"impureEnvVars".as_slice())
            .map(|value| {
                words(value)
                    .map(|w| String::from_utf8_lossy(w).into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Writes the `exportReferencesGraph` files: `FILE1 PATH1 FILE2 PATH2 …`.
fn export_references_graph(
    drv: &Derivation,
    cx: &EnvironmentContext<'_>,
    files: &mut BTreeMap<String, Vec<u8>>,
) -> Result<(), BuildError> {
    let Some(spec) = drv.env.get(b"exportReferencesGraph".as_slice()) else {
        return Ok(());
    };
    let store_dir = cx.store.store_dir();
    let words: Vec<&[u8]> = words(spec).collect();
    if !words.len().is_multiple_of(2) {
        return Err(BuildError::InvalidAttribute {
            drv: store_dir.display(cx.drv_path),
            attribute: "exportReferencesGraph".to_owned(),
            reason: "it must be a list of file name and store path pairs".to_owned(),
        });
    }
    for pair in words.chunks(2) {
        let invalid = |reason: String| BuildError::InvalidAttribute {
            drv: store_dir.display(cx.drv_path),
            attribute: "exportReferencesGraph".to_owned(),
            reason,
        };
        let file = std::str::from_utf8(pair[0])
            .ok()
            .filter(|name| !name.is_empty() && !name.contains('/') && *name != "." && *name != "..")
            .ok_or_else(|| invalid(format!("invalid file name '{}'", pair[0].as_bstr())))?;
        let path_text = std::str::from_utf8(pair[1])
            .map_err(|_| invalid(format!("'{}' is not a store path", pair[1].as_bstr())))?;
        let path = store_dir
            .parse_path_within(path_text)
            .map(|(path, _)| path)
            .map_err(|_| invalid(format!("'{path_text}' is not a store path")))?;
        let closure = cx
            .store
            .compute_closure(&BTreeSet::from([path]))
            .map_err(|source| BuildError::Store {
                drv: store_dir.display(cx.drv_path),
                source: Box::new(source),
            })?;
        files.insert(
            file.to_owned(),
            validity_registration(cx.store, store_dir, &closure, cx.drv_path)?,
        );
    }
    Ok(())
}

/// `PATH\n\nN\nREF…\n` per path: Nix's `makeValidityRegistration` without
/// hashes or derivers.
fn validity_registration(
    store: &dyn Store,
    store_dir: &StoreDir,
    paths: &BTreeSet<StorePath>,
    drv_path: &StorePath,
) -> Result<Vec<u8>, BuildError> {
    let mut text = String::new();
    for path in paths {
        let info = store
            .query_path_info(path)
            .map_err(|source| BuildError::Store {
                drv: store_dir.display(drv_path),
                source: Box::new(source),
            })?;
        let references = info.map(|info| info.info.references).unwrap_or_default();
        text.push_str(&store_dir.display(path));
        text.push_str("\n\n");
        text.push_str(&references.len().to_string());
        text.push('\n');
        for reference in &references {
            text.push_str(&store_dir.display(reference));
            text.push('\n');
        }
    }
    Ok(text.into_bytes())
}
