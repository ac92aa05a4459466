//! Reference scanning and reference constraints.

use crate::support::TestStore;
use cairn_store::Store;

#[test]
fn only_mentioned_inputs_become_references() {
    let mut t = TestStore::new();
    let dep = t.derivation("dep", "echo dep > $out").add();
    let mentions = t
        .derivation("mentions", "echo $dep > $out")
        .env_output("dep", &dep, "out")
        .add();
    let ignores = t
        .derivation("ignores", "cat $dep > $out")
        .env_output("dep", &dep, "out")
        .add();
    let itself = t
        .derivation("itself", "mkdir $out; ln -s $out/a $out/b")
        .add();
    t.realise(&[&mentions, &ignores, &itself]).unwrap();
    let refs = |drv| {
        t.store
            .query_path_info(&t.output(drv, "out"))
            .unwrap()
            .unwrap()
            .info
            .references
    };
    assert_eq!(refs(&mentions), [t.output(&dep, "out")].into());
    assert!(refs(&ignores).is_empty());
    assert_eq!(refs(&itself), [t.output(&itself, "out")].into());
}

#[test]
fn allowed_and_disallowed_references_are_enforced() {
    let mut t = TestStore::new();
    let dep = t.derivation("dep", "echo dep > $out").add();
    t.realise(&[&dep]).unwrap();
    let dep_out = t.display(&t.output(&dep, "out"));
    let cases = [
        ("allowedReferences", ""),
        ("allowedRequisites", ""),
        ("disallowedReferences", dep_out.as_str()),
        ("disallowedRequisites", dep_out.as_str()),
    ];
    for (attribute, value) in cases {
        let drv = t
            .derivation(&format!("violates-{attribute}"), "echo $dep > $out")
            .env_output("dep", &dep, "out")
            .env(attribute, value)
            .add();
        let before = t.snapshot();
        let err = t.realise(&[&drv]).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "output '{}' is not allowed to refer to the following paths:\n  {dep_out}",
                t.display(&t.output(&drv, "out"))
            ),
            "{attribute}"
        );
        assert_eq!(t.snapshot(), before, "{attribute}");
    }
    // Allowed by name of the path: passes.
    let fine = t
        .derivation("allowed", "echo $dep > $out")
        .env_output("dep", &dep, "out")
        .env("allowedReferences", &dep_out)
        .add();
    t.realise(&[&fine]).unwrap();
}

#[test]
fn structured_output_checks_are_enforced() {
    let mut t = TestStore::new();
    let dep = t.derivation("dep", "echo dep > $out").add();
    let dep_out = t.display(&t.output(&dep, "out"));
    let json = format!(
        r#"{{"dep":"{dep_out}","name":"checked","outputChecks":{{"out":{{"disallowedReferences":["{dep_out}"]}}}}}}"#
    );
    let drv = t
        .derivation(
            "checked",
            "out=$(sed -n 's/.*\"out\":\"\\([^\"]*\\)\".*/\\1/p' /build/.attrs.json); \
             dep=$(sed -n 's/.*\"dep\":\"\\([^\"]*\\)\".*/\\1/p' /build/.attrs.json); echo $dep > $out",
        )
        .input(&dep, "out")
        .env("__json", &json)
        .add();
    let err = t.realise(&[&drv]).unwrap_err();
    assert!(
        err.to_string().contains("is not allowed to refer to"),
        "{err}"
    );
}

#[test]
fn symlink_inputs_are_visible_in_a_chroot_store() {
    let mut t = TestStore::new();
    let busybox = t.display(&t.busybox);
    // A store object that is a symlink to a logical store path, which does
    // not exist on the host (the store is under a temporary root).
    let link = t
        .derivation("link", &format!("ln -s {busybox}/bin $out"))
        .add();
    let user = t
        .derivation("user", "ls $link/ > $out")
        .env_output("link", &link, "out")
        .add();
    t.realise(&[&user]).unwrap();
    let listing = std::fs::read_to_string(t.real(&t.output(&user, "out"))).unwrap();
    assert!(listing.lines().any(|l| l == "busybox"), "{listing}");
    // The symlink output refers to busybox through its target.
    let refs = t
        .store
        .query_path_info(&t.output(&link, "out"))
        .unwrap()
        .unwrap()
        .info
        .references;
    assert_eq!(refs, [t.busybox.clone()].into());
}
