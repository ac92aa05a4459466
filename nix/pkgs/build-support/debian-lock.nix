# Reads a `cairn pkgs lock` file (`# cairn-debian-lock 1`: one line per
# package, `package version architecture size sha256 suite filename`) into
# fixed-output downloads of its `.deb`s from `mirror://debian` (the mirror
# comes from cairn's configuration; the lock names none), fetched by the
# builder cairn runs in-process, so nothing of the store has to run yet.
#
#   readDebianLock ./debian.lock
#   => { entries = [ { package; version; … } … ];
#        debs.NAME = <the .deb's store path>; versions.NAME = "1.2-3";
#        pick = [ NAME … ] -> [ <.deb> … ]; }
#
# `where` names the lock in messages (a path literal would be printed as
# its store copy).
{ lib }:
where: lockFile:
let
  lockLines = lib.splitString "\n" (builtins.readFile lockFile);
  header = "# cairn-debian-lock 1";

  parse = line:
    let fields = lib.filter (f: f != "") (lib.splitString " " line); in
    if builtins.length fields != 7 then
      throw "${where}: a line needs 7 fields (package version architecture size sha256 suite filename), not: ${line}"
    else {
      package = builtins.elemAt fields 0;
      version = builtins.elemAt fields 1;
      architecture = builtins.elemAt fields 2;
      size = builtins.elemAt fields 3;
      sha256 = builtins.elemAt fields 4;
      suite = builtins.elemAt fields 5;
      filename = builtins.elemAt fields 6;
    };

  entries =
    if builtins.head lockLines != header then
      throw "${where}: the first line must be '${header}'; regenerate the file with `cairn pkgs lock`"
    else map parse (lib.filter (l: l != "" && !lib.hasPrefix "#" l) lockLines);

  fetchDeb = entry: derivation {
    name = baseNameOf entry.filename;
    builder = "builtin:fetchurl";
    system = "builtin";
    url = "mirror://debian/${entry.filename}";
    outputHashMode = "flat";
    outputHashAlgo = "sha256";
    outputHash = entry.sha256;
    preferLocalBuild = true;
  };

  debs = builtins.listToAttrs (map (e: lib.nameValuePair e.package (fetchDeb e)) entries);
in
{
  inherit entries debs;
  versions = builtins.listToAttrs (map (e: lib.nameValuePair e.package e.version) entries);
  pick = names: map
    (name: debs.${name} or (throw "${where}: '${name}' is not locked; add it to the package list beside the lock and run `cairn pkgs lock`"))
    names;
}
