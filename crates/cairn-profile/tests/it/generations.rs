//! Creating, switching, rolling back and deleting generations, with the
//! exact links left on disk after each step (as Nix 2.8 leaves them).

use std::path::Path;
use std::time::{Duration, SystemTime};

use cairn_profile::{DeleteSelector, Profile, ProfileError, ProfileTarget, Switch};
use cairn_store::Store;
use cairn_store_path::StorePath;

use crate::common::{MemoryStore, entries, expected};

struct Setup {
    dir: tempfile::TempDir,
    store: MemoryStore,
    a: StorePath,
    b: StorePath,
    c: StorePath,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new(dir.path());
    let a = store.add("a", &[], 1);
    let b = store.add("b", &[], 1);
    let c = store.add("c", &[], 1);
    Setup {
        dir,
        store,
        a,
        b,
        c,
    }
}

impl Setup {
    fn profile(&self, name: &str) -> Profile {
        Profile::open(self.dir.path().join(name), self.store.store_dir()).unwrap()
    }

    fn full(&self, path: &StorePath) -> String {
        self.store.store_dir().display(path)
    }
}

fn switch(from: Option<u64>, to: u64, created: bool) -> Switch {
    Switch { from, to, created }
}

#[test]
fn create_switch_rollback_delete_wipe() {
    let s = setup();
    let p = s.profile("p");
    let (a, b, c) = (s.full(&s.a), s.full(&s.b), s.full(&s.c));
    assert_eq!(p.target().unwrap(), ProfileTarget::Missing);
    assert_eq!(p.resolve().unwrap(), None);
    assert!(p.generations().unwrap().is_empty());

    assert_eq!(
        p.create_generation(&s.store, &s.a).unwrap(),
        switch(None, 1, true)
    );
    assert_eq!(
        entries(s.dir.path()),
        expected(&[("p", "p-1-link"), ("p-1-link", &a)])
    );
    assert_eq!(p.resolve().unwrap(), Some(s.a.clone()));
    assert!(s.store.temp_roots().contains(&s.a));

    assert_eq!(
        p.create_generation(&s.store, &s.b).unwrap(),
        switch(Some(1), 2, true)
    );
    assert_eq!(
        p.create_generation(&s.store, &s.c).unwrap(),
        switch(Some(2), 3, true)
    );
    assert_eq!(
        entries(s.dir.path()),
        expected(&[
            ("p", "p-3-link"),
            ("p-1-link", &a),
            ("p-2-link", &b),
            ("p-3-link", &c),
        ])
    );
    assert_eq!(p.resolve().unwrap(), Some(s.c.clone()));
    let generations = p.generations().unwrap();
    assert_eq!(
        generations.iter().map(|g| g.number).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(generations[1].target, s.b);
    assert_eq!(generations[1].link, s.dir.path().join("p-2-link"));
    assert_eq!(p.current().unwrap().unwrap().number, 3);

    assert_eq!(p.switch_to(1).unwrap(), switch(Some(3), 1, false));
    assert_eq!(entries(s.dir.path())["p"], "p-1-link");
    assert_eq!(p.resolve().unwrap(), Some(s.a.clone()));

    // The newest generation points at c, so a new one for a is made even
    // though the current one already is a: the comparison is with the
    // newest, as in Nix.
    assert_eq!(
        p.create_generation(&s.store, &s.a).unwrap(),
        switch(Some(1), 4, true)
    );
    // Same target as the newest: no new generation, just a switch to it.
    p.switch_to(2).unwrap();
    assert_eq!(
        p.create_generation(&s.store, &s.a).unwrap(),
        switch(Some(2), 4, false)
    );

    assert_eq!(p.rollback().unwrap(), switch(Some(4), 3, false));
    assert_eq!(p.resolve().unwrap(), Some(s.c.clone()));

    let deleted = p
        .delete_generations(
            &DeleteSelector::parse(&["2"]).unwrap(),
            SystemTime::now(),
            false,
        )
        .unwrap();
    assert_eq!(deleted.iter().map(|g| g.number).collect::<Vec<_>>(), [2]);
    // Rollback skips the deleted generation.
    assert_eq!(p.rollback().unwrap(), switch(Some(3), 1, false));
    assert_eq!(
        entries(s.dir.path()),
        expected(&[
            ("p", "p-1-link"),
            ("p-1-link", &a),
            ("p-3-link", &c),
            ("p-4-link", &a),
        ])
    );
    let err = p.rollback().unwrap_err();
    assert_eq!(
        err.to_string(),
        "no profile version older than the current (1) exists"
    );
    let err = p.switch_to(2).unwrap_err();
    assert_eq!(err.to_string(), "profile version 2 does not exist");

    let wiped = p.wipe_history(false).unwrap();
    assert_eq!(wiped.iter().map(|g| g.number).collect::<Vec<_>>(), [3, 4]);
    assert_eq!(
        entries(s.dir.path()),
        expected(&[("p", "p-1-link"), ("p-1-link", &a)])
    );
    // Numbering continues after the highest existing generation.
    assert_eq!(
        p.create_generation(&s.store, &s.b).unwrap(),
        switch(Some(1), 2, true)
    );
    assert_eq!(p.resolve().unwrap(), Some(s.b.clone()));
}

#[test]
fn the_current_generation_is_never_deleted() {
    let s = setup();
    let p = s.profile("p");
    p.create_generation(&s.store, &s.a).unwrap();
    p.create_generation(&s.store, &s.b).unwrap();
    let err = p
        .delete_generations(
            &DeleteSelector::parse(&["1", "2"]).unwrap(),
            SystemTime::now(),
            false,
        )
        .unwrap_err();
    assert!(matches!(err, ProfileError::DeleteCurrent { number: 2, .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "cannot delete current version of profile '{}'",
            p.path().display()
        )
    );
    // Nothing was deleted; missing numbers are ignored, like Nix.
    assert_eq!(p.generations().unwrap().len(), 2);
    let deleted = p
        .delete_generations(
            &DeleteSelector::parse(&["1", "77"]).unwrap(),
            SystemTime::now(),
            false,
        )
        .unwrap();
    assert_eq!(deleted.len(), 1);
    assert_eq!(p.current().unwrap().unwrap().number, 2);
}

#[test]
fn dry_run_deletes_nothing() {
    let s = setup();
    let p = s.profile("p");
    for target in [&s.a, &s.b, &s.c] {
        p.create_generation(&s.store, target).unwrap();
    }
    let before = entries(s.dir.path());
    let would = p.wipe_history(true).unwrap();
    assert_eq!(would.iter().map(|g| g.number).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(entries(s.dir.path()), before);
}

/// Sets a symlink's own modification time to `days` days before `now`.
fn age(link: &Path, now: SystemTime, days: u64) {
    let when = now - Duration::from_secs(days * 24 * 60 * 60);
    let since = when.duration_since(SystemTime::UNIX_EPOCH).unwrap();
    let time = rustix::fs::Timespec {
        tv_sec: i64::try_from(since.as_secs()).unwrap(),
        tv_nsec: 0,
    };
    rustix::fs::utimensat(
        rustix::fs::CWD,
        link,
        &rustix::fs::Timestamps {
            last_access: time,
            last_modification: time,
        },
        rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
    )
    .unwrap();
}

/// A profile with `count` generations alternating between a and b.
fn with_generations(s: &Setup, count: u64) -> Profile {
    let p = s.profile("p");
    for n in 0..count {
        let target = if n % 2 == 0 { &s.a } else { &s.b };
        p.create_generation(&s.store, target).unwrap();
    }
    p
}

fn numbers(p: &Profile) -> Vec<u64> {
    p.generations().unwrap().iter().map(|g| g.number).collect()
}

/// The scenario run against `nix-env --delete-generations 5d` and then
/// `1d` on Nix 2.8: ages 12, 10, 8, 6, 4, 2 days, current generation 1.
#[test]
fn older_than_keeps_the_generation_live_at_the_cutoff() {
    let s = setup();
    let p = with_generations(&s, 6);
    let now = SystemTime::now();
    for n in 1..=6 {
        age(&p.generation_link(n), now, 14 - 2 * n);
    }
    p.switch_to(1).unwrap();
    assert_eq!(
        p.generations().unwrap()[0].created_seconds() + 12 * 86400,
        {
            let since = now.duration_since(SystemTime::UNIX_EPOCH).unwrap();
            i64::try_from(since.as_secs()).unwrap()
        }
    );
    let deleted = p
        .delete_generations(&DeleteSelector::parse(&["5d"]).unwrap(), now, false)
        .unwrap();
    // Removed in Nix's order (newest first).
    assert_eq!(deleted.iter().map(|g| g.number).collect::<Vec<_>>(), [3, 2]);
    assert_eq!(numbers(&p), [1, 4, 5, 6]);
    p.delete_generations(&DeleteSelector::parse(&["1d"]).unwrap(), now, false)
        .unwrap();
    assert_eq!(numbers(&p), [1, 6]);
}

/// `nix-env --switch-generation 5; --delete-generations +2` on eight
/// generations leaves 4 to 8: the current one and one before it, and
/// everything after it.
#[test]
fn keep_last_counts_back_from_the_current_generation() {
    let s = setup();
    let p = with_generations(&s, 8);
    p.switch_to(5).unwrap();
    let deleted = p
        .delete_generations(
            &DeleteSelector::parse(&["+2"]).unwrap(),
            SystemTime::now(),
            false,
        )
        .unwrap();
    assert_eq!(
        deleted.iter().map(|g| g.number).collect::<Vec<_>>(),
        [3, 2, 1]
    );
    assert_eq!(numbers(&p), [4, 5, 6, 7, 8]);
    // `old` removes newer generations too.
    p.delete_generations(&DeleteSelector::AllButCurrent, SystemTime::now(), false)
        .unwrap();
    assert_eq!(numbers(&p), [5]);
}

#[test]
fn profiles_in_one_directory_are_independent() {
    let s = setup();
    // `p-2` is a prefix trap: its generations are `p-2-N-link`, and
    // `p-2-link` belongs to `p`.
    let p = s.profile("p");
    let q = s.profile("p-2");
    p.create_generation(&s.store, &s.a).unwrap();
    q.create_generation(&s.store, &s.b).unwrap();
    q.create_generation(&s.store, &s.c).unwrap();
    p.create_generation(&s.store, &s.c).unwrap();
    let (a, b, c) = (s.full(&s.a), s.full(&s.b), s.full(&s.c));
    assert_eq!(
        entries(s.dir.path()),
        expected(&[
            ("p", "p-2-link"),
            ("p-1-link", &a),
            ("p-2-link", &c),
            ("p-2", "p-2-2-link"),
            ("p-2-1-link", &b),
            ("p-2-2-link", &c),
        ])
    );
    assert_eq!(numbers(&p), [1, 2]);
    assert_eq!(numbers(&q), [1, 2]);
    q.rollback().unwrap();
    assert_eq!(p.resolve().unwrap(), Some(s.c.clone()));
    assert_eq!(q.resolve().unwrap(), Some(s.b.clone()));
    p.wipe_history(false).unwrap();
    assert_eq!(numbers(&q), [1, 2]);
    assert_eq!(numbers(&p), [2]);
}

#[test]
fn refuses_invalid_targets_and_non_links() {
    let s = setup();
    let p = s.profile("p");
    let stranger = StorePath::from_base_name("00000000000000000000000000000000-stranger").unwrap();
    let err = p.create_generation(&s.store, &stranger).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "cannot make '/nix/store/00000000000000000000000000000000-stranger' a generation of profile '{}': the path is not valid",
            p.path().display()
        )
    );
    assert!(entries(s.dir.path()).is_empty());

    std::fs::write(s.dir.path().join("f"), "data").unwrap();
    let f = s.profile("f");
    assert!(matches!(
        f.create_generation(&s.store, &s.a),
        Err(ProfileError::NotASymlink { .. })
    ));
    assert!(matches!(f.target(), Err(ProfileError::NotASymlink { .. })));
    assert_eq!(
        std::fs::read_to_string(s.dir.path().join("f")).unwrap(),
        "data"
    );

    assert!(matches!(
        p.rollback(),
        Err(ProfileError::NoCurrentGeneration { .. })
    ));
}

#[test]
fn a_profile_pointing_straight_into_the_store_resolves() {
    let s = setup();
    let p = s.profile("result");
    std::os::unix::fs::symlink(s.full(&s.a), p.path()).unwrap();
    assert_eq!(
        p.target().unwrap(),
        ProfileTarget::Other(s.full(&s.a).into())
    );
    assert_eq!(p.current().unwrap(), None);
    assert_eq!(p.resolve().unwrap(), Some(s.a.clone()));
    // A link into an object resolves to the object.
    let inside = s.profile("bin");
    std::os::unix::fs::symlink(format!("{}/bin", s.full(&s.c)), inside.path()).unwrap();
    assert_eq!(inside.resolve().unwrap(), Some(s.c.clone()));
    // Its first generation replaces the direct link.
    assert_eq!(
        p.create_generation(&s.store, &s.b).unwrap(),
        switch(None, 1, true)
    );
    assert_eq!(p.resolve().unwrap(), Some(s.b.clone()));
}

#[test]
fn stale_temporaries_are_removed_by_the_next_change() {
    let s = setup();
    let p = s.profile("p");
    p.create_generation(&s.store, &s.a).unwrap();
    // What a change killed between symlink(2) and rename(2) leaves.
    std::os::unix::fs::symlink(s.full(&s.b), s.dir.path().join(".p.tmp-4242-7")).unwrap();
    // Another profile's temporary is left alone.
    std::os::unix::fs::symlink(s.full(&s.b), s.dir.path().join(".q.tmp-4242-7")).unwrap();
    p.create_generation(&s.store, &s.c).unwrap();
    let names: Vec<String> = entries(s.dir.path()).into_keys().collect();
    assert_eq!(names, [".q.tmp-4242-7", "p", "p-1-link", "p-2-link"]);
}
