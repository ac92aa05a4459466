{ lib, stdenv, fetchurl, openssl, zlib }:

stdenv.mkDerivation (finalAttrs: {
  pname = "openssh";
  version = "9.2p1";

  src = fetchurl {
    url = "mirror://debian/pool/main/o/openssh/openssh_${finalAttrs.version}.orig.tar.gz";
    sha256 = "3f66dbf1655fb45f50e1c56da62ab01218c228807b21338d634ebcdf9d71cf46";
  };

  buildInputs = [ openssl zlib ];

  configureFlags = [
    "--sysconfdir=/etc/ssh"
    "--with-privsep-path=/var/empty"
    "--with-pid-dir=/run"
    "--disable-strip"
  ];
  # Builds cannot make setuid files (nor can store paths hold them).
  postPatch = ''
    sed -i 's/-m 4711/-m 0711/' Makefile.in
  '';

  # `install` would generate host keys and write /etc/ssh.
  installTargets = [ "install-nokeys" ];
  installFlags = [ "sysconfdir=$(out)/etc/ssh" ];

  # `ssh -V` names the crypto library it was linked with.
  passthru.smokeTest = { args = [ "-V" ]; expect = "OpenSSL ${openssl.version}"; };

  meta = {
    description = "An implementation of the SSH protocol";
    homepage = "https://www.openssh.com/";
    license = lib.licenses.bsd2;
    mainProgram = "ssh";
    platforms = lib.platforms.linux;
  };
})
