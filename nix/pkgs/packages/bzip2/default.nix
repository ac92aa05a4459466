{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "bzip2";
  version = "1.0.8";

  src = fetchurl {
    url = "mirror://debian/pool/main/b/bzip2/bzip2_${finalAttrs.version}.orig.tar.gz";
    sha256 = "ab5a03176ee106d3f0fa90e381da478ddae405918153cca248e682cd0c4a2269";
  };

  # No configure script: the Makefiles take the prefix and the compiler.
  makeFlags = [ "CC=cc" ];
  preBuild = ''
    make -f Makefile-libbz2_so CC=cc
  '';
  installFlags = [ "PREFIX=$(out)" ];
  postInstall = ''
    cp -d libbz2.so.* $out/lib/
    ln -s libbz2.so.1.0 $out/lib/libbz2.so
    # The installed symlinks point at the build directory's copies.
    for f in bzcmp bzegrep bzfgrep bzless; do ln -sf bzdiff $out/bin/$f; done
  '';

  meta = {
    description = "High-quality block-sorting file compressor";
    homepage = "https://sourceware.org/bzip2/";
    license = lib.licenses.bzip2;
    mainProgram = "bzip2";
    platforms = lib.platforms.linux;
  };
})
