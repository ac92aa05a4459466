{ lib, stdenv, fetchurl, gnum4, perl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "autoconf";
  version = "2.71";

  src = fetchurl {
    url = "mirror://debian/pool/main/a/autoconf/autoconf_${finalAttrs.version}.orig.tar.gz";
    sha256 = "431075ad0bf529ef13cb41e9042c542381103e80015686222b8a9d4abef42a1c";
  };

  # The installed scripts run perl and m4 by their store paths (configure
  # records them), so both are in autoconf's runtime closure.
  nativeBuildInputs = [ gnum4 perl ];
  buildInputs = [ gnum4 perl ];

  # The scripts name the build's tools by absolute path; at run time the
  # ones on PATH are used instead (`forgetBootstrapTools` in fixup).

  meta = {
    description = "A tool that produces shell scripts to configure source code packages";
    homepage = "https://www.gnu.org/software/autoconf/";
    license = lib.licenses.gpl3Plus;
    mainProgram = "autoconf";
    platforms = lib.platforms.linux;
  };
})
