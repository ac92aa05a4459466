{ lib, stdenv, fetchurl, openssl, zlib }:

stdenv.mkDerivation (finalAttrs: {
  pname = "curl";
  version = "7.88.1";

  src = fetchurl {
    url = "mirror://debian/pool/main/c/curl/curl_${finalAttrs.version}.orig.tar.gz";
    sha256 = "cdb38b72e36bc5d33d5b8810f8018ece1baa29a8f215b4495e495ded82bbf3c7";
  };

  buildInputs = [ openssl zlib ];

  configureFlags = [ "--with-openssl" "--disable-ldap" "--without-libpsl" "--without-brotli" "--without-zstd" "--without-libidn2" "--without-nghttp2" "--disable-manual" "--disable-static" ];

  # TLS is there (and which library): `curl -V` lists it. No CA bundle
  # is built in; point CURL_CA_BUNDLE or --cacert at one.
  passthru.smokeTest = { args = [ "-V" ]; expect = "OpenSSL/${openssl.version}"; };

  meta = {
    description = "A command line tool for transferring files with URL syntax";
    homepage = "https://curl.se/";
    license = lib.licenses.curl;
    mainProgram = "curl";
    platforms = lib.platforms.linux;
  };
})
