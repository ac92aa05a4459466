{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "tree";
  version = "2.1.0";

  src = fetchurl {
    url = "mirror://debian/pool/main/t/tree/tree_${finalAttrs.version}.orig.tar.gz";
    sha256 = "0160c535bff2b0dc6a830b9944e981e3427380f63e748da96ced7071faebabf6";
  };

  makeFlags = [ "CC=cc" "PREFIX=$(out)" "MANDIR=$(out)/share/man" ];

  meta = {
    description = "Command to produce a depth indented directory listing";
    homepage = "https://oldmanprogrammer.net/source.php?dir=projects/tree";
    license = lib.licenses.gpl2Plus;
    mainProgram = "tree";
    platforms = lib.platforms.linux;
  };
})
