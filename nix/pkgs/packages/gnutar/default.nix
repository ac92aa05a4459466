{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "tar";
  version = "1.34";

  src = fetchurl {
    url = "mirror://debian/pool/main/t/tar/tar_${finalAttrs.version}+dfsg.orig.tar.xz";
    sha256 = "7d57029540cb928394defb3b377b3531237c947e795b51aa8acac0c5ba0e4844";
  };

  configureFlags = [ "--disable-nls" ];

  meta = {
    description = "GNU implementation of the tar archiver";
    homepage = "https://www.gnu.org/software/tar/";
    license = lib.licenses.gpl3Plus;
    mainProgram = "tar";
    platforms = lib.platforms.linux;
  };
})
