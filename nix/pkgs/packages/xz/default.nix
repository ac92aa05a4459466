{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "xz";
  version = "5.4.1";

  src = fetchurl {
    url = "mirror://debian/pool/main/x/xz-utils/xz-utils_${finalAttrs.version}.orig.tar.xz";
    sha256 = "5d9827aa1875b21c288f78864bb26d2650b436ea8d2cad364e4921eb6266a5a5";
  };

  configureFlags = [ "--disable-static" "--disable-doc" "--disable-nls" ];

  meta = {
    description = "General-purpose data compression software, successor of LZMA";
    homepage = "https://tukaani.org/xz/";
    license = lib.licenses.gpl2Plus;
    mainProgram = "xz";
    platforms = lib.platforms.linux;
  };
})
