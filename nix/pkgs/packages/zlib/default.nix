{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "zlib";
  version = "1.2.13";

  src = fetchurl {
    url = "mirror://debian/pool/main/z/zlib/zlib_${finalAttrs.version}.dfsg.orig.tar.bz2";
    sha256 = "71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1";
  };

  # zlib's own configure script takes only its own flags.
  dontDisableDependencyTracking = true;
  postInstall = ''
    # A tiny program to show the library works (`minigzip -h` is its usage).
    mkdir -p $out/bin
    cp minigzip $out/bin/
  '';

  passthru.smokeTest = {
    script = ''echo "zlib round trip" | "$program" | "$program" -d'';
    expect = "zlib round trip";
  };

  meta = {
    description = "Lossless data-compression library";
    homepage = "https://zlib.net/";
    license = lib.licenses.zlib;
    mainProgram = "minigzip";
    platforms = lib.platforms.linux;
  };
})
