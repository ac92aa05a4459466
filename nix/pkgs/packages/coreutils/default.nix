{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "coreutils";
  version = "9.1";

  src = fetchurl {
    url = "mirror://debian/pool/main/c/coreutils/coreutils_${finalAttrs.version}.orig.tar.xz";
    sha256 = "61a1f410d78ba7e7f37a5a4f50e6d1320aca33375484a3255eddf17a38580423";
  };

  configureFlags = [ "--disable-nls" "--without-selinux" "--without-gmp" "--enable-no-install-program=uptime" ];

  meta = {
    description = "The GNU Core Utilities";
    homepage = "https://www.gnu.org/software/coreutils/";
    license = lib.licenses.gpl3Plus;
    mainProgram = "ls";
    platforms = lib.platforms.linux;
  };
})
