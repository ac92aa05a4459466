# Source trees for derivations: `cleanSource` (drops VCS directories,
# editor backups, build results), `cleanSourceWith` (composable filters,
# one `builtins.path` at the end), `sourceByRegex`, `sourceFilesBySuffices`.
{ lib }:
let
  inherit (lib.strings) hasPrefix hasSuffix removePrefix;

  # A filtered source is a set remembering the original path and the
  # combined filter, so that stacking filters copies the tree only once.
  toSourceAttributes = src:
    if src._isLibCleanSourceWith or false then { inherit (src) origSrc filter name; }
    else { origSrc = src; filter = _: _: true; name = "source"; };
  fromSourceAttributes = { origSrc, filter, name }: {
    _isLibCleanSourceWith = true;
    inherit origSrc filter name;
    outPath = builtins.path { inherit filter name; path = origSrc; };
  };
in
rec {
  cleanSourceFilter = name: type:
    let baseName = baseNameOf (toString name); in
    !((type == "directory" && builtins.elem baseName [ ".git" ".svn" "CVS" ".hg" ".jj" ])
      || hasSuffix "~" baseName
      || builtins.match "^\\.sw[a-z]$" baseName != null
      || builtins.match "^\\..*\\.sw[a-z]$" baseName != null
      || hasSuffix ".o" baseName
      || hasSuffix ".so" baseName
      || (type == "symlink" && hasPrefix "result" baseName)
      || type == "unknown");

  cleanSourceWith = { src, filter ? _path: _type: true, name ? null }:
    let orig = toSourceAttributes src; in
    fromSourceAttributes {
      inherit (orig) origSrc;
      filter = path: type: filter path type && orig.filter path type;
      name = if name != null then name else orig.name;
    };

  cleanSource = src: cleanSourceWith { filter = cleanSourceFilter; inherit src; };

  sourceByRegex = src: regexes:
    let origSrc = (toSourceAttributes src).origSrc; in
    cleanSourceWith {
      inherit src;
      filter = path: type:
        let relPath = removePrefix (toString origSrc + "/") (toString path);
        in lib.any (re: builtins.match re relPath != null) regexes;
    };

  sourceFilesBySuffices = src: exts:
    cleanSourceWith {
      inherit src;
      filter = name: type: type == "directory" || lib.any (ext: hasSuffix ext name) exts;
    };

  pathIsGitRepo = path: builtins.pathExists (toString path + "/.git");
}
