{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "which";
  version = "2.21";

  # Debian's `gnu-which` source (the `+dfsg` repack drops the manual's
  # non-free text; the program is unchanged).
  src = fetchurl {
    url = "mirror://debian/pool/main/g/gnu-which/gnu-which_${finalAttrs.version}+dfsg.orig.tar.gz";
    sha256 = "0d3cfbda99a560b024006d785c9c4cc5605736948ce63b446776a278d58cbdab";
  };

  # The repack has no which.texi: build and install no manual.
  makeFlags = [ "INFO_DEPS=" ];

  passthru.smokeTest = {
    script = ''PATH=$pkg/bin "$pkg/bin/which" which'';
    expect = "/bin/which";
  };

  meta = {
    description = "Shows the full path of (shell) commands";
    homepage = "https://www.gnu.org/software/which/";
    license = lib.licenses.gpl3Plus;
    mainProgram = "which";
    platforms = lib.platforms.linux;
  };
})
