{ lib, stdenv, fetchurl, zlib }:

stdenv.mkDerivation (finalAttrs: {
  pname = "file";
  version = "5.44";

  src = fetchurl {
    url = "mirror://debian/pool/main/f/file/file_${finalAttrs.version}.orig.tar.gz";
    sha256 = "3751c7fba8dbc831cb8d7cc8aff21035459b8ce5155ef8b0880a27d028475f3b";
  };

  buildInputs = [ zlib ];

  configureFlags = [ "--disable-bzlib" "--disable-xzlib" "--disable-zstdlib" "--disable-lzlib" "--disable-libseccomp" ];

  meta = {
    description = "A program that shows the type of files";
    homepage = "https://darwinsys.com/file";
    license = lib.licenses.bsd2;
    mainProgram = "file";
    platforms = lib.platforms.linux;
  };
})
