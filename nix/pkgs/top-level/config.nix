# The collection's `config` argument: the settings it knows, their
# defaults, and a clear error for a misspelt one (a typo in
# `allowUnfree` must not silently refuse or allow anything).
{ lib, config }:
let
  defaults = {
    # Build packages whose license is not free.
    allowUnfree = false;
    # `pkg: bool`: allow these unfree packages (checked when allowUnfree is false).
    allowUnfreePredicate = _: false;
    # Build packages marked `meta.broken`.
    allowBroken = false;
    # Build packages whose `meta.platforms` leaves out this system.
    allowUnsupportedSystem = false;
    # Names (`name-version`) of packages with known vulnerabilities to allow.
    permittedInsecurePackages = [ ];
    # `pkg: bool`: allow these insecure packages.
    allowInsecurePredicate = pkg: builtins.elem (pkg.name or "") config'.permittedInsecurePackages;
  };
  given = if builtins.isFunction config then config { } else config;
  unknown = lib.filter (name: !(defaults ? ${name})) (builtins.attrNames given);
  config' = defaults // given;
in
if !builtins.isAttrs given then
  throw "cairn packages: 'config' must be an attribute set, not a ${builtins.typeOf given}"
else if unknown != [ ] then
  throw "cairn packages: unknown config option '${builtins.head unknown}'; known options: ${lib.concatStringsSep ", " (builtins.attrNames defaults)}"
else
  config'
