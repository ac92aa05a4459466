//! Single builds: the environment, outputs, registration and logs.

use cairn_build::BuildOptions;
use cairn_store::Store;

use crate::support::{Recorder, TestStore, read};

#[test]
fn a_chain_builds_in_order_and_registers_with_deriver() {
    let mut t = TestStore::new();
    let a = t.derivation("a", "echo a > $out").add();
    let b = t
        .derivation("b", "cat $a > $out; echo b >> $out; echo $a >> $out")
        .env_output("a", &a, "out")
        .add();
    let c = t
        .derivation("c", "mkdir $out; cat $b > $out/text")
        .env_output("b", &b, "out")
        .add();
    let mut recorder = Recorder::default();
    let done = t
        .realise_with(&[&c], &BuildOptions::default(), &mut recorder)
        .unwrap();
    assert_eq!(done.built, [a.clone(), b.clone(), c.clone()]);
    assert_eq!(recorder.started, [a.clone(), b.clone(), c.clone()]);
    let out_c = t.output(&c, "out");
    let out_a = t.output(&a, "out");
    assert_eq!(
        read(&t.real(&out_c).join("text")),
        format!("a\nb\n{}\n", t.display(&out_a))
    );
    let info = t.store.query_path_info(&out_c).unwrap().unwrap();
    assert_eq!(info.info.deriver.as_ref(), Some(&c));
    assert!(info.ultimate);
    // b's output mentions a's path, so it refers to it, and so does c's,
    // which copies b's text; neither mentions busybox.
    let out_b = t.output(&b, "out");
    let info_b = t.store.query_path_info(&out_b).unwrap().unwrap();
    assert_eq!(info_b.info.references, [out_a.clone()].into());
    assert_eq!(info.info.references, [out_a].into());
    assert_eq!(
        cairn_nar::hash_path(&t.real(&out_c), cairn_hash::HashAlgo::Sha256)
            .unwrap()
            .0,
        info.info.nar_hash
    );

    // A second realisation builds nothing.
    let again = t.realise(&[&c]).unwrap();
    assert!(again.built.is_empty());
}

#[test]
fn the_builder_sees_nix_s_environment() {
    let mut t = TestStore::new();
    let drv = t
        .derivation(
            "env",
            "env | sort > $out; echo cwd=$(pwd) >> $out; cat $bigPath >> $out; echo >> $out; id >> $out",
        )
        .env("passAsFile", "big")
        .env("big", "passed as a file")
        .env("plain", "value")
        .add();
    t.realise(&[&drv]).unwrap();
    let text = read(&t.real(&t.output(&drv, "out")));
    let out = t.display(&t.output(&drv, "out"));
    for expected in [
        "HOME=/homeless-shelter".to_owned(),
        "NIX_BUILD_CORES=1".to_owned(),
        "NIX_BUILD_TOP=/build".to_owned(),
        "NIX_LOG_FD=2".to_owned(),
        "NIX_STORE=/nix/store".to_owned(),
        "TEMP=/build".to_owned(),
        "TEMPDIR=/build".to_owned(),
        "TERM=xterm-256color".to_owned(),
        "TMP=/build".to_owned(),
        "TMPDIR=/build".to_owned(),
        "PWD=/build".to_owned(),
        "bigPath=/build/.attr-1lak0mvllw8rv9i9ygkglvhqsq19qi9ynl4bi7gbf69ab5nzw89a".to_owned(),
        "name=env".to_owned(),
        format!("out={out}"),
        "plain=value".to_owned(),
        "cwd=/build".to_owned(),
        "passed as a file".to_owned(),
        "uid=1000(nixbld) gid=100(nixbld)".to_owned(),
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(&expected)),
            "missing {expected:?} in:\n{text}"
        );
    }
    assert!(!text.contains("\nbig="), "{text}");
}

