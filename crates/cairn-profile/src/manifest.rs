//! The user-environment manifest: `manifest.json` at the top of a user
//! environment's store path, saying what the environment was built from.
//!
//! A user environment (the target of a user profile's generation) is a
//! store path that merges the installed packages' trees with symlinks; the
//! environment builder writes this manifest into it, and `upgrade` and
//! `remove` read the current generation's manifest to know what to keep and
//! where each element came from. The format is JSON, versioned by a
//! top-level `version` (see [`MANIFEST_VERSION`]; change it, and the tests
//! in this module, whenever a field changes meaning):
//!
//! ```json
//! {
//!   "version": 1,
//!   "elements": [
//!     {
//!       "name": "hello",
//!       "version": "2.12",
//!       "source": { "type": "attrPath", "expression": "/home/alice/pkgs", "attrPath": "hello" },
//!       "outputs": ["out"],
//!       "storePaths": ["/nix/store/…-hello-2.12"],
//!       "priority": 5,
//!       "active": true
//!     }
//!   ]
//! }
//! ```
//!
//! Store paths are written in full (`/nix/store/HASH-NAME`), so the JSON is
//! readable on its own; they are parsed against the store directory when
//! read.

use std::path::Path;

use cairn_store::Store;
use cairn_store_path::{StoreDir, StorePath};
use serde::{Deserialize, Serialize};

use crate::error::ProfileError;

/// The manifest format version this crate reads and writes.
pub const MANIFEST_VERSION: u64 = 1;

/// The manifest's file name inside a user environment.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Nix's default priority for an installed package; lower numbers win when
/// two elements provide the same file.
pub const DEFAULT_PRIORITY: i64 = 5;

/// What a user environment contains.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Manifest {
    /// The installed elements, in installation order.
    pub elements: Vec<Element>,
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// The package name (`pname`, or the name part of `name-version`).
    pub name: String,
    /// The version, empty when the package has none.
    pub version: String,
    /// Where it came from, for upgrades.
    pub source: ElementSource,
    /// The outputs installed (`out`, `bin`, `man`, …).
    pub outputs: Vec<String>,
    /// The store paths of those outputs, linked into the environment.
    pub store_paths: Vec<StorePath>,
    /// Conflict priority; lower wins.
    pub priority: i64,
    /// Whether the element is linked into the environment (an inactive one
    /// is remembered but not linked, like `nix-env --set-flag active false`).
    pub active: bool,
}

impl Element {
    /// An element for a store path installed directly: name and version
    /// from the path's name (see [`crate::split_name_version`]), output
    /// `out`, the default priority.
    #[must_use]
    pub fn from_store_path(path: &StorePath) -> Element {
        let (name, version) = crate::split_name_version(path.name());
        Element {
            name: name.to_owned(),
            version: version.to_owned(),
            source: ElementSource::StorePaths,
            outputs: vec!["out".to_owned()],
            store_paths: vec![path.clone()],
            priority: DEFAULT_PRIORITY,
            active: true,
        }
    }
}

/// Where an element came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElementSource {
    /// An attribute of an expression: upgrading re-evaluates `attr_path`
    /// in `expression` (a file, directory or `<channel>` name).
    AttrPath {
        /// The expression the attribute was taken from.
        expression: String,
        /// The attribute path, such as `hello` or `python3Packages.numpy`.
        attr_path: String,
    },
    /// Store paths installed directly; upgrading leaves them as they are.
    StorePaths,
}

impl Manifest {
    /// Adds `element`, replacing the elements with the same name (as
    /// `nix-env -i` replaces an installed package of the same name), and
    /// returns the replaced ones.
    pub fn install(&mut self, element: Element) -> Vec<Element> {
        let (replaced, kept) = std::mem::take(&mut self.elements)
            .into_iter()
            .partition(|e| e.name == element.name);
        self.elements = kept;
        self.elements.push(element);
        replaced
    }

    /// Removes the elements named `name` and returns them.
    pub fn remove(&mut self, name: &str) -> Vec<Element> {
        let (removed, kept) = std::mem::take(&mut self.elements)
            .into_iter()
            .partition(|e| e.name == name);
        self.elements = kept;
        removed
    }

