# Turning Nix values into text: `toPretty` (Nix-like, used in module
# system error messages), key=value and INI files, JSON/YAML.
{ lib }:
let
  inherit (builtins) isAttrs isList isString isInt isFloat isBool isPath isFunction
    concatStringsSep attrNames length typeOf;
in
rec {
  mkValueStringDefault = { }: v:
    if isInt v then toString v
    else if isString v then v
    else if v == true then "true"
    else if v == false then "false"
    else if v == null then "null"
    else if isFloat v then lib.strings.floatToString v
    else if isPath v || lib.isDerivation v || (isAttrs v && v ? __toString) then toString v
    else abort "generators.mkValueStringDefault: ${typeOf v} not supported: ${toPretty { } v}";

  mkKeyValueDefault = { mkValueString ? mkValueStringDefault { } }: sep: k: v:
    "${lib.strings.escape [ sep ] k}${sep}${mkValueString v}";

  toKeyValue = { mkKeyValue ? mkKeyValueDefault { } "=", listsAsDuplicateKeys ? false, indent ? "" }: attrs:
    let
      line = k: v: "${indent}${mkKeyValue k v}\n";
      entry = k: v: if listsAsDuplicateKeys && isList v then lib.concatMapStrings (line k) v else line k v;
    in
    lib.concatStrings (lib.mapAttrsToList entry attrs);

  toINI = { mkSectionName ? (name: lib.strings.escape [ "[" "]" ] name), mkKeyValue ? mkKeyValueDefault { } "=", listsAsDuplicateKeys ? false }: attrsOfAttrs:
    concatStringsSep "\n" (lib.mapAttrsToList
      (sect: values: "[${mkSectionName sect}]\n" + toKeyValue { inherit mkKeyValue listsAsDuplicateKeys; } values)
      attrsOfAttrs);

  toINIWithGlobalSection = { mkSectionName ? (name: lib.strings.escape [ "[" "]" ] name), mkKeyValue ? mkKeyValueDefault { } "=", listsAsDuplicateKeys ? false }: { globalSection, sections ? { } }:
    (if globalSection == { } then "" else toKeyValue { inherit mkKeyValue listsAsDuplicateKeys; } globalSection + "\n")
    + toINI { inherit mkSectionName mkKeyValue listsAsDuplicateKeys; } sections;

  toJSON = { }: builtins.toJSON;
  toYAML = { }: builtins.toJSON;

  # Cuts a value off below `depthLimit` nested sets/lists: deeper values
  # become "<unevaluated>" or, with `throwOnDepthLimit`, an error.
  withRecursion = { depthLimit, throwOnDepthLimit ? true }:
    let
      special = [ "__functor" "__functionArgs" "__toString" "__pretty" ];
      cut = depth: x:
        if depthLimit != null && depth > depthLimit then
          (if throwOnDepthLimit then throw "Exceeded maximum eval-depth limit of ${toString depthLimit} while trying to evaluate with `generators.withRecursion'!" else "<unevaluated>")
        else x;
      walk = depth: v:
        let next = x: walk (depth + 1) (cut (depth + 1) x); in
        if isAttrs v then builtins.mapAttrs (n: x: if builtins.elem n special then x else next x) v
        else if isList v then map next v
        else cut (depth + 1) v;
    in
    walk 0;

  # Nix-like rendering of any value; functions show their formal
  # arguments, derivations their name.
  toPretty = { allowPrettyValues ? false, multiline ? true, indent ? "" }:
    let
      go = indent: v:
        let
          introSpace = if multiline then "\n${indent}  " else " ";
          outroSpace = if multiline then "\n${indent}" else " ";
        in
        if isInt v then toString v
        else if isFloat v then builtins.toJSON v
        else if isString v then
          let
            lines = builtins.filter (x: !isList x) (builtins.split "\n" v);
            escapeSingle = lib.strings.escapeNixString;
            escapeMulti = builtins.replaceStrings [ "\${" "''" ] [ "''\${" "'''" ];
            singleline = escapeSingle v;
            multi =
              let
                escaped = map escapeMulti lines;
                lastLine = lib.lists.last escaped;
              in
              "''" + introSpace + concatStringsSep introSpace (lib.lists.init escaped)
              + (if lastLine == "" then outroSpace else introSpace + lastLine) + "''";
          in
          if multiline && length lines > 1 then multi else singleline
        else if v == true then "true"
        else if v == false then "false"
        else if v == null then "null"
        else if isPath v then toString v
        else if isList v then
          if v == [ ] then "[ ]"
          else "[" + introSpace + concatStringsSep introSpace (map (go (indent + "  ")) v) + outroSpace + "]"
        else if isFunction v then
          let
            fna = builtins.functionArgs v;
            showArgs = concatStringsSep ", " (lib.mapAttrsToList (name: hasDefault: if hasDefault then "${name}?" else name) fna);
          in
          if fna == { } then "<function>" else "<function, args: {${showArgs}}>"
        else if isAttrs v then
          if allowPrettyValues && v ? __pretty && v ? val then v.__pretty v.val
          else if v == { } then "{ }"
          else if v.type or null == "derivation" then "<derivation ${v.name or "<unknown>"}>"
          else "{" + introSpace
            + concatStringsSep introSpace (lib.mapAttrsToList (name: value:
              "${lib.strings.escapeNixIdentifier name} = ${go (indent + "  ") value};") v)
            + outroSpace + "}"
        else abort "generators.toPretty: should never happen (v = ${typeOf v})";
    in
    go indent;
}