#[test]
fn multiple_outputs_are_all_built_and_registered() {
    let mut t = TestStore::new();
    let drv = t
        .derivation(
            "multi",
            "mkdir $out $dev; echo lib > $out/lib; echo $out > $dev/points-to-out",
        )
        .outputs(&["out", "dev"])
        .add();
    let done = t.realise(&[&drv]).unwrap();
    let out = t.output(&drv, "out");
    let dev = t.output(&drv, "dev");
    match &done.paths[0] {
        cairn_build::BuiltPath::Built { outputs, .. } => {
            assert_eq!(outputs["out"], out);
            assert_eq!(outputs["dev"], dev);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(t.is_valid(&out) && t.is_valid(&dev));
    let dev_info = t.store.query_path_info(&dev).unwrap().unwrap();
    assert_eq!(dev_info.info.references, [out.clone()].into());
    assert_eq!(
        t.store.query_derivation_outputs(&drv).unwrap(),
        [("dev".to_owned(), dev), ("out".to_owned(), out)].into()
    );
}

#[test]
fn structured_attributes_reach_the_builder_as_files() {
    let mut t = TestStore::new();
    let drv = t
        .derivation(
            "structured",
            "out=$(sed -n 's/.*\"out\":\"\\([^\"]*\\)\".*/\\1/p' /build/.attrs.json); \
             cat /build/.attrs.sh > $out; cat /build/.attrs.json >> $out",
        )
        .env(
            "__json",
            r#"{"greeting":"hi","list":["a","b"],"name":"structured"}"#,
        )
        .add();
    t.realise(&[&drv]).unwrap();
    let out = t.display(&t.output(&drv, "out"));
    assert_eq!(
        read(&t.real(&t.output(&drv, "out"))),
        format!(
            "declare greeting='hi'\ndeclare -a list=('a' 'b' )\ndeclare name='structured'\n\
             declare -A outputs=(['out']='{out}' )\n{{\"greeting\":\"hi\",\"list\":[\"a\",\"b\"],\"name\":\"structured\",\"outputs\":{{\"out\":\"{out}\"}}}}"
        )
    );
}

#[test]
fn logs_are_kept_and_readable() {
    let mut t = TestStore::new();
    let drv = t
        .derivation("noisy", "echo to stdout; echo to stderr >&2; touch $out")
        .add();
    let mut recorder = Recorder::default();
    t.realise_with(&[&drv], &BuildOptions::default(), &mut recorder)
        .unwrap();
    assert_eq!(recorder.log, ["to stdout", "to stderr"]);
    let builder = t.builder();
    let log = builder.logs().read(&drv).unwrap().unwrap();
    assert_eq!(log, b"to stdout\nto stderr\n");
    // By output path too (through the deriver).
    let by_output = builder
        .logs()
        .read_for_path(t.store.as_ref(), &t.output(&drv, "out"))
        .unwrap()
        .unwrap();
    assert_eq!(by_output, log);
}

#[test]
fn check_rebuilds_and_reports_differences() {
    let mut t = TestStore::new();
    let stable = t.derivation("stable", "echo same > $out").add();
    t.realise(&[&stable]).unwrap();
    let options = BuildOptions {
        check: true,
        ..BuildOptions::default()
    };
    let done = t
        .realise_with(&[&stable], &options, &mut Recorder::default())
        .unwrap();
    assert_eq!(done.built, [stable]);

    // A builder whose output is random.
    let unstable = t
        .derivation(
            "unstable",
            "mkdir $out; cat /proc/sys/kernel/random/uuid > $out/random; echo x > $out/same",
        )
        .add();
    t.realise(&[&unstable]).unwrap();
    let err = t
        .realise_with(&[&unstable], &options, &mut Recorder::default())
        .unwrap_err();
    let out = t.display(&t.output(&unstable, "out"));
    match &err {
        cairn_build::BuildError::NotDeterministic {
            differences,
            kept,
            output,
            ..
        } => {
            assert_eq!(differences, &["random"]);
            assert_eq!(output, &out);
            assert!(kept.is_none());
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(
        err.to_string(),
        format!(
            "derivation '{}' may not be deterministic: output '{out}' differs",
            t.display(&unstable)
        )
    );
}

#[test]
fn export_references_graph_writes_the_closure() {
    let mut t = TestStore::new();
    let dep = t.derivation("dep", "echo dep > $out").add();
    let user = t
        .derivation("user", "echo $dep > $out")
        .env_output("dep", &dep, "out")
        .add();
    let user_out = t.display(&t.output(&user, "out"));
    let graph = t
        .derivation("graph", "cat /build/closure > $out")
        .env_output("user", &user, "out")
        .env("exportReferencesGraph", &format!("closure {user_out}"))
        .add();
    t.realise(&[&graph]).unwrap();
    let dep_out = t.display(&t.output(&dep, "out"));
    assert_eq!(
        read(&t.real(&t.output(&graph, "out"))),
        // Sorted by base name; each path, an empty deriver line, the
        // number of references and the references.
        {
            let mut entries = vec![
                (t.output(&dep, "out"), format!("{dep_out}\n\n0\n")),
                (
                    t.output(&user, "out"),
                    format!("{user_out}\n\n1\n{dep_out}\n"),
                ),
            ];
            entries.sort();
            entries
                .into_iter()
                .map(|(_, text)| text)
                .collect::<String>()
        }
    );
}

#[test]
fn check_with_keep_failed_keeps_the_other_build() {
    let mut t = TestStore::new();
    let unstable = t
        .derivation("unstable", "cat /proc/sys/kernel/random/uuid > $out")
        .add();
    t.realise(&[&unstable]).unwrap();
    let options = BuildOptions {
        check: true,
        keep_failed: true,
        ..BuildOptions::default()
    };
    let err = t
        .realise_with(&[&unstable], &options, &mut Recorder::default())
        .unwrap_err();
    let out = t.output(&unstable, "out");
    let check = format!("{}.check", t.real(&out).display());
    assert_eq!(
        err.to_string(),
        format!(
            "derivation '{}' may not be deterministic: output '{}' differs from '{}.check'",
            t.display(&unstable),
            t.display(&out),
            t.display(&out)
        )
    );
    assert_ne!(read(std::path::Path::new(&check)), read(&t.real(&out)));
}
