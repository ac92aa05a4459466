# `cc`, `gcc` and `cpp` for the stdenv: the bootstrap toolchain's gcc
# wrapped (cc-wrapper.sh) to compile and link against the store's glibc.
# Built with the toolchain's own bash and sed, nothing else.
{ lib, bootstrap }:
let
  inherit (bootstrap) tools glibc multiarch gccVersion;
in
derivation {
  name = "cc-wrapper-gcc-${gccVersion}";
  system = "x86_64-linux";
  builder = "${tools}/bin/bash";
  args = [ "-euc" ''
    export PATH=${tools}/bin:${tools}/usr/bin
    mkdir -p "$out/bin" "$out/nix-support"
    make() {
      sed -e "s|@shell@|${tools}/bin/bash|g" \
          -e "s|@driver@|$1|g" \
          -e "s|@gccVersion@|${gccVersion}|g" \
          -e "s|@glibc@|${glibc}|g" \
          -e "s|@tools@|${tools}|g" \
          -e "s|@multiarch@|${multiarch}|g" \
          -e "s|@storeDir@|$NIX_STORE|g" \
          ${./cc-wrapper.sh} > "$out/bin/$2"
      chmod 555 "$out/bin/$2"
    }
    make gcc-${gccVersion} gcc
    make cpp-${gccVersion} cpp
    ln -s gcc "$out/bin/cc"
    ln -s gcc "$out/bin/${multiarch}-gcc"
    echo ${glibc} > "$out/nix-support/orig-libc"
    echo ${tools} > "$out/nix-support/orig-cc"
    # Sanity check: compile and link a program, then run it.
    cd "$TMPDIR"
    printf '#include <stdio.h>\nint main(void) { puts("cc-wrapper works"); return 0; }\n' > t.c
    "$out/bin/cc" -O2 -o t t.c
    ./t
  '' ];
}
