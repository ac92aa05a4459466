{ lib, stdenv, fetchurl, ncurses }:

stdenv.mkDerivation (finalAttrs: {
  pname = "less";
  version = "590";

  src = fetchurl {
    url = "mirror://debian/pool/main/l/less/less_${finalAttrs.version}.orig.tar.gz";
    sha256 = "6aadf54be8bf57d0e2999a3c5d67b1de63808bb90deb8f77b028eafae3a08e10";
  };

  buildInputs = [ ncurses ];

  meta = {
    description = "A more advanced file pager than more";
    homepage = "https://www.greenwoodsoftware.com/less/";
    license = lib.licenses.gpl3Plus;
    mainProgram = "less";
    platforms = lib.platforms.linux;
  };
})
