# `shrink-rpath` (shrink-rpath.c): drops the RUNPATH directories an ELF
# file does not use, for the stdenv's fixup phase. Compiled with the
# cc-wrapper and the seed's tools only (it is an input of the stdenv), and
# checked on a program linked with a build-directory and an unused entry.
{ lib, bootstrap, ccWrapper }:
let
  inherit (bootstrap) tools;
in
derivation {
  name = "shrink-rpath";
  system = "x86_64-linux";
  builder = "${tools}/bin/bash";
  src = ./shrink-rpath.c;
  args = [ "-euc" ''
    export PATH=${ccWrapper}/bin:${tools}/bin:${tools}/usr/bin
    mkdir -p "$out/bin"
    cc -O2 -Wall -Wextra -Werror -o "$out/bin/shrink-rpath" "$src"

    # Self-check: a program needing only libc, linked with a RUNPATH that
    # also names a directory outside the store and an unused store one.
    cd "$TMPDIR"
    printf 'int main(void) { return 0; }\n' > t.c
    cc -o t t.c -Wl,-rpath,/build/t/.libs -Wl,-rpath,${tools}/usr/lib
    before=$(readelf -d t | grep -c RUNPATH)
    "$out/bin/shrink-rpath" "$NIX_STORE" t t.c
    runpath=$(readelf -d t | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
    if [ "$before" != 1 ] || [ "$runpath" != "${bootstrap.glibc}/lib/${bootstrap.multiarch}" ]; then
      echo "shrink-rpath self-check failed: RUNPATH is '$runpath'" >&2
      exit 1
    fi
    ./t
  '' ];
}
