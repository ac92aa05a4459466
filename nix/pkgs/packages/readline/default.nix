{ lib, stdenv, fetchurl, ncurses }:

stdenv.mkDerivation (finalAttrs: {
  pname = "readline";
  version = "8.2";

  src = fetchurl {
    url = "mirror://debian/pool/main/r/readline/readline_${finalAttrs.version}.orig.tar.gz";
    sha256 = "3feb7171f16a84ee82ca18a36d7b9be109a52c04f492a053331d7d1095007c35";
  };

  propagatedBuildInputs = [ ncurses ];
  configureFlags = [ "--with-curses" "--disable-static" ];
  makeFlags = [ "SHLIB_LIBS=-lncurses" ];

  meta = {
    description = "Library for interactive line editing";
    homepage = "https://tiswww.case.edu/php/chet/readline/rltop.html";
    license = lib.licenses.gpl3Plus;
    mainProgram = "readline";
    platforms = lib.platforms.linux;
  };
})
