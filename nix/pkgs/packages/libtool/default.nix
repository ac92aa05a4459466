{ lib, stdenv, fetchurl, gnum4 }:

stdenv.mkDerivation (finalAttrs: {
  pname = "libtool";
  version = "2.4.7";

  src = fetchurl {
    url = "mirror://debian/pool/main/libt/libtool/libtool_${finalAttrs.version}.orig.tar.xz";
    sha256 = "dd637e270439b208907ceead3f163470ed2ce5723ef97ffbda6463c64b57128a";
  };

  nativeBuildInputs = [ gnum4 ];
  # libtoolize runs m4.
  propagatedBuildInputs = [ gnum4 ];

  # The seed has no C++ compiler; configure still checks a C++
  # preprocessor (for libtool's C++ support), which the C one can be.
  env.CXXCPP = "cc -E -x c";

  # The installed `libtool` script records the build compiler's library
  # search path (the bootstrap tools'); projects run libtoolize and get
  # a libtool of their own made by their configure, so it is emptied.
  postInstall = ''
    sed -i 's|^sys_lib_search_path_spec=.*|sys_lib_search_path_spec=""|' "$out/bin/libtool"
  '';

  meta = {
    description = "GNU Libtool, a generic library support script";
    homepage = "https://www.gnu.org/software/libtool/";
    license = lib.licenses.gpl2Plus;
    mainProgram = "libtool";
    platforms = lib.platforms.linux;
  };
})
