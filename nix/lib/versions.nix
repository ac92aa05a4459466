# Version strings split on "." and "-" (as `builtins.splitVersion` does).
{ lib }:
let
  inherit (builtins) splitVersion elemAt length concatStringsSep;
in
rec {
  inherit splitVersion;
  major = v: elemAt (splitVersion v) 0;
  minor = v: elemAt (splitVersion v) 1;
  patch = v: elemAt (splitVersion v) 2;
  majorMinor = v: concatStringsSep "." (lib.take 2 (splitVersion v));
  pad = n: version:
    let
      numericVersion = elemAt (builtins.match "([^-+]+)(.*)" version) 0;
      rest = elemAt (builtins.match "([^-+]+)(.*)" version) 1;
      parts = splitVersion numericVersion;
      padded = parts ++ builtins.genList (_: "0") (lib.max 0 (n - length parts));
    in
    concatStringsSep "." (lib.take n padded) + rest;
}
