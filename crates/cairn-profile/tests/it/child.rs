//! The child process of the concurrency and crash tests: this test binary
//! run again with only the ignored test [`child_process`] selected and its
//! orders in environment variables.

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;

use cairn_profile::Profile;
use cairn_store::Store;
use cairn_store_path::StorePath;

use crate::common::MemoryStore;

/// The variable that makes [`child_process`] act, naming the mode.
const MODE: &str = "CAIRN_PROFILE_TEST_CHILD";
/// The profile to change.
const PROFILE: &str = "CAIRN_PROFILE_TEST_PROFILE";
/// The targets, store path base names separated by commas.
const TARGETS: &str = "CAIRN_PROFILE_TEST_TARGETS";

/// What the child does.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Mode {
    /// Wait for the end of standard input, create one generation per
    /// target, exit.
    CreateOnce,
    /// Create generations cycling through the targets forever; print
    /// `ready` after the first.
    Loop,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::CreateOnce => "create-once",
            Mode::Loop => "loop",
        }
    }
}

/// A command running this test binary as a child in `mode`.
pub(crate) fn command(mode: Mode, profile: &Path, targets: &[StorePath]) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "child::child_process",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
            "--quiet",
        ])
        .env(MODE, mode.name())
        .env(PROFILE, profile)
        .env(
            TARGETS,
            targets
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","),
        );
    command
}

#[test]
#[ignore = "the child process of the concurrency and crash tests, which run it"]
#[expect(
    clippy::disallowed_methods,
    reason = "the child takes its orders from the parent test through the environment"
)]
fn child_process() {
    let mode = std::env::var(MODE).expect("run only by the concurrency and crash tests");
    let profile = std::env::var_os(PROFILE).unwrap();
    let targets: Vec<StorePath> = std::env::var(TARGETS)
        .unwrap()
        .split(',')
        .map(|t| StorePath::from_base_name(t).unwrap())
        .collect();
    let store = MemoryStore::new(Path::new("/"));
    for target in &targets {
        store.add_existing(target);
    }
    let p = Profile::open(profile, store.store_dir()).unwrap();
    match mode.as_str() {
        "create-once" => {
            let mut nothing = Vec::new();
            std::io::stdin().read_to_end(&mut nothing).unwrap();
            for target in &targets {
                p.create_generation(&store, target).unwrap();
            }
        }
        "loop" => {
            let mut stdout = std::io::stdout();
            for (i, target) in targets.iter().cycle().enumerate() {
                p.create_generation(&store, target).unwrap();
                if i == 0 {
                    writeln!(stdout, "ready").unwrap();
                    stdout.flush().unwrap();
                }
            }
        }
        other => panic!("unknown child mode {other}"),
    }
}
