{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "zstd";
  version = "1.5.4";

  src = fetchurl {
    url = "mirror://debian/pool/main/libz/libzstd/libzstd_${finalAttrs.version}+dfsg2.orig.tar.xz";
    sha256 = "8cf4bbb65e77ec348d052c8d6230eba66d435bddf64c8b5be2fcb16880c19953";
  };

  makeFlags = [ "PREFIX=$(out)" "HAVE_ZLIB=0" "HAVE_LZMA=0" "HAVE_LZ4=0" ];
  # The default target builds every variant; these are what gets installed.
  buildFlags = [ "lib-release" "zstd-release" ];

  meta = {
    description = "Zstandard real-time compression algorithm";
    homepage = "https://facebook.github.io/zstd/";
    license = lib.licenses.bsd3;
    mainProgram = "zstd";
    platforms = lib.platforms.linux;
  };
})
