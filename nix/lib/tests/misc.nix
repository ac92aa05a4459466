{ lib }:
with lib;
{
  testId = { expr = id 1; expected = 1; };
  testConst = { expr = const 2 3; expected = 2; };
  testPipe = { expr = pipe 2 [ (x: x + 2) (x: x * 2) ]; expected = 8; };
  testFlip = { expr = flip concat [ 1 ] [ 2 ]; expected = [ 2 1 ]; };
  testBoolToString = { expr = map boolToString [ true false ]; expected = [ "true" "false" ]; };
  testMinMaxMod = { expr = [ (min 1 2) (max 1 2) (mod 11 10) (mod (-1) 3) ]; expected = [ 1 2 1 (-1) ]; };
  testCompare = { expr = [ (compare 1 2) (compare 2 2) (compare "b" "a") ]; expected = [ (-1) 0 1 ]; };
  testXor = { expr = [ (xor true false) (xor true true) ]; expected = [ true false ]; };
  testToHexString = { expr = [ (toHexString 250) (toHexString 0) ]; expected = [ "FA" "0" ]; };
  testToBaseDigits = { expr = toBaseDigits 2 6; expected = [ 1 1 0 ]; };
  testFunctionArgs = { expr = functionArgs (setFunctionArgs (args: args.a) { a = false; }); expected = { a = false; }; };
  testIsFunctionFunctor = { expr = [ (isFunction { __functor = self: x: x; }) (isFunction 1) ]; expected = [ true false ]; };
  testThrowIfNot = { expr = throwIfNot true "no" 1; expected = 1; };
  testMapNullable = { expr = [ (mapNullable (x: x + 1) null) (mapNullable (x: x + 1) 1) ]; expected = [ null 2 ]; };

  testFix = { expr = (fix (self: { a = 1; b = self.a + 1; })).b; expected = 2; };
  testExtends = { expr = (fix (extends (final: prev: { b = prev.a + 10; }) (self: { a = 1; b = 0; c = self.b; }))).c; expected = 11; };
  testComposeExtensions = {
    expr = let
      f = final: prev: { x = prev.x + 1; };
      g = final: prev: { x = prev.x * 10; y = final.x; };
    in fix (extends (composeExtensions f g) (self: { x = 1; }));
    expected = { x = 20; y = 20; };
  };
  testComposeManyExtensions = { expr = (fix (extends (composeManyExtensions [ (f: p: { a = p.a + "b"; }) (f: p: { a = p.a + "c"; }) ]) (self: { a = "a"; }))).a; expected = "abc"; };
  testMakeExtensible = { expr = ((makeExtensible (self: { a = 1; b = self.a + 1; })).extend (final: prev: { a = 5; })).b; expected = 6; };
  testLibExtend = { expr = (lib.extend (final: prev: { answer = 42; double = x: x * 2; })).double 21; expected = 42; };

  testMakeOverridable = {
    expr = let f = makeOverridable ({ a, b ? 2 }: { sum = a + b; }) { a = 1; }; in [ f.sum (f.override { b = 10; }).sum (f.override (old: { a = old.a + 100; })).sum ];
    expected = [ 3 11 103 ];
  };
  testCallPackageWith = {
    expr = let
      pkgs = { a = 1; b = 2; unused = 3; };
      r = callPackageWith pkgs ({ a, b, c ? 5 }: { inherit a b c; }) { b = 20; };
    in [ r.a r.b r.c (r.override { c = 7; }).c ];
    expected = [ 1 20 5 7 ];
  };
  testCallPackageWithMissing = { expr = (builtins.tryEval (callPackageWith { } ({ nope }: nope) { })).success; expected = false; };
  testCallPackagesWith = { expr = mapAttrs (n: v: v.v) (callPackagesWith { x = 1; } ({ x }: { p = { v = x; }; q = { v = x + 1; }; }) { }); expected = { p = 1; q = 2; }; };
  testMakeScope = {
    expr = let s = makeScope (extra: callPackageWith ({ base = 10; } // extra)) (self: { a = self.callPackage ({ base }: base + 1) { }; b = self.callPackage ({ a }: a * 2) { }; }); in [ s.a s.b ((s.overrideScope (f: p: { a = 100; })).b) ];
    expected = [ 11 22 200 ];
  };

  testVersions = { expr = with versions; [ (major "1.2.3") (minor "1.2.3") (patch "1.2.3") (majorMinor "1.2.3") (pad 3 "1.2") (pad 2 "1.2.3") ]; expected = [ "1" "2" "3" "1.2" "1.2.0" "1.2" ]; };
  testSplitVersion = { expr = versions.splitVersion "1.2-rc1"; expected = [ "1" "2" "rc" "1" ]; };

  testToPrettyScalars = { expr = map (generators.toPretty { }) [ 1 "s" true null [ ] { } ]; expected = [ "1" "\"s\"" "true" "null" "[ ]" "{ }" ]; };
  testToPrettyNested = { expr = generators.toPretty { } { a = [ 1 "x" ]; "b c" = { d = null; }; }; expected = "{\n  a = [\n    1\n    \"x\"\n  ];\n  \"b c\" = {\n    d = null;\n  };\n}"; };
  testToPrettyOneLine = { expr = generators.toPretty { multiline = false; } { a = [ 1 2 ]; }; expected = "{ a = [ 1 2 ]; }"; };
  testToPrettyMultilineString = { expr = generators.toPretty { } "a\nb\n"; expected = "''\n  a\n  b\n''"; };
  testToPrettyFunction = { expr = [ (generators.toPretty { } (x: x)) (generators.toPretty { } ({ a, b ? 1 }: a)) ]; expected = [ "<function>" "<function, args: {a, b?}>" ]; };
  testToPrettyDerivation = { expr = generators.toPretty { } { type = "derivation"; name = "hello-2.12"; }; expected = "<derivation hello-2.12>"; };
  testToKeyValue = { expr = generators.toKeyValue { } { a = 1; b = "x"; c = true; }; expected = "a=1\nb=x\nc=true\n"; };
  testToINI = { expr = generators.toINI { } { sec = { k = "v"; n = 2; }; "other" = { x = false; }; }; expected = "[other]\nx=false\n\n[sec]\nk=v\nn=2\n"; };
  testWithRecursion = { expr = generators.toPretty { } (generators.withRecursion { depthLimit = 1; throwOnDepthLimit = false; } { a.b.c = 1; }); expected = "{\n  a = {\n    b = \"<unevaluated>\";\n  };\n}"; };

  testLicenses = { expr = [ licenses.mit.spdxId licenses.mit.free licenses.unfree.free licenses.gpl3Plus.spdxId ]; expected = [ "MIT" true false "GPL-3.0-or-later" ]; };
  testGetLicenseFromSpdxId = { expr = (getLicenseFromSpdxId "mit").shortName; expected = "MIT"; };
  testLowHiPrio = { expr = [ (lowPrio { }).meta.priority (hiPrio { meta.x = 1; }).meta ]; expected = [ 10 { x = 1; priority = -10; } ]; };
  testGetExe = { expr = getExe { type = "derivation"; outPath = "/p"; name = "hello-1"; meta.mainProgram = "hi"; }; expected = "/p/bin/hi"; };
  testPlatformMatch = { expr = [ (meta.availableOn { system = "x86_64-linux"; } { meta.platforms = [ "x86_64-linux" ]; }) (meta.availableOn { system = "aarch64-linux"; } { meta.platforms = [ "x86_64-linux" ]; }) ]; expected = [ true false ]; };

  testAssertMsg = { expr = (builtins.tryEval (assertMsg false "no")).success; expected = false; };
  testAssertOneOf = { expr = assertOneOf "x" "a" [ "a" "b" ]; expected = true; };
  testCheckAssertWarn = { expr = (builtins.tryEval (asserts.checkAssertWarn [ { assertion = false; message = "m"; } ] [ ] 1)).success; expected = false; };
  testCheckAssertWarnPasses = { expr = asserts.checkAssertWarn [ { assertion = true; message = "m"; } ] [ ] 1; expected = 1; };

  testPlatforms = { expr = [ (elem "x86_64-linux" platforms.linux) (elem "aarch64-darwin" platforms.unix) (elem "x86_64-darwin" platforms.linux) ]; expected = [ true true false ]; };
  testSystemsElaborate = {
    expr = let p = systems.elaborate "x86_64-linux"; in [ p.system p.config p.isLinux p.isx86_64 p.is64bit p.isDarwin p.parsed.kernel.name p.extensions.sharedLibrary p.libc ];
    expected = [ "x86_64-linux" "x86_64-unknown-linux-gnu" true true true false "linux" ".so" "glibc" ];
  };
  testSystemsDarwin = { expr = let p = systems.elaborate { system = "aarch64-darwin"; }; in [ p.config p.isAarch64 p.isDarwin p.isLinux p.extensions.sharedLibrary ]; expected = [ "arm64-apple-darwin" true true false ".dylib" ]; };
  testSystemsCanExecute = { expr = with systems; [ ((elaborate "x86_64-linux").canExecute (elaborate "i686-linux")) ((elaborate "i686-linux").canExecute (elaborate "x86_64-linux")) ]; expected = [ true false ]; };
  testSourceTypes = { expr = map (t: t.isSource) [ sourceTypes.fromSource sourceTypes.binaryNativeCode ]; expected = [ true false ]; };
  testListFilesRecursive = { expr = map baseNameOf (filesystem.listFilesRecursive ./fixtures); expected = [ "hello.txt" "paths.txt" ]; };
  testPathIsDirectory = { expr = [ (filesystem.pathIsDirectory ./fixtures) (filesystem.pathIsDirectory ./fixtures/hello.txt) (filesystem.pathIsRegularFile ./fixtures/hello.txt) ]; expected = [ true false true ]; };
  testCleanSourceFilter = {
    expr = map (x: cleanSourceFilter (builtins.head x) (builtins.elemAt x 1)) [ [ "/s/.git" "directory" ] [ "/s/main.c" "regular" ] [ "/s/main.o" "regular" ] [ "/s/result" "symlink" ] [ "/s/a~" "regular" ] [ "/s/.x.swp" "regular" ] ];
    expected = [ false true false false false false ];
  };

  testRunTestsReportsFailures = { expr = runTests { testA = { expr = 1; expected = 2; }; testB = { expr = 1; expected = 1; }; notATest = { expr = 1; expected = 2; }; }; expected = [ { name = "testA"; expected = 2; result = 1; } ]; };
}
