{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "perl";
  version = "5.36.0";

  src = fetchurl {
    url = "mirror://debian/pool/main/p/perl/perl_${finalAttrs.version}.orig.tar.xz";
    sha256 = "0f386dccbee8e26286404b2cca144e1005be65477979beb9b1ba272d4819bcf0";
  };

  # Perl's own Configure: it looks for headers and libraries by path, so
  # it is told where the store's C library is (there is no /usr).
  configureScript = "./Configure";
  dontAddPrefix = true;
  dontDisableDependencyTracking = true;
  # Values with spaces go through the array (configureFlags splits on them).
  preConfigure = ''
    libs="${stdenv.glibc}/lib/x86_64-linux-gnu ${stdenv.glibc}/usr/lib/x86_64-linux-gnu"
    configureFlagsArray+=(
      "-Dloclibpth=$libs"
      "-Dglibpth=$libs"
      "-Dlibpth=$libs"
    )
  '';
  configureFlags = [
    "-de"
    "-Dprefix=${placeholder "out"}"
    "-Dcc=cc"
    "-Dsh=${stdenv.shell}"
    "-Dlocincpth=${stdenv.glibc}/usr/include"
    "-Dusrinc=${stdenv.glibc}/usr/include"
    "-Dman1dir=none"
    "-Dman3dir=none"
    "-Duseshrplib"
    "-Uinstallusrbinperl"
    "-Dinstallstyle=lib/perl5"
  ];

  # Config.pm, Config_heavy.pl and CORE/config.h record the tools Configure
  # found (cc, sh, sed, uname: the bootstrap tools) as text; the installed
  # perl never runs them. Their store hash is blotted out so the seed is not
  # in perl's runtime closure (as nixpkgs' remove-references-to does).
  postInstall = ''
    seedHash=$(basename "$bootstrapTools"); seedHash=''${seedHash%%-*}
    blot=$(printf 'e%.0s' $(seq 1 ''${#seedHash}))
    find "$out/lib/perl5" -name Config.pm -o -name Config_heavy.pl -o -name config.h | while read -r f; do
      chmod u+w "$f"
      sed -i "s|$seedHash|$blot|g" "$f"
    done
  '';

  meta = {
    description = "The standard implementation of the Perl 5 programming language";
    homepage = "https://www.perl.org/";
    license = [ lib.licenses.artistic1 lib.licenses.gpl1Plus ];
    mainProgram = "perl";
    platforms = lib.platforms.linux;
  };
})
