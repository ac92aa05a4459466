# Strings: joining, splitting, prefixes, escaping for shells and Nix
# source, search paths, configure/CMake/Meson flags, and package
# names and versions.
{ lib }:
let
  inherit (builtins)
    length elemAt head tail filter concatStringsSep stringLength substring
    genList replaceStrings isString isList split match;

  # Printable ASCII characters and their codes, for `charToInt`.
  printableAscii = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
  asciiTable = builtins.listToAttrs (genList
    (i: { name = substring i 1 printableAscii; value = i + 32; })
    (stringLength printableAscii));
in
rec {
  inherit (builtins)
    concatStringsSep stringLength substring replaceStrings isString split
    match toJSON fromJSON typeOf compareVersions splitVersion parseDrvName
    unsafeDiscardStringContext hasContext getContext;
  isPath = builtins.isPath;

  concatStrings = concatStringsSep "";
  concatMapStrings = f: list: concatStrings (map f list);
  concatImapStrings = f: list: concatStrings (lib.lists.imap1 f list);
  intersperse = separator: list:
    if list == [ ] || length list == 1 then list
    else tail (builtins.concatMap (x: [ separator x ]) list);
  concatMapStringsSep = sep: f: list: concatStringsSep sep (map f list);
  concatImapStringsSep = sep: f: list: concatStringsSep sep (lib.lists.imap1 f list);
  concatLines = list: concatStrings (map (s: s + "\n") list);
  join = concatStringsSep;

  makeSearchPath = subDir: paths:
    concatStringsSep ":" (map (p: p + "/" + subDir) (filter (x: x != null) paths));
  makeSearchPathOutput = output: subDir: pkgs:
    makeSearchPath subDir (map (lib.attrsets.getOutput output) pkgs);
  makeLibraryPath = makeSearchPathOutput "lib" "lib";
  makeIncludePath = makeSearchPathOutput "dev" "include";
  makeBinPath = makeSearchPathOutput "bin" "bin";

  normalizePath = s:
    let
      parts = split "(/+)" s;
    in
    concatStrings (map (x: if isList x then "/" else x) parts);

  optionalString = cond: string: if cond then string else "";

  hasPrefix = pref: str: substring 0 (stringLength pref) str == pref;
  hasSuffix = suffix: content:
    let ls = stringLength suffix; lc = stringLength content;
    in lc >= ls && substring (lc - ls) ls content == suffix;
  hasInfix = infix: content:
    builtins.match ".*${escapeRegex infix}.*" "${content}" != null;

  stringToCharacters = s: genList (p: substring p 1 s) (stringLength s);
  stringAsChars = f: s: concatMapStrings f (stringToCharacters s);

  charToInt = c: builtins.getAttr c asciiTable;

  escape = list: replaceStrings list (map (c: "\\${c}") list);
  escapeC = list: replaceStrings list (map (c: "\\x${lib.toLower (lib.fixedWidthString 2 "0" (lib.trivial.toHexString (charToInt c)))}") list);
  escapeURL =
    let
      unreserved = [ "A" "B" "C" "D" "E" "F" "G" "H" "I" "J" "K" "L" "M" "N" "O" "P" "Q" "R" "S" "T" "U" "V" "W" "X" "Y" "Z" "a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l" "m" "n" "o" "p" "q" "r" "s" "t" "u" "v" "w" "x" "y" "z" "0" "1" "2" "3" "4" "5" "6" "7" "8" "9" "-" "_" "." "~" ];
      toEscape = builtins.removeAttrs asciiTable unreserved;
    in
    replaceStrings (builtins.attrNames toEscape)
      (map (c: "%${fixedWidthString 2 "0" (lib.trivial.toHexString toEscape.${c})}") (builtins.attrNames toEscape));

  # Single-quotes `arg` for POSIX shells unless it only holds characters
  # that never need quoting.
  escapeShellArg = arg:
    let s = toString arg; in
    if match "[[:alnum:],._+:@%/-]+" s != null then s
    else "'${replaceStrings [ "'" ] [ "'\\''" ] s}'";
  escapeShellArgs = concatMapStringsSep " " escapeShellArg;

  isValidPosixName = name: match "[a-zA-Z_][a-zA-Z0-9_]*" name != null;
  toShellVar = name: value:
    lib.throwIfNot (isValidPosixName name) "toShellVar: ${name} is not a valid shell variable name" (
      if builtins.isAttrs value && !isStringLike value then
        "declare -A ${name}=(${concatStringsSep " " (lib.mapAttrsToList (n: v: "[${escapeShellArg n}]=${escapeShellArg v}") value)})"
      else if isList value then
        "declare -a ${name}=(${escapeShellArgs value})"
      else "${name}=${escapeShellArg value}");
  toShellVars = vars: concatStringsSep "\n" (lib.mapAttrsToList toShellVar vars);

  escapeNixString = s: escape [ "$" ] (toJSON s);
  escapeRegex = escape (stringToCharacters "\\[{()^$?*+|.");
  escapeNixIdentifier = s:
    if match "[a-zA-Z_][a-zA-Z0-9_'-]*" s != null then s else escapeNixString s;
  escapeXML = replaceStrings [ "\"" "'" "<" ">" "&" ] [ "&quot;" "&apos;" "&lt;" "&gt;" "&amp;" ];

  replaceChars = replaceStrings;
  lowerChars = stringToCharacters "abcdefghijklmnopqrstuvwxyz";
  upperChars = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  toLower = replaceStrings upperChars lowerChars;
  toUpper = replaceStrings lowerChars upperChars;
  toSentenceCase = s:
    if s == "" then s else toUpper (substring 0 1 s) + toLower (substring 1 (stringLength s) s);

  addContextFrom = src: target: substring 0 0 src + target;

  # Splits on every occurrence of the literal `sep`.
  splitString = sep: s:
    let parts = split (escapeRegex (toString sep)) (toString s);
    in map (addContextFrom s) (filter isString parts);

  removePrefix = prefix: str:
    let n = stringLength prefix; in
    if substring 0 n str == prefix then substring n (stringLength str - n) str else str;
  removeSuffix = suffix: str:
    let n = stringLength suffix; l = stringLength str; in
    if n <= l && substring (l - n) n str == suffix then substring 0 (l - n) str else str;

  trimWith = { start ? false, end ? false }: s:
    let
      chars = " \t\r\n";
      re = if start && end then "[${chars}]*(.*[^${chars}])[${chars}]*"
        else if start then "[${chars}]*(.*)"
        else if end then "(.*[^${chars}])[${chars}]*"
        else "(.*)";
      m = match re s;
    in
    if m == null then (if start || end then "" else s) else head m;
  trim = trimWith { start = true; end = true; };

  versionOlder = v1: v2: compareVersions v2 v1 == 1;
  versionAtLeast = v1: v2: !(versionOlder v1 v2);

  # `getName`/`getVersion` accept a derivation (its `pname`/`version`, or
  # its parsed `name`) or a "name-version" string.
  getName = x:
    let parse = drv: (parseDrvName drv).name; in
    if isString x then parse x else x.pname or (parse x.name);
  getVersion = x:
    let parse = drv: (parseDrvName drv).version; in
    if isString x then parse x else x.version or (parse x.name);

  nameFromURL = url: sep:
    let
      components = splitString "/" url;
      filename = lib.lists.last components;
      name = head (splitString sep filename);
    in
    assert name != filename; name;

  cmakeOptionType = type: feature: value:
    assert lib.elem (toUpper type) [ "BOOL" "FILEPATH" "PATH" "STRING" "INTERNAL" ];
    assert isString feature && isString value;
    "-D${feature}:${toUpper type}=${value}";
  cmakeBool = condition: flag: assert builtins.isBool flag; cmakeOptionType "bool" condition (lib.toUpper (lib.boolToString flag));
  cmakeFeature = feature: value: cmakeOptionType "string" feature value;
  mesonOption = feature: value: assert isString feature && isString value; "-D${feature}=${value}";
  mesonBool = condition: flag: mesonOption condition (lib.boolToString flag);
  mesonEnable = feature: flag: mesonOption feature (if flag then "enabled" else "disabled");
  enableFeature = flag: feature: assert isString feature; "--${if flag then "enable" else "disable"}-${feature}";
  enableFeatureAs = flag: feature: value: enableFeature flag feature + optionalString flag "=${value}";
  withFeature = flag: feature: assert isString feature; "--${if flag then "with" else "without"}-${feature}";
  withFeatureAs = flag: feature: value: withFeature flag feature + optionalString flag "=${value}";

  fixedWidthString = width: filler: str:
    let
      strw = stringLength str;
      reqWidth = width - (stringLength filler);
    in
    assert lib.assertMsg (strw <= width) "fixedWidthString: requested string length (${toString width}) must not be shorter than actual length (${toString strw})";
    if strw == width then str else filler + fixedWidthString reqWidth filler str;
  fixedWidthNumber = width: n: fixedWidthString width "0" (toString n);

  floatToString = float: let r = toString float; in
    lib.warnIf (builtins.fromJSON r != float) "Imprecise conversion from float to string ${r}" r;

  isStringLike = x: isString x || builtins.isPath x || x ? outPath || x ? __toString;
  isCoercibleToString = x:
    builtins.elem (builtins.typeOf x) [ "path" "string" "null" "int" "float" "bool" ]
    || (isList x && builtins.all isCoercibleToString x) || x ? outPath || x ? __toString;
  isConvertibleWithToString = isCoercibleToString;

  # A path string directly under the store (no subpath), or a derivation.
  isStorePath = x:
    if isStringLike x then
      let str = toString x; in
      substring 0 1 str == "/" && dirOf str == builtins.storeDir
    else false;

  toInt = str:
    let
      m = match "[[:space:]]*(-?[0-9]+)[[:space:]]*" str;
      stripped = if m == null then null else head m;
      noLeadingZero = stripped != null && match "-?0[0-9]+" stripped == null;
    in
    if m == null || !noLeadingZero then throw "Could not convert ${str} to int."
    else builtins.fromJSON stripped;
  toIntBase10 = str:
    let
      m = match "[[:space:]]*(-?)0*([0-9]+)[[:space:]]*" str;
    in
    if m == null then throw "Could not convert ${str} to int."
    else (if head m == "-" then -1 else 1) * builtins.fromJSON (elemAt m 1);

  readPathsFromFile = rootPath: file:
    map (l: rootPath + "/${l}") (filter (l: l != "" && match "#.*" l == null) (splitString "\n" (builtins.readFile file)));
  fileContents = file: removeSuffix "\n" (builtins.readFile file);

  # Store-path-safe name: at most 207 characters, starting with neither
  # "." nor "-" once cleaned, with unsupported characters replaced by "-".
  sanitizeDerivationName =
    let okRegex = match "[[:alnum:]+_?=-][[:alnum:]+._?=-]*"; in
    string:
    if stringLength string <= 207 && okRegex string != null then unsafeDiscardStringContext string
    else
      let
        s0 = unsafeDiscardStringContext string;
        s1 = let m = match "^\\.*(.*)" s0; in head m;
        s2 = concatStrings (map (x: if isList x then "-" else x) (split "[^[:alnum:]+._?=-]+" s1));
        s3 = let l = stringLength s2; in if l > 207 then substring (l - 207) 207 s2 else s2;
      in
      if s3 == "" then "unknown" else s3;

}
