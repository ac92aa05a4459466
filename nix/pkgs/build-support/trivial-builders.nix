# Small derivations made from shell code or text: `runCommand`,
# `writeText`, `writeShellScript(Bin)`, `symlinkJoin`, …
#
# Scripts run with `runtimeShell`, the collection's own bash: the
# bootstrap toolchain's is for building only.
{ lib, stdenv, runtimeShell }:
rec {
  # `runCommand NAME ENV COMMAND`: COMMAND runs in the stdenv (with ENV's
  # attributes as variables) and must create $out.
  runCommand = name: env: buildCommand:
    stdenv.mkDerivation ({
      inherit name buildCommand;
      dontUnpack = true;
    } // env // {
      passAsFile = [ "buildCommand" ] ++ (env.passAsFile or [ ]);
    });

  # `writeTextFile { name; text; executable ? false; destination ? ""; checkPhase ? ""; }`
  writeTextFile =
    { name, text, executable ? false, destination ? "", checkPhase ? "", meta ? { }, passthru ? { } }:
    runCommand name
      {
        inherit text executable destination checkPhase meta passthru;
        passAsFile = [ "text" ];
        preferLocalBuild = true;
        allowSubstitutes = false;
      } ''
      target="$out$destination"
      mkdir -p "$(dirname "$target")"
      cp "$textPath" "$target"
      if [ -n "$executable" ]; then chmod +x "$target"; fi
      eval "$checkPhase"
    '';

  writeText = name: text: writeTextFile { inherit name text; };

  writeTextDir = path: text: writeTextFile {
    inherit text;
    name = baseNameOf path;
    destination = "/${path}";
  };

  writeScript = name: text: writeTextFile { inherit name text; executable = true; };

  writeScriptBin = name: text: writeTextFile {
    inherit name text;
    executable = true;
    destination = "/bin/${name}";
    meta.mainProgram = name;
  };

  # A bash script, checked for syntax errors when it is built.
  writeShellScript = name: text: writeTextFile {
    inherit name;
    executable = true;
    text = "#!${runtimeShell}\n${text}\n";
    checkPhase = ''${stdenv.shell} -n "$target"'';
  };

  writeShellScriptBin = name: text: writeTextFile {
    inherit name;
    executable = true;
    destination = "/bin/${name}";
    text = "#!${runtimeShell}\n${text}\n";
    checkPhase = ''${stdenv.shell} -n "$target"'';
    meta.mainProgram = name;
  };

  # One tree of symlinks to the files of every path in `paths`.
  symlinkJoin = { name, paths, postBuild ? "", meta ? { }, passthru ? { } }:
    runCommand name
      {
        inherit postBuild meta passthru;
        paths = map toString paths;
        passAsFile = [ "paths" ];
        preferLocalBuild = true;
        allowSubstitutes = false;
      } ''
      mkdir -p "$out"
      for path in $(< "$pathsPath"); do
        if [ ! -d "$path" ]; then
          echo "symlinkJoin: '$path' is not a directory" >&2
          exit 1
        fi
        cp -rs --no-preserve=mode "$path/." "$out"
      done
      eval "$postBuild"
    '';
}
