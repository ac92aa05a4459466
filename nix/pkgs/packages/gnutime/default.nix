{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "time";
  version = "1.9";

  src = fetchurl {
    url = "mirror://debian/pool/main/t/time/time_${finalAttrs.version}.orig.tar.gz";
    sha256 = "fbacf0c81e62429df3e33bda4cee38756604f18e01d977338e23306a3e3b521e";
  };

  meta = {
    description = "Tool that runs programs and summarizes the system resources they use";
    homepage = "https://www.gnu.org/software/time/";
    license = lib.licenses.gpl3Plus;
    mainProgram = "time";
    platforms = lib.platforms.linux;
  };
})
