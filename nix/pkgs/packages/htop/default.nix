{ lib, stdenv, fetchurl, autoconf, automake, ncurses }:

stdenv.mkDerivation (finalAttrs: {
  pname = "htop";
  version = "3.2.2";

  # The release source has no generated build system; autogen.sh is
  # `autoreconf -fi`, run with the collection's autotools.
  src = fetchurl {
    url = "mirror://debian/pool/main/h/htop/htop_${finalAttrs.version}.orig.tar.gz";
    sha256 = "3829c742a835a0426db41bb039d1b976420c21ec65e93b35cd9bfd2d57f44ac8";
  };

  nativeBuildInputs = [ autoconf automake ];
  buildInputs = [ ncurses ];

  preConfigure = ''
    autoreconf --force --install
  '';

  configureFlags = [ "--disable-unicode" "--disable-sensors" ];

  meta = {
    description = "An interactive process viewer";
    homepage = "https://htop.dev";
    license = lib.licenses.gpl2Only;
    mainProgram = "htop";
    platforms = lib.platforms.linux;
  };
})
