# `stdenv.mkDerivation`: a package description (an attribute set, or a
# function of the final attributes, `finalAttrs: { … }`) to a derivation
# built by setup.sh's phases.
#
# * `meta` and `passthru` stay out of the derivation (changing a
#   description does not rebuild anything); `env` is merged into it.
# * `overrideAttrs (old: { … })` (or `(final: prev: { … })`) re-runs the
#   description with changed attributes; `finalAttrs` always sees the
#   result of every override.
# * The collection's policy (check-meta.nix) guards `drvPath` and
#   `outPath`: a refused package can be inspected but not built.
{ lib, stdenv, checkMeta }:
let
  notForDerivation = [ "meta" "passthru" "env" "pos" "realBuilder" "allowBootstrapReferences" ];

  inputList = attr: attrs:
    let v = attrs.${attr} or [ ]; in
    if builtins.isList v then lib.filter (x: x != null) v
    else throw "stdenv.mkDerivation: '${attr}' must be a list, not a ${builtins.typeOf v}";

  position = attrs:
    let p = builtins.unsafeGetAttrPos (if attrs ? pname then "pname" else "name") attrs; in
    if p == null then null else "${p.file}:${toString p.line}";

  mkDerivationSimple = overrideAttrs: attrs:
    let
      name = attrs.name or (
        if attrs ? pname && attrs ? version then "${attrs.pname}-${attrs.version}"
        else throw "stdenv.mkDerivation: a package needs 'name', or 'pname' and 'version'");
      pos = position attrs;
      givenMeta = { inherit name; outputsToInstall = [ "out" ]; }
        // lib.optionalAttrs (pos != null) { position = pos; }
        // (attrs.meta or { });
      validity = checkMeta.check (attrs // { inherit name; }) givenMeta;
      meta = givenMeta // { available = validity.valid; };
      env = attrs.env or { };
      clashes = lib.filter (n: attrs ? ${n}) (builtins.attrNames env);
      drvAttrs = removeAttrs attrs notForDerivation // env // {
        inherit name;
        inherit (stdenv) system;
        builder = attrs.realBuilder or stdenv.shell;
        args = attrs.args or [ "-e" (attrs.builder or ./default-builder.sh) ];
        inherit stdenv;
        outputs = attrs.outputs or [ "out" ];
        nativeBuildInputs = inputList "nativeBuildInputs" attrs;
        buildInputs = inputList "buildInputs" attrs;
        propagatedBuildInputs = inputList "propagatedBuildInputs" attrs;
        propagatedNativeBuildInputs = inputList "propagatedNativeBuildInputs" attrs;
        doCheck = attrs.doCheck or false;
        # The shell `#!/bin/sh` scripts get (setup.sh's patchShebangs): the
        # collection's bash. bash itself sets it to null (its own).
        runtimeShell = if attrs ? runtimeShell then attrs.runtimeShell else stdenv.runtimeShell;
        # What a package installs must not need the bootstrap toolchain at
        # run time (a stray `#!` to its bash, debug info naming its
        # headers): the build fails, naming the path, if it does.
        disallowedRequisites = lib.optional (!(attrs.allowBootstrapReferences or false)) stdenv.bootstrapTools
          ++ (attrs.disallowedRequisites or [ ]);
        __ignoreNulls = true;
      };
      drv =
        if clashes != [ ] then
          throw "stdenv.mkDerivation (${name}): '${builtins.head clashes}' is set both as an attribute and in 'env'"
        else derivation drvAttrs;
    in
    lib.extendDerivation validity.handled
      ((attrs.passthru or { }) // { inherit meta overrideAttrs; passthru = attrs.passthru or { }; })
      drv;

  # The description as a fixed point: `rattrs finalAttrs`.
  extensible = rattrs:
    let
      args = rattrs (args // { inherit finalPackage overrideAttrs; });
      overrideAttrs = f0:
        let
          # `{ … }`, `prev: { … }` or `final: prev: { … }`.
          f = final: prev:
            if !builtins.isFunction f0 then f0
            else let r = f0 prev; in if builtins.isFunction r then f0 final prev else r;
        in
        extensible (final: let prev = rattrs final; in prev // f final prev);
      finalPackage = mkDerivationSimple overrideAttrs args;
    in
    finalPackage;
in
description: extensible (if builtins.isFunction description then description else _: description)
