//! Which entry names a NAR may contain.

use crate::MAX_NAME_LEN;

/// Why an entry name is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty.
    #[error("name is empty")]
    Empty,
    /// The name is `.` or `..`.
    #[error("name is `.` or `..`")]
    Dot,
    /// The name contains `/`.
    #[error("name contains `/`")]
    Slash,
    /// The name contains a NUL byte.
    #[error("name contains a NUL byte")]
    Nul,
    /// The name is longer than [`MAX_NAME_LEN`] bytes.
    #[error("name is longer than {MAX_NAME_LEN} bytes")]
    TooLong,
}

/// Checks that `name` can be a directory entry: non-empty, not `.` or
/// `..`, no `/` or NUL, at most [`MAX_NAME_LEN`] bytes.
pub fn check_name(name: &[u8]) -> Result<(), NameError> {
    if name.is_empty() {
        Err(NameError::Empty)
    } else if name == b"." || name == b".." {
        Err(NameError::Dot)
    } else if name.len() > MAX_NAME_LEN {
        Err(NameError::TooLong)
    } else if name.contains(&b'/') {
        Err(NameError::Slash)
    } else if name.contains(&0) {
        Err(NameError::Nul)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_each_bad_name() {
        assert_eq!(check_name(b""), Err(NameError::Empty));
        assert_eq!(check_name(b"."), Err(NameError::Dot));
        assert_eq!(check_name(b".."), Err(NameError::Dot));
        assert_eq!(check_name(b"a/b"), Err(NameError::Slash));
        assert_eq!(check_name(b"a\0b"), Err(NameError::Nul));
        assert_eq!(check_name(&[b'x'; 256]), Err(NameError::TooLong));
        assert_eq!(check_name(&[b'x'; 255]), Ok(()));
        assert_eq!(check_name(b"..."), Ok(()));
        assert_eq!(check_name(b"\xff\xfe"), Ok(()));
    }
}
