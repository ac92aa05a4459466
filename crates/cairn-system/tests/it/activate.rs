//! Switching between systems in a scratch root: byte-identical rollback,
//! clashes, drift, id reuse, restoring after a failure.

use std::os::unix::fs::{MetadataExt, symlink};
use std::path::Path;

use cairn_system::{
    BootEntry, BootGeneration, BootLoader, Error, EtcDrift, Restore, Toplevel, UnitAction,
    activate, diff, status, write_boot_entries,
};
use serde_json::json;

use crate::common::{Fixture, normal_user};

const NGINX: &str =
    "[Unit]\nDescription=nginx\n[Service]\nExecStart=/nix/store/x-nginx/bin/nginx\n";
const MYAPP_V1: &str =
    "[Unit]\nDescription=myapp\n[Service]\nExecStart=/nix/store/a-myapp-1/bin/myapp\n";
const MYAPP_V2: &str =
    "[Unit]\nDescription=myapp\n[Service]\nExecStart=/nix/store/b-myapp-2/bin/myapp\n";

/// The home-lab shape: two users (bob only in v2), nginx only in v1,
/// myapp's script changed in v2.
fn v1(fx: &Fixture) -> Toplevel {
    fx.system("v1")
        .set("hostName", json!("homelab"))
        .set("timeZone", json!("Europe/Berlin"))
        .etc("myapp/config.toml", "listen = 8080\n", "symlink")
        .etc("nginx/nginx.conf", "events {}\n", "symlink")
        .etc("sudoers", "root ALL=(ALL) ALL\n", "0440")
        .user(
            "alice",
            normal_user("alice", &["wheel"], &["ssh-ed25519 AAAA alice@laptop"]),
        )
        .group("docker", json!({"members": []}))
        .unit("myapp.service", MYAPP_V1, Some("multi-user.target"))
        .unit("nginx.service", NGINX, Some("multi-user.target"))
        .build()
}

fn v2(fx: &Fixture) -> Toplevel {
    fx.system("v2")
        .set("hostName", json!("homelab"))
        .set("timeZone", json!("Europe/Berlin"))
        .etc("myapp/config.toml", "listen = 8080\n", "symlink")
        .etc("sudoers", "root ALL=(ALL) ALL\n", "0440")
        .user(
            "alice",
            normal_user("alice", &["wheel"], &["ssh-ed25519 AAAA alice@laptop"]),
        )
        .user(
            "bob",
            normal_user("bob", &["wheel", "docker"], &["ssh-ed25519 BBBB bob@pc"]),
        )
        .group("docker", json!({"members": []}))
        .unit("myapp.service", MYAPP_V2, Some("multi-user.target"))
        .build()
}

fn generation(number: u64, top: &Toplevel) -> BootGeneration {
    BootGeneration {
        number,
        toplevel: top.path().to_owned(),
        label: top.plan().unwrap().label,
        entry: BootEntry {
            title: "cairn".into(),
            kernel: None,
            initrd: None,
            kernel_params: vec!["quiet".into()],
        },
        created: 1_795_996_800 + number as i64 * 86_400,
        specialisations: Vec::new(),
    }
}

fn with_kernel(fx: &Fixture, mut generation: BootGeneration) -> BootGeneration {
    generation.entry.kernel = Some(fx.store_file("linux-6.12-bzImage", "kernel"));
    generation.entry.initrd = Some(fx.store_file("initrd-linux-6.12", "initrd"));
    generation
}

const COMPARED: &[&str] = &["etc", "boot"];

