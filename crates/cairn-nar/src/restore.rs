//! Recreating a tree from a NAR: [`restore`].

use std::ffi::OsStr;
use std::fs::{self, DirBuilder, OpenOptions, Permissions};
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::decode::{Event, NodeKind, Parser, ReadError, ReadErrorKind};

/// Recreates the tree stored in the NAR `input` at `target`, like
/// `nix-store --restore`.
///
/// `target` must not exist; it becomes the root node (a file, symlink or
/// directory). Directories get mode 0755, regular files 0644, or 0755 when
/// executable, whatever the process umask (Nix sets its umask to 022, so
/// these are the modes `nix-store --restore` produces). Times and owners
/// are left as created.
///
/// Nothing is ever written outside `target`: entry names are validated
/// (no `/`, `.`, `..`, NUL), entries of a directory are unique, files are
/// created with `O_CREAT | O_EXCL` and directories with `mkdir`, both of
/// which fail rather than follow an existing symlink, and an entry can
/// only appear inside a directory node that this call just created, never
/// below a symlink it created.
///
/// On error the partially restored tree is left in place.
pub fn restore<R: Read>(input: R, target: &Path) -> Result<(), ReadError> {
    let mut parser = Parser::new(input);
    let mut dest = PathBuf::new();
    loop {
        let Some(event) = parser.next_event()? else {
            return Ok(());
        };
        let Event::Node { path, kind, .. } = event else {
            continue;
        };
        dest.clear();
        dest.push(target);
        if let Some(relative) = path.strip_prefix(b"/") {
            dest.push(OsStr::from_bytes(relative));
        }
        let fail = |parser: &Parser<R>, dest: &Path, source| {
            parser
                .error_here(ReadErrorKind::Restore {
                    target: dest.to_owned(),
                })
                .with_source(source)
        };
        match kind {
            NodeKind::Directory => {
                DirBuilder::new()
                    .mode(0o755)
                    .create(&dest)
                    .and_then(|()| fs::set_permissions(&dest, Permissions::from_mode(0o755)))
                    .map_err(|e| fail(&parser, &dest, e))?;
            }
            NodeKind::Symlink { target: link } => {
                let link = OsStr::from_bytes(link).to_owned();
                std::os::unix::fs::symlink(&link, &dest).map_err(|e| fail(&parser, &dest, e))?;
            }
            NodeKind::Regular { executable, .. } => {
                let mode = if executable { 0o755 } else { 0o644 };
                let mut file = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(mode)
                    .open(&dest)
                    .map_err(|e| fail(&parser, &dest, e))?;
                parser
                    .read_contents(|chunk| file.write_all(chunk))
                    .map_err(|e| match e.kind() {
                        ReadErrorKind::Output => e.into_restore(dest.clone()),
                        _ => e,
                    })?;
                file.set_permissions(Permissions::from_mode(mode))
                    .map_err(|e| fail(&parser, &dest, e))?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use super::*;
    use crate::Encoder;

    fn nar(build: impl FnOnce(&mut Encoder<&mut Vec<u8>>)) -> Vec<u8> {
        let mut out = Vec::new();
        let mut e = Encoder::new(&mut out);
        build(&mut e);
        e.finish().unwrap();
        out
    }

    #[test]
    fn restores_modes_and_links() {
        let temp = tempfile::tempdir().unwrap();
        let data = nar(|e| {
            e.start_directory().unwrap();
            e.entry(b"exe").unwrap();
            e.regular(true, 2, &b"#!"[..]).unwrap();
            e.entry(b"file").unwrap();
            e.regular(false, 0, &b""[..]).unwrap();
            e.entry(b"link").unwrap();
            e.symlink(b"/nonexistent/x").unwrap();
            e.entry(b"sub").unwrap();
            e.start_directory().unwrap();
            e.end_directory().unwrap();
            e.end_directory().unwrap();
        });
        let target = temp.path().join("out");
        restore(&data[..], &target).unwrap();
        let mode = |p: &str| fs::symlink_metadata(target.join(p)).unwrap().mode() & 0o7777;
        assert_eq!(mode(""), 0o755);
        assert_eq!(mode("exe"), 0o755);
        assert_eq!(mode("file"), 0o644);
        assert_eq!(mode("sub"), 0o755);
        assert_eq!(
            fs::read_link(target.join("link")).unwrap(),
            Path::new("/nonexistent/x")
        );
        // Restoring onto an existing path fails.
        let e = restore(&data[..], &target).unwrap_err();
        assert!(matches!(e.kind(), ReadErrorKind::Restore { .. }), "{e}");
    }

    /// A symlink `a -> OUTSIDE` followed by an entry `a/x` cannot be
    /// expressed: the second `a` is a duplicate, and `a/x` is not a name.
    /// Nesting a directory `a` after the symlink `a` is a duplicate too.
    #[test]
    fn never_writes_through_a_symlink() {
        let temp = tempfile::tempdir().unwrap();
        let outside = temp.path().join("outside");
        fs::create_dir(&outside).unwrap();
        let link = outside.as_os_str().as_bytes();

        let mut raw = Vec::new();
        for s in [&b"nix-archive-1"[..], b"(", b"type", b"directory"] {
            crate::wire::put_str(&mut raw, s);
        }
        for s in [
            &b"entry"[..],
            b"(",
            b"name",
            b"a",
            b"node",
            b"(",
            b"type",
            b"symlink",
            b"target",
            link,
            b")",
            b")",
        ] {
            crate::wire::put_str(&mut raw, s);
        }
        let prefix = raw.clone();
        // Attempt 1: entry "a" again, as a directory holding "x".
        for s in [
            &b"entry"[..],
            b"(",
            b"name",
            b"a",
            b"node",
            b"(",
            b"type",
            b"directory",
            b"entry",
            b"(",
            b"name",
            b"x",
            b"node",
            b"(",
            b"type",
            b"regular",
            b"contents",
            b"pwned",
            b")",
            b")",
            b")",
            b")",
            b")",
        ] {
            crate::wire::put_str(&mut raw, s);
        }
        let e = restore(&raw[..], &temp.path().join("t1")).unwrap_err();
        assert!(
            matches!(e.kind(), ReadErrorKind::DuplicateEntry { .. }),
            "{e}"
        );
        // Attempt 2: an entry named "a/x".
        let mut raw = prefix.clone();
        for s in [
            &b"entry"[..],
            b"(",
            b"name",
            b"a/x",
            b"node",
            b"(",
            b"type",
            b"regular",
            b"contents",
            b"pwned",
            b")",
            b")",
            b")",
        ] {
            crate::wire::put_str(&mut raw, s);
        }
        let e = restore(&raw[..], &temp.path().join("t2")).unwrap_err();
        assert!(matches!(e.kind(), ReadErrorKind::InvalidName { .. }), "{e}");
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
        // The symlink itself was created, pointing outside, but nothing
        // went through it.
        assert_eq!(fs::read_link(temp.path().join("t2/a")).unwrap(), outside);
    }
}
