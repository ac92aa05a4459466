//! `cairn pkgs lock` against a fake apt configuration and lists, and
//! `cairn pkgs unpack-deb` on a `.deb` built in the test.

use insta::assert_snapshot;

use crate::common::{TestContext, stdout_of};

/// A `Packages` paragraph; `digit` fills the SHA-256.
fn paragraph(package: &str, version: &str, digit: char) -> String {
    format!(
        "Package: {package}\nSource: src\nVersion: {version}\nInstalled-Size: 10\n\
Architecture: amd64\nDescription: test\n a package\n\
Filename: pool/main/{package}/{package}_{version}_amd64.deb\nSize: 100\nSHA256: {}\n\n",
        digit.to_string().repeat(64)
    )
}

/// Writes `etc/apt/sources.list.d/test.sources` (two archives, three
/// suites) and their plain `Packages` lists under `lists/`.
fn fake_apt(context: &TestContext, security_libc: &str) {
    let root = context.path();
    std::fs::create_dir_all(root.join("etc/apt/sources.list.d")).unwrap();
    std::fs::create_dir_all(root.join("lists")).unwrap();
    std::fs::write(
        root.join("etc/apt/sources.list.d/test.sources"),
        "Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\n\
Components: main\n\nTypes: deb\nURIs: http://mirror.invalid/debian-security\n\
Suites: bookworm-security\nComponents: main\n\nTypes: deb\n\
URIs: http://mirror.invalid/debian\nSuites: trixie\nComponents: main\n",
    )
    .unwrap();
    std::fs::write(
        root.join("etc/apt/sources.list"),
        "# one-line entries are read too\ndeb http://other.invalid/x sid main\n",
    )
    .unwrap();
    let lists = root.join("lists");
    std::fs::write(
        lists.join("mirror.invalid_debian_dists_bookworm_main_binary-amd64_Packages"),
        paragraph("libc6", "2.36-9+deb12u7", '1')
            + &paragraph("bash", "5.2.15-2+b2", '2')
            + &paragraph("make", "4.3-4.1", '3'),
    )
    .unwrap();
    std::fs::write(
        lists.join(
            "mirror.invalid_debian-security_dists_bookworm-security_main_binary-amd64_Packages",
        ),
        paragraph("libc6", security_libc, '4'),
    )
    .unwrap();
}

fn lock(context: &TestContext, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "pkgs",
        "lock",
        "--packages",
        "packages.txt",
        "--output",
        "debian.lock",
        "--apt-dir",
        "etc/apt",
        "--apt-lists",
        "lists",
        "--architecture",
        "amd64",
    ];
    args.extend_from_slice(extra);
    context.run(&args)
}

#[test]
fn lock_resolves_keeps_and_updates() {
    let context = TestContext::new();
    fake_apt(&context, "2.36-9+deb12u10");
    std::fs::write(
        context.path().join("packages.txt"),
        "# comment\nlibc6\nbash=5.2.15-2+b2\n",
    )
    .unwrap();
    let output = lock(&context, &[]);
    assert_snapshot!("lock_first", context.transcript(&output));
    let first = std::fs::read_to_string(context.path().join("debian.lock")).unwrap();
    assert_snapshot!("lock_file", first);

    // A newer security update appears: the pin is kept without --update…
    fake_apt(&context, "2.36-9+deb12u11");
    std::fs::write(
        context.path().join("packages.txt"),
        "libc6\nbash=5.2.15-2+b2\nmake\n",
    )
    .unwrap();
    let output = lock(&context, &[]);
    assert_eq!(
        stdout_of(&output),
        "+ make 4.3-4.1 (bookworm)\nlocked 3 packages (300 bytes of .debs) in 'debian.lock'\n"
    );
    let output = lock(&context, &[]);
    assert_eq!(
        stdout_of(&output),
        "kept 3 packages (300 bytes of .debs) in 'debian.lock'; already up to date\n"
    );
    // …and taken with it.
    let output = lock(&context, &["--update"]);
    assert_eq!(
        stdout_of(&output),
        "~ libc6 2.36-9+deb12u10 (bookworm-security) -> 2.36-9+deb12u11\n\
locked 3 packages (300 bytes of .debs) in 'debian.lock'\n"
    );
    // Removing a package from the list drops it, without reading the lists.
    std::fs::remove_dir_all(context.path().join("lists")).unwrap();
    std::fs::write(context.path().join("packages.txt"), "libc6\nmake\n").unwrap();
    let output = lock(&context, &[]);
    assert_eq!(
        stdout_of(&output),
        "- bash 5.2.15-2+b2 (bookworm)\nlocked 2 packages (200 bytes of .debs) in 'debian.lock'\n"
    );
}

