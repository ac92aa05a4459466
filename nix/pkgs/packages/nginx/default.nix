{ lib, stdenv, fetchurl, zlib }:

stdenv.mkDerivation (finalAttrs: {
  pname = "nginx";
  version = "1.22.1";

  src = fetchurl {
    url = "mirror://debian/pool/main/n/nginx/nginx_${finalAttrs.version}.orig.tar.gz";
    sha256 = "9ebb333a9e82b952acd3e2b4aeb1d4ff6406f72491bab6cd9fe69f0dea737f31";
  };

  buildInputs = [ zlib ];

  # nginx's configure is its own: no autoconf flags.
  dontDisableDependencyTracking = true;
  configureFlags = [
    "--without-http_rewrite_module"
    "--http-log-path=/var/log/nginx/access.log"
    "--error-log-path=/var/log/nginx/error.log"
    "--pid-path=/run/nginx.pid"
    "--http-client-body-temp-path=/var/cache/nginx/client_body"
    "--http-proxy-temp-path=/var/cache/nginx/proxy"
    "--http-fastcgi-temp-path=/var/cache/nginx/fastcgi"
    "--http-uwsgi-temp-path=/var/cache/nginx/uwsgi"
    "--http-scgi-temp-path=/var/cache/nginx/scgi"
  ];

  passthru.smokeTest = { args = [ "-v" ]; };

  meta = {
    description = "A reverse proxy and lightweight webserver";
    homepage = "https://nginx.org";
    license = lib.licenses.bsd2;
    mainProgram = "nginx";
    platforms = lib.platforms.linux;
  };
})
