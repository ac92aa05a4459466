# Option types: each is a `check` (is this one definition acceptable?)
# and a `merge` (combine the definitions left after priorities), plus a
# description used in error messages and documentation, and a functor
# that says whether two declarations of the same option can share a
# type (submodules merge their module lists, enums their values).
{ lib }:
let
  inherit (builtins)
    isAttrs isList isString isInt isFloat isBool isFunction isPath
    length head tail filter elem concatLists concatStringsSep attrNames
    typeOf all any mapAttrs;
  inherit (lib.options) mergeEqualOption mergeOneOption mergeDefaultOption
    showOption showFiles getValues getFiles;
  inherit (lib.strings) isStringLike;

  isType = type: x: (x._type or "") == type;
  setType = typeName: value: value // { _type = typeName; };

  defaultFunctor = name: {
    inherit name;
    type = types.${name} or null;
    wrapped = null;
    payload = null;
    binOp = a: b: null;
  };

  # Two declarations of one option share a type when their functors have
  # the same name and their payloads (or wrapped types) merge.
  defaultTypeMerge = f: f':
    if f.name != f'.name then null
    else if f.payload != null && f'.payload != null then
      let merged = f.binOp f.payload f'.payload; in
      if merged == null || f.type == null then null else f.type merged
    else if f.wrapped == null && f'.wrapped == null then f.type
    else if f.wrapped != null && f'.wrapped != null then
      let merged = f.wrapped.typeMerge f'.wrapped.functor; in
      if merged == null || f.type == null then null else f.type merged
    else null;

  mkOptionType =
    { name
    , description ? name
    , descriptionClass ? null
    , check ? (x: true)
    , merge ? mergeDefaultOption
    , emptyValue ? { }
    , getSubOptions ? prefix: { }
    , getSubModules ? null
    , substSubModules ? m: null
    , typeMerge ? defaultTypeMerge functor
    , functor ? defaultFunctor name
    , deprecationMessage ? null
    , nestedTypes ? { }
    }: {
      _type = "option-type";
      inherit name description descriptionClass check merge emptyValue
        getSubOptions getSubModules substSubModules typeMerge functor
        deprecationMessage nestedTypes;
    };

  # The description of `t` as part of a longer one, in parentheses unless
  # its class reads well unparenthesised there.
  phrase = unparenthesize: t:
    if unparenthesize (t.descriptionClass or null) then t.description else "(${t.description})";
  nounOr = classes: class: class == "noun" || elem class classes;

  # Merges one element definition through the module system (properties,
  # priorities, checks); plain values take a shortcut.
  mergeElem = loc: elemType: file: value:
    if isAttrs value && value ? _type then
      (lib.modules.mergeDefinitions loc elemType [ { inherit file value; } ]).optionalValue
    else if elemType.check value then { value = elemType.merge loc [ { inherit file value; } ]; }
    else throw "A definition for option `${showOption loc}' is not of type `${elemType.description}'. Definition values:${lib.options.showDefs [ { inherit file value; } ]}";

  intBetween = lo: hi: description: mkOptionType {
    name = "intBetween";
    inherit description;
    descriptionClass = "nonRestrictiveClause";
    check = x: isInt x && x >= lo && x <= hi;
    merge = mergeEqualOption;
  };
  between = lo: hi: intBetween lo hi "integer between ${toString lo} and ${toString hi} (both inclusive)";
  unsignedBits = bits: let hi = pow2 bits - 1; in
    intBetween 0 hi "${toString bits} bit unsigned integer; between 0 and ${toString hi} (both inclusive)";
  signedBits = bits: let hi = pow2 (bits - 1) - 1; lo = -hi - 1; in
    intBetween lo hi "${toString bits} bit signed integer; between ${toString lo} and ${toString hi} (both inclusive)";

  types = rec {
    inherit isType setType mkOptionType defaultTypeMerge defaultFunctor;
    isOptionType = isType "option-type";

    raw = mkOptionType {
      name = "raw";
      description = "raw value";
      descriptionClass = "noun";
      check = x: true;
      merge = mergeOneOption;
    };

    # Sets merge attribute-wise, functions by merging their results, lists
    # and packages must be defined once, everything else must be equal.
    anything = mkOptionType {
      name = "anything";
      description = "anything";
      descriptionClass = "noun";
      check = x: true;
      merge = loc: defs:
        let
          kind = v: if isAttrs v && isStringLike v then "stringCoercibleSet" else typeOf v;
          common = builtins.foldl' (k: def:
            if kind def.value == k then k
            else throw "The option `${showOption loc}' has conflicting option types in ${showFiles (getFiles defs)}")
            (kind (head defs).value) defs;
        in
        if common == "set" then (attrsOf anything).merge loc defs
        else if common == "list" then
          (if length defs > 1 then throw "The option `${showOption loc}' has conflicting definitions, in ${showFiles (getFiles defs)}."
           else (listOf anything).merge loc defs)
        else if common == "stringCoercibleSet" then mergeOneOption loc defs
        else if common == "lambda" then
          arg: anything.merge (loc ++ [ "<function body>" ]) (map (def: { inherit (def) file; value = def.value arg; }) defs)
        else mergeEqualOption loc defs;
    };

    unspecified = mkOptionType {
      name = "unspecified";
      description = "unspecified value";
      descriptionClass = "noun";
    };

    bool = mkOptionType {
      name = "bool";
      description = "boolean";
      descriptionClass = "noun";
      check = isBool;
      merge = mergeEqualOption;
    };
    boolByOr = mkOptionType {
      name = "boolByOr";
      description = "boolean (merged using or)";
      descriptionClass = "noun";
      check = isBool;
      merge = loc: defs: any (d: d.value) defs;
    };

    int = mkOptionType {
      name = "int";
      description = "signed integer";
      descriptionClass = "noun";
      check = isInt;
      merge = mergeEqualOption;
    };
    ints = {
      inherit between;
      unsigned = intBetween 0 9223372036854775807 "unsigned integer, meaning >=0" // {
        check = x: isInt x && x >= 0;
      };
      positive = intBetween 1 9223372036854775807 "positive integer, meaning >0" // {
        check = x: isInt x && x > 0;
      };
      u8 = unsignedBits 8;
      u16 = unsignedBits 16;
      u32 = unsignedBits 32;
      s8 = signedBits 8;
      s16 = signedBits 16;
      s32 = signedBits 32;
    };
    port = ints.u16;

    float = mkOptionType {
      name = "float";
      description = "floating point number";
      descriptionClass = "noun";
      check = isFloat;
      merge = mergeEqualOption;
    };
    number = either int float;
    numbers = {
      between = lo: hi: addCheck number (x: x >= lo && x <= hi) // {
        name = "numberBetween";
        description = "integer or floating point number between ${builtins.toJSON lo} and ${builtins.toJSON hi} (both inclusive)";
      };
      nonnegative = addCheck number (x: x >= 0) // {
        name = "numberNonnegative";
        description = "nonnegative integer or floating point number, meaning >=0";
      };
      positive = addCheck number (x: x > 0) // {
        name = "numberPositive";
        description = "positive integer or floating point number, meaning >0";
      };
    };

    str = mkOptionType {
      name = "str";
      description = "string";
      descriptionClass = "noun";
      check = isString;
      merge = mergeEqualOption;
    };
    nonEmptyStr = mkOptionType {
      name = "nonEmptyStr";
      description = "non-empty string";
      descriptionClass = "noun";
      check = x: str.check x && builtins.match "[ \t\n]*" x == null;
      inherit (str) merge;
    };
    singleLineStr = mkOptionType {
      name = "singleLineStr";
      description = "(optionally newline-terminated) single-line string";
      descriptionClass = "noun";
      check = x: str.check x && builtins.match "[^\n]*\n?" x != null;
      merge = loc: defs: lib.removeSuffix "\n" (mergeEqualOption loc defs);
    };
    strMatching = pattern: mkOptionType {
      name = "strMatching ${lib.escapeNixString pattern}";
      description = "string matching the pattern ${pattern}";
      descriptionClass = "noun";
      check = x: str.check x && builtins.match pattern x != null;
      inherit (str) merge;
      functor = defaultFunctor "strMatching" // {
        type = payload: strMatching payload.pattern;
        payload = { inherit pattern; };
        binOp = lhs: rhs: if lhs == rhs then lhs else null;
      };
    };
    separatedString = sep: mkOptionType {
      name = "separatedString";
      description =
        if sep == "" then "Concatenated string"
        else "strings concatenated with ${builtins.toJSON sep}";
      descriptionClass = "noun";
      check = isString;
      merge = loc: defs: concatStringsSep sep (getValues defs);
      functor = defaultFunctor "separatedString" // {
        type = separatedString;
        payload = sep;
        binOp = sepLhs: sepRhs: if sepLhs == sepRhs then sepLhs else null;
      };
    };
    lines = separatedString "\n";
    commas = separatedString ",";
    envVar = separatedString ":";
    passwdEntry = entryType: addCheck entryType (str: !(lib.hasInfix ":" str || lib.hasInfix "\n" str)) // {
      name = "passwdEntry ${entryType.name}";
      description = "${phrase (nounOr [ "composite" ]) entryType}, not containing newlines or colons";
      descriptionClass = "nonRestrictiveClause";
    };

    attrs = mkOptionType {
      name = "attrs";
      description = "attribute set";
      check = isAttrs;
      merge = loc: builtins.foldl' (res: def: res // def.value) { };
      emptyValue = { value = { }; };
    };

    # A derivation, or a store path (turned into one).
    package = mkOptionType {
      name = "package";
      descriptionClass = "noun";
      check = x: lib.isDerivation x || lib.isStorePath x;
      merge = loc: defs:
        let res = mergeOneOption loc defs; in
        if isPath res || (isString res && !builtins.hasContext res) then lib.toDerivation res else res;
    };
    shellPackage = package // {
      check = x: lib.isDerivation x && x ? shellPath;
    };

    path = mkOptionType {
      name = "path";
      descriptionClass = "noun";
      check = x: isStringLike x && builtins.substring 0 1 (toString x) == "/";
      merge = mergeEqualOption;
    };
    pathInStore = mkOptionType {
      name = "pathInStore";
      description = "path in the Nix store";
      descriptionClass = "noun";
      check = x: isStringLike x && lib.hasPrefix "${builtins.storeDir}/" (toString x);
      merge = mergeEqualOption;
    };

    listOf = elemType: mkOptionType rec {
      name = "listOf";
      description = "list of ${phrase (nounOr [ "composite" ]) elemType}";
      descriptionClass = "composite";
      check = isList;
      merge = loc: defs:
        map (x: x.value) (filter (x: x ? value) (concatLists (lib.imap1
          (n: def: lib.imap1
            (m: v: mergeElem (loc ++ [ "[definition ${toString n}-entry ${toString m}]" ]) elemType def.file v)
            def.value)
          defs)));
      emptyValue = { value = [ ]; };
      getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "*" ]);
      getSubModules = elemType.getSubModules;
      substSubModules = m: listOf (elemType.substSubModules m);
      functor = (defaultFunctor name) // { wrapped = elemType; };
      nestedTypes.elemType = elemType;
    };
    nonEmptyListOf = elemType:
      let list = addCheck (listOf elemType) (l: l != [ ]); in
      list // {
        description = "non-empty ${list.description}";
        emptyValue = { };
        substSubModules = m: nonEmptyListOf (elemType.substSubModules m);
      };

    attrsOf = elemType: attrsWith' false elemType;
    lazyAttrsOf = elemType: attrsWith' true elemType;
    attrsWith = { elemType, lazy ? false, placeholder ? null }: attrsWith' lazy elemType;
    attrsWith' = lazy: elemType: mkOptionType rec {
      name = if lazy then "lazyAttrsOf" else "attrsOf";
      description = (if lazy then "lazy attribute set of " else "attribute set of ")
        + phrase (nounOr [ "composite" ]) elemType;
      descriptionClass = "composite";
      check = isAttrs;
      merge = loc: defs:
        let
          perName = lib.zipAttrsWith (name: defs': defs')
            (map (def: mapAttrs (n: v: { inherit (def) file; value = v; }) def.value) defs);
          merged = mapAttrs (name: ds: lib.modules.mergeDefinitions (loc ++ [ name ]) elemType ds) perName;
        in
        if lazy then
          mapAttrs (name: r: r.optionalValue.value or elemType.emptyValue.value or r.mergedValue) merged
        else
          mapAttrs (n: r: r.optionalValue.value) (lib.filterAttrs (n: r: r.isDefined) merged);
      emptyValue = { value = { }; };
      getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "<name>" ]);
      getSubModules = elemType.getSubModules;
      substSubModules = m: attrsWith' lazy (elemType.substSubModules m);
      functor = (defaultFunctor name) // { wrapped = elemType; };
      nestedTypes.elemType = elemType;
    };

    uniq = unique { message = ""; };
    unique = { message }: type: mkOptionType rec {
      name = "unique";
      inherit (type) description descriptionClass check;
      merge = lib.options.mergeUniqueOption { inherit message; };
      emptyValue = type.emptyValue;
      getSubOptions = type.getSubOptions;
      getSubModules = type.getSubModules;
      substSubModules = m: uniq (type.substSubModules m);
      functor = (defaultFunctor name) // { wrapped = type; };
      nestedTypes.elemType = type;
    };

    nullOr = elemType: mkOptionType rec {
      name = "nullOr";
      description = "null or ${phrase (nounOr [ "conjunction" ]) elemType}";
      descriptionClass = "conjunction";
      check = x: x == null || elemType.check x;
      merge = loc: defs:
        let nulls = length (filter (def: def.value == null) defs); in
        if nulls == length defs then null
        else if nulls != 0 then
          throw "The option `${showOption loc}' is defined both null and not null, in ${showFiles (getFiles defs)}."
        else elemType.merge loc defs;
      emptyValue = { value = null; };
      getSubOptions = elemType.getSubOptions;
      getSubModules = elemType.getSubModules;
      substSubModules = m: nullOr (elemType.substSubModules m);
      functor = (defaultFunctor name) // { wrapped = elemType; };
      nestedTypes.elemType = elemType;
    };

    functionTo = elemType: mkOptionType {
      name = "functionTo";
      description = "function that evaluates to a(n) ${phrase (nounOr [ "composite" ]) elemType}";
      descriptionClass = "composite";
      check = lib.isFunction;
      merge = loc: defs: fnArgs:
        (lib.modules.mergeDefinitions (loc ++ [ "<function body>" ]) elemType
          (map (fn: { inherit (fn) file; value = fn.value fnArgs; }) defs)).mergedValue;
      getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "<function body>" ]);
      getSubModules = elemType.getSubModules;
      substSubModules = m: functionTo (elemType.substSubModules m);
      functor = (defaultFunctor "functionTo") // { wrapped = elemType; };
      nestedTypes.elemType = elemType;
    };

    # A module, kept unevaluated: its definitions are collected as
    # imports for whoever evaluates it later.
    deferredModule = deferredModuleWith { };
    deferredModuleWith = attrs@{ staticModules ? [ ] }: mkOptionType {
      name = "deferredModule";
      description = "module";
      descriptionClass = "noun";
      check = x: isAttrs x || isFunction x || path.check x;
      merge = loc: defs: {
        imports = staticModules ++ map (def: lib.setDefaultModuleLocation "${def.file}, via option ${showOption loc}" def.value) defs;
      };
      inherit (submoduleWith { modules = staticModules; }) getSubOptions;
      getSubModules = staticModules;
      substSubModules = m: deferredModuleWith (attrs // { staticModules = m; });
      functor = defaultFunctor "deferredModuleWith" // {
        type = deferredModuleWith;
        payload = { inherit staticModules; };
        binOp = lhs: rhs: { staticModules = lhs.staticModules ++ rhs.staticModules; };
      };
    };

    optionType = mkOptionType {
      name = "optionType";
      description = "optionType";
      descriptionClass = "noun";
      check = isType "option-type";
      merge = loc: defs:
        if length defs == 1 then (head defs).value
        else builtins.foldl' (a: def:
          let m = a.typeMerge def.value.functor; in
          if m == null then throw "The option `${showOption loc}' has conflicting definitions, in ${showFiles (getFiles defs)}." else m)
          (head defs).value (tail defs);
    };

    submodule = modules: submoduleWith {
      shorthandOnlyDefinesConfig = true;
      modules = lib.toList modules;
    };

    # Each definition is a module (a set of config, a function or a path);
    # together with `modules` they are evaluated as a nested configuration
    # whose options live under the option's own path.
    submoduleWith =
      { modules
      , specialArgs ? { }
      , shorthandOnlyDefinesConfig ? false
      , description ? null
      , class ? null
      }@attrs:
      let
        asModule = def:
          if isAttrs def.value && shorthandOnlyDefinesConfig
          then { _file = def.file; config = def.value; }
          else { _file = def.file; imports = [ def.value ]; };
        evalWith = extra: prefix: lib.modules.evalModules {
          modules = modules ++ extra;
          inherit specialArgs prefix class;
        };
      in
      mkOptionType {
        name = "submodule";
        description = if description != null then description else "submodule";
        descriptionClass = "noun";
        check = x: isAttrs x || isFunction x || path.check x;
        merge = loc: defs:
          (evalWith ([ { _module.args.name = lib.last loc; } ] ++ map asModule defs) loc).config;
        emptyValue = { value = { }; };
        getSubOptions = prefix: (evalWith [ { _module.args.name = lib.mkOptionDefault "‹name›"; } ] prefix).options;
        getSubModules = modules;
        substSubModules = m: submoduleWith (attrs // { modules = m; });
        nestedTypes = { };
        functor = defaultFunctor "submodule" // {
          type = submoduleWith;
          payload = { inherit modules specialArgs shorthandOnlyDefinesConfig description class; };
          binOp = lhs: rhs:
            if lhs.shorthandOnlyDefinesConfig != rhs.shorthandOnlyDefinesConfig then null
            else if lhs.class != null && rhs.class != null && lhs.class != rhs.class then null
            else {
              modules = lhs.modules ++ rhs.modules;
              specialArgs =
                let inter = builtins.intersectAttrs lhs.specialArgs rhs.specialArgs; in
                if inter == { } then lhs.specialArgs // rhs.specialArgs
                else throw "A submoduleWith option is declared multiple times with the same specialArgs \"${toString (attrNames inter)}\"";
              inherit (lhs) shorthandOnlyDefinesConfig;
              description = if lhs.description == null then rhs.description else lhs.description;
              class = if lhs.class == null then rhs.class else lhs.class;
            };
        };
      };

    enum = values:
      let
        show = v:
          if isString v then ''"${v}"''
          else if isInt v then toString v
          else if isBool v then lib.boolToString v
          else ''<${typeOf v}>'';
      in
      mkOptionType rec {
        name = "enum";
        description =
          if values == [ ] then "impossible (empty enum)"
          else if length values == 1 then "value ${show (head values)} (singular enum)"
          else "one of ${concatStringsSep ", " (map show values)}";
        descriptionClass = if length values < 2 then "noun" else "conjunction";
        check = flip elem values;
        merge = mergeEqualOption;
        functor = (defaultFunctor name) // {
          payload = values;
          binOp = a: b: lib.unique (a ++ b);
        };
      };

    either = t1: t2: mkOptionType rec {
      name = "either";
      description =
        if t1.descriptionClass or null == "nonRestrictiveClause" then
          "${t1.description}, or ${phrase (nounOr [ "conjunction" "composite" ]) t2}"
        else "${phrase (nounOr [ "conjunction" ]) t1} or ${phrase (nounOr [ "conjunction" "composite" ]) t2}";
      descriptionClass = "conjunction";
      check = x: t1.check x || t2.check x;
      merge = loc: defs:
        let defList = map (d: d.value) defs; in
        if all (x: t1.check x) defList then t1.merge loc defs
        else if all (x: t2.check x) defList then t2.merge loc defs
        else mergeOneOption loc defs;
      typeMerge = f':
        let
          mt1 = t1.typeMerge (elemAt f'.wrapped 0).functor;
          mt2 = t2.typeMerge (elemAt f'.wrapped 1).functor;
        in
        if name == f'.name && mt1 != null && mt2 != null then functor.type mt1 mt2 else null;
      functor = (defaultFunctor name) // { wrapped = [ t1 t2 ]; };
      nestedTypes.left = t1;
      nestedTypes.right = t2;
    };

    oneOf = ts:
      let head' = if ts == [ ] then throw "types.oneOf needs to get at least one type in its argument" else head ts; in
      builtins.foldl' either head' (tail ts);

    coercedTo = coercedType: coerceFunc: finalType: mkOptionType rec {
      name = "coercedTo";
      description = "${phrase (nounOr [ "composite" ]) finalType} or ${phrase (nounOr [ ]) coercedType} convertible to it";
      check = x: (coercedType.check x && finalType.check (coerceFunc x)) || finalType.check x;
      merge = loc: defs:
        let coerceVal = val: if coercedType.check val then coerceFunc val else val; in
        finalType.merge loc (map (def: def // { value = coerceVal def.value; }) defs);
      emptyValue = finalType.emptyValue;
      getSubOptions = finalType.getSubOptions;
      getSubModules = finalType.getSubModules;
      substSubModules = m: coercedTo coercedType coerceFunc (finalType.substSubModules m);
      typeMerge = t: null;
      functor = (defaultFunctor name) // { wrapped = finalType; };
      nestedTypes.coercedType = coercedType;
      nestedTypes.finalType = finalType;
    };

    addCheck = elemType: check: elemType // { check = x: elemType.check x && check x; };
  };

  flip = f: a: b: f b a;
  pow2 = n: builtins.foldl' (a: _: a * 2) 1 (builtins.genList (x: x) n);
  elemAt = builtins.elemAt;
in
types
