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

  # A library: the test loads it with the store's dynamic loader.
  passthru.smokeTest = {
    script = ''${stdenv.glibc}/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 --list "$pkg/lib/libreadline.so"'';
    expect = "libncursesw.so.6";
  };

  meta = {
    description = "Library for interactive line editing";
    homepage = "https://tiswww.case.edu/php/chet/readline/rltop.html";
    license = lib.licenses.gpl3Plus;
    platforms = lib.platforms.linux;
  };
})
