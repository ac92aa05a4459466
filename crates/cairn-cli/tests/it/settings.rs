//! Settings from cairn.conf, `CAIRN_*` variables and `--option`, seen
//! through `cairn config show`.

use insta::assert_snapshot;

use crate::common::{TestContext, stdout_of};

fn write_conf(context: &TestContext, relative: &str, text: &str) {
    let path = context.path().join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn defaults() {
    let context = TestContext::new();
    let output = context.run(&["config", "show"]);
    assert_snapshot!(stdout_of(&output));
}

#[test]
fn sources_merge_in_order() {
    let context = TestContext::new();
    write_conf(
        &context,
        "etc/cairn.conf",
        "cores = 1\nmax-jobs = 2\nsubstituters = file:///system\nmirrors.debian = file:///d1\n",
    );
    write_conf(
        &context,
        "home/.config/cairn/cairn.conf",
        "max-jobs = 3\nextra-substituters = file:///user\n",
    );
    let output = context
        .command()
        .args(["config", "show", "--json", "--option", "sandbox", "relaxed"])
        .env("CAIRN_CORES", "4")
        .output()
        .unwrap();
    assert_snapshot!(stdout_of(&output));
}

#[test]
fn bad_value_names_file_and_line() {
    let context = TestContext::new();
    write_conf(
        &context,
        "etc/cairn.conf",
        "# system settings\n\nsandbox = maybe\n",
    );
    let output = context.run(&["config", "show"]);
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn bad_option() {
    let context = TestContext::new();
    let output = context.run(&["config", "show", "--option", "cores", "all"]);
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn unknown_setting_is_a_warning() {
    let context = TestContext::new();
    write_conf(
        &context,
        "etc/cairn.conf",
        "experimental-features = nix-command\n",
    );
    let output = context.run(&["config", "show"]);
    assert_eq!(output.status.code(), Some(0));
    assert_snapshot!(context.scrub(&String::from_utf8_lossy(&output.stderr)));
}