#[test]
fn v1_v2_v1_gives_back_v1s_bytes() {
    let fx = Fixture::new();
    let (one, two) = (v1(&fx), v2(&fx));

    let report = activate(&fx.root, &one, None, None).unwrap();
    assert!(!report.units_applied);
    assert_eq!(report.users.added, ["alice"]);
    let g1 = with_kernel(&fx, generation(1, &one));
    write_boot_entries(
        &fx.root,
        &fx.store_root,
        std::slice::from_ref(&g1),
        1,
        &BootLoader::default(),
    )
    .unwrap();
    let after_v1 = fx.snapshot(COMPARED);

    // What v1 made.
    let etc = fx.root.join("etc");
    assert_eq!(
        std::fs::read_link(etc.join("static")).unwrap(),
        one.path().join("etc")
    );
    assert_eq!(
        std::fs::read_link(etc.join("myapp/config.toml")).unwrap(),
        Path::new("/etc/static/myapp/config.toml")
    );
    let sudoers = std::fs::metadata(etc.join("sudoers")).unwrap();
    assert_eq!(sudoers.mode() & 0o7777, 0o440);
    assert_eq!(
        std::fs::read_to_string(etc.join("sudoers")).unwrap(),
        "root ALL=(ALL) ALL\n"
    );
    assert_eq!(
        std::fs::read_to_string(etc.join("hostname")).unwrap(),
        "homelab\n"
    );
    assert_eq!(
        std::fs::read_link(etc.join("localtime")).unwrap(),
        Path::new("/etc/zoneinfo/Europe/Berlin")
    );
    assert_eq!(
        std::fs::read_to_string(etc.join("ssh/authorized_keys.d/alice")).unwrap(),
        "ssh-ed25519 AAAA alice@laptop\n"
    );
    assert_eq!(
        std::fs::read_to_string(etc.join("passwd")).unwrap(),
        "root:x:0:0:root:/root:/bin/bash\n\
         daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
         alice:x:1000:100::/home/alice:/run/current-system/sw/bin/bash\n\
         nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    );
    assert_eq!(
        std::fs::read_to_string(etc.join("group")).unwrap(),
        "root:x:0:\nwheel:x:10:alice\nusers:x:100:\ndocker:x:999:\nnogroup:x:65534:\n"
    );
    // The unmanaged file and the account files' modes stay.
    assert_eq!(
        std::fs::read_to_string(etc.join("debian_version")).unwrap(),
        "13.1\n"
    );
    assert_eq!(
        std::fs::metadata(etc.join("shadow")).unwrap().mode() & 0o777,
        0o640
    );
    assert_eq!(
        std::fs::read_link(fx.root.join("run/current-system")).unwrap(),
        one.path()
    );
    let home = std::fs::metadata(fx.root.join("home/alice")).unwrap();
    assert_eq!(
        (home.mode() & 0o7777, home.uid(), home.gid()),
        (0o700, 1000, 100)
    );

    // v2: nginx gone, bob added, myapp changed.
    let d = diff(&one, &two).unwrap();
    assert_eq!(d.users.added, ["bob"]);
    assert_eq!(d.etc.added, ["ssh/authorized_keys.d/bob"]);
    assert_eq!(d.etc.removed, ["nginx/nginx.conf"]);
    assert!(d.etc.changed.is_empty() && d.groups.is_empty() && d.host_name.is_none());
    let report = activate(&fx.root, &two, Some(&one), None).unwrap();
    assert_eq!(report.units, d.units);
    assert_eq!(
        report.units.with_action(UnitAction::Stop),
        ["nginx.service"]
    );
    assert_eq!(
        report.units.with_action(UnitAction::Restart),
        ["myapp.service"]
    );
    assert!(report.units.units["myapp.service"].stop_before_activation);
    assert_eq!(report.users.added, ["bob"]);
    assert_eq!(report.etc_removed, ["nginx/nginx.conf"]);
    assert!(
        !etc.join("nginx").exists(),
        "the directory cairn made is pruned"
    );
    assert!(
        std::fs::read_to_string(etc.join("group"))
            .unwrap()
            .contains("wheel:x:10:alice,bob\n")
    );
    assert!(
        std::fs::read_to_string(etc.join("group"))
            .unwrap()
            .contains("docker:x:999:bob\n")
    );
    let g2 = with_kernel(&fx, generation(2, &two));
    write_boot_entries(
        &fx.root,
        &fx.store_root,
        &[g1.clone(), g2],
        2,
        &BootLoader::default(),
    )
    .unwrap();
    assert_ne!(fx.snapshot(COMPARED), after_v1);

    // Back to v1 (generation 2 deleted): the same bytes as right after v1.
    let report = activate(&fx.root, &one, Some(&two), None).unwrap();
    assert_eq!(report.users.removed, ["bob"]);
    assert_eq!(
        report.units.with_action(UnitAction::Start),
        ["nginx.service"]
    );
    write_boot_entries(&fx.root, &fx.store_root, &[g1], 1, &BootLoader::default()).unwrap();
    assert_eq!(fx.snapshot(COMPARED), after_v1);
    assert!(status(&fx.root, &one).unwrap().is_empty());

    // bob comes back with his uid.
    activate(&fx.root, &two, Some(&one), None).unwrap();
    assert!(
        std::fs::read_to_string(etc.join("passwd"))
            .unwrap()
            .contains("bob:x:1001:100:")
    );

    // Activating the same system again changes nothing.
    let before = fx.snapshot(&["etc", "var"]);
    let report = activate(&fx.root, &two, Some(&two), None).unwrap();
    assert!(
        report.etc_written.is_empty()
            && report.accounts_written.is_empty()
            && report.units.is_empty()
    );
    assert_eq!(fx.snapshot(&["etc", "var"]), before);
}