#[test]
fn lock_reports_every_unresolvable_package() {
    let context = TestContext::new();
    fake_apt(&context, "2.36-9+deb12u10");
    std::fs::write(
        context.path().join("packages.txt"),
        "libc6=2.0\nnonexistent\nbash\n",
    )
    .unwrap();
    let output = lock(&context, &[]);
    assert_snapshot!(context.transcript(&output));
    assert!(!context.path().join("debian.lock").exists());
}

#[test]
fn lock_without_sources_for_the_release() {
    let context = TestContext::new();
    fake_apt(&context, "2.36-9+deb12u10");
    std::fs::write(context.path().join("packages.txt"), "libc6\n").unwrap();
    let output = lock(&context, &["--release", "buster"]);
    assert_snapshot!(context.transcript(&output));
}

#[test]
fn lock_with_a_bad_package_list() {
    let context = TestContext::new();
    std::fs::write(context.path().join("packages.txt"), "libc6\nlibc6\n").unwrap();
    let output = lock(&context, &[]);
    assert_snapshot!(context.transcript(&output));
}

/// A ustar header block for `name` (type `kind`, mode, size).
fn tar_header(name: &str, kind: u8, mode: u32, size: usize, link: &str) -> Vec<u8> {
    let mut header = vec![0u8; 512];
    header[..name.len()].copy_from_slice(name.as_bytes());
    header[100..108].copy_from_slice(format!("{mode:07o}\0").as_bytes());
    header[108..116].copy_from_slice(b"0000000\0");
    header[116..124].copy_from_slice(b"0000000\0");
    header[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    header[136..148].copy_from_slice(b"00000000000\0");
    header[156] = kind;
    header[157..157 + link.len()].copy_from_slice(link.as_bytes());
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    header[148..156].copy_from_slice(b"        ");
    let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    header
}

fn tar(entries: &[(&str, u8, u32, &[u8], &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, kind, mode, data, link) in entries {
        out.extend(tar_header(name, *kind, *mode, data.len(), link));
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

fn deb(data: &[u8]) -> Vec<u8> {
    let control = tar(&[(
        "./control",
        b'0',
        0o644,
        b"Package: hello\nVersion: 2.10-3\nArchitecture: amd64\n",
        "",
    )]);
    let mut writer = cairn_deb::ar::ArWriter::new(Vec::new()).unwrap();
    writer.append("debian-binary", b"2.0\n").unwrap();
    writer.append("control.tar", &control).unwrap();
    writer.append("data.tar", data).unwrap();
    writer.into_inner()
}

#[test]
fn unpack_deb_prints_what_it_made() {
    let context = TestContext::new();
    let data = tar(&[
        ("./", b'5', 0o755, b"", ""),
        ("./usr/bin/hello", b'0', 0o755, b"#!/bin/sh\n", ""),
        ("./usr/bin/hi", b'2', 0o777, b"", "hello"),
    ]);
    std::fs::write(context.path().join("hello.deb"), deb(&data)).unwrap();
    let output = context.run(&["pkgs", "unpack-deb", "hello.deb", "out"]);
    assert_eq!(
        stdout_of(&output),
        "hello 2.10-3 amd64: 1 files, 2 directories, 1 symlinks, 0 hard links, 10 bytes\n"
    );
    assert_eq!(
        std::fs::read_link(context.path().join("out/usr/bin/hi")).unwrap(),
        std::path::Path::new("hello")
    );
}

#[test]
fn unpack_deb_refuses_a_path_traversal() {
    let context = TestContext::new();
    let data = tar(&[("./../escape", b'0', 0o644, b"x", "")]);
    std::fs::write(context.path().join("evil.deb"), deb(&data)).unwrap();
    let output = context.run(&["pkgs", "unpack-deb", "evil.deb", "out"]);
    assert_snapshot!(context.transcript(&output));
    assert!(!context.path().join("escape").exists());
}
