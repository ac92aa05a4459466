//! The network namespace: only its own loopback, unless network is asked
//! for.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

use cairn_sandbox::Outcome;

use crate::support::{output, shell};

/// Connects from inside the sandbox to a listener on the host's loopback;
/// returns the output and the first line the host received.
fn connect_to_host(network: bool) -> (Outcome, String, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    // Takes one connection and its first line, then closes it (so that
    // the client inside ends).
    let host = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line).unwrap();
        line
    });
    let build = tempfile::tempdir().unwrap();
    let mut spec = shell(
        build.path(),
        &format!(
            "if echo from-sandbox | nc 127.0.0.1 {}; then echo connected; else echo refused; fi",
            address.port()
        ),
    );
    spec.network = network;
    let (outcome, out) = output(&spec).unwrap();
    // Whatever happened inside, this connection ends the host's wait.
    if let Ok(mut stream) = TcpStream::connect(address) {
        let _ = stream.write_all(b"from-test\n");
    }
    (outcome, out, host.join().unwrap())
}

#[test]
fn without_network_the_hosts_loopback_is_unreachable() {
    let (outcome, out, received) = connect_to_host(false);
    assert_eq!(outcome, Outcome::Exited(0));
    assert!(out.ends_with("refused\n"), "{out}");
    assert_eq!(received, "from-test\n");
}

#[test]
fn with_network_the_hosts_loopback_is_reachable() {
    let (outcome, out, received) = connect_to_host(true);
    assert_eq!(outcome, Outcome::Exited(0));
    assert_eq!(out, "connected\n");
    assert_eq!(received, "from-sandbox\n");
}

#[test]
fn the_sandboxs_own_loopback_is_up() {
    // A listener and a client inside the sandbox talk over its `lo`. Both
    // retry until the message has arrived (bounded by the timeout): the
    // client may try before the listener is there, and busybox's `nc -l`
    // can end a connection, its standard input being empty, before it
    // has read what the client sent.
    let build = tempfile::tempdir().unwrap();
    let mut spec = shell(
        build.path(),
        "ip -o link | cut -d' ' -f2,3; \
         (until grep -q ping got 2>/dev/null; do nc -l -p 4321 >> got; done) & \
         until grep -q ping got 2>/dev/null; do echo ping | nc 127.0.0.1 4321 2>/dev/null; done; \
         wait; grep -m 1 ping got",
    );
    spec.timeout = Some(std::time::Duration::from_secs(30));
    let (outcome, out) = output(&spec).unwrap();
    assert_eq!(outcome, Outcome::Exited(0));
    assert_eq!(out, "lo: <LOOPBACK,UP,LOWER_UP>\nping\n");
}
