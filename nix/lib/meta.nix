# Derivation metadata: names, priorities, platforms, licenses, `getExe`.
{ lib }:
rec {
  addMetaAttrs = newAttrs: drv: drv // { meta = (drv.meta or { }) // newAttrs; };
  dontDistribute = drv: addMetaAttrs { hydraPlatforms = [ ]; } drv;
  setName = name: drv: drv // { inherit name; };
  updateName = updater: drv: drv // { name = updater (drv.name); };
  appendToName = suffix: updateName (name:
    let x = builtins.parseDrvName name; in "${x.name}-${suffix}-${x.version}");
  mapDerivationAttrset = f: set: lib.mapAttrs (name: pkg: if lib.isDerivation pkg then f pkg else pkg) set;

  # `nix-env`/profile priorities: lower wins a collision.
  setPrio = priority: addMetaAttrs { inherit priority; };
  lowPrio = setPrio 10;
  lowPrioSet = set: mapDerivationAttrset lowPrio set;
  hiPrio = setPrio (-10);
  hiPrioSet = set: mapDerivationAttrset hiPrio set;

  # A platform pattern is a system string ("x86_64-linux") or an attribute
  # set matched against the parsed platform.
  platformMatch = platform: elem:
    if builtins.isString elem then platform ? system && elem == platform.system
    else lib.matchAttrs (elem.parsed or elem) platform;
  availableOn = platform: pkg:
    ((!pkg ? meta.platforms) || lib.any (platformMatch platform) pkg.meta.platforms)
    && lib.all (elem: !platformMatch platform elem) (pkg.meta.badPlatforms or [ ]);

  licensesSpdx = lib.mapAttrs' (_: license: { name = license.spdxId; value = license; })
    (lib.filterAttrs (_: license: license ? spdxId) lib.licenses);
  getLicenseFromSpdxId = licstr:
    getLicenseFromSpdxIdOr licstr (
      lib.warn "getLicenseFromSpdxId: No license matches the given SPDX ID: ${licstr}"
        { shortName = licstr; });
  getLicenseFromSpdxIdOr = licstr: default:
    let lowered = lib.mapAttrs' (id: v: { name = lib.toLower id; value = v; }) licensesSpdx;
    in lowered.${lib.toLower licstr} or default;

  getExe = x:
    getExe' x (x.meta.mainProgram or (
      lib.warn "getExe: Package ${lib.strings.escapeNixIdentifier x.meta.name or x.pname or x.name} does not have the meta.mainProgram attribute; assuming its main program is `${lib.getName x}'. Set meta.mainProgram in the package, or name the program with lib.getExe' ${lib.getName x} \"program\"."
        (lib.getName x)));
  getExe' = x: y:
    assert lib.assertMsg (lib.isDerivation x) "lib.meta.getExe': The first argument is of type ${builtins.typeOf x}, but it should be a derivation instead.";
    assert lib.assertMsg (builtins.isString y) "lib.meta.getExe': The second argument is of type ${builtins.typeOf y}, but it should be a string instead.";
    "${lib.getBin x}/bin/${y}";
}
