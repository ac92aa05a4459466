# The collection's policy, checked when a package is about to be built
# (its `drvPath` or `outPath` is needed) rather than when it is merely
# looked at: `cairn search` and `meta` queries still see refused
# packages, marked `meta.available = false`.
#
# A package is refused when its license is unfree, it is marked
# `meta.broken`, its `meta.platforms` leaves out the system being built
# for, or it has `meta.knownVulnerabilities`; each refusal names the
# package, where it is defined, and every way to allow it.
{ lib, config, system }:
let
  env = name: builtins.getEnv name == "1";

  isUnfree = licenses: lib.any (l: !(l.free or true)) licenses;
  licensesOf = meta:
    let l = meta.license or [ ]; in if builtins.isList l then l else [ l ];

  allowUnfree = config.allowUnfree || env "CAIRN_ALLOW_UNFREE" || env "NIXPKGS_ALLOW_UNFREE";
  allowBroken = config.allowBroken || env "CAIRN_ALLOW_BROKEN" || env "NIXPKGS_ALLOW_BROKEN";
  allowUnsupported = config.allowUnsupportedSystem
    || env "CAIRN_ALLOW_UNSUPPORTED_SYSTEM" || env "NIXPKGS_ALLOW_UNSUPPORTED_SYSTEM";
  allowInsecure = env "CAIRN_ALLOW_INSECURE" || env "NIXPKGS_ALLOW_INSECURE";

  where = meta: if meta ? position then " in ${meta.position}" else "";

  refusal = attrs: meta: problem: details: ways:
    let
      name = attrs.name or "${attrs.pname or "?"}-${attrs.version or "?"}";
      numbered = lib.imap1 (i: way: "  ${toString i}. ${way}") ways;
    in
    "Package '${name}'${where meta} ${problem}, refusing to build it.\n"
    + lib.concatMapStrings (d: "  - ${d}\n") details
    + "To allow it, do one of:\n" + lib.concatStringsSep "\n" numbered;

  pname = attrs: attrs.pname or (builtins.parseDrvName (attrs.name or "")).name;

  # The first reason to refuse `attrs` (a package's derivation attributes
  # with `meta`), or null.
  problem = attrs: meta:
    let
      licenses = licensesOf meta;
      unfreeNames = map (l: l.shortName or l.spdxId or "unknown") (lib.filter (l: !(l.free or true)) licenses);
      platforms = meta.platforms or null;
      platformOk = platforms == null || lib.any (lib.meta.platformMatch { inherit system; }) platforms;
      vulnerabilities = meta.knownVulnerabilities or [ ];
      pkgForPredicate = attrs // { inherit meta; };
    in
    if isUnfree licenses && !allowUnfree && !(config.allowUnfreePredicate pkgForPredicate) then
      refusal attrs meta "has an unfree license (${lib.concatStringsSep ", " unfreeNames})" [ ] [
        "allow every unfree package: `config.allowUnfree = true;` in the collection's config"
        "allow just this one: `config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ \"${pname attrs}\" ];`"
        "allow it for one command: `CAIRN_ALLOW_UNFREE=1 cairn build …`"
      ]
    else if (meta.broken or false) && !allowBroken then
      refusal attrs meta "is marked as broken" [ ] [
        "`config.allowBroken = true;` in the collection's config"
        "for one command: `CAIRN_ALLOW_BROKEN=1 cairn build …`"
      ]
    else if !platformOk && !allowUnsupported then
      refusal attrs meta "is not available on '${system}' (meta.platforms: ${lib.concatStringsSep ", " (lib.filter builtins.isString platforms)})" [ ] [
        "`config.allowUnsupportedSystem = true;` in the collection's config"
        "for one command: `CAIRN_ALLOW_UNSUPPORTED_SYSTEM=1 cairn build …`"
      ]
    else if vulnerabilities != [ ] && !allowInsecure && !(config.allowInsecurePredicate pkgForPredicate) then
      refusal attrs meta "has known vulnerabilities" vulnerabilities [
        "allow this version: `config.permittedInsecurePackages = [ \"${attrs.name or "${pname attrs}-${attrs.version or ""}"}\" ];`"
        "allow insecure packages by a predicate: `config.allowInsecurePredicate = pkg: …;`"
        "for one command: `CAIRN_ALLOW_INSECURE=1 cairn build …`"
      ]
    else null;
in
{
  # `{ valid; handled; }`: `valid` is whether the package may be built;
  # `handled` is true, or throws the refusal when it may not.
  check = attrs: meta:
    let p = problem attrs meta; in
    {
      valid = p == null;
      handled = if p == null then true else throw p;
    };
}
