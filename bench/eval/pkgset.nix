# A small nixpkgs: 5,000 packages in a fixpoint (`fix`), built with
# `callPackage` (auto-arguments through `builtins.functionArgs`), extended
# by overlays (`extends`), some of them `override`n and `overrideAttrs`d.
# Every package's dependency closure depth is computed, so the whole graph
# is forced through the fixpoint.
let
  n = 5000;

  lib = rec {
    fix = f: let x = f x; in x;
    extends = overlay: f: final: let prev = f final; in prev // overlay final prev;
    composeExtensions = f: g: final: prev:
      let fApplied = f final prev; prev' = prev // fApplied;
      in fApplied // g final prev';
    composeManyExtensions = builtins.foldl' composeExtensions (final: prev: { });
    optional = cond: x: if cond then [ x ] else [ ];
    optionals = cond: xs: if cond then xs else [ ];
    max = a: b: if a > b then a else b;
    foldl' = builtins.foldl';
    mapAttrs' = f: set: builtins.listToAttrs (map (attr: f attr set.${attr}) (builtins.attrNames set));
    nameValuePair = name: value: { inherit name value; };
    makeOverridable = f: origArgs:
      let
        result = f origArgs;
        overrideWith = newArgs: origArgs // (if builtins.isFunction newArgs then newArgs origArgs else newArgs);
      in
      if builtins.isAttrs result then
        result // { override = newArgs: makeOverridable f (overrideWith newArgs); }
      else result;
    callPackageWith = autoArgs: fn: args:
      let auto = builtins.intersectAttrs (builtins.functionArgs fn) autoArgs;
      in makeOverridable fn (auto // args);
  };

  mkDerivation = attrs:
    let
      self = {
        pname = "unnamed";
        version = "0";
        buildInputs = [ ];
        propagatedBuildInputs = [ ];
        meta = { };
      } // attrs;
      deps = self.buildInputs ++ self.propagatedBuildInputs;
      depth = 1 + builtins.foldl' (acc: d: lib.max acc d.depth) 0 deps;
      name = "${self.pname}-${self.version}";
    in
    self // {
      inherit name depth;
      type = "derivation";
      outPath = "/nix/store/${builtins.substring 0 32 (builtins.hashString "sha1" name)}-${name}";
      overrideAttrs = f: mkDerivation (attrs // f self);
    };

  # Package "files": functions whose formals callPackage fills in.
  templates = [
    ({ mkDerivation, lib, zlib, dep, dep2 ? null, stdenvVersion }: mkDerivation {
      pname = "lib-${dep.pname}";
      version = stdenvVersion;
      buildInputs = [ zlib dep ];
    })
    ({ mkDerivation, lib, openssl, dep, dep2 ? null, enableSsl ? true }: mkDerivation {
      pname = "tool";
      version = "1.${toString dep.depth}";
      buildInputs = [ dep ] ++ lib.optional enableSsl openssl ++ lib.optional (dep2 != null) dep2;
      meta.description = "a tool using ${dep.name}";
    })
    ({ mkDerivation, lib, python, dep, dep2, withDocs ? false }: mkDerivation {
      pname = "py-${dep.pname}";
      version = "2.0";
      propagatedBuildInputs = [ python dep dep2 ];
      buildInputs = lib.optionals withDocs [ dep2 ];
    })
    ({ mkDerivation, zlib, openssl, python, dep, ... }: mkDerivation {
      pname = "app";
      version = "3.1";
      buildInputs = [ zlib openssl python dep ];
    })
  ];
  templateAt = i: builtins.elemAt templates (i - (i / 4) * 4);

  base = final: {
    inherit lib mkDerivation;
    stdenvVersion = "1.0";
    callPackage = lib.callPackageWith final;
    zlib = final.callPackage ({ mkDerivation }: mkDerivation { pname = "zlib"; version = "1.2.11"; }) { };
    openssl = final.callPackage ({ mkDerivation, zlib }: mkDerivation { pname = "openssl"; version = "1.1"; buildInputs = [ zlib ]; }) { };
    python = final.callPackage ({ mkDerivation, openssl, zlib }: mkDerivation { pname = "python"; version = "3.9"; buildInputs = [ openssl zlib ]; }) { };
  } // builtins.listToAttrs (builtins.genList (i: {
    name = "pkg${toString i}";
    value = final.callPackage (templateAt i) {
      dep = if i == 0 then final.zlib else final."pkg${toString (i / 2)}";
      dep2 = if i < 3 then final.python else final."pkg${toString (i - 3)}";
    };
  }) n);

  overlays = [
    # Bump every 7th package through override.
    (final: prev: lib.mapAttrs' (name: p: lib.nameValuePair name (p.override (old: { stdenvVersion = "1.1"; })))
      (builtins.listToAttrs (builtins.genList (j: let name = "pkg${toString (j * 28)}"; in { inherit name; value = prev.${name}; }) (n / 28))))
    # A patched zlib everybody picks up through the fixpoint.
    (final: prev: { zlib = prev.zlib.overrideAttrs (old: { version = "${old.version}-patched"; }); })
    # Disable ssl in some tools.
    (final: prev: builtins.listToAttrs (builtins.genList (j: let name = "pkg${toString (j * 4 + 1)}"; in {
      inherit name;
      value = prev.${name}.override { enableSsl = false; };
    }) (n / 40)))
  ];

  pkgs = lib.fix (lib.extends (lib.composeManyExtensions overlays) base);
  names = builtins.genList (i: "pkg${toString i}") n;
in
{
  count = builtins.length (builtins.attrNames pkgs);
  depthSum = builtins.foldl' (acc: name: acc + pkgs.${name}.depth) 0 names;
  inputs = builtins.foldl' (acc: name: acc + builtins.length pkgs.${name}.buildInputs) 0 names;
  last = pkgs."pkg${toString (n - 1)}".name;
  zlib = pkgs.zlib.outPath;
  sample = map (i: pkgs."pkg${toString (i * 97)}".name) (builtins.genList (i: i) 20);
}