#[test]
fn a_clash_lists_every_path_and_changes_nothing() {
    let fx = Fixture::new();
    let one = v1(&fx);
    std::fs::write(fx.root.join("etc/sudoers"), "debian's sudoers\n").unwrap();
    std::fs::create_dir(fx.root.join("etc/nginx")).unwrap();
    std::fs::write(fx.root.join("etc/nginx/nginx.conf"), "debian's nginx\n").unwrap();
    symlink("/usr/share/zoneinfo/UTC", fx.root.join("etc/localtime")).unwrap();
    let before = fx.snapshot(&["."]);
    let err = activate(&fx.root, &one, None, None).unwrap_err();
    let Error::Clash { paths } = &err else {
        panic!("{err}")
    };
    let etc = fx.root.join("etc");
    assert_eq!(
        paths,
        &[
            etc.join("localtime"),
            etc.join("nginx/nginx.conf"),
            etc.join("sudoers")
        ]
    );
    assert_eq!(
        err.to_string(),
        format!(
            "3 files are not managed by cairn and would be overwritten; nothing was changed:\n  {}\n  {}\n  {}",
            paths[0].display(),
            paths[1].display(),
            paths[2].display()
        )
    );
    let mut after = fx.snapshot(&["."]);
    // The activation lock is the one thing created.
    for path in ["var", "var/lib", "var/lib/cairn", "var/lib/cairn/lock"] {
        after.remove(path);
    }
    assert_eq!(after, before);
}

#[test]
fn an_identical_file_is_adopted_not_a_clash() {
    let fx = Fixture::new();
    std::fs::write(fx.root.join("etc/hostname"), "homelab\n").unwrap();
    activate(&fx.root, &v1(&fx), None, None).unwrap();
}

#[test]
fn drift_is_reported_and_the_next_switch_repairs_it() {
    let fx = Fixture::new();
    let one = v1(&fx);
    activate(&fx.root, &one, None, None).unwrap();
    let after_v1 = fx.snapshot(COMPARED);
    let etc = fx.root.join("etc");
    std::fs::write(etc.join("sudoers"), "everyone ALL=(ALL) NOPASSWD: ALL\n").unwrap();
    std::fs::remove_file(etc.join("myapp/config.toml")).unwrap();
    symlink("/tmp/elsewhere", etc.join("myapp/config.toml")).unwrap();
    std::fs::remove_file(etc.join("hostname")).unwrap();
    let passwd = std::fs::read_to_string(etc.join("passwd")).unwrap();
    std::fs::write(
        etc.join("passwd"),
        passwd.replace(
            "/home/alice:/run/current-system/sw/bin/bash",
            "/home/alice:/bin/zsh",
        ),
    )
    .unwrap();

    let drift = status(&fx.root, &one).unwrap();
    assert_eq!(drift.etc["sudoers"], EtcDrift::ContentChanged);
    assert_eq!(
        drift.etc["myapp/config.toml"],
        EtcDrift::Retargeted {
            expected: "/etc/static/myapp/config.toml".into(),
            found: "/tmp/elsewhere".into()
        }
    );
    assert_eq!(drift.etc["hostname"], EtcDrift::Missing);
    assert_eq!(drift.etc.len(), 3);
    assert_eq!(drift.accounts.len(), 1);
    assert_eq!(drift.accounts[0].name, "alice");
    assert_eq!(
        drift.accounts[0].found.as_deref(),
        Some("alice:x:1000:100::/home/alice:/bin/zsh")
    );

    activate(&fx.root, &one, Some(&one), None).unwrap();
    assert!(status(&fx.root, &one).unwrap().is_empty());
    assert_eq!(fx.snapshot(COMPARED), after_v1);
}

#[test]
fn a_password_set_by_the_user_is_not_drift_in_mutable_mode() {
    let fx = Fixture::new();
    let one = v1(&fx);
    activate(&fx.root, &one, None, None).unwrap();
    let shadow = fx.root.join("etc/shadow");
    let text = std::fs::read_to_string(&shadow).unwrap();
    std::fs::write(
        &shadow,
        text.replace("alice:!:1::::::", "alice:$y$new:20000::::::"),
    )
    .unwrap();
    assert!(status(&fx.root, &one).unwrap().is_empty());
    activate(&fx.root, &one, Some(&one), None).unwrap();
    assert!(
        std::fs::read_to_string(&shadow)
            .unwrap()
            .contains("alice:$y$new:20000::::::\n")
    );
}

