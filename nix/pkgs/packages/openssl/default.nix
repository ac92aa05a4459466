{ lib, stdenv, fetchurl, perl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "openssl";
  version = "3.0.20";

  src = fetchurl {
    url = "mirror://debian/pool/main/o/openssl/openssl_${finalAttrs.version}.orig.tar.gz";
    sha256 = "c80a01dfc70ece4dc21168932c37739042d404d46ccc81a5986dd75314ecda6f";
  };

  # OpenSSL's own Configure (a perl program), not autoconf.
  nativeBuildInputs = [ perl ];
  configurePhase = ''
    runHook preConfigure
    perl ./Configure linux-x86_64 \
      --prefix="$out" \
      --libdir=lib \
      --openssldir="$out/etc/ssl" \
      shared no-tests
    runHook postConfigure
  '';

  # The libraries and programs; the thousands of manual pages are left out.
  installTargets = [ "install_sw" "install_ssldirs" ];

  passthru.smokeTest = {
    script = ''
      "$pkg/bin/openssl" version
      printf abc | "$pkg/bin/openssl" dgst -sha256
    '';
    # SHA-256("abc")
    expect = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  };

  meta = {
    description = "A cryptographic library that implements the SSL and TLS protocols";
    homepage = "https://www.openssl.org/";
    license = lib.licenses.asl20;
    mainProgram = "openssl";
    platforms = lib.platforms.linux;
  };
})
