//! Binary-cache metadata and signatures, compatible with Nix 2.8.
//!
//! Work in progress.
