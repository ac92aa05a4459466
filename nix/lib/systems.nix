# Platforms as the package collection sees them (`stdenv.hostPlatform`):
# `elaborate "x86_64-linux"` gives the system double, the GNU triple
# (`config`), the parsed parts and the `is*` predicates nixpkgs users
# test (`isLinux`, `isx86_64`, `is64bit`, …). Only the common Linux,
# Darwin and FreeBSD systems are known.
{ lib }:
let
  cpus = {
    x86_64 = { bits = 64; family = "x86"; arch = "x86-64"; };
    i686 = { bits = 32; family = "x86"; arch = "i686"; };
    aarch64 = { bits = 64; family = "arm"; arch = "armv8-a"; };
    armv6l = { bits = 32; family = "arm"; arch = "armv6"; };
    armv7l = { bits = 32; family = "arm"; arch = "armv7-a"; };
    riscv64 = { bits = 64; family = "riscv"; arch = "rv64gc"; };
    powerpc64le = { bits = 64; family = "power"; arch = "powerpc64le"; };
  };
  kernels = {
    linux = { execFormat = "elf"; families = { }; uname = "Linux"; vendor = "unknown"; abi = "gnu"; };
    darwin = { execFormat = "macho"; families = { bsd = true; darwin = true; }; uname = "Darwin"; vendor = "apple"; abi = "unknown"; };
    freebsd = { execFormat = "elf"; families = { bsd = true; }; uname = "FreeBSD"; vendor = "unknown"; abi = "unknown"; };
  };

  parse = system:
    let
      m = builtins.match "([^-]+)-([^-]+)" system;
      cpuName = builtins.head m;
      kernelName = builtins.elemAt m 1;
      cpu = cpus.${cpuName} or (throw "lib.systems: unknown CPU `${cpuName}' in `${system}'");
      kernel = kernels.${kernelName} or (throw "lib.systems: unknown kernel `${kernelName}' in `${system}'");
    in
    if m == null then throw "lib.systems: `${system}' is not a system double such as x86_64-linux"
    else {
      cpu = cpu // { name = cpuName; significantByte = if cpuName == "powerpc64" then "bigEndian" else "littleEndian"; };
      vendor.name = kernel.vendor;
      kernel = { name = kernelName; inherit (kernel) execFormat families; };
      abi.name = kernel.abi;
    };

  elaborate = args:
    let
      system = if builtins.isString args then args else args.system;
      parsed = parse system;
      cpu = parsed.cpu.name;
      kernel = parsed.kernel.name;
      isLinux = kernel == "linux";
      isDarwin = kernel == "darwin";
      triple = "${if isDarwin && cpu == "aarch64" then "arm64" else cpu}-${parsed.vendor.name}-${kernel}${lib.optionalString (parsed.abi.name != "unknown") "-${parsed.abi.name}"}";
      final = {
        inherit system parsed;
        config = triple;
        isLinux = isLinux;
        isDarwin = isDarwin;
        isFreeBSD = kernel == "freebsd";
        isBSD = parsed.kernel.families ? bsd;
        isUnix = true;
        isWindows = false;
        isx86_64 = cpu == "x86_64";
        isi686 = cpu == "i686";
        isx86_32 = cpu == "i686";
        isx86 = parsed.cpu.family == "x86";
        isAarch64 = cpu == "aarch64";
        isAarch32 = builtins.elem cpu [ "armv6l" "armv7l" ];
        isAarch = parsed.cpu.family == "arm";
        isRiscV = parsed.cpu.family == "riscv";
        isRiscV64 = cpu == "riscv64";
        isPower64 = cpu == "powerpc64le";
        is64bit = parsed.cpu.bits == 64;
        is32bit = parsed.cpu.bits == 32;
        isLittleEndian = parsed.cpu.significantByte == "littleEndian";
        isStatic = false;
        isMusl = false;
        isGnu = parsed.abi.name == "gnu";
        libc = if isDarwin then "libSystem" else if isLinux then "glibc" else "fblibc";
        linker = if isDarwin then "cctools" else "bfd";
        uname = { system = kernels.${kernel}.uname; processor = if isDarwin && cpu == "aarch64" then "arm64" else cpu; release = null; };
        extensions = {
          sharedLibrary = if isDarwin then ".dylib" else ".so";
          staticLibrary = ".a";
          executable = "";
          library = if isDarwin then ".dylib" else ".so";
        };
        emulatorAvailable = _: false;
        canExecute = platform:
          platform.parsed.kernel.name == kernel
          && (platform.parsed.cpu.name == cpu
            || (cpu == "x86_64" && platform.parsed.cpu.name == "i686")
            || (cpu == "aarch64" && platform.parsed.cpu.name == "armv7l"));
      };
    in
    final;
in
{
  inherit elaborate;
  parse.mkSystemFromString = parse;
  doubles = {
    inherit (lib.platforms) linux darwin freebsd all unix;
  };
  flakeExposed = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" "armv6l-linux" "armv7l-linux" "i686-linux" "riscv64-linux" "powerpc64le-linux" "x86_64-freebsd" ];
  equals = a: b: a.system == b.system;
}
