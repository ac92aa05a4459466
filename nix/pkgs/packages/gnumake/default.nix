{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "gnumake";
  version = "4.3";

  src = fetchurl {
    url = "mirror://debian/pool/main/m/make-dfsg/make-dfsg_${finalAttrs.version}.orig.tar.gz";
    sha256 = "be4c17542578824e745f83bcd2a9ba264206187247cb6a5f5df99b0a9d1f9047";
  };

  configureFlags = [ "--without-guile" "--disable-nls" ];

  meta = {
    description = "A tool to control the generation of non-source files from sources";
    homepage = "https://www.gnu.org/software/make/";
    license = lib.licenses.gpl3Plus;
    mainProgram = "make";
    platforms = lib.platforms.linux;
    # Debian's source of make 4.3 has no configure script: building it needs autoconf, automake and libtool, which
    # need perl; none is in the collection yet.
    broken = true;
  };
})
