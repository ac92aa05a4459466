#!/usr/bin/env python3
"""Writes the seed corpus of the deb_reader fuzz target (corpus/deb_reader/):
small .deb files in each compression, plus hostile ones (path traversal,
symlink escape, duplicate entry, hard link outside). Run from fuzz/."""

import bz2, gzip, io, lzma, os, tarfile

def tar(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, kind, data, link in entries:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.mode = 0o755 if kind == tarfile.DIRTYPE or name.endswith("bin/hello") else 0o644
            info.linkname = link
            info.size = len(data)
            t.addfile(info, io.BytesIO(data) if data else None)
    return buf.getvalue()

def ar(members):
    out = b"!<arch>\n"
    for name, data in members:
        out += f"{name + '/':<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{len(data):<10}`\n".encode()
        out += data + (b"\n" if len(data) % 2 else b"")
    return out

COMPRESS = {"": lambda b: b, ".gz": lambda b: gzip.compress(b, mtime=0),
            ".xz": lambda b: lzma.compress(b), ".bz2": bz2.compress}

def deb(data_entries, suffix=".xz"):
    control = tar([("./", tarfile.DIRTYPE, b"", ""),
                   ("./control", tarfile.REGTYPE, b"Package: seed\nVersion: 1.0-1\nArchitecture: amd64\n", "")])
    csuffix = ".gz" if suffix == ".bz2" else suffix
    return ar([("debian-binary", b"2.0\n"), ("control.tar" + csuffix, COMPRESS[csuffix](control)),
               ("data.tar" + suffix, COMPRESS[suffix](tar(data_entries)))])

GOOD = [("./", tarfile.DIRTYPE, b"", ""), ("./usr/bin/hello", tarfile.REGTYPE, b"#!/bin/sh\n", ""),
        ("./usr/bin/hi", tarfile.SYMTYPE, b"", "hello"), ("./usr/bin/again", tarfile.LNKTYPE, b"", "./usr/bin/hello")]
SEEDS = {
    "plain.deb": deb(GOOD, ""), "gz.deb": deb(GOOD, ".gz"), "xz.deb": deb(GOOD, ".xz"), "bz2.deb": deb(GOOD, ".bz2"),
    "traversal.deb": deb([("./../escape", tarfile.REGTYPE, b"x", "")], ".gz"),
    "symlink-escape.deb": deb([("./l", tarfile.SYMTYPE, b"", ".."), ("./l/escape", tarfile.REGTYPE, b"x", "")], ".gz"),
    "duplicate.deb": deb([("./a", tarfile.SYMTYPE, b"", "/etc/passwd"), ("./a", tarfile.REGTYPE, b"x", "")], ".gz"),
    "hardlink-outside.deb": deb([("./h", tarfile.LNKTYPE, b"", "../outside")], ".gz"),
}
os.makedirs("corpus/deb_reader", exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join("corpus/deb_reader", name), "wb") as f:
        f.write(data)