    /// Parses `manifest.json` text; `origin` names the file in errors.
    ///
    /// # Errors
    /// [`ProfileError::ManifestSyntax`], [`ProfileError::ManifestVersion`],
    /// [`ProfileError::ManifestStorePath`].
    pub fn from_json(
        text: &str,
        store_dir: &StoreDir,
        origin: &Path,
    ) -> Result<Manifest, ProfileError> {
        let syntax = |source| ProfileError::ManifestSyntax {
            path: origin.to_owned(),
            source,
        };
        // Look at the version first, so a newer format is reported as
        // such and not as whatever field it changed.
        let versioned: VersionOnly = serde_json::from_str(text).map_err(syntax)?;
        if versioned.version != MANIFEST_VERSION {
            return Err(ProfileError::ManifestVersion {
                path: origin.to_owned(),
                version: versioned.version,
            });
        }
        let json: ManifestJson = serde_json::from_str(text).map_err(syntax)?;
        let elements = json
            .elements
            .into_iter()
            .map(|element| {
                let store_paths = element
                    .store_paths
                    .iter()
                    .map(|text| {
                        store_dir.parse_path(text).map_err(|source| {
                            ProfileError::ManifestStorePath {
                                path: origin.to_owned(),
                                text: text.clone(),
                                source,
                            }
                        })
                    })
                    .collect::<Result<_, _>>()?;
                Ok(Element {
                    name: element.name,
                    version: element.version,
                    source: match element.source {
                        SourceJson::AttrPath {
                            expression,
                            attr_path,
                        } => ElementSource::AttrPath {
                            expression,
                            attr_path,
                        },
                        SourceJson::StorePaths => ElementSource::StorePaths,
                    },
                    outputs: element.outputs,
                    store_paths,
                    priority: element.priority,
                    active: element.active,
                })
            })
            .collect::<Result<_, ProfileError>>()?;
        Ok(Manifest { elements })
    }

    /// The `manifest.json` text: pretty-printed, with a final newline, the
    /// same for the same manifest (it is part of a store path's content).
    #[must_use]
    pub fn to_json(&self, store_dir: &StoreDir) -> String {
        let json = ManifestJson {
            version: MANIFEST_VERSION,
            elements: self
                .elements
                .iter()
                .map(|element| ElementJson {
                    name: element.name.clone(),
                    version: element.version.clone(),
                    source: match &element.source {
                        ElementSource::AttrPath {
                            expression,
                            attr_path,
                        } => SourceJson::AttrPath {
                            expression: expression.clone(),
                            attr_path: attr_path.clone(),
                        },
                        ElementSource::StorePaths => SourceJson::StorePaths,
                    },
                    outputs: element.outputs.clone(),
                    store_paths: element
                        .store_paths
                        .iter()
                        .map(|p| store_dir.display(p))
                        .collect(),
                    priority: element.priority,
                    active: element.active,
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&json)
            .unwrap_or_else(|_| unreachable!("a manifest always serialises"));
        text.push('\n');
        text
    }

    /// Reads `DIR/manifest.json`; `Ok(None)` when there is none (the
    /// profile points at something other than a user environment, such as
    /// a system toplevel or a single package set with `set`).
    ///
    /// # Errors
    /// An unreadable or malformed manifest.
    pub fn read_from_dir(
        dir: &Path,
        store_dir: &StoreDir,
    ) -> Result<Option<Manifest>, ProfileError> {
        let path = dir.join(MANIFEST_FILE);
        let text = match cairn_util::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err.into()),
        };
        Manifest::from_json(&text, store_dir, &path).map(Some)
    }

    /// Reads the manifest of the user environment `environment` in
    /// `store`, through [`Store::real_path`] (so chroot stores work).
    ///
    /// # Errors
    /// As [`Manifest::read_from_dir`].
    pub fn read(
        store: &dyn Store,
        environment: &StorePath,
    ) -> Result<Option<Manifest>, ProfileError> {
        Manifest::read_from_dir(&store.real_path(environment), store.store_dir())
    }
}

/// Just the version, read before the rest.
#[derive(Deserialize)]
struct VersionOnly {
    version: u64,
}

/// The JSON shape of [`Manifest`].
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestJson {
    version: u64,
    elements: Vec<ElementJson>,
}

/// The JSON shape of [`Element`].
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ElementJson {
    name: String,
    #[serde(default)]
    version: String,
    source: SourceJson,
    outputs: Vec<String>,
    store_paths: Vec<String>,
    #[serde(default = "default_priority")]
    priority: i64,
    #[serde(default = "default_active")]
    active: bool,
}

