{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "tcl";
  version = "8.6.13";

  src = fetchurl {
    url = "mirror://debian/pool/main/t/tcl8.6/tcl8.6_${finalAttrs.version}+dfsg.orig.tar.gz";
    sha256 = "83bce7277e3825df0179567e0d8a431ebb1a126df53ea4a94af89dd4dd0f26d5";
  };

  # The Unix build lives in unix/.
  preConfigure = ''
    cd unix
  '';

  configureFlags = [ "--enable-threads" "--enable-64bit" ];

  postInstall = ''
    ln -s tclsh8.6 $out/bin/tclsh
  '';

  passthru.smokeTest = {
    script = ''echo 'puts "tcl [info patchlevel]"' | "$program"'';
    expect = "tcl 8.6.13";
  };

  meta = {
    description = "The Tcl scripting language";
    homepage = "https://www.tcl.tk/";
    license = lib.licenses.tcltk;
    mainProgram = "tclsh";
    platforms = lib.platforms.linux;
  };
})
