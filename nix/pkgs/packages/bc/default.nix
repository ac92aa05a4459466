{ lib, stdenv, fetchurl, ed }:

stdenv.mkDerivation (finalAttrs: {
  pname = "bc";
  version = "1.07.1";

  # Its build edits a generated header with ed.
  nativeBuildInputs = [ ed ];

  # The info manuals need makeinfo; the man pages are what gets installed.
  makeFlags = [ "MAKEINFO=true" ];

  src = fetchurl {
    url = "mirror://debian/pool/main/b/bc/bc_${finalAttrs.version}.orig.tar.gz";
    sha256 = "62adfca89b0a1c0164c2cdca59ca210c1d44c3ffc46daf9931cf4942664cb02a";
  };

  meta = {
    description = "GNU software calculator";
    homepage = "https://www.gnu.org/software/bc/";
    license = lib.licenses.gpl3Plus;
    mainProgram = "bc";
    platforms = lib.platforms.linux;
  };
})
