{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "gawk";
  version = "5.2.1";

  src = fetchurl {
    url = "mirror://debian/pool/main/g/gawk/gawk_${finalAttrs.version}.orig.tar.xz";
    sha256 = "2337a0283b180ec1b9c727973a34781c6478b3ae9bcbdcca0a4dc49861d75a65";
  };

  # Debian's repacked source leaves out the manual's sources, which the
  # manual and awklib's programs are made from.
  postPatch = ''
    sed -i -e '/^SUBDIRS =/s/ doc\b//' -e '/^SUBDIRS =/s/ awklib\b//' Makefile.in
  '';

  configureFlags = [ "--disable-nls" "--without-readline" "--without-mpfr" ];

  meta = {
    description = "GNU implementation of the Awk programming language";
    homepage = "https://www.gnu.org/software/gawk/";
    license = lib.licenses.gpl3Plus;
    mainProgram = "gawk";
    platforms = lib.platforms.linux;
  };
})
