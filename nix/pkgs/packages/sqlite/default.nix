{ lib, stdenv, fetchurl, tcl, readline }:

stdenv.mkDerivation (finalAttrs: {
  pname = "sqlite";
  version = "3.40.1";

  # Debian's source is SQLite's full tree, not the amalgamation: the build
  # generates sqlite3.c with tclsh.
  src = fetchurl {
    url = "mirror://debian/pool/main/s/sqlite3/sqlite3_${finalAttrs.version}.orig.tar.xz";
    sha256 = "aaa776260ab4dc976db34aa7891819484c8676b5b2783123ebc6301e2ca5d655";
  };

  nativeBuildInputs = [ tcl ];
  buildInputs = [ readline ];

  configureFlags = [
    "--disable-tcl"
    "--enable-readline"
    "--disable-editline"
    "--disable-static"
    "--enable-fts5"
    "--enable-json1"
  ];

  meta = {
    description = "A self-contained, serverless, zero-configuration, transactional SQL database engine";
    homepage = "https://www.sqlite.org/";
    license = lib.licenses.publicDomain;
    mainProgram = "sqlite3";
    platforms = lib.platforms.linux;
  };
})
