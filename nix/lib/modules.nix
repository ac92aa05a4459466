# The module system: `evalModules` turns a list of modules into an
# option tree and a configuration.
#
# 1. Collect. Modules are paths, functions or sets. Each is loaded once
#    (functions are called with `config`, `options`, `lib`, the
#    `specialArgs` and `_module.args`), normalised to `{ _file; key;
#    imports; disabledModules; options; config; }`, and its `imports`
#    followed breadth-first with `builtins.genericClosure`, which also
#    drops repeated keys. Keys named by any `disabledModules` are left
#    out, with whatever only they imported.
# 2. Merge. Declarations (`options`) and definitions (`config`, with
#    `mkIf`/`mkMerge`/`mkOverride` pushed down to the attributes) are
#    zipped by name level by level. A name declared as an option gets its
#    definitions; a name declared as a set of options is descended into;
#    a defined but undeclared name is "unmatched" (an error, unless
#    `_module.freeformType` takes it or `_module.check` is false).
# 3. Evaluate, lazily per option: definitions are flattened (`mkMerge`,
#    `mkIf`), only those of the highest priority (lowest number) are kept,
#    `mkOrder` sorts them, each is checked against the type, and the
#    type merges them.
#
# Every definition carries the file it came from, so every error names
# the option, the definitions and their files, worded like NixOS's.
{ lib }:
let
  inherit (builtins)
    isAttrs isList isString isPath isBool isFunction length head tail filter
    concatMap concatLists attrNames mapAttrs elem any all typeOf genericClosure
    listToAttrs foldl' sort;
  inherit (lib.options) isOption mkOption showOption showFiles showDefs unknownModule;
  inherit (lib) types;

  defaultOverridePriority = 100;
  defaultOrderPriority = 1000;

  # --- Properties -----------------------------------------------------

  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkOrder = priority: content: { _type = "order"; inherit priority content; };

  # `mkIf`, `mkMerge` and `mkOverride` over a set become properties of
  # each of its attributes, so the set's names are known without forcing
  # any condition (conditions may read `config`).
  pushDownProperties = cfg:
    if isAttrs cfg && cfg ? _type then
      if cfg._type == "merge" then concatMap pushDownProperties cfg.contents
      else if cfg._type == "if" then
        map (mapAttrs (n: v: mkIf cfg.condition v)) (pushDownProperties cfg.content)
      else if cfg._type == "override" then
        map (mapAttrs (n: v: mkOverride cfg.priority v)) (pushDownProperties cfg.content)
      else [ cfg ]
    else [ cfg ];

  # One definition value as a list of `{ value; prio; order; }`: merges
  # flattened, false conditions dropped. The outermost `mkOverride` and
  # `mkOrder` apply (`mkForce { a = mkDefault 1; }` forces `a`); `null`
  # means none was seen yet.
  flattenDefinition = prio: order: v:
    if isAttrs v && v ? _type then
      let t = v._type; in
      if t == "merge" then concatMap (flattenDefinition prio order) v.contents
      else if t == "if" then
        if !isBool v.condition then throw "‘mkIf’ called with a non-Boolean condition"
        else if v.condition then flattenDefinition prio order v.content
        else [ ]
      else if t == "override" then
        flattenDefinition (if prio == null then v.priority else prio) order v.content
      else if t == "order" then
        flattenDefinition prio (if order == null then v.priority else order) v.content
      else [ (leaf prio order v) ]
    else [ (leaf prio order v) ];
  leaf = prio: order: value: {
    inherit value;
    prio = if prio == null then defaultOverridePriority else prio;
    order = if order == null then defaultOrderPriority else order;
  };

  dischargeProperties = v: map (d: d.value) (flattenDefinition null null v);

  # The definitions of the highest priority, in `mkOrder` order.
  prioritise = defs:
    let
      # Plain values (most definitions) skip the property walk.
      flat = concatMap (def:
        if isAttrs def.value && def.value ? _type then
          map (d: d // { inherit (def) file; }) (flattenDefinition null null def.value)
        else [ { inherit (def) file value; prio = defaultOverridePriority; order = defaultOrderPriority; } ])
        defs;
      highestPrio = foldl' (m: d: if d.prio < m then d.prio else m) 9999 flat;
      kept = filter (d: d.prio == highestPrio) flat;
      ordered =
        if any (d: d.order != defaultOrderPriority) kept
        then sort (a: b: a.order < b.order) kept
        else kept;
    in
    {
      inherit highestPrio;
      values = map (d: { inherit (d) file value; }) ordered;
    };

  filterOverrides = defs: (prioritise defs).values;
  sortProperties = defs:
    map (d: { inherit (d) file value; })
      (sort (a: b: a.order < b.order) (map (d:
        if isAttrs d.value && d.value._type or "" == "order"
        then d // { order = d.value.priority; value = d.value.content; }
        else d // { order = defaultOrderPriority; }) defs));

  typeError = loc: type: defs:
    throw "A definition for option `${showOption loc}' is not of type `${type.description}'. Definition values:${showDefs defs}";

  # Merges the definitions `defs` (`{ file; value; }`) of the option at
  # `loc` with `type`.
  mergeDefinitions = loc: type: defs: rec {
    defsFinal' = prioritise defs;
    defsFinal = defsFinal'.values;
    isDefined = defsFinal != [ ];
    mergedValue =
      if isDefined then
        if all (def: type.check def.value) defsFinal then type.merge loc defsFinal
        else typeError loc type (filter (def: !type.check def.value) defsFinal)
      else throw "The option `${showOption loc}' is used but not defined.";
    optionalValue = if isDefined then { value = mergedValue; } else { };
  };

  # --- Options --------------------------------------------------------

  # One option declared by several modules: allowed when at most one of
  # them sets each of default, example, description and apply, and their
  # types merge (submodules, enums).
  mergeOptionDecls = loc: decls:
    let
      # Where the option was declared; options made by functions may have
      # no position, but still have their module's file.
      position = d:
        if d.pos or null != null && d.pos.file == d.file then d.pos
        else { inherit (d) file; line = null; column = null; };
      # The modules of a submodule type declared here default to the
      # declaring file, so their definitions name it in messages.
      located = d:
        let
          opt = d.options;
          subs = opt.type.getSubModules or null;
        in
        if subs == null then opt
        else opt // { type = opt.type.substSubModules (map (setDefaultModuleLocation d.file) subs); };
    in
    if length decls == 1 then
      let d = head decls; in located d // { declarations = [ d.file ]; declarationPositions = [ (position d) ]; }
    else
      foldl' (res: d:
        let
          opt = located d;
          bothHave = n: opt ? ${n} && res ? ${n};
          mergedType =
            if opt ? type && res ? type then res.type.typeMerge opt.type.functor else null;
          clash = bothHave "default" || bothHave "example" || bothHave "description"
            || bothHave "apply" || (bothHave "type" && mergedType == null);
        in
        if clash then
          throw "The option `${showOption loc}' in `${d.file}' is already declared in ${showFiles res.declarations}."
        else
          res // opt // lib.optionalAttrs (mergedType != null) { type = mergedType; }
          // {
            declarations = res.declarations ++ [ d.file ];
            declarationPositions = res.declarationPositions ++ [ (position d) ];
          })
        { declarations = [ ]; declarationPositions = [ ]; } decls;

  evalOptionValue = loc: opt: defs:
    let
      type = opt.type or types.unspecified;
      withDefault =
        (lib.optional (opt ? default) { file = head opt.declarations; value = mkOptionDefault opt.default; })
        ++ defs;
      res =
        if opt.readOnly or false && length withDefault > 1 then
          let separately = map (def: def // { value = (mergeDefinitions loc type [ def ]).mergedValue; }) withDefault; in
          throw "The option `${showOption loc}' is read-only, but it's set multiple times. Definition values:${showDefs separately}"
        else mergeDefinitions loc type withDefault;
      value = if opt ? apply then opt.apply res.mergedValue else res.mergedValue;
    in
    opt // {
      inherit value type loc;
      inherit (res) isDefined;
      highestPrio = res.defsFinal'.highestPrio;
      definitions = map (def: def.value) res.defsFinal;
      files = map (def: def.file) res.defsFinal;
      definitionsWithLocations = res.defsFinal;
      __toString = _: showOption loc;
    };

  # Zips declarations and definitions by name at one level of the option
  # tree. Returns `{ tree; unmatched; }`: `tree` maps names to evaluated
  # options or to nested `{ tree; ... }`, `unmatched` lists definitions
  # of undeclared names as `{ file; prefix; value; }`.
  mergeLevel = prefix: decls: defs:
    let
      declsByName = lib.zipAttrsWith (n: v: v) (map (d:
        if isAttrs d.options then
          mapAttrs (n: o:
            if isAttrs o && o ? _type && o._type != "option" then
              throw "In module `${d.file}': expected an option declaration at option path `${showOption (prefix ++ [ n ])}' but got an attribute set with type ${o._type}"
            else { inherit (d) file; options = o; pos = builtins.unsafeGetAttrPos n d.options; })
            d.options
        else throw "An option declaration for `${showOption prefix}' has type `${typeOf d.options}' rather than an attribute set. Did you mean to define this outside of `options'?")
        decls);
      defsByName = lib.zipAttrsWith (n: v: v) (map (d:
        if isAttrs d.value then mapAttrs (n: v: { inherit (d) file; value = v; }) d.value
        else throw "The option `${showOption prefix}' in `${d.file}' is a set of options, so it cannot be defined as ${lib.generators.toPretty { } d.value}; define the options inside it instead.")
        defs);
      entries = mapAttrs (name: ds:
        let
          loc = prefix ++ [ name ];
          nameDefs = defsByName.${name} or [ ];
          options = filter (d: isOption d.options) ds;
        in
        if length options == length ds then
          { option = evalOptionValue loc (mergeOptionDecls loc ds) nameDefs; unmatched = [ ]; }
        else if options != [ ] then
          let
            nested = filter (d: !(isOption d.options)) ds;
            merged = mergeOptionDecls loc options;
            subModules = merged.type.getSubModules or null;
          in
          # Options declared below a submodule option join the submodule.
          if subModules != null then
            {
              option = evalOptionValue loc (merged // {
                type = merged.type.substSubModules (subModules
                  ++ map (d: { _file = d.file; options = d.options; }) nested);
              }) nameDefs;
              unmatched = [ ];
            }
          else
            throw ("The option `${showOption loc}' in module `${(head options).file}' would be a parent of the following options, but its type `${merged.type.description or "<no description>"}' does not support nested options.\n"
              + lib.concatMapStrings (d:
                  "- option(s) with prefix `${showOption (loc ++ [ (head (attrNames d.options)) ])}' in module `${d.file}'\n")
                nested)
        else
          let
            sub = mergeLevel loc (map (d: { inherit (d) file options; }) ds)
              (concatMap (d: map (v: { inherit (d) file; value = v; }) (pushDownProperties d.value)) nameDefs);
          in
          { inherit (sub) tree; unmatched = map (u: u // { prefix = [ name ] ++ u.prefix; }) sub.unmatched; })
        declsByName;
      unmatchedHere = concatLists (lib.mapAttrsToList (name: ds:
        if declsByName ? ${name} then [ ]
        else map (d: { inherit (d) file value; prefix = [ name ]; }) ds)
        defsByName);
    in
    {
      tree = entries;
      unmatched = unmatchedHere ++ concatMap (e: e.unmatched) (lib.attrValues entries);
    };

  optionsOf = tree: mapAttrs (n: e: if e ? option then e.option else optionsOf e.tree) tree;
  configOf = tree: mapAttrs (n: e: if e ? option then e.option.value else configOf e.tree) tree;

  # --- Loading modules ------------------------------------------------

  topLevelKeys = [ "_class" "_file" "key" "disabledModules" "imports" "options" "config" "meta" "freeformType" ];

  # A module set in the shape `{ _file; key; ...; options; config; }`.
  unifyModuleSyntax = file: key: m:
    let
      addMeta = config: if m ? meta then mkMerge [ config { meta = m.meta; } ] else config;
      addFreeformType = config:
        if m ? freeformType then mkMerge [ config { _module.freeformType = m.freeformType; } ] else config;
      file' = toString m._file or file;
      key' = toString m.key or key;
      common = {
        _file = file';
        key = key';
        _class = m._class or null;
        # How messages name the module: its key when it has one.
        _name = if m ? key then key' else file';
        disabledModules = m.disabledModules or [ ];
        imports = m.imports or [ ];
      };
    in
    if m ? config || m ? options then
      let extra = removeAttrs m topLevelKeys; in
      if extra != { } then
        throw "Module `${key'}' has an unsupported attribute `${head (attrNames extra)}'. This is caused by introducing a top-level `config' or `options' attribute. Add configuration attributes immediately on the top level instead, or move all of them (namely: ${toString (attrNames extra)}) into the explicit `config' attribute."
      else common // {
        options = m.options or { };
        config = addFreeformType (addMeta (m.config or { }));
      }
    else common // {
      options = { };
      config = addFreeformType (addMeta (removeAttrs m topLevelKeys));
    };

  setDefaultModuleLocation = file: m: { _file = file; imports = [ m ]; };

  # --- evalModules ----------------------------------------------------

  evalModules = evalArgs@{ modules, prefix ? [ ], args ? { }, specialArgs ? { }, check ? true, class ? null }:
    let
      internalModule = {
        _file = "lib/modules.nix";
        key = "lib/modules.nix";
        options._module = {
          args = mkOption {
            type = types.lazyAttrsOf types.raw;
            internal = true;
            description = "Arguments every module function may ask for by name, besides `config`, `options`, `lib` and the special arguments; `pkgs` is the usual one.";
          };
          check = mkOption {
            type = types.bool;
            internal = true;
            default = check;
            description = "Whether a definition of an option nobody declared is an error.";
          };
          freeformType = mkOption {
            type = types.nullOr types.optionType;
            internal = true;
            default = null;
            description = "The type that merges definitions of undeclared options, which are then allowed; `null` makes them errors.";
          };
          specialArgs = mkOption {
            readOnly = true;
            internal = true;
            description = "The `specialArgs` given to `evalModules`: arguments fixed before any module is read, so `imports` may use them.";
          };
        };
        config._module = {
          args = { inherit extendModules; moduleType = type; } // args;
          inherit specialArgs;
        };
      };

      moduleArgs = { inherit lib config options specialArgs; _class = class; _prefix = prefix; } // specialArgs;

      # Calls a module function with the arguments it names: special
      # arguments first, then `_module.args` (lazily, so `pkgs` may be
      # defined by another module).
      applyModule = key: f:
        let
          extra = mapAttrs (name: _:
            moduleArgs.${name} or (config._module.args.${name} or (throw
              "The module `${key}' takes the argument `${name}', which is neither a special argument (`specialArgs') nor defined in `_module.args'.")))
            (lib.functionArgs f);
        in
        f (moduleArgs // extra);

      loadModule = file: key: m:
        if isAttrs m && m ? _type && !(elem m._type [ "if" "merge" "override" ]) then
          throw ("Could not load a value as a module, because it is of type ${builtins.toJSON m._type}, in file ${toString file}."
            + lib.optionalString (m._type == "configuration")
              " If you do intend to import this configuration, please only import the modules that make up the configuration. You may have to create a `let` binding, file or attribute attribute set to contain them.")
        else if isAttrs m && !(m ? __functor) then unifyModuleSyntax file key m
        else if lib.isFunction m then unifyModuleSyntax file key (applyModule key m)
        else if isList m then
          throw "Module imports can't be nested lists. Perhaps you meant to remove one level of lists? Definitions: ${showDefs [ { inherit file; value = m; } ]}"
        else if isPath m || isString m then
          let p = toString m; in loadModule p p (import m)
        else throw "Module `${file}' (key `${key}') is a ${typeOf m}, but a module must be a set, a function or a path.";

      node = parentFile: parentKey: n: m:
        let
          module = loadModule parentFile "${parentKey}:anon-${toString n}" m;
          checked =
            if class != null && module._class != null && module._class != class then
              throw "The module ${module._name} was imported into ${class} instead of ${module._class}."
            else module;
        in
        {
          inherit (module) key;
          module = checked;
          children = lib.imap1 (node module._file module.key) module.imports;
        };

      roots = lib.imap1 (node unknownModule "") (modules ++ [ internalModule ]);
      everything = genericClosure { startSet = roots; operator = n: n.children; };

      modulesPath = toString (specialArgs.modulesPath or "");
      disabledKey = file: d:
        if isString d && !(lib.hasPrefix "/" d) then "${modulesPath}/${d}"
        else if isAttrs d && d ? key then toString d.key
        else if isAttrs d && !(d ? outPath || d ? __toString) then
          throw "Module `${file}' contains a disabledModules item that is an attribute set, presumably a module, that does not have a `key' attribute. This means that the module system doesn't have any means to identify the module that should be disabled. Make sure that you've put the correct value in disabledModules: a string path relative to modulesPath, a path value, or an attribute set with a `key' attribute."
        else if lib.strings.isConvertibleWithToString d && !(isAttrs d && !(d ? outPath || d ? __toString)) then toString d
        else throw "Each disabledModules item must be a path, string, or a attribute set with a key attribute, or a value supported by toString. However, one of the disabledModules items in `${file}' is none of that, but is of type ${typeOf d}.";
      disabled = listToAttrs (concatMap (n:
        map (d: { name = disabledKey n.module._file d; value = true; }) n.module.disabledModules)
        everything);
      enabled = n: !(disabled ? ${n.key});
      collected =
        if disabled == { } then everything
        else genericClosure { startSet = filter enabled roots; operator = n: filter enabled n.children; };
      finalModules = map (n: n.module) collected;

      merged = mergeLevel prefix
        (map (m: { file = m._file; inherit (m) options; }) finalModules)
        (concatMap (m: map (c: { file = m._file; value = c; }) (pushDownProperties m.config)) finalModules);

      options = optionsOf merged.tree;
      declaredConfig = configOf merged.tree;
      freeformType = declaredConfig._module.freeformType;
      config =
        if freeformType == null then declaredConfig
        else lib.recursiveUpdate
          (if merged.unmatched == [ ] then freeformType.emptyValue.value or { }
           else freeformType.merge prefix (map (d: { inherit (d) file; value = lib.setAttrByPath d.prefix d.value; }) merged.unmatched))
          declaredConfig;

      checkUnmatched =
        if config._module.check && freeformType == null && merged.unmatched != [ ] then
          let
            first = head merged.unmatched;
            optText = showOption (prefix ++ first.prefix);
            base = "The option `${optText}' does not exist. Definition values:${showDefs [ first ]}";
          in
          if attrNames options == [ "_module" ] then
            if prefix == [ ] then
              throw "${base}\n\nIt seems as if you're trying to declare an option by placing it into `config' rather than `options'!"
            else
              throw "${base}\n\nHowever there are no options defined in `${showOption prefix}'. Are you sure you've declared your options properly? This can happen if you e.g. declared your options in `types.submodule' under `config' rather than `options'."
          else throw base
        else null;
      checked = builtins.seq checkUnmatched;

      extendModules = extendArgs@{ modules ? [ ], specialArgs ? { }, prefix ? [ ] }:
        evalModules (evalArgs // {
          modules = evalArgs.modules ++ modules;
          specialArgs = evalArgs.specialArgs or { } // specialArgs;
          prefix = extendArgs.prefix or evalArgs.prefix or [ ];
        });

      type = types.submoduleWith { inherit modules specialArgs class; };
    in
    {
      _type = "configuration";
      options = checked options;
      config = checked (removeAttrs config [ "_module" ]);
      _module = checked config._module;
      inherit extendModules type class;
    };

  # --- Priorities and order -------------------------------------------

  mkOptionDefault = mkOverride 1500;
  mkDefault = mkOverride 1000;
  mkImageMediaOverride = mkOverride 60;
  mkForce = mkOverride 50;
  mkVMOverride = mkOverride 10;
  mkFixStrictness = x: x;
  mkBefore = mkOrder 500;
  mkAfter = mkOrder 1500;

  # --- Aliases and migrations -----------------------------------------

  mkAliasIfDef = option: mkIf (isOption option && option.isDefined);
  mkAliasDefinitions = mkAliasAndWrapDefinitions (x: x);
  mkAliasAndWrapDefinitions = wrap: option: mkAliasIfDef option (wrap (mkMerge option.definitions));
  # Like mkAliasAndWrapDefinitions, but the alias keeps the priority of
  # the definitions it forwards.
  mkAliasAndWrapDefsWithPriority = wrap: option:
    let
      prio = option.highestPrio or defaultOverridePriority;
      defsWithPrio = map (mkOverride prio) option.definitions;
    in
    mkAliasIfDef option (wrap (mkMerge defsWithPrio));

  # An option at `from` forwarding its definitions to `to`; reading it
  # reads `to`. `warn` adds a warning naming the files that still set it.
  doRename = { from, to, visible, warn, use, withPriority ? true, condition ? true }:
    { config, options, ... }:
    let
      fromOpt = lib.getAttrFromPath from options;
      toOf = lib.attrByPath to (abort "Renaming error: option `${showOption to}' does not exist.");
      toType = let opt = lib.attrByPath to { } options; in opt.type or (types.submodule { });
    in
    {
      options = lib.setAttrByPath from (mkOption {
        inherit visible;
        description = "Alias of {option}`${showOption to}`.";
        apply = x: use (toOf config);
      } // lib.optionalAttrs (toType != null) { type = toType; });
      config = mkIf condition (mkMerge [
        (lib.optionalAttrs (options ? warnings) {
          warnings = lib.optional (warn && fromOpt.isDefined)
            "The option `${showOption from}' defined in ${showFiles fromOpt.files} has been renamed to `${showOption to}'.";
        })
        (if withPriority then mkAliasAndWrapDefsWithPriority (lib.setAttrByPath to) fromOpt
         else mkAliasAndWrapDefinitions (lib.setAttrByPath to) fromOpt)
      ]);
    };

  mkRenamedOptionModule = from: to: doRename {
    inherit from to;
    visible = false;
    warn = true;
    use = builtins.trace "Obsolete option `${showOption from}' is used. It was renamed to `${showOption to}'.";
  };
  mkRenamedOptionModuleWith = { from, to, sinceRelease }: doRename {
    inherit from to;
    visible = false;
    warn = lib.trivial.isInOldestRelease sinceRelease;
    use = lib.warnIf (lib.trivial.isInOldestRelease sinceRelease)
      "Obsolete option `${showOption from}' is used. It was renamed to `${showOption to}'.";
  };
  mkAliasOptionModule = from: to: doRename {
    inherit from to;
    visible = true;
    warn = false;
    use = x: x;
  };

  mkRemovedOptionModule = optionName: replacementInstructions:
    { options, ... }:
    {
      options = lib.setAttrByPath optionName (mkOption {
        visible = false;
        apply = x: throw "The option `${showOption optionName}' can no longer be used since it's been removed. ${replacementInstructions}";
      });
      config.assertions =
        let opt = lib.getAttrFromPath optionName options; in
        [ {
          assertion = !opt.isDefined;
          message = ''
            The option definition `${showOption optionName}' in ${showFiles opt.files} no longer has any effect; please remove it.
            ${replacementInstructions}
          '';
        } ];
    };

  # `from` (several old options) now set `to` through `mergeFn config`.
  mkMergedOptionModule = from: to: mergeFn:
    { config, options, ... }:
    {
      options = lib.foldl' lib.recursiveUpdate { } (map (path: lib.setAttrByPath path (mkOption {
        visible = false;
        default = "_mkMergedOptionModule";
      })) from);
      config = {
        warnings = lib.filter (x: x != "") (map (f:
          let val = lib.getAttrFromPath f config; opt = lib.getAttrFromPath f options; in
          lib.optionalString (val != "_mkMergedOptionModule")
            "The option `${showOption f}' defined in ${showFiles opt.files} has been changed to `${showOption to}' that has a different type. Please read `${showOption to}' documentation and update your configuration accordingly.")
          from);
      } // lib.setAttrByPath to (mkMerge (lib.optional
        (lib.any (f: (lib.getAttrFromPath f config) != "_mkMergedOptionModule") from)
        (mergeFn config)));
    };
  mkChangedOptionModule = from: to: changeFn:
    mkMergedOptionModule [ from ] to changeFn;

  mkDerivedConfig = opt: f:
    mkOverride (opt.highestPrio or defaultOverridePriority) (f opt.value);

  # The options `assertions` and `warnings` (as NixOS declares them), for
  # configurations that use `mkRemovedOptionModule`/`mkRenamedOptionModule`
  # or check assertions with `lib.asserts.checkAssertWarn`.
  assertionsModule = {
    _file = "lib/modules.nix#assertions";
    key = "lib/modules.nix#assertions";
    options = {
      assertions = mkOption {
        type = types.listOf types.unspecified;
        internal = true;
        default = [ ];
        example = lib.literalExpression "[ { assertion = config.services.web.port != 22; message = \"services.web.port must not be the SSH port\"; } ]";
        description = "Conditions the configuration must satisfy, each with the message shown when it does not; `lib.asserts.checkAssertWarn` fails with every failed message.";
      };
      warnings = mkOption {
        internal = true;
        default = [ ];
        type = types.listOf types.str;
        example = [ "services.web.legacyMode is deprecated" ];
        description = "Messages shown to the user when the configuration is built (`lib.asserts.checkAssertWarn` prints them).";
      };
    };
  };
in
{
  inherit evalModules mkIf mkMerge mkOverride mkOrder mkOptionDefault mkDefault
    mkImageMediaOverride mkForce mkVMOverride mkFixStrictness mkBefore mkAfter
    defaultOverridePriority defaultOrderPriority pushDownProperties
    dischargeProperties filterOverrides sortProperties mergeDefinitions
    mergeOptionDecls evalOptionValue unifyModuleSyntax setDefaultModuleLocation
    mkAliasIfDef mkAliasDefinitions mkAliasAndWrapDefinitions
    mkAliasAndWrapDefsWithPriority doRename mkRenamedOptionModule
    mkRenamedOptionModuleWith mkAliasOptionModule mkRemovedOptionModule
    mkMergedOptionModule mkChangedOptionModule mkDerivedConfig assertionsModule;
  defaultPriority = defaultOverridePriority;
  # A module file that takes one extra argument besides the module
  # arguments; messages still name the file.
  importApply = modulePath: staticArg: setDefaultModuleLocation modulePath (import modulePath staticArg);
  importJSON = file: { _file = file; config = lib.trivial.importJSON file; };
  importTOML = file: { _file = file; config = lib.trivial.importTOML file; };
  mkAssert = assertion: message: content:
    mkIf (if assertion then true else throw "\nFailed assertion: ${message}") content;
}
