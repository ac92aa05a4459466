{ lib, stdenv, fetchurl, autoconf, perl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "automake";
  version = "1.16.5";

  src = fetchurl {
    url = "mirror://debian/pool/main/a/automake-1.16/automake-1.16_${finalAttrs.version}.orig.tar.xz";
    sha256 = "f01d58cd6d9d77fbdca9eb4bbd5ead1988228fdb73d6f7a201f5f8d6b118b469";
  };

  nativeBuildInputs = [ autoconf perl ];
  # automake runs autoconf (through aclocal and autom4te) when used.
  propagatedBuildInputs = [ autoconf ];

  # aclocal finds the macros of every input with a share/aclocal
  # (ACLOCAL_PATH, set by the stdenv for each input).

  meta = {
    description = "A tool that generates GNU-standards Makefile.in files from Makefile.am";
    homepage = "https://www.gnu.org/software/automake/";
    license = lib.licenses.gpl2Plus;
    mainProgram = "automake";
    platforms = lib.platforms.linux;
  };
})
