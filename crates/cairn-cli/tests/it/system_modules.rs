//! The system modules (`nix/modules`) as Nix code: what a configuration
//! evaluates to — /etc entries, the activation plan's users and groups,
//! generated unit files — and the errors of bad configurations (type
//! errors, conflicting definitions, failed assertions), worded as NixOS's.
//! Evaluation only (`cairn eval` on a temporary store): nothing is built.

use std::path::PathBuf;

use crate::common::{TestContext, stdout_of};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Evaluates EXPR with `system` bound to `eval-config.nix` applied to
/// CONFIG (a module, as Nix source).
fn eval(cx: &TestContext, config: &str, expr: &str) -> std::process::Output {
    let store = cx.path().join("store");
    let expr = format!(
        "let system = import {}/nix/modules/eval-config.nix {{ system = \"x86_64-linux\"; configuration = {config}; }}; \
         inherit (system) config; in {expr}",
        repo().display()
    );
    cx.command()
        .args([
            "eval",
            "--strict",
            "--store",
            store.to_str().unwrap(),
            "-E",
            &expr,
        ])
        .output()
        .unwrap()
}

fn eval_ok(cx: &TestContext, config: &str, expr: &str) -> String {
    stdout_of(&eval(cx, config, expr)).trim_end().to_owned()
}

