# <nix/fetchurl.nix> for cairn: a fixed-output derivation built by the
# builtin:fetchurl builder.
{ url
, name ? baseNameOf (toString url)
, hash ? ""
, sha1 ? ""
, sha256 ? ""
, sha512 ? ""
, outputHash ? ""
, outputHashAlgo ? ""
, executable ? false
, unpack ? false
, system ? "builtin"
}:

let
  chosen =
    if hash != "" then { h = hash; algo = ""; }
    else if sha512 != "" then { h = sha512; algo = "sha512"; }
    else if sha1 != "" then { h = sha1; algo = "sha1"; }
    else if sha256 != "" then { h = sha256; algo = "sha256"; }
    else { h = outputHash; algo = outputHashAlgo; };
in
derivation {
  builder = "builtin:fetchurl";
  inherit name url executable unpack system;
  urls = [ url ];
  outputHash = chosen.h;
  outputHashAlgo = chosen.algo;
  outputHashMode = if unpack || executable then "recursive" else "flat";
  preferLocalBuild = true;
  impureEnvVars = [ "http_proxy" "https_proxy" "ftp_proxy" "all_proxy" "no_proxy" ];
}
