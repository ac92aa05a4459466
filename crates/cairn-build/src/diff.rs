//! Which files differ between two trees (for `--check`'s report).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Appends to `out` the relative paths (below `prefix`) at which `old` and
/// `new` differ: in type, contents, symlink target or executable bit, or
/// by existing in only one of them.
pub(crate) fn diff_trees(old: &Path, new: &Path, prefix: &Path, out: &mut Vec<String>) {
    let name = || {
        if prefix.as_os_str().is_empty() {
            ".".to_owned()
        } else {
            prefix.display().to_string()
        }
    };
    let (Ok(old_meta), Ok(new_meta)) = (
        std::fs::symlink_metadata(old),
        std::fs::symlink_metadata(new),
    ) else {
        out.push(name());
        return;
    };
    if old_meta.file_type() != new_meta.file_type() {
        out.push(name());
    } else if old_meta.is_dir() {
        let entries = |dir: &Path| -> std::collections::BTreeSet<std::ffi::OsString> {
            std::fs::read_dir(dir)
                .map(|rd| rd.filter_map(Result::ok).map(|e| e.file_name()).collect())
                .unwrap_or_default()
        };
        let mut names = entries(old);
        names.extend(entries(new));
        for entry in names {
            diff_trees(
                &old.join(&entry),
                &new.join(&entry),
                &prefix.join(&entry),
                out,
            );
        }
    } else if old_meta.is_symlink() {
        if std::fs::read_link(old).ok() != std::fs::read_link(new).ok() {
            out.push(name());
        }
    } else {
        let executable = |m: &std::fs::Metadata| m.permissions().mode() & 0o100 != 0;
        if executable(&old_meta) != executable(&new_meta)
            || std::fs::read(old).ok() != std::fs::read(new).ok()
        {
            out.push(name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_changed_added_and_removed_files() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        for root in [&a, &b] {
            std::fs::create_dir_all(root.join("sub")).unwrap();
            std::fs::write(root.join("same"), "x").unwrap();
        }
        std::fs::write(a.join("sub/changed"), "1").unwrap();
        std::fs::write(b.join("sub/changed"), "2").unwrap();
        std::fs::write(a.join("removed"), "").unwrap();
        std::fs::write(b.join("added"), "").unwrap();
        let mut out = Vec::new();
        diff_trees(&a, &b, Path::new(""), &mut out);
        assert_eq!(out, ["added", "removed", "sub/changed"]);
    }
}
