//! Nix derivations: the `.drv` files that describe builds, read and written
//! byte for byte as Nix 2.8 does.
//!
//! # Brief overview
//!
//! * [`Derivation`] is a derivation: its outputs ([`DerivationOutput`]:
//!   input-addressed, fixed-output, floating, deferred or impure), input
//!   derivations and sources, system, builder, arguments and environment.
//!   Strings are byte strings ([`bstr::BString`]), since Nix strings may
//!   hold any bytes.
//! * [`Derivation::from_aterm`] and [`Derivation::to_aterm`] read and write
//!   the ATerm form, `Derive([…],[…],[…],…)`; reading and writing a `.drv`
//!   that Nix wrote gives back the same bytes. Errors ([`ParseError`]) say
//!   where (byte offset, line, column) and what was expected.
//! * [`DerivationJson`] and [`show_derivation_json`] are the JSON of
//!   `nix show-derivation`.
//! * [`ModuloHasher`] computes Nix's `hashDerivationModulo`, finding input
//!   derivations through a [`DerivationResolver`]; with it,
//!   [`Derivation::fill_in_output_paths`] computes output paths as
//!   `derivation` does, and [`Derivation::drv_path`] the `.drv`'s own path.
//!
//! # Example
//!
//! ```
//! use std::collections::BTreeMap;
//! use cairn_derivation::{Derivation, DerivationOutput, ModuloHasher};
//! use cairn_store_path::{StoreDir, StorePath};
//!
//! let store = StoreDir::default();
//! // What `derivation { name = "hello"; builder = "/bin/sh";
//! // system = "x86_64-linux"; }` builds.
//! let mut drv = Derivation::default();
//! drv.outputs.insert("out".into(), DerivationOutput::Deferred);
//! drv.system = "x86_64-linux".into();
//! drv.builder = "/bin/sh".into();
//! for (key, value) in [("builder", "/bin/sh"), ("name", "hello"), ("system", "x86_64-linux")] {
//!     drv.env.insert(key.into(), value.into());
//! }
//! // No input derivations, so an empty map can resolve them all.
//! let mut hasher = ModuloHasher::new(store.clone(), BTreeMap::<StorePath, Derivation>::new());
//! drv.fill_in_output_paths("hello", &mut hasher).unwrap();
//!
//! let out = drv.outputs["out"].path().unwrap();
//! assert_eq!(store.display(out), "/nix/store/pnwh4xsfs4j508bs9iw6bpkyc4zw6ryx-hello");
//! let aterm = drv.to_aterm(&store);
//! assert_eq!(Derivation::from_aterm(&store, &aterm).unwrap(), drv);
//! assert_eq!(
//!     store.display(&drv.drv_path(&store, "hello").unwrap()),
//!     "/nix/store/x0sj6ynccvc1a8kxr8fifnlf7qlxw6hd-hello.drv"
//! );
//! ```

mod derivation;
mod hash_modulo;
mod json;
mod parse;
mod print;

pub use derivation::{Derivation, DerivationOutput, DerivationType, DerivationTypeError};
pub use hash_modulo::{
    DerivationResolver, DrvHash, DrvHashKind, HashModuloError, ModuloHasher, ResolveError,
};
pub use json::{DerivationJson, JsonError, OutputJson, show_derivation_json};
pub use parse::{ParseError, ParseErrorKind};

/// Re-exported so callers can name the string type of [`Derivation`].
pub use bstr;
