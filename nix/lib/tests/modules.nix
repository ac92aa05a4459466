{ lib }:
with lib;
let
  eval = modules: (evalModules { inherit modules; }).config;
  evalWith = args: (evalModules args).config;
  opt = type: mkOption { inherit type; };
  optD = type: default: mkOption { inherit type default; };
  intOpt = { options.x = opt types.int; };
  fails = v: !(builtins.tryEval (builtins.deepSeq v v)).success;
in
{
  # Priorities.
  testDefaultUsed = { expr = (eval [ { options.x = optD types.int 1; } ]).x; expected = 1; };
  testPlainBeatsDefault = { expr = (eval [ { options.x = optD types.int 1; } { x = 2; } ]).x; expected = 2; };
  testMkDefaultBeatsOptionDefault = { expr = (eval [ { options.x = optD types.int 1; } { x = mkDefault 3; } ]).x; expected = 3; };
  testPlainBeatsMkDefault = { expr = (eval [ intOpt { x = mkDefault 3; } { x = 4; } ]).x; expected = 4; };
  testMkForceBeatsPlain = { expr = (eval [ intOpt { x = mkForce 5; } { x = 4; } ]).x; expected = 5; };
  testImageMediaBetweenForceAndPlain = { expr = (eval [ intOpt { x = mkImageMediaOverride 6; } { x = 4; } ]).x; expected = 6; };
  testForceBeatsImageMedia = { expr = (eval [ intOpt { x = mkImageMediaOverride 6; } { x = mkForce 7; } ]).x; expected = 7; };
  testVMOverrideBeatsForce = { expr = (eval [ intOpt { x = mkVMOverride 8; } { x = mkForce 7; } ]).x; expected = 8; };
  testMkOverrideNumbers = { expr = (eval [ intOpt { x = mkOverride 20 1; } { x = mkOverride 30 2; } ]).x; expected = 1; };
  testPriorityNumbers = {
    expr = map (v: v.priority) [ (mkOptionDefault 0) (mkDefault 0) (mkImageMediaOverride 0) (mkForce 0) (mkVMOverride 0) ] ++ [ defaultOverridePriority ];
    expected = [ 1500 1000 60 50 10 100 ];
  };
  testHighestPrio = {
    expr = let o = (evalModules { modules = [ intOpt { x = mkDefault 1; } ]; }).options.x; in [ o.highestPrio o.value o.isDefined ];
    expected = [ 1000 1 true ];
  };
  testOutermostOverrideApplies = { expr = (eval [ { options.a = optD types.int 0; } { config = mkForce { a = mkDefault 1; }; } { a = 2; } ]).a; expected = 1; };
  testForceOfConditional = { expr = (eval [ intOpt { x = mkForce (mkIf true 1); } { x = 2; } ]).x; expected = 1; };
  testEqualDefinitionsMerge = { expr = (eval [ intOpt { x = 1; } { x = 1; } ]).x; expected = 1; };
  testConflictFails = { expr = fails (eval [ intOpt { x = 1; } { x = 2; } ]).x; expected = true; };
  testLowerPriorityConflictIgnored = { expr = (eval [ intOpt { x = mkDefault 1; } { x = mkDefault 2; } { x = 3; } ]).x; expected = 3; };

  # mkIf, mkMerge, laziness.
  testMkIfFalse = { expr = (eval [ { options.x = optD types.int 1; } { x = mkIf false 2; } ]).x; expected = 1; };
  testMkIfReadsConfig = {
    expr = eval [
      { options.a = optD types.bool false; options.b = optD types.int 0; }
      ({ config, ... }: { config = mkIf config.a { b = 1; }; })
      { a = true; }
    ];
    expected = { a = true; b = 1; };
  };
  testMkMerge = { expr = (eval [ { options.l = optD (types.listOf types.int) [ ]; } { l = mkMerge [ [ 1 ] (mkIf true [ 2 ]) (mkIf false [ 3 ]) ]; } ]).l; expected = [ 1 2 ]; };
  testMkMergeOfSets = { expr = eval [ { options.a = opt types.int; options.b = opt types.int; } (mkMerge [ { a = 1; } { b = 2; } ]) ]; expected = { a = 1; b = 2; }; };
  testMkIfNonBoolFails = { expr = fails (eval [ intOpt { x = mkIf "yes" 1; } ]).x; expected = true; };
  testUndefinedFails = { expr = fails (eval [ intOpt ]).x; expected = true; };
  testOtherOptionsLazy = { expr = (eval [ intOpt { options.y = optD types.int 1; } ]).y; expected = 1; };

  # Ordering.
  testOrder = {
    expr = (eval [ { options.l = optD (types.listOf types.str) [ ]; } { l = [ "mid" ]; } { l = mkAfter [ "last" ]; } { l = mkBefore [ "first" ]; } { l = mkOrder 1200 [ "later" ]; } ]).l;
    expected = [ "first" "mid" "later" "last" ];
  };
  testOrderNumbers = { expr = map (v: v.priority) [ (mkBefore 0) (mkAfter 0) ]; expected = [ 500 1500 ]; };
  testLinesOrder = { expr = (eval [ { options.t = opt types.lines; } { t = "b"; } { t = mkBefore "a"; } ]).t; expected = "a\nb"; };
  testCommas = { expr = (eval [ { options.t = opt types.commas; } { t = "b"; } { t = "a"; } ]).t; expected = "b,a"; };

  # Imports (breadth first, deduplicated by file), disabledModules.
  testImportsOrder = { expr = (eval [ ./modules/define-a.nix ]).items; expected = [ "a" "b" ]; };
  testImportsTwiceOnce = { expr = (eval [ ./modules/define-a.nix ./modules/define-b.nix ]).items; expected = [ "a" "b" ]; };
  testMkIfInImportedModule = { expr = (eval [ ./modules/declare-list.nix ./modules/foo-service.nix { services.foo.enable = true; } ]).items; expected = [ "foo" ]; };
  testDisabledModules = { expr = (eval [ ./modules/define-a.nix { disabledModules = [ ./modules/define-b.nix ]; } ]).items; expected = [ "a" ]; };
  testDisabledModulesByString = {
    expr = (evalWith { modules = [ ./modules/define-a.nix { disabledModules = [ "define-b.nix" ]; } ]; specialArgs.modulesPath = toString ./modules; }).items;
    expected = [ "a" ];
  };
  testKeyDeduplicates = { expr = (eval [ { options.l = optD (types.listOf types.int) [ ]; } { key = "k"; l = [ 1 ]; } { key = "k"; l = [ 2 ]; } ]).l; expected = [ 1 ]; };

  testImportApply = { expr = (eval [ (modules.importApply ./modules/apply-arg.nix 42) ]).answer; expected = 42; };
  testImportJSON = { expr = (evalModules { modules = [ (modules.importApply ./modules/apply-arg.nix 1) (modules.importJSON ./modules/settings.json) ]; }).options.answer.files; expected = [ (toString ./modules/settings.json) ]; };
  testAttrsWith = { expr = (eval [ { options.a = opt (types.attrsWith { elemType = types.int; lazy = true; }); } { a.x = 1; } ]).a.x; expected = 1; };

  # Module arguments.
  testSpecialArgs = { expr = (evalWith { modules = [ ({ answer, ... }: { options.x = optD types.int answer; }) ]; specialArgs.answer = 42; }).x; expected = 42; };
  testSpecialArgsInImports = {
    expr = (evalWith { modules = [ ({ extra, ... }: { imports = [ extra ]; }) ]; specialArgs.extra = { options.x = optD types.int 7; }; }).x;
    expected = 7;
  };
  testModuleArgs = {
    expr = eval [ { _module.args.pkgs = { hello = "hello-2.12"; }; } ({ pkgs, ... }: { options.p = optD types.str pkgs.hello; }) ];
    expected = { p = "hello-2.12"; };
  };
  testOptionsArg = {
    expr = eval [ intOpt { x = 1; } ({ options, ... }: { options.y = optD types.bool options.x.isDefined; }) ];
    expected = { x = 1; y = true; };
  };
  testFileAndKey = { expr = (evalModules { modules = [ { _file = "/f.nix"; options.x = opt types.int; } { _file = "/g.nix"; x = 1; } ]; }).options.x.files; expected = [ "/g.nix" ]; };
  testDeclarations = { expr = (evalModules { modules = [ { _file = "/f.nix"; options.x = opt types.int; } ]; }).options.x.declarations; expected = [ "/f.nix" ]; };
  testDeclarationPositions = {
    expr = map (p: [ p.file p.line ]) (evalModules { modules = [ ./modules/declare-list.nix { _file = "/inline.nix"; options.items = mkOption { }; } ]; }).options.items.declarationPositions;
    expected = [ [ (toString ./modules/declare-list.nix) 2 ] [ "/inline.nix" null ] ];
  };
  testPathModuleFile = { expr = (evalModules { modules = [ ./modules/define-b.nix ]; }).options.items.files; expected = [ (toString ./modules/define-b.nix) ]; };
  testDefinitionsWithLocations = { expr = (evalModules { modules = [ intOpt { _file = "/a"; x = mkForce 1; } ]; }).options.x.definitionsWithLocations; expected = [ { file = "/a"; value = 1; } ]; };

  # Option attributes.
  testApply = { expr = (eval [ { options.x = mkOption { type = types.int; apply = x: x * 2; }; } { x = 21; } ]).x; expected = 42; };
  testReadOnlyOnce = { expr = (eval [ { options.x = mkOption { type = types.int; readOnly = true; }; } { x = 1; } ]).x; expected = 1; };
  testReadOnlyTwice = { expr = fails (eval [ { options.x = mkOption { type = types.int; readOnly = true; }; } { x = 1; } { x = 1; } ]).x; expected = true; };
  testEnableOption = { expr = let o = mkEnableOption "frobnication"; in [ o.default o.example o.description o.type.name ]; expected = [ false true "Whether to enable frobnication." "bool" ]; };
  testPackageOption = {
    expr = let o = mkPackageOption { hello = { type = "derivation"; name = "hello"; }; } "hello" { }; in [ o.default.name o.defaultText.text o.description ];
    expected = [ "hello" "pkgs.hello" "The hello package to use." ];
  };
  testOptionDeclaredTwiceMergesSubmodules = {
    expr = (eval [
      { options.s = mkOption { type = types.submodule { options.a = optD types.int 1; }; default = { }; }; }
      { options.s = mkOption { type = types.submodule { options.b = optD types.int 2; }; }; }
    ]).s;
    expected = { a = 1; b = 2; };
  };

  testOptionsBelowSubmoduleOption = {
    expr = (eval [
      { options.bare = mkOption { type = types.submoduleWith { modules = [ ]; shorthandOnlyDefinesConfig = true; }; default = { }; }; }
      { options.bare.nested = optD types.int 1; }
      { options.bare.deep = optD types.int 2; }
      { bare.deep = 420; }
    ]).bare;
    expected = { deep = 420; nested = 1; };
  };
  testConfigConditionalOnOptionExistence = {
    expr = map (extra: (eval ([ ({ options, ... }: { config = if options ? enable then { value = 360; } else { }; }) { options.value = optD types.int 7; } ] ++ extra)).value)
      [ [ ] [ { options.enable = mkEnableOption "e"; } ] ];
    expected = [ 7 360 ];
  };
  testTopLevelMkIfModule = { expr = (eval [ { options.e = optD types.bool false; } (mkIf true { e = true; }) ]).e; expected = true; };
  testClass = { expr = (evalWith { class = "nixos"; modules = [ { _class = "nixos"; options.x = optD types.int 1; } ]; }).x; expected = 1; };

  # Types.
  testTypeDescriptions = {
    expr = map (t: t.description) (with types; [ bool int str lines commas path package port (ints.between 0 9) ints.unsigned ints.positive ints.u8 ints.s32 float (listOf str) (attrsOf int) (lazyAttrsOf int) (nullOr str) (either int str) (oneOf [ int str bool ]) (enum [ "a" 1 ]) (listOf (nullOr str)) (strMatching "[a-z]+") (separatedString ":") anything raw unspecified (functionTo str) (submodule { }) (nullOr (listOf str)) (attrsOf (either int str)) ]);
    expected = [ "boolean" "signed integer" "string" "strings concatenated with \"\\n\"" "strings concatenated with \",\"" "path" "package" "16 bit unsigned integer; between 0 and 65535 (both inclusive)" "integer between 0 and 9 (both inclusive)" "unsigned integer, meaning >=0" "positive integer, meaning >0" "8 bit unsigned integer; between 0 and 255 (both inclusive)" "32 bit signed integer; between -2147483648 and 2147483647 (both inclusive)" "floating point number" "list of string" "attribute set of signed integer" "lazy attribute set of signed integer" "null or string" "signed integer or string" "signed integer or string or boolean" "one of \"a\", 1" "list of (null or string)" "string matching the pattern [a-z]+" "strings concatenated with \":\"" "anything" "raw value" "unspecified value" "function that evaluates to a(n) string" "submodule" "null or (list of string)" "attribute set of (signed integer or string)" ];
  };
  testTypeChecks = {
    expr = with types; [ (port.check 80) (port.check 70000) (ints.u8.check (-1)) (str.check 1) (path.check "/x") (path.check "x") ((enum [ "a" ]).check "b") ((strMatching "[a-z]+").check "abc") (package.check { type = "derivation"; }) (bool.check null) ((nullOr int).check null) ];
    expected = [ true false false false true false false true true false true ];
  };
  testTypeErrorFails = { expr = fails (eval [ intOpt { x = "1"; } ]).x; expected = true; };
  testAttrsOfMerge = {
    expr = (eval [ { options.a = opt (types.attrsOf types.int); } { a.x = 1; } { a.y = 2; a.z = mkIf false 3; } ]).a;
    expected = { x = 1; y = 2; };
  };
  testAttrsOfNested = {
    expr = (eval [ { options.a = opt (types.attrsOf (types.listOf types.int)); } { a.x = [ 1 ]; } { a.x = [ 2 ]; } ]).a;
    expected = { x = [ 1 2 ]; };
  };
  testLazyAttrsOf = {
    expr = (eval [ { options.a = opt (types.lazyAttrsOf types.int); } { a.x = 1; a.y = throw "not forced"; } ]).a.x;
    expected = 1;
  };
  testListOfMkIfElements = { expr = (eval [ { options.l = opt (types.listOf types.int); } { l = [ 1 (mkIf false 2) (mkIf true 3) ]; } ]).l; expected = [ 1 3 ]; };
  testNullOr = { expr = (eval [ { options.a = opt (types.nullOr types.int); options.b = optD (types.nullOr types.int) null; } { a = 1; } ]); expected = { a = 1; b = null; }; };
  testEither = { expr = (eval [ { options.a = opt (types.either types.int (types.listOf types.str)); } { a = [ "x" ]; } { a = [ "y" ]; } ]).a; expected = [ "x" "y" ]; };
  testEnum = { expr = (eval [ { options.a = opt (types.enum [ "x" "y" ]); } { a = "y"; } ]).a; expected = "y"; };
  testAnythingMergesSets = { expr = (eval [ { options.a = opt types.anything; } { a.x = 1; } { a.y.z = 2; } { a.y.w = mkIf false 3; } ]).a; expected = { x = 1; y = { z = 2; }; }; };
  testUnspecifiedConcats = { expr = (eval [ { options.a = opt types.unspecified; } { a = [ 1 ]; } { a = [ 2 ]; } ]).a; expected = [ 1 2 ]; };
  testFunctionTo = { expr = (eval [ { options.f = opt (types.functionTo (types.listOf types.int)); } { f = x: [ x ]; } { f = x: [ (x + 1) ]; } ]).f 1; expected = [ 1 2 ]; };
  testCoercedTo = { expr = (eval [ { options.a = opt (types.coercedTo types.int toString types.str); } { a = 5; } ]).a; expected = "5"; };

  # Submodules.
  testSubmoduleName = {
    expr = (eval [
      { options.users = opt (types.attrsOf (types.submodule ({ name, ... }: { options.home = optD types.str "/home/${name}"; options.uid = opt types.int; }))); }
      { users.alice.uid = 1000; }
      { users.bob = { uid = 1001; home = "/srv/bob"; }; }
    ]).users;
    expected = { alice = { home = "/home/alice"; uid = 1000; }; bob = { home = "/srv/bob"; uid = 1001; }; };
  };
  testSubmoduleConfigArg = {
    expr = (eval [
      { options.s = opt (types.submodule ({ config, ... }: { options.a = opt types.int; options.b = optD types.int (config.a * 2); })); }
      { s.a = 2; }
    ]).s.b;
    expected = 4;
  };
  testSubmoduleFunctionDefinition = { expr = (eval [ { options.s = opt (types.submodule { options.a = opt types.int; }); } { s = { ... }: { a = 3; }; } ]).s.a; expected = 3; };
  testSubmoduleListOf = { expr = (eval [ { options.l = opt (types.listOf (types.submodule { options.a = optD types.int 1; })); } { l = [ { } { a = 2; } ]; } ]).l; expected = [ { a = 1; } { a = 2; } ]; };
  testSubmoduleWithSpecialArgs = {
    expr = (eval [ { options.s = opt (types.submoduleWith { modules = [ ({ magic, ... }: { options.m = optD types.int magic; }) ]; specialArgs.magic = 9; }); } { s = { }; } ]).s.m;
    expected = 9;
  };
  testSubmoduleUnknownFails = { expr = fails (eval [ { options.s = opt (types.submodule { options.a = opt types.int; }); } { s.b = 1; } ]).s; expected = true; };
  testSubmodulePriorities = { expr = (eval [ { options.s = opt (types.submodule { options.a = optD types.int 1; }); } { s.a = mkForce 2; } { s.a = 3; } ]).s.a; expected = 2; };

  # Checking and freeform.
  testUnknownOptionFails = { expr = fails (eval [ intOpt { y = 1; } ]); expected = true; };
  testCheckOff = { expr = (eval [ intOpt { x = 1; y = 1; _module.check = false; } ]).x; expected = 1; };
  testFreeform = {
    expr = eval [ { freeformType = types.attrsOf types.int; options.x = optD types.int 1; } { y = 2; } { z = 3; } ];
    expected = { x = 1; y = 2; z = 3; };
  };
  testFreeformNested = {
    expr = (eval [ { options.settings = opt (types.submodule { freeformType = types.attrsOf types.anything; options.port = optD types.port 80; }); } { settings.listen = "::"; } ]).settings;
    expected = { listen = "::"; port = 80; };
  };

  # Renames and removals.
  testRenamed = {
    expr = let r = evalModules { modules = [ modules.assertionsModule (mkRenamedOptionModule [ "old" ] [ "new" ]) { options.new = opt types.int; } { _file = "/c.nix"; old = 5; } ]; }; in [ r.config.new r.config.warnings ];
    expected = [ 5 [ "The option `old' defined in `/c.nix' has been renamed to `new'." ] ];
  };
  testRenamedKeepsPriority = { expr = (eval [ (mkRenamedOptionModule [ "old" ] [ "new" ]) { options.new = opt types.int; } { old = mkDefault 5; } { new = 6; } ]).new; expected = 6; };
  testAlias = { expr = let c = eval [ (mkAliasOptionModule [ "a" "b" ] [ "c" ]) { options.c = opt types.str; } { a.b = "v"; } ]; in [ c.c c.a.b ]; expected = [ "v" "v" ]; };
  testRemoved = {
    expr = let c = eval [ modules.assertionsModule (mkRemovedOptionModule [ "gone" ] "Use `new' instead.") { _file = "/c.nix"; gone = 1; } ]; in map (a: a.assertion) c.assertions;
    expected = [ false ];
  };
  testRemovedUnused = { expr = map (a: a.assertion) (eval [ modules.assertionsModule (mkRemovedOptionModule [ "gone" ] "x") ]).assertions; expected = [ true ]; };
  testChangedAndMerged = {
    expr = let c = eval [
      modules.assertionsModule
      (mkChangedOptionModule [ "a" ] [ "b" ] (config: config.a * 10))
      (mkMergedOptionModule [ [ "x" ] [ "y" ] ] [ "xy" ] (config: "${config.x}-${config.y}"))
      { options.b = optD types.int 0; options.xy = optD types.str "none"; }
      { _file = "/c.nix"; a = 4; x = "p"; y = "q"; }
    ]; in [ c.b c.xy (length c.warnings) (head c.warnings) ];
    expected = [ 40 "p-q" 3 "The option `a' defined in `/c.nix' has been changed to `b' that has a different type. Please read `b' documentation and update your configuration accordingly." ];
  };
  testDocList = {
    expr = map (o: o.name) (filter (o: !o.internal) (optionAttrSetToDocList (evalModules { modules = [
      { options.s = mkOption { type = types.attrsOf (types.submodule { options.port = mkOption { type = types.port; description = "p"; }; }); default = { }; }; }
      { options.e = mkEnableOption "e"; }
    ]; }).options));
    expected = [ "e" "s" "s.<name>.port" ];
  };
  testAssertionsAndWarnings = {
    expr = let c = eval [ modules.assertionsModule { assertions = [ { assertion = true; message = "ok"; } ]; warnings = [ "careful" ]; } ]; in [ (length c.assertions) c.warnings ];
    expected = [ 1 [ "careful" ] ];
  };
  testCheckAssertWarnFailedAssertion = {
    expr = let c = eval [ modules.assertionsModule { assertions = [ { assertion = false; message = "bad"; } ]; } ]; in (builtins.tryEval (asserts.checkAssertWarn c.assertions c.warnings true)).success;
    expected = false;
  };

  # The result of evalModules.
  testExtendModules = {
    expr = let base = evalModules { modules = [ intOpt { x = 1; } ]; }; in (base.extendModules { modules = [ { x = mkForce 2; } ]; }).config.x;
    expected = 2;
  };
  testPrefix = { expr = (evalModules { prefix = [ "p" ]; modules = [ intOpt ]; }).options.x.loc; expected = [ "p" "x" ]; };
  testShowOption = { expr = map options.showOption [ [ "a" "b" ] [ "a" "b.c" "<name>" ] [ "users" "users" "*" ] ]; expected = [ "a.b" "a.\"b.c\".<name>" "users.users.*" ]; };
  testMkOptionType = { expr = (mkOption { type = types.int; })._type; expected = "option"; };
  testConfigHasNoModule = { expr = eval [ intOpt { x = 1; } ]; expected = { x = 1; }; };
}
