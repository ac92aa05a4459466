//! Where profiles live.
//!
//! | Path | What |
//! |---|---|
//! | `ROOT/nix/var/cairn/profiles/` | every profile the garbage collector knows without being told (it scans this tree for roots) |
//! | `ROOT/nix/var/cairn/profiles/per-user/USER/profile` | `USER`'s default profile |
//! | `HOME/.local/state/cairn/profile` | a symlink to the default profile, made on first use; a user may point it at another profile |
//!
//! The functions are pure except [`default_profile`], which creates the
//! per-user directory and the home link when they are missing. The CLI
//! reads `USER` and `HOME` and passes them in.

use std::path::{Path, PathBuf};

use cairn_util::fs;

use crate::error::ProfileError;

/// `ROOT/nix/var/cairn/profiles`.
#[must_use]
pub fn profiles_dir(root: &Path) -> PathBuf {
    root.join("nix/var/cairn/profiles")
}

/// `ROOT/nix/var/cairn/profiles/per-user/USER`.
#[must_use]
pub fn per_user_dir(root: &Path, user: &str) -> PathBuf {
    profiles_dir(root).join("per-user").join(user)
}

/// `ROOT/nix/var/cairn/profiles/per-user/USER/profile`, the default
/// profile's own path.
#[must_use]
pub fn default_profile_path(root: &Path, user: &str) -> PathBuf {
    per_user_dir(root, user).join("profile")
}

/// `HOME/.local/state/cairn/profile`, the user's link to their profile.
#[must_use]
pub fn home_profile_link(home: &Path) -> PathBuf {
    home.join(".local/state/cairn/profile")
}

/// The profile `user` works on by default: what
/// `HOME/.local/state/cairn/profile` points to. On first use the link is
/// created, pointing at `ROOT/nix/var/cairn/profiles/per-user/USER/profile`
/// (whose directory is created too). A link the user has pointed
/// elsewhere is followed, not replaced; a relative target is taken
/// relative to the link's directory.
///
/// # Errors
/// A directory or the link cannot be created, or the home path exists and
/// is not a symlink.
pub fn default_profile(root: &Path, user: &str, home: &Path) -> Result<PathBuf, ProfileError> {
    let link = home_profile_link(home);
    let target = match fs::read_link(&link) {
        Ok(target) => target,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let profile = default_profile_path(root, user);
            fs::create_dir_all(per_user_dir(root, user))?;
            let link_dir = link.parent().unwrap_or(home);
            fs::create_dir_all(link_dir)?;
            let temp = link_dir.join(format!(".profile.tmp-{}", std::process::id()));
            let _ = fs::remove_file(&temp);
            fs::symlink(&profile, &temp)?;
            fs::rename(&temp, &link)?;
            profile
        }
        Err(err) if err.kind() == std::io::ErrorKind::InvalidInput => {
            return Err(ProfileError::NotASymlink { path: link });
        }
        Err(err) => return Err(err.into()),
    };
    Ok(match link.parent() {
        Some(dir) if target.is_relative() => dir.join(target),
        _ => target,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let root = Path::new("/srv/cairn");
        assert_eq!(
            profiles_dir(root),
            Path::new("/srv/cairn/nix/var/cairn/profiles")
        );
        assert_eq!(
            default_profile_path(root, "alice"),
            Path::new("/srv/cairn/nix/var/cairn/profiles/per-user/alice/profile")
        );
        assert_eq!(
            home_profile_link(Path::new("/home/alice")),
            Path::new("/home/alice/.local/state/cairn/profile")
        );
    }

    #[test]
    fn first_use_creates_the_link_and_later_uses_follow_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let home = dir.path().join("home");
        std::fs::create_dir(&home).unwrap();
        let profile = default_profile(&root, "alice", &home).unwrap();
        assert_eq!(profile, default_profile_path(&root, "alice"));
        assert!(per_user_dir(&root, "alice").is_dir());
        assert_eq!(
            std::fs::read_link(home_profile_link(&home)).unwrap(),
            profile
        );
        // Idempotent.
        assert_eq!(default_profile(&root, "alice", &home).unwrap(), profile);

        // A user's own redirection is followed, relative to the link.
        let link = home_profile_link(&home);
        std::fs::remove_file(&link).unwrap();
        std::os::unix::fs::symlink("../../my-profile", &link).unwrap();
        assert_eq!(
            default_profile(&root, "alice", &home).unwrap(),
            home.join(".local/state/cairn/../../my-profile")
        );
    }

    #[test]
    fn a_file_in_the_way_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let link = home_profile_link(dir.path());
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::fs::write(&link, "not a link").unwrap();
        let err = default_profile(&dir.path().join("root"), "u", dir.path()).unwrap_err();
        assert!(matches!(err, ProfileError::NotASymlink { .. }), "{err}");
    }
}