#[test]
fn a_failure_after_writes_restores_the_old_system() {
    let fx = Fixture::new();
    let one = v1(&fx);
    activate(&fx.root, &one, None, None).unwrap();
    let after_v1 = fx.snapshot(COMPARED);
    // bob's home cannot be created: a file is where its parent should be.
    std::fs::write(fx.root.join("srv"), "not a directory").unwrap();
    let mut bob = normal_user("bob", &[], &["ssh-ed25519 BBBB bob@pc"]);
    bob["home"] = json!("/srv/bob");
    let broken = fx
        .system("broken")
        .set("hostName", json!("elsewhere"))
        .user("alice", normal_user("alice", &[], &[]))
        .user("bob", bob)
        .build();
    let err = activate(&fx.root, &broken, Some(&one), None).unwrap_err();
    let Error::ActivationFailed { step, restore, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(*step, "creating home directories");
    assert!(matches!(restore, Restore::Restored), "{err}");
    assert!(err.to_string().starts_with(
        "activation failed while creating home directories; the previous system was restored"
    ));
    assert_eq!(fx.snapshot(COMPARED), after_v1);
    assert!(status(&fx.root, &one).unwrap().is_empty());
}

#[test]
fn an_edited_file_no_longer_declared_is_left_in_place() {
    let fx = Fixture::new();
    let (one, two) = (v1(&fx), v2(&fx));
    activate(&fx.root, &one, None, None).unwrap();
    let conf = fx.root.join("etc/nginx/nginx.conf");
    std::fs::remove_file(&conf).unwrap();
    std::fs::write(&conf, "my own\n").unwrap();
    let report = activate(&fx.root, &two, Some(&one), None).unwrap();
    assert_eq!(report.etc_left_in_place, ["nginx/nginx.conf"]);
    assert_eq!(std::fs::read_to_string(&conf).unwrap(), "my own\n");
    assert!(
        !cairn_system::managed_etc_paths(&fx.root)
            .unwrap()
            .contains("nginx/nginx.conf")
    );
}

#[test]
fn an_empty_root_gets_a_whole_system() {
    let fx = Fixture::new();
    std::fs::remove_dir_all(&fx.root).unwrap();
    std::fs::create_dir(&fx.root).unwrap();
    let top = fx
        .system("fresh")
        .etc("sudoers", "root ALL=(ALL) ALL\n", "0440")
        .user(
            "root",
            json!({"uid": 0, "group": "root", "home": "/root", "shell": "/bin/sh"}),
        )
        .user("alice", normal_user("alice", &["wheel"], &[]))
        .group("root", json!({"gid": 0}))
        .group("users", json!({"gid": 100}))
        .group("wheel", json!({"gid": 1}))
        .build();
    activate(&fx.root, &top, None, None).unwrap();
    let etc = fx.root.join("etc");
    assert_eq!(
        std::fs::read_to_string(etc.join("passwd")).unwrap(),
        "root:x:0:0::/root:/bin/sh\nalice:x:1000:100::/home/alice:/run/current-system/sw/bin/bash\n"
    );
    assert_eq!(
        std::fs::read_to_string(etc.join("group")).unwrap(),
        "root:x:0:\nwheel:x:1:alice\nusers:x:100:\n"
    );
    assert_eq!(
        std::fs::read_to_string(etc.join("shadow")).unwrap(),
        "root:!:1::::::\nalice:!:1::::::\n"
    );
    assert_eq!(
        std::fs::read_to_string(etc.join("gshadow")).unwrap(),
        "root:!::\nwheel:!::alice\nusers:!::\n"
    );
    assert_eq!(
        std::fs::metadata(etc.join("shadow")).unwrap().mode() & 0o777,
        0o600
    );
    assert!(status(&fx.root, &top).unwrap().is_empty());
}

#[test]
fn a_home_behind_a_symlink_is_refused_in_a_scratch_root() {
    let fx = Fixture::new();
    let outside = tempfile::tempdir().unwrap();
    symlink(outside.path(), fx.root.join("home")).unwrap();
    let err = activate(&fx.root, &v1(&fx), None, None).unwrap_err();
    assert!(matches!(err, Error::ThroughSymlink { .. }), "{err}");
    // Found before anything was written.
    assert_eq!(
        std::fs::read_to_string(fx.root.join("etc/passwd")).unwrap(),
        crate::common::PASSWD
    );
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
}
