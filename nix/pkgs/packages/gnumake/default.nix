{ lib, stdenv, fetchurl, autoconf, automake, perl, pkgconf }:

stdenv.mkDerivation (finalAttrs: {
  pname = "gnumake";
  version = "4.3";

  # Debian's `make-dfsg` source: the release without its GFDL manual,
  # and without the generated build system (configure, Makefile.in), which
  # is made here from configure.ac and the gnulib and gettext macros in m4/.
  src = fetchurl {
    url = "mirror://debian/pool/main/m/make-dfsg/make-dfsg_${finalAttrs.version}.orig.tar.gz";
    sha256 = "be4c17542578824e745f83bcd2a9ba264206187247cb6a5f5df99b0a9d1f9047";
  };

  # pkgconf for its pkg.m4 (configure.ac checks for guile with it).
  nativeBuildInputs = [ autoconf automake perl pkgconf ];

  # Not `autoreconf`: it would run gettext's autopoint, and the m4/
  # directory already holds the gettext macros configure.ac uses.
  # configure.ac names Makefile twice, which autoconf 2.71 refuses.
  postPatch = ''
    sed -i 's|^AC_CONFIG_FILES(\[Makefile build.cfg lib/Makefile po/Makefile.in Makefile|AC_CONFIG_FILES([Makefile build.cfg lib/Makefile po/Makefile.in|' configure.ac
  '';
  preConfigure = ''
    aclocal -I m4
    autoconf
    autoheader
    automake --add-missing --copy
  '';

  configureFlags = [ "--without-guile" "--disable-nls" ];
  # The repack has no doc/make.1.
  makeFlags = [ "man_MANS=" ];

  meta = {
    description = "A tool to control the generation of non-source files from sources";
    homepage = "https://www.gnu.org/software/make/";
    license = lib.licenses.gpl3Plus;
    mainProgram = "make";
    platforms = lib.platforms.linux;
  };
})