fn eval_err(cx: &TestContext, config: &str, expr: &str) -> String {
    let out = eval(cx, config, expr);
    assert!(
        !out.status.success(),
        "evaluation succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).replace(repo().to_str().unwrap(), "[REPO]")
}

fn example(name: &str) -> String {
    repo()
        .join("examples")
        .join(name)
        .join("configuration.nix")
        .display()
        .to_string()
}

#[test]
fn the_home_lab_example_declares_its_etc_users_and_units() {
    let cx = TestContext::new();
    let config = example("home-lab");
    insta::assert_snapshot!(eval_ok(
        &cx,
        &config,
        "builtins.attrNames config.environment.etc"
    ));
    let plan = eval_ok(
        &cx,
        &config,
        "with config.system.activationPlan; { users = builtins.mapAttrs (_: u: { inherit (u) uid group extraGroups home shell isNormalUser; }) users; groups = builtins.mapAttrs (_: g: g.members) groups; hostName = config.networking.hostName; timeZone = config.time.timeZone; }",
    );
    insta::assert_snapshot!(plan);
    // The generated units, with store paths made stable.
    let units = eval_ok(
        &cx,
        &config,
        "builtins.concatStringsSep \"\\n----\\n\" (builtins.attrValues (builtins.mapAttrs (n: f: \"# ${n}\\n${f.text}\") config.system.build.units))",
    );
    let units = units.replace("\\n", "\n");
    let stable = regex_lite_replace_store_paths(&units);
    insta::assert_snapshot!(stable);
}

/// `/nix/store/HASH-NAME` → `/nix/store/…-NAME`, so snapshots do not
/// change with every input.
fn regex_lite_replace_store_paths(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("/nix/store/") {
        out.push_str(&rest[..i + "/nix/store/".len()]);
        rest = &rest[i + "/nix/store/".len()..];
        let hash_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            .count();
        if hash_len == 32 && rest.as_bytes().get(32) == Some(&b'-') {
            out.push('…');
            rest = &rest[32..];
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn the_home_lab_example_boots_debians_kernel_with_an_initrd() {
    let cx = TestContext::new();
    let config = example("home-lab");
    let entry = eval_ok(
        &cx,
        &config,
        "config.system.activationPlan.bootEntry // { kernelVersion = config.boot.kernelPackage.version; modDirVersion = config.boot.kernelPackage.modDirVersion; initrdName = config.system.build.initialRamdisk.name; }",
    );
    insta::assert_snapshot!(regex_lite_replace_store_paths(&entry), @r#"{ initrd = "/nix/store/…-initrd-linux-6.1.170-3/initrd"; initrdName = "initrd-linux-6.1.170-3"; kernel = "/nix/store/…-linux-6.1.170-3/bzImage"; kernelParams = [ "root=LABEL=lab" "console=tty0" ]; kernelVersion = "6.1.170-3"; modDirVersion = "6.1.0-47-amd64"; title = "cairn 25.11 (lab)"; }"#);
    assert_eq!(
        eval_ok(&cx, &config, "config.system.activationPlan.bootLoader"),
        "{ configurationLimit = null; grub = true; systemdBoot = true; timeout = 5; }"
    );
    // The kernel is a binary from Debian, and says so.
    assert_eq!(
        eval_ok(
            &cx,
            &config,
            "with config.boot.kernelPackage.meta; [ license.spdxId (map (s: s.shortName) sourceProvenance) ]"
        ),
        "[ \"GPL-2.0-only\" [ \"binaryNativeCode\" ] ]"
    );
}

#[test]
fn without_a_kernel_there_is_no_initrd_and_no_boot_entry_to_write() {
    let cx = TestContext::new();
    let config = example("minimal");
    assert_eq!(
        eval_ok(
            &cx,
            &config,
            "with config.system.activationPlan.bootEntry; [ kernel initrd config.system.build.initialRamdisk ]"
        ),
        "[ null null null ]"
    );
    // A kernel set by path boots without an initrd unless one is made.
    assert_eq!(
        eval_ok(
            &cx,
            "{ boot.kernel = \"/nix/store/00000000000000000000000000000000-k/bzImage\"; }",
            "with config.system.activationPlan.bootEntry; [ kernel initrd ]"
        ),
        "[ \"/nix/store/00000000000000000000000000000000-k/bzImage\" null ]"
    );
}

#[test]
fn the_minimal_example_has_only_its_core_packages() {
    let cx = TestContext::new();
    let config = example("minimal");
    assert_eq!(
        eval_ok(
            &cx,
            &config,
            "map (p: p.name) (config.environment.corePackages ++ config.environment.systemPackages)"
        ),
        "[ \"bash-5.2.15\" \"coreutils-9.1\" \"nologin\" \"bash-5.2.15\" ]"
    );
    assert_eq!(
        eval_ok(&cx, &config, "config.system.build.toplevel.name"),
        "\"cairn-system-mini-25.11\""
    );
}

#[test]
fn priorities_decide_between_definitions() {
    let cx = TestContext::new();
    // A plain definition beats mkDefault; mkForce beats a plain one.
    let config = "{ lib, ... }: { imports = [ { networking.hostName = lib.mkDefault \"a\"; } { networking.hostName = \"b\"; } ]; }";
    assert_eq!(eval_ok(&cx, config, "config.networking.hostName"), "\"b\"");
    let config = "{ lib, ... }: { imports = [ { networking.hostName = lib.mkForce \"a\"; } { networking.hostName = \"b\"; } ]; }";
    assert_eq!(eval_ok(&cx, config, "config.networking.hostName"), "\"a\"");
    // Lists merge, mkBefore first.
    let config = "{ lib, ... }: { imports = [ { networking.firewall.allowedTCPPorts = [ 80 ]; } { networking.firewall.allowedTCPPorts = lib.mkBefore [ 22 ]; } ]; }";
    assert_eq!(
        eval_ok(&cx, config, "config.networking.firewall.allowedTCPPorts"),
        "[ 22 80 ]"
    );
}

#[test]
fn configuration_errors_name_the_option_and_the_files() {
    let cx = TestContext::new();
    let errors = [
        // A type error.
        eval_err(
            &cx,
            "{ networking.hostName = 42; }",
            "config.networking.hostName",
        ),
        // Conflicting definitions.
        eval_err(
            &cx,
            "{ imports = [ { time.timeZone = \"UTC\"; } { time.timeZone = \"Europe/Berlin\"; } ]; }",
            "config.time.timeZone",
        ),
        // An option that does not exist.
        eval_err(
            &cx,
            "{ services.nginx.enabled = true; }",
            "config.services.nginx.enable",
        ),
        // A failed assertion stops the build of the toplevel.
        eval_err(
            &cx,
            "{ users.users.carol = { }; }",
            "config.system.build.toplevel.drvPath",
        ),
    ];
    insta::assert_snapshot!(errors.join("\n---\n"));
}

#[test]
fn specialisations_are_whole_systems_built_from_the_parents_modules() {
    let cx = TestContext::new();
    let config = format!(
        "{{ lib, ... }}: {{ imports = [ {} ]; \
         specialisation.debug.configuration = {{ boot.kernelParams = [ \"debug\" ]; networking.hostName = lib.mkForce \"dbg\"; }}; \
         specialisation.bare = {{ inheritParentConfig = false; configuration.networking.hostName = \"bare\"; }}; }}",
        example("minimal")
    );
    // Each one is a toplevel of its own; `debug` keeps the parent's users
    // and adds to its settings, `bare` starts from cairn's modules only;
    // neither has specialisations of its own.
    insta::assert_snapshot!(eval_ok(
        &cx,
        &config,
        "{ toplevels = builtins.mapAttrs (_: t: t.name) config.system.build.specialisations; \
           users = builtins.mapAttrs (_: s: builtins.attrNames s.configuration.system.activationPlan.users) config.specialisation; \
           debugParams = config.specialisation.debug.configuration.boot.kernelParams; \
           nested = builtins.mapAttrs (_: s: s.configuration.specialisation) config.specialisation; \
           parentHost = config.networking.hostName; }"
    ), @r#"{ debugParams = [ "debug" ]; nested = { bare = { }; debug = { }; }; parentHost = "mini"; toplevels = { bare = "cairn-system-bare-25.11"; debug = "cairn-system-dbg-25.11"; }; users = { bare = [ "nobody" "root" ]; debug = [ "alice" "nobody" "root" ]; }; }"#);
    // The toplevel links them (its builder gets NAME=PATH lines).
    assert_eq!(
        regex_lite_replace_store_paths(&eval_ok(
            &cx,
            &config,
            "config.system.build.toplevel.drvAttrs.specialisations"
        )),
        "\"bare=/nix/store/…-cairn-system-bare-25.11\\ndebug=/nix/store/…-cairn-system-dbg-25.11\""
    );
    // A name that is not a file name fails the build.
    insta::assert_snapshot!(eval_err(
        &cx,
        "{ specialisation.\"a/b\".configuration = { }; }",
        "config.system.build.toplevel.drvPath"
    ), @r"
    error:
           Failed assertions:
           - The specialisation name `a/b' must be a file name (letters, digits, `_', `.' and `-', not starting with `.' or `-').
    (use '--show-trace' to show detailed location information)

      help: check the expression and the files it imports
    ");
}

/// A toplevel laid out as toplevel.nix builds it (a plan, an etc tree and
/// a specialisation), written straight into a scratch store.
fn fake_toplevel(store_root: &std::path::Path, name: &str, etc_file: &str) -> String {
    let hash = if name == "lab" {
        "0".repeat(32)
    } else {
        "1".repeat(32)
    };
    let logical = format!("/nix/store/{hash}-cairn-system-{name}");
    let dir = store_root.join(logical.trim_start_matches('/'));
    std::fs::create_dir_all(dir.join("etc")).unwrap();
    std::fs::write(dir.join("etc").join(etc_file), "x\n").unwrap();
    let plan = format!(
        r#"{{"version": 1, "label": "25.11", "etc": {{"{etc_file}": {{"source": "{logical}/etc/{etc_file}"}}}}}}"#
    );
    std::fs::write(dir.join("activation-plan.json"), plan).unwrap();
    logical
}

#[test]
fn system_activate_activates_a_built_toplevel_or_its_specialisation() {
    let cx = TestContext::new();
    let store = cx.path().join("store");
    let root = cx.path().join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    let parent = fake_toplevel(&store, "lab", "motd");
    let child = fake_toplevel(&store, "lab-debug", "debug-mode");
    let links = store
        .join(parent.trim_start_matches('/'))
        .join("specialisation");
    std::fs::create_dir(&links).unwrap();
    std::os::unix::fs::symlink(&child, links.join("debug")).unwrap();
    let result = cx.path().join("result");
    std::os::unix::fs::symlink(&parent, &result).unwrap();
    // Symlinks into /etc/static, which points into the (logical) store.
    let activate = |what: &str| {
        cx.command()
            .args(["system", "activate", what, "--root"])
            .arg(&root)
            .arg("--store")
            .arg(&store)
            .output()
            .unwrap()
    };

    // Through a link outside the store; no generation is made.
    let out = activate(result.to_str().unwrap());
    assert_eq!(stdout_of(&out).trim_end(), parent);
    assert!(root.join("etc/motd").symlink_metadata().is_ok());
    assert!(!root.join("nix/var/cairn/profiles/system").exists());
    // A specialisation, through the link inside the store: /etc follows.
    let out = activate(&format!("{parent}/specialisation/debug"));
    assert_eq!(stdout_of(&out).trim_end(), child);
    assert!(root.join("etc/debug-mode").symlink_metadata().is_ok());
    assert!(root.join("etc/motd").symlink_metadata().is_err());
    assert_eq!(
        std::fs::read_link(root.join("run/current-system")).unwrap(),
        std::path::Path::new(&child)
    );
    // Anything else is refused.
    let out = activate("/etc");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("'/etc' is not in the store (/nix/store)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_home_lab_firewall_lets_in_ssh_and_http_with_debians_nft() {
    let cx = TestContext::new();
    let config = example("home-lab");
    insta::assert_snapshot!(eval_ok(
        &cx,
        &config,
        "config.environment.etc.\"nftables.d/cairn-firewall.nft\".text"
    ).replace("\\n", "\n").replace("\\\"", "\""), @r##"
    "# Generated by cairn from networking.firewall; do not edit.
    table inet cairn-firewall {
      chain input {
        type filter hook input priority filter; policy drop;
        iifname "lo" accept
        ct state vmap { invalid : drop, established : accept, related : accept }
        icmp type echo-request accept
        icmpv6 type { echo-request, nd-neighbor-solicit, nd-router-advert, nd-neighbor-advert } accept
        tcp dport { 22, 80 } accept
      }
    }
    "
    "##);
    // The package is Debian's binary, and says so.
    assert_eq!(
        eval_ok(
            &cx,
            &config,
            "with config.networking.firewall.package; [ name meta.mainProgram meta.license.spdxId (map (s: s.shortName) meta.sourceProvenance) meta.platforms ]"
        ),
        "[ \"nftables-1.0.6\" \"nft\" \"GPL-2.0-only\" [ \"binaryNativeCode\" ] [ \"x86_64-linux\" ] ]"
    );
}
