{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "jq";
  version = "1.6";

  src = fetchurl {
    url = "mirror://debian/pool/main/j/jq/jq_${finalAttrs.version}.orig.tar.gz";
    sha256 = "3ba940b97571c866923f0409678033d33b5a98758dfc174fad8397ed908bc4d9";
  };

  configureFlags = [ "--disable-maintainer-mode" "--disable-docs" "--without-oniguruma" "--disable-static" ];

  meta = {
    description = "A lightweight and flexible command-line JSON processor";
    homepage = "https://stedolan.github.io/jq/";
    license = lib.licenses.mit;
    mainProgram = "jq";
    platforms = lib.platforms.linux;
    # jq 1.6's release source has no configure script: building it needs autoconf, automake and libtool, which
    # need perl; none is in the collection yet.
    broken = true;
  };
})
