# Platform lists for `meta.platforms`, as system doubles.
{ lib }:
let
  linux = [ "x86_64-linux" "aarch64-linux" "i686-linux" "armv6l-linux" "armv7l-linux" "riscv64-linux" "powerpc64le-linux" ];
  darwin = [ "x86_64-darwin" "aarch64-darwin" ];
  freebsd = [ "x86_64-freebsd" "aarch64-freebsd" "i686-freebsd" ];
in
{
  inherit linux darwin freebsd;
  unix = linux ++ darwin ++ freebsd;
  all = linux ++ darwin ++ freebsd;
  none = [ ];
  x86_64 = builtins.filter (lib.hasPrefix "x86_64-") (linux ++ darwin ++ freebsd);
  i686 = builtins.filter (lib.hasPrefix "i686-") (linux ++ freebsd);
  x86 = builtins.filter (s: lib.hasPrefix "x86_64-" s || lib.hasPrefix "i686-" s) (linux ++ darwin ++ freebsd);
  aarch64 = builtins.filter (lib.hasPrefix "aarch64-") (linux ++ darwin ++ freebsd);
  riscv = [ "riscv64-linux" ];
}
