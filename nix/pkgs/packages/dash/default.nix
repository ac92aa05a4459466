{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "dash";
  version = "0.5.12";

  src = fetchurl {
    url = "mirror://debian/pool/main/d/dash/dash_${finalAttrs.version}.orig.tar.gz";
    sha256 = "6a474ac46e8b0b32916c4c60df694c82058d3297d8b385b74508030ca4a8f28a";
  };

  passthru.smokeTest = {
    script = ''"$program" -c "echo dash runs"'';
    expect = "dash runs";
  };

  meta = {
    description = "A POSIX-compliant implementation of /bin/sh that aims to be as small as possible";
    homepage = "http://gondor.apana.org.au/~herbert/dash/";
    license = lib.licenses.bsd3;
    mainProgram = "dash";
    platforms = lib.platforms.linux;
  };
})
