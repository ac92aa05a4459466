# Values of `meta.sourceProvenance`: whether a package was built from
# source (the collection's `allowNonSource` policy reads `isSource`).
{ lib }:
builtins.mapAttrs (shortName: isSource: { inherit shortName isSource; }) {
  fromSource = true;
  binaryNativeCode = false;
  binaryBytecode = false;
  binaryFirmware = false;
}