/// The JSON shape of [`ElementSource`].
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
enum SourceJson {
    #[serde(rename_all = "camelCase")]
    AttrPath {
        expression: String,
        attr_path: String,
    },
    StorePaths,
}

fn default_priority() -> i64 {
    DEFAULT_PRIORITY
}

fn default_active() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_path(base: &str) -> StorePath {
        StorePath::from_base_name(base).unwrap()
    }

    fn sample() -> Manifest {
        Manifest {
            elements: vec![
                Element {
                    name: "hello".into(),
                    version: "2.12".into(),
                    source: ElementSource::AttrPath {
                        expression: "/home/alice/pkgs".into(),
                        attr_path: "hello".into(),
                    },
                    outputs: vec!["out".into()],
                    store_paths: vec![store_path("1b9p07z77phvv2hf6gm9f28syp39f1ag-hello-2.12")],
                    priority: DEFAULT_PRIORITY,
                    active: true,
                },
                Element {
                    name: "tool".into(),
                    version: String::new(),
                    source: ElementSource::StorePaths,
                    outputs: vec!["out".into(), "man".into()],
                    store_paths: vec![
                        store_path("00000000000000000000000000000000-tool"),
                        store_path("11111111111111111111111111111111-tool-man"),
                    ],
                    priority: 3,
                    active: false,
                },
            ],
        }
    }

    #[test]
    fn json_format_is_stable() {
        let text = sample().to_json(&StoreDir::default());
        assert_eq!(
            text,
            r#"{
  "version": 1,
  "elements": [
    {
      "name": "hello",
      "version": "2.12",
      "source": {
        "type": "attrPath",
        "expression": "/home/alice/pkgs",
        "attrPath": "hello"
      },
      "outputs": [
        "out"
      ],
      "storePaths": [
        "/nix/store/1b9p07z77phvv2hf6gm9f28syp39f1ag-hello-2.12"
      ],
      "priority": 5,
      "active": true
    },
    {
      "name": "tool",
      "version": "",
      "source": {
        "type": "storePaths"
      },
      "outputs": [
        "out",
        "man"
      ],
      "storePaths": [
        "/nix/store/00000000000000000000000000000000-tool",
        "/nix/store/11111111111111111111111111111111-tool-man"
      ],
      "priority": 3,
      "active": false
    }
  ]
}
"#
        );
    }

    #[test]
    fn round_trips_and_defaults() {
        let store_dir = StoreDir::default();
        let origin = Path::new("/m/manifest.json");
        let manifest = sample();
        let parsed =
            Manifest::from_json(&manifest.to_json(&store_dir), &store_dir, origin).unwrap();
        assert_eq!(parsed, manifest);

        let minimal = r#"{"version":1,"elements":[{"name":"a","source":{"type":"storePaths"},
            "outputs":["out"],"storePaths":["/nix/store/00000000000000000000000000000000-a"]}]}"#;
        let parsed = Manifest::from_json(minimal, &store_dir, origin).unwrap();
        assert_eq!(parsed.elements[0].priority, DEFAULT_PRIORITY);
        assert!(parsed.elements[0].active);
        assert_eq!(parsed.elements[0].version, "");
    }

    #[test]
    fn errors_name_the_file_and_the_problem() {
        let store_dir = StoreDir::default();
        let origin = Path::new("/env/manifest.json");
        let err = |text: &str| {
            Manifest::from_json(text, &store_dir, origin)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(r#"{"version":2,"elements":"anything"}"#),
            "'/env/manifest.json' has manifest version 2, but this cairn reads only version 1"
        );
        assert_eq!(
            err("[]"),
            "'/env/manifest.json' is not a valid user-environment manifest"
        );
        assert_eq!(
            err(
                r#"{"version":1,"elements":[{"name":"a","source":{"type":"storePaths"},
                "outputs":[],"storePaths":["/usr/bin/a"]}]}"#
            ),
            "'/env/manifest.json' lists '/usr/bin/a', which is not a store path"
        );
    }

    #[test]
    fn missing_manifest_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let store_dir = StoreDir::default();
        assert_eq!(
            Manifest::read_from_dir(dir.path(), &store_dir).unwrap(),
            None
        );
        cairn_util::write_atomic(dir.path().join(MANIFEST_FILE), sample().to_json(&store_dir))
            .unwrap();
        assert_eq!(
            Manifest::read_from_dir(dir.path(), &store_dir).unwrap(),
            Some(sample())
        );
    }
}
