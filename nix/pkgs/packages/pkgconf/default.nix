{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "pkgconf";
  version = "1.8.1";

  src = fetchurl {
    url = "mirror://debian/pool/main/p/pkgconf/pkgconf_${finalAttrs.version}.orig.tar.xz";
    sha256 = "644361ada2942be05655d4452eb018791647c31bba429b287f1f68deb2dc6840";
  };

  configureFlags = [ "--disable-static" ];
  postInstall = ''
    ln -s pkgconf $out/bin/pkg-config
  '';

  meta = {
    description = "Package compiler and linker metadata toolkit";
    homepage = "https://gitea.treehouse.systems/ariadne/pkgconf";
    license = lib.licenses.isc;
    mainProgram = "pkgconf";
    platforms = lib.platforms.linux;
  };
})
