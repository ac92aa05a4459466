# Declaring options (`mkOption` and friends), the merge functions simple
# types use, and how options and definitions are shown in messages.
{ lib }:
let
  inherit (builtins) head tail length filter isAttrs concatStringsSep attrNames;
in
rec {
  isOption = v: isAttrs v && v._type or "" == "option";

  # An option declaration. Recognised attributes: default, defaultText,
  # example, description, relatedPackages, type, apply, internal, visible,
  # readOnly.
  mkOption = attrs: attrs // { _type = "option"; };

  mkEnableOption = name: mkOption {
    default = false;
    example = true;
    description = "Whether to enable ${name}.";
    type = lib.types.bool;
  };

  # `mkPackageOption pkgs "hello" { }`: an option of type `package`
  # defaulting to `pkgs.hello` (or the attribute path `default`).
  mkPackageOption = pkgs: name: { nullable ? false, default ? name, example ? null, extraDescription ? "", pkgsText ? "pkgs" }:
    let
      namePath = lib.toList name;
      nameText = concatStringsSep "." namePath;
      defaultPath = if default == null then null else lib.toList default;
      defaultText = if defaultPath == null then null else concatStringsSep "." defaultPath;
      defaultValue =
        if defaultPath == null then null
        else lib.attrByPath defaultPath (throw "${defaultText} cannot be found in ${pkgsText}") pkgs;
    in
    mkOption ({
      type = if nullable then lib.types.nullOr lib.types.package else lib.types.package;
      description = "The ${nameText} package to use." + (if extraDescription == "" then "" else " " + extraDescription);
    } // lib.optionalAttrs (defaultPath != null) {
      default = defaultValue;
      defaultText = literalExpression "${pkgsText}.${defaultText}";
    } // lib.optionalAttrs (defaultPath == null && nullable) {
      default = null;
    } // lib.optionalAttrs (example != null) {
      example = literalExpression (if builtins.isList example then "${pkgsText}.${concatStringsSep "." example}" else example);
    });
  mkPackageOptionMD = mkPackageOption;

  # An option that accepts and ignores any definitions (for removed
  # option trees).
  mkSinkUndeclaredOptions = attrs: mkOption ({
    internal = true;
    visible = false;
    default = false;
    description = "Sink for option definitions.";
    type = lib.types.mkOptionType { name = "sink"; check = x: true; merge = loc: defs: false; };
    apply = x: throw "Option value is not readable because the option is not declared.";
  } // attrs);

  # Merge functions for simple types. `loc` is the option path, `defs`
  # the definitions (`{ file; value; }`) left after priorities.
  mergeDefaultOption = loc: defs:
    let list = getValues defs; in
    if length list == 1 then head list
    else if lib.all lib.isFunction list then x: mergeDefaultOption loc (map (f: f x) list)
    else if lib.all builtins.isList list then builtins.concatLists list
    else if lib.all isAttrs list then builtins.foldl' lib.mergeAttrs { } list
    else if lib.all builtins.isBool list then builtins.foldl' lib.or false list
    else if lib.all builtins.isString list then lib.concatStrings list
    else if lib.all builtins.isInt list && lib.all (x: x == head list) list then head list
    else throw "Cannot merge definitions of `${showOption loc}'. Definition values:${showDefs defs}";

  mergeOneOption = loc: defs:
    if defs == [ ] then abort "This case should never happen."
    else if length defs != 1 then
      throw "The unique option `${showOption loc}' is defined multiple times. Definition values:${showDefs defs}"
    else (head defs).value;
  mergeUniqueOption = { message }: loc: defs:
    if length defs == 1 then (head defs).value
    else assert length defs > 1;
      throw "The option `${showOption loc}' is defined multiple times while it's expected to be unique.\n${message}\nDefinition values:${showDefs defs}\n${prioritySuggestion}";

  prioritySuggestion = ''
    Use `lib.mkForce value` or `lib.mkDefault value` to change the priority on any of these definitions.
  '';

  mergeEqualOption = loc: defs:
    if defs == [ ] then abort "This case should never happen."
    else if length defs == 1 then (head defs).value
    else
      (builtins.foldl'
        (first: def:
          if def.value != first.value then
            throw "The option `${showOption loc}' has conflicting definition values:${showDefs [ first def ]}\n${prioritySuggestion}"
          else first)
        (head defs) (tail defs)).value;

  getValues = map (x: x.value);
  getFiles = map (x: x.file);

  # Documentation helpers.
  literalExpression = text:
    if !builtins.isString text then throw "literalExpression expects a string."
    else { _type = "literalExpression"; inherit text; };
  literalExample = literalExpression;
  literalMD = text:
    if !builtins.isString text then throw "literalMD expects a string."
    else { _type = "literalMD"; inherit text; };
  mdDoc = x: x;

  # Replaces derivations in a value by a short stand-in, for docs.
  scrubOptionValue = x:
    if lib.isDerivation x then { type = "derivation"; drvPath = x.name; outPath = x.name; name = x.name; }
    else if builtins.isList x then map scrubOptionValue x
    else if isAttrs x then builtins.mapAttrs (n: v: scrubOptionValue v) (removeAttrs x [ "_args" ])
    else x;

  # The list of visible options below `options`, for documentation
  # generators: `{ name; description; type; default?; example?; ... }`.
  optionAttrSetToDocList = optionAttrSetToDocList' [ ];
  optionAttrSetToDocList' = _: options:
    builtins.concatMap (opt:
      let
        docOption = {
          loc = opt.loc;
          name = showOption opt.loc;
          description = opt.description or null;
          declarations = filter (x: x != unknownModule) opt.declarations;
          internal = opt.internal or false;
          visible = opt.visible or true;
          readOnly = opt.readOnly or false;
          type = opt.type.description or "unspecified";
        }
        // lib.optionalAttrs (opt ? example) { example = renderOptionValue opt.example; }
        // lib.optionalAttrs (opt ? defaultText || opt ? default) {
          default = renderOptionValue (opt.defaultText or opt.default);
        };
        subOptions =
          let ss = opt.type.getSubOptions opt.loc;
          in if ss != { } then optionAttrSetToDocList' opt.loc ss else [ ];
      in
      [ docOption ] ++ lib.optionals (docOption.visible == true) subOptions)
      (lib.collect isOption options);

  renderOptionValue = v:
    if v ? _type && v ? text then v
    else literalExpression (lib.generators.toPretty { multiline = true; allowPrettyValues = true; } v);

  # `a.b."c.d"`: an option path as NixOS prints it, keeping the
  # placeholders of sub-options (`<name>`, `*`) unquoted.
  showOption = parts:
    let
      escapeOptionPart = part:
        if builtins.elem part [ "<name>" "*" "<function body>" ] || builtins.match "<[^>]*>" part != null
        then part
        else lib.strings.escapeNixIdentifier part;
    in
    concatStringsSep "." (map escapeOptionPart parts);

  showFiles = files: concatStringsSep " and " (map (f: "`${f}'") files);

  # Each definition on its own line with its file and (up to five lines
  # of) its value; values that fail to evaluate are left out.
  showDefs = defs: lib.concatMapStrings (def:
    let
      pretty = builtins.tryEval (lib.generators.toPretty { }
        (lib.generators.withRecursion { depthLimit = 10; throwOnDepthLimit = false; } def.value));
      lines = filter (v: !builtins.isList v) (builtins.split "\n" pretty.value);
      shown = concatStringsSep "\n    " (lib.take 5 lines ++ lib.optional (length lines > 5) "...");
      result =
        if !pretty.success then ""
        else if length lines > 1 then ":\n    " + shown
        else ": " + shown;
    in
    "\n- In `${def.file}'${result}") defs;

  showOptionWithDefLocs = opt: ''
    ${showOption opt.loc}, with values defined in:
    ${concatStringsSep "\n" (map (f: "  - ${f}") opt.files)}
  '';

  unknownModule = "<unknown-file>";
}
