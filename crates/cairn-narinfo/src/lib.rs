//! Binary-cache metadata and signatures, compatible with Nix 2.8.
//!
//! # Brief overview
//!
//! * [`NarInfo`] is a `.narinfo` file: a store object's [`PathInfo`] plus
//!   where its NAR lies in the cache (`URL`, `Compression`, `FileHash`,
//!   `FileSize`, `System`). [`NarInfo::parse`] follows Nix's scanner,
//!   quirks included; [`NarInfo::to_text`] writes exactly what Nix writes.
//! * [`PathInfo`] is the metadata that signatures cover (path, NAR hash and
//!   size, references, deriver, signatures, content address); stores and
//!   substituters use it without any narinfo.
//! * [`fingerprint`] is the string Nix signs,
//!   `1;PATH;NAR_HASH;NAR_SIZE;REFS`; [`PathInfo::sign`] and
//!   [`PathInfo::check_signatures`] sign and verify it.
//! * [`SecretKey`], [`PublicKey`] and [`Signature`] are ed25519 keys and
//!   signatures in Nix's `NAME:BASE64` format (base64 read with Nix's
//!   lenient rules, so a key file's trailing newline is fine);
//!   [`TrustedKeys`] is the set of `trusted-public-keys`, looked up by name.
//! * [`CacheInfo`] is a cache's `nix-cache-info`.
//!
//! Nothing here does I/O.
//!
//! # Example
//!
//! ```
//! use cairn_narinfo::{NarInfo, SecretKey, TrustedKeys};
//! use cairn_store_path::StoreDir;
//!
//! let store = StoreDir::default();
//! let text = "\
//! StorePath: /nix/store/ybnjlfwq7lx5jg4xzz91zlk0yf2clz2n-ref
//! URL: nar/0rsv7kag23nvdpy4500mv2m0b4sm4c8fkgqrfsrmv1kgk77bi81c.nar
//! Compression: none
//! FileHash: sha256:0rsv7kag23nvdpy4500mv2m0b4sm4c8fkgqrfsrmv1kgk77bi81c
//! FileSize: 120
//! NarHash: sha256:0rsv7kag23nvdpy4500mv2m0b4sm4c8fkgqrfsrmv1kgk77bi81c
//! NarSize: 120
//! References: \n\
//! CA: text:sha256:10a83a91g1r50bdw8g4hn47m7j7m6angpabwc80l9c16nx11cw9d
//! ";
//! let mut narinfo = NarInfo::parse(&store, text).unwrap();
//! assert_eq!(narinfo.to_text(&store), text);
//! assert_eq!(
//!     narinfo.fingerprint(&store).unwrap(),
//!     "1;/nix/store/ybnjlfwq7lx5jg4xzz91zlk0yf2clz2n-ref;\
//!      sha256:0rsv7kag23nvdpy4500mv2m0b4sm4c8fkgqrfsrmv1kgk77bi81c;120;"
//! );
//!
//! let key = SecretKey::generate("cache.example.org-1").unwrap();
//! narinfo.sign(&store, &key).unwrap();
//! let trusted: TrustedKeys = [key.to_public()].into_iter().collect();
//! assert_eq!(narinfo.valid_signatures(&store, &trusted).unwrap().len(), 1);
//! ```

mod cache_info;
mod keys;
mod narinfo;
mod path_info;

pub use cache_info::{CACHE_INFO_FILE, CacheInfo, ParseCacheInfoError};
pub use keys::{
    KeyError, KeyKind, PUBLIC_KEY_LEN, PublicKey, SECRET_KEY_LEN, SIGNATURE_LEN, SecretKey,
    Signature, SignatureStatus, TrustedKeys,
};
pub use narinfo::{DEFAULT_COMPRESSION, NarInfo, ParseNarInfoError};
pub use path_info::{FingerprintError, PathInfo, fingerprint};
