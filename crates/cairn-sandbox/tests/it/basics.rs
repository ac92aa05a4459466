//! Running a program: output, exit status, environment, working directory.

use cairn_sandbox::Outcome;

use crate::support::sh;

#[test]
fn output_arrives_and_status_is_reported() {
    let (outcome, out) = sh("echo hello; echo err >&2; exit 3");
    assert_eq!(out, "hello\nerr\n");
    assert_eq!(outcome, Outcome::Exited(3));
}
