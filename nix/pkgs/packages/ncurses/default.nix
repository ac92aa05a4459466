{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "ncurses";
  version = "6.4";

  src = fetchurl {
    url = "mirror://debian/pool/main/n/ncurses/ncurses_${finalAttrs.version}.orig.tar.gz";
    sha256 = "6931283d9ac87c5073f30b6290c4c75f21632bb4fc3603ac8100812bed248159";
  };

  configureFlags = [
    "--with-shared"
    "--without-debug"
    "--without-ada"
    "--without-cxx"
    "--without-cxx-binding"
    "--without-manpages"
    "--without-tests"
    "--enable-widec"
    "--enable-pc-files"
    "--with-pkg-config-libdir=${placeholder "out"}/lib/pkgconfig"
    # The terminal descriptions programs use most; the full database is 10 MB.
    "--with-terminfo-dirs=${placeholder "out"}/share/terminfo"
  ];
  # Programs written for the narrow-character library link with -lncurses.
  postInstall = ''
    for lib in ncurses form panel menu; do
      ln -s lib''${lib}w.so $out/lib/lib$lib.so
      if [ -e $out/lib/pkgconfig/''${lib}w.pc ]; then ln -s ''${lib}w.pc $out/lib/pkgconfig/$lib.pc; fi
    done
    ln -s ncursesw $out/include/ncurses
    for h in $out/include/ncursesw/*.h; do ln -s ncursesw/$(basename $h) $out/include/$(basename $h); done
  '';

  passthru.smokeTest = { args = [ "-V" ]; };

  meta = {
    description = "Free software emulation of curses in System V Release 4.0";
    homepage = "https://invisible-island.net/ncurses/";
    license = lib.licenses.mit;
    mainProgram = "tic";
    platforms = lib.platforms.linux;
  };
})
