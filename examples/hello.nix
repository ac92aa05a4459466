# A package built with nothing but the sandbox's /bin/sh: a static busybox
# (Debian's busybox-static, cairn's default `sandbox-paths`). It depends on a
# second store object made with builtins.toFile, so the build has an input
# closure and the output a reference.
#
#   cairn build examples/hello.nix --store /tmp/cairn-demo
#   cat result/share/greeting
#   cairn store path-info -r --store /tmp/cairn-demo ./result
let
  greeting = builtins.toFile "greeting" "Hello, world!\n";
in
derivation {
  name = "hello-1.0";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [
    "-c"
    ''
      mkdir -p $out/bin $out/share
      cp ${greeting} $out/share/greeting
      printf '#!/bin/sh\nexec cat %s\n' ${greeting} > $out/bin/hello
      chmod +x $out/bin/hello
    ''
  ];
}
