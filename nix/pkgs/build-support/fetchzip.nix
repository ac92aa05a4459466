# `fetchzip { url; hash | sha256; stripRoot ? true; }`: a tarball (plain,
# gzip, xz, bzip2 or zstd) downloaded and unpacked by cairn's in-process
# `builtin:fetchzip` builder. Its hash is of the unpacked tree (recursive,
# as `nix hash path` prints it), so a source that upstream re-compresses
# keeps its hash; with `stripRoot` the single top-level directory becomes
# the output. `mirror://NAME/…` URLs work as in fetchurl.
{ lib }:
{ url
, hash ? null
, sha256 ? null
, name ? "source"
, stripRoot ? true
, meta ? { }
, passthru ? { }
}:
let
  outputHash =
    if hash != null then hash
    else if sha256 != null then sha256
    else throw "fetchzip: ${url} needs a 'hash' (SRI, e.g. \"sha256-…\") or 'sha256' of the unpacked tree; `cairn hash path` of the unpacked directory prints it";
  drv = derivation {
    inherit name url;
    builder = "builtin:fetchzip";
    system = "builtin";
    stripRoot = stripRoot;
    inherit outputHash;
    outputHashAlgo = if hash != null then "" else "sha256";
    outputHashMode = "recursive";
    preferLocalBuild = true;
  };
in
drv // { inherit meta passthru; urls = [ url ]; }
