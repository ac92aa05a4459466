//! Closure diffs between two store paths (two generations' targets).

use cairn_profile::{ClosureDiff, ClosureSummary, PackageVersions, Profile, VersionChange};
use cairn_store::Store;

use crate::common::MemoryStore;

fn versions(list: &[&str]) -> Vec<String> {
    list.iter().map(|v| (*v).to_owned()).collect()
}

#[test]
fn two_generations_of_a_profile() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new(dir.path());
    let glibc = store.add("glibc-2.35-224", &[], 30_000);
    let glibc_bin = store.add("glibc-2.35-224-bin", &[&glibc], 2_000);
    let hello_old = store.add("hello-2.10", &[&glibc], 1_000);
    let grep = store.add("gnugrep-3.7", &[&glibc], 500);
    let env_old = store.add("user-environment", &[&hello_old, &grep, &glibc_bin], 100);

    let hello_new = store.add("hello-2.12", &[&glibc], 1_100);
    let ripgrep = store.add("ripgrep-14.0.3", &[&glibc], 4_000);
    let man = store.add("ripgrep-14.0.3-man", &[], 50);
    // Same name and version, different hash: a rebuild, not listed.
    let glibc_bin_rebuilt = store.add("glibc-2.35-224-bin", &[&glibc], 2_000);
    let env_new = store.add(
        "user-environment",
        &[&hello_new, &ripgrep, &man, &glibc_bin_rebuilt],
        100,
    );

    let p = Profile::open(dir.path().join("p"), store.store_dir()).unwrap();
    p.create_generation(&store, &env_old).unwrap();
    p.create_generation(&store, &env_new).unwrap();
    let generations = p.generations().unwrap();
    let diff =
        ClosureDiff::between(&store, &generations[0].target, &generations[1].target).unwrap();

    assert_eq!(
        diff.changed,
        [VersionChange {
            name: "hello".into(),
            before: versions(&["2.10"]),
            after: versions(&["2.12"]),
        }]
    );
    assert_eq!(
        diff.added,
        [PackageVersions {
            name: "ripgrep".into(),
            versions: versions(&["14.0.3"]),
        }]
    );
    assert_eq!(
        diff.removed,
        [PackageVersions {
            name: "gnugrep".into(),
            versions: versions(&["3.7"]),
        }]
    );
    assert_eq!(
        diff.before,
        ClosureSummary {
            paths: 5,
            nar_size: 33_600
        }
    );
    assert_eq!(
        diff.after,
        ClosureSummary {
            paths: 6,
            nar_size: 37_250
        }
    );
    assert_eq!(
        diff.to_string(),
        "Version changes:\n\
         \x20 hello    2.10 -> 2.12\n\
         Added packages:\n\
         \x20 ripgrep  14.0.3\n\
         Removed packages:\n\
         \x20 gnugrep  3.7\n\
         Closure size: 5 -> 6 paths (+1), 32.8 KiB -> 36.4 KiB (+3.6 KiB)\n"
    );

    // The other way round is the mirror image.
    let back = ClosureDiff::between(&store, &env_new, &env_old).unwrap();
    assert_eq!(back.added, diff.removed);
    assert_eq!(back.removed, diff.added);
    assert_eq!(back.before, diff.after);

    // A path against itself.
    let same = ClosureDiff::between(&store, &env_new, &env_new).unwrap();
    assert!(!same.has_package_changes());
}

#[test]
fn json_shape() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new(dir.path());
    let a = store.add("a-1", &[], 10);
    let b = store.add("a-2", &[], 20);
    let diff = ClosureDiff::between(&store, &a, &b).unwrap();
    assert_eq!(
        serde_json::to_string(&diff).unwrap(),
        r#"{"changed":[{"name":"a","before":["1"],"after":["2"]}],"added":[],"removed":[],"before":{"paths":1,"narSize":10},"after":{"paths":1,"narSize":20}}"#
    );
}

#[test]
fn invalid_path_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new(dir.path());
    let a = store.add("a-1", &[], 10);
    let ghost =
        cairn_store_path::StorePath::from_base_name("00000000000000000000000000000000-ghost")
            .unwrap();
    let err = ClosureDiff::between(&store, &a, &ghost).unwrap_err();
    assert_eq!(
        err.to_string(),
        "path '/nix/store/00000000000000000000000000000000-ghost' is not valid"
    );
}
