{ lib, stdenv, fetchurl, autoconf, automake, libtool, perl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "jq";
  version = "1.6";

  # The tagged source, without a generated build system: configure and
  # Makefile.in are made with the collection's autotools. The parser and
  # lexer are pregenerated (src/parser.c, src/lexer.c), so no bison/flex.
  src = fetchurl {
    url = "mirror://debian/pool/main/j/jq/jq_${finalAttrs.version}.orig.tar.gz";
    sha256 = "3ba940b97571c866923f0409678033d33b5a98758dfc174fad8397ed908bc4d9";
  };

  nativeBuildInputs = [ autoconf automake libtool perl ];

  # configure.ac takes the version from `git describe`; there is no git.
  postPatch = ''
    printf '#!/bin/sh\necho ${finalAttrs.version}\n' > scripts/version
  '';
  preConfigure = ''
    autoreconf --force --install
  '';

  # Regular expressions (oniguruma) are a git submodule the release source
  # leaves empty; jq works without them (`test`/`match` report so).
  configureFlags = [ "--disable-maintainer-mode" "--disable-docs" "--without-oniguruma" "--disable-static" ];

  passthru.smokeTest = {
    script = ''echo '{"a":[1,2,{"b":"c"}]}' | "$pkg/bin/jq" -c '[.a[2].b, (.a | length)]' '';
    expect = ''["c",3]'';
  };

  meta = {
    description = "A lightweight and flexible command-line JSON processor";
    homepage = "https://stedolan.github.io/jq/";
    license = lib.licenses.mit;
    mainProgram = "jq";
    platforms = lib.platforms.linux;
  };
})
