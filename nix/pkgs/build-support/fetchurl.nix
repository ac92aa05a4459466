# `fetchurl { url; hash | sha256; }`: a file downloaded by cairn's
# in-process `builtin:fetchurl` builder as a fixed-output derivation, so
# only its content (checked against the hash) matters, not where it came
# from. `mirror://NAME/PATH` URLs are resolved by the builder from the
# `mirrors.NAME` setting (`mirrors.debian` defaults to the host's apt
# sources on Debian), trying each base URL in turn.
{ lib }:
{ url ? null
, urls ? [ ]
, hash ? null
, sha256 ? null
, name ? null
, executable ? false
, meta ? { }
, passthru ? { }
}:
let
  allUrls = (if url != null then [ url ] else [ ]) ++ urls;
  firstUrl =
    if allUrls == [ ] then throw "fetchurl: give 'url' (or 'urls')"
    else builtins.head allUrls;
  # Store path names allow fewer characters than URLs.
  safeName = builtins.replaceStrings [ "~" ":" "%" ] [ "-" "-" "-" ] (baseNameOf firstUrl);
  outputHash =
    if hash != null then hash
    else if sha256 != null then sha256
    else throw "fetchurl: ${firstUrl} needs a 'hash' (SRI, e.g. \"sha256-…\") or 'sha256'; use `cairn store prefetch-url URL` to get it";
  drv = derivation {
    name = if name != null then name else safeName;
    builder = "builtin:fetchurl";
    system = "builtin";
    url = firstUrl;
    inherit outputHash;
    outputHashAlgo = if hash != null then "" else "sha256";
    outputHashMode = if executable then "recursive" else "flat";
    executable = executable;
    preferLocalBuild = true;
  };
in
if builtins.length allUrls > 1 then
  throw "fetchurl: ${firstUrl}: cairn's builtin:fetchurl takes one URL; use a mirror:// URL to try several servers"
else
  drv // { inherit meta passthru; urls = allUrls; }
