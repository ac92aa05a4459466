//! Optional: real `.deb`s from the host's apt cache, unpacked by cairn and
//! by `dpkg-deb -x`, must give the same tree (type, content, execute bit,
//! symlink target). Skips when there are no cached `.deb`s or no dpkg-deb,
//! as on CI machines; the hermetic tests above do not need either.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const CACHE: &str = "/var/cache/apt/archives";

#[derive(Debug, PartialEq, Eq)]
enum Node {
    Directory,
    File { executable: bool, contents: Vec<u8> },
    Symlink(PathBuf),
}

fn walk(root: &Path, relative: &Path, out: &mut BTreeMap<PathBuf, Node>) {
    let path = root.join(relative);
    let meta = std::fs::symlink_metadata(&path).unwrap();
    let node = if meta.is_symlink() {
        Node::Symlink(std::fs::read_link(&path).unwrap())
    } else if meta.is_dir() {
        for entry in std::fs::read_dir(&path).unwrap() {
            walk(root, &relative.join(entry.unwrap().file_name()), out);
        }
        Node::Directory
    } else {
        Node::File {
            executable: meta.permissions().mode() & 0o100 != 0,
            contents: std::fs::read(&path).unwrap(),
        }
    };
    out.insert(relative.to_owned(), node);
}

#[test]
fn cached_debs_unpack_like_dpkg_deb() {
    let Ok(dir) = std::fs::read_dir(CACHE) else {
        return;
    };
    let mut debs: Vec<PathBuf> = dir
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "deb"))
        .collect();
    if debs.is_empty() || Command::new("dpkg-deb").arg("--version").output().is_err() {
        return;
    }
    debs.sort();
    debs.truncate(20);
    for deb in debs {
        let scratch = tempfile::tempdir().unwrap();
        let ours = scratch.path().join("ours");
        let theirs = scratch.path().join("theirs");
        let file = std::io::BufReader::new(std::fs::File::open(&deb).unwrap());
        cairn_deb::unpack(file, &deb, &ours).unwrap();
        let status = Command::new("dpkg-deb")
            .arg("-x")
            .arg(&deb)
            .arg(&theirs)
            .status()
            .unwrap();
        assert!(status.success());
        let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
        walk(&ours, Path::new(""), &mut a);
        walk(&theirs, Path::new(""), &mut b);
        assert!(
            a == b,
            "{} unpacks differently from dpkg-deb -x",
            deb.display()
        );
    }
}
