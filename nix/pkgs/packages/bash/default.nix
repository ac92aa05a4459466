{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "bash";
  version = "5.2.15";

  src = fetchurl {
    url = "mirror://debian/pool/main/b/bash/bash_${finalAttrs.version}.orig.tar.gz";
    sha256 = "7a315bc0e9d90713159e4390ec1096a41e4f33cd8cc3d1a749a8e5ad56600f51";
  };

  # Its own scripts (bashbug) run with the bash being built, not the
  # collection's (that is this package).
  runtimeShell = null;

  configureFlags = [ "--without-bash-malloc" "--disable-nls" "--without-curses" ];
  postInstall = ''
    ln -s bash $out/bin/sh
    # For building loadable builtins: names the build's compiler.
    rm -f $out/lib/bash/Makefile.inc
  '';

  meta = {
    description = "GNU Bourne-Again Shell, the de facto standard shell on Linux";
    homepage = "https://www.gnu.org/software/bash/";
    license = lib.licenses.gpl3Plus;
    mainProgram = "bash";
    platforms = lib.platforms.linux;
  };
})
