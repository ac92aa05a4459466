{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "grep";
  version = "3.8";

  src = fetchurl {
    url = "mirror://debian/pool/main/g/grep/grep_${finalAttrs.version}.orig.tar.xz";
    sha256 = "498d7cc1b4fb081904d87343febb73475cf771e424fb7e6141aff66013abc382";
  };

  configureFlags = [ "--disable-nls" "--disable-perl-regexp" ];

  meta = {
    description = "GNU implementation of the Unix grep command";
    homepage = "https://www.gnu.org/software/grep/";
    license = lib.licenses.gpl3Plus;
    mainProgram = "grep";
    platforms = lib.platforms.linux;
  };
})
