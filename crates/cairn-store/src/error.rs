//! Errors of store operations.

/// An error from a store operation. Each variant names the path it is about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A path that had to be valid is not.
    #[error("path '{path}' is not valid")]
    InvalidPath {
        /// The path, with the store directory.
        path: String,
    },
}
