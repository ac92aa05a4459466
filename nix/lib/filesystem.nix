# Reading directory trees at evaluation time.
{ lib }:
rec {
  pathType = path:
    if !builtins.pathExists path then throw "lib.filesystem.pathType: Path ${toString path} does not exist."
    else if toString path == "/" then "directory"
    else (builtins.readDir (dirOf path)).${baseNameOf path};
  pathIsDirectory = path: builtins.pathExists path && pathType path == "directory";
  pathIsRegularFile = path: builtins.pathExists path && pathType path == "regular";

  # Every file below `dir` (following the directory structure, not
  # symlinks to directories), as paths, in name order.
  listFilesRecursive = dir:
    lib.flatten (lib.mapAttrsToList
      (name: type: if type == "directory" then listFilesRecursive (dir + "/${name}") else dir + "/${name}")
      (builtins.readDir dir));
}
