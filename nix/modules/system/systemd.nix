# systemd units from attributes: `systemd.services`, `systemd.timers`,
# `systemd.sockets` and `systemd.targets` become unit files in
# /etc/systemd/system, with `wantedBy`/`requiredBy` as the links in
# TARGET.wants/ and TARGET.requires/ (no [Install] section, as NixOS).
# `restartIfChanged`, `reloadIfChanged` and `stopIfChanged` are written as
# X-RestartIfChanged=, X-ReloadIfChanged= and X-StopIfChanged= in [Unit],
# which cairn-system reads to decide what a switch does with the unit.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.systemd;

  atom = types.oneOf [ types.bool types.int types.str types.path types.package ];
  unitOption = types.either atom (types.listOf atom);

  render = v:
    if builtins.isBool v then (if v then "true" else "false")
    else toString v;

  # KEY=VALUE lines of a section, sorted by key; lists repeat the key.
  section = name: attrs:
    let
      lines = lib.concatLists (lib.mapAttrsToList (k: v:
        if v == null then [ ]
        else if builtins.isList v then map (x: "${k}=${render x}") v
        else [ "${k}=${render v}" ]) attrs);
    in
    if lines == [ ] then "" else "[${name}]\n" + lib.concatStringsSep "\n" lines + "\n";

  sanitize = builtins.replaceStrings [ "@" ":" "\\" " " ] [ "-at-" "-" "-" "-" ];

  commonOptions = {
    enable = mkOption {
      type = types.bool;
      default = true;
      description = "Whether the unit is generated.";
    };
    description = mkOption {
      type = types.singleLineStr;
      default = "";
      description = "The unit's Description=.";
    };
    wantedBy = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "multi-user.target" ];
      description = "Units that want this one (links in UNIT.wants/).";
    };
    requiredBy = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "Units that require this one (links in UNIT.requires/).";
    };
    after = mkOption { type = types.listOf types.str; default = [ ]; description = "After= dependencies."; };
    before = mkOption { type = types.listOf types.str; default = [ ]; description = "Before= dependencies."; };
    requires = mkOption { type = types.listOf types.str; default = [ ]; description = "Requires= dependencies."; };
    wants = mkOption { type = types.listOf types.str; default = [ ]; description = "Wants= dependencies."; };
    bindsTo = mkOption { type = types.listOf types.str; default = [ ]; description = "BindsTo= dependencies."; };
    partOf = mkOption { type = types.listOf types.str; default = [ ]; description = "PartOf= dependencies."; };
    conflicts = mkOption { type = types.listOf types.str; default = [ ]; description = "Conflicts= dependencies."; };
    unitConfig = mkOption {
      type = types.attrsOf unitOption;
      default = { };
      description = "More [Unit] settings.";
    };
  };

  unitSection = u: extra: section "Unit" ({
    Description = if u.description == "" then null else u.description;
  } // lib.filterAttrs (_: v: v != null) {
    After = if u.after == [ ] then null else lib.concatStringsSep " " u.after;
    Before = if u.before == [ ] then null else lib.concatStringsSep " " u.before;
    Requires = if u.requires == [ ] then null else lib.concatStringsSep " " u.requires;
    Wants = if u.wants == [ ] then null else lib.concatStringsSep " " u.wants;
    BindsTo = if u.bindsTo == [ ] then null else lib.concatStringsSep " " u.bindsTo;
    PartOf = if u.partOf == [ ] then null else lib.concatStringsSep " " u.partOf;
    Conflicts = if u.conflicts == [ ] then null else lib.concatStringsSep " " u.conflicts;
  } // extra // u.unitConfig);

  serviceType = types.submodule ({ name, config, ... }: {
    options = commonOptions // {
      environment = mkOption {
        type = types.attrsOf (types.nullOr (types.oneOf [ types.str types.path types.package ]));
        default = { };
        description = "Environment variables of the service.";
      };
      path = mkOption {
        type = types.listOf (types.either types.package types.str);
        default = [ ];
        description = "Packages whose bin/ and sbin/ are on the service's PATH.";
      };
      script = mkOption { type = types.lines; default = ""; description = "Shell commands run as ExecStart."; };
      preStart = mkOption { type = types.lines; default = ""; description = "Shell commands run before the service starts (ExecStartPre)."; };
      postStart = mkOption { type = types.lines; default = ""; description = "Shell commands run after it started (ExecStartPost)."; };
      reload = mkOption { type = types.lines; default = ""; description = "Shell commands run on reload (ExecReload)."; };
      serviceConfig = mkOption {
        type = types.attrsOf unitOption;
        default = { };
        example = { Type = "oneshot"; User = "nobody"; };
        description = "[Service] settings.";
      };
      restartIfChanged = mkOption {
        type = types.bool;
        default = true;
        description = "Whether a switch restarts the service when its unit changed.";
      };
      reloadIfChanged = mkOption {
        type = types.bool;
        default = false;
        description = "Whether a switch reloads the service instead of restarting it when its unit changed.";
      };
      stopIfChanged = mkOption {
        type = types.bool;
        default = true;
        description = "Whether a changed service is stopped before the switch and started after it (else restarted after).";
      };
      startAt = mkOption {
        type = types.either types.str (types.listOf types.str);
        default = [ ];
        example = "*-*-* 03:00:00";
        description = "When to run the service (OnCalendar= of a timer made for it).";
      };
    };
  });

  timerType = types.submodule {
    options = commonOptions // {
      timerConfig = mkOption {
        type = types.attrsOf unitOption;
        default = { };
        example = { OnCalendar = "daily"; Persistent = true; };
        description = "[Timer] settings.";
      };
    };
  };

  socketType = types.submodule {
    options = commonOptions // {
      listenStreams = mkOption { type = types.listOf types.str; default = [ ]; description = "ListenStream= addresses."; };
      socketConfig = mkOption { type = types.attrsOf unitOption; default = { }; description = "[Socket] settings."; };
    };
  };

  targetType = types.submodule { options = commonOptions; };

  defaultPath = with pkgs; [ coreutils findutils gnugrep gnused ];

  script = name: kind: text:
    pkgs.writeShellScript "unit-script-${sanitize name}-${kind}" ''
      set -e
      ${text}
    '';

  serviceText = name: s:
    let
      pathDirs = lib.concatMap (p: [ "${p}/bin" "${p}/sbin" ]) (lib.unique (s.path ++ defaultPath));
      env = { PATH = lib.concatStringsSep ":" pathDirs; } // lib.filterAttrs (_: v: v != null) s.environment;
      flags = lib.filterAttrs (_: v: v != null) {
        X-RestartIfChanged = if s.restartIfChanged then null else false;
        X-ReloadIfChanged = if s.reloadIfChanged then true else null;
        X-StopIfChanged = if s.stopIfChanged then null else false;
      };
      exec = lib.filterAttrs (_: v: v != null) {
        ExecStart = if s.script != "" then "${script name "start" s.script}" else null;
        ExecStartPre = if s.preStart != "" then "${script name "pre-start" s.preStart}" else null;
        ExecStartPost = if s.postStart != "" then "${script name "post-start" s.postStart}" else null;
        ExecReload = if s.reload != "" then "${script name "reload" s.reload}" else null;
      };
      environmentLines = lib.mapAttrsToList (k: v: "\"${k}=${toString v}\"") env;
    in
    unitSection s flags + "\n" + section "Service" ({ Environment = environmentLines; } // exec // s.serviceConfig);

  timerText = t: unitSection t { } + "\n" + section "Timer" t.timerConfig;
  socketText = s: unitSection s { } + "\n" + section "Socket" ({ ListenStream = s.listenStreams; } // s.socketConfig);
  targetText = t: unitSection t { };

  enabledOf = attrs: lib.filterAttrs (_: u: u.enable) attrs;

  # Timers made for services with startAt.
  startAtTimers = lib.mapAttrs (name: s: {
    wantedBy = [ "timers.target" ];
    timerConfig.OnCalendar = s.startAt;
  }) (lib.filterAttrs (_: s: s.startAt != [ ] && s.enable) cfg.services);

  units =
    lib.mapAttrs' (n: s: lib.nameValuePair "${n}.service" { text = serviceText n s; unit = s; }) (enabledOf cfg.services)
    // lib.mapAttrs' (n: t: lib.nameValuePair "${n}.timer" { text = timerText t; unit = t; }) (enabledOf cfg.timers)
    // lib.mapAttrs' (n: s: lib.nameValuePair "${n}.socket" { text = socketText s; unit = s; }) (enabledOf cfg.sockets)
    // lib.mapAttrs' (n: t: lib.nameValuePair "${n}.target" { text = targetText t; unit = t; }) (enabledOf cfg.targets);

  unitFiles = lib.mapAttrs (name: u: pkgs.writeText "unit-${sanitize name}" u.text) units;

  etcEntries = lib.concatLists (lib.mapAttrsToList (name: u:
    [ (lib.nameValuePair "systemd/system/${name}" { source = unitFiles.${name}; }) ]
    ++ map (t: lib.nameValuePair "systemd/system/${t}.wants/${name}" { source = unitFiles.${name}; }) u.unit.wantedBy
    ++ map (t: lib.nameValuePair "systemd/system/${t}.requires/${name}" { source = unitFiles.${name}; }) u.unit.requiredBy
  ) units);
in
{
  options.systemd = {
    services = mkOption { type = types.attrsOf serviceType; default = { }; description = "Service units, by name (without .service)."; };
    timers = mkOption { type = types.attrsOf timerType; default = { }; description = "Timer units, by name."; };
    sockets = mkOption { type = types.attrsOf socketType; default = { }; description = "Socket units, by name."; };
    targets = mkOption { type = types.attrsOf targetType; default = { }; description = "Target units, by name."; };
  };
  options.system.build.units = mkOption {
    type = types.attrsOf types.package;
    internal = true;
    readOnly = true;
    description = "The generated unit files, by unit name.";
  };

  config = {
    systemd.timers = startAtTimers;
    system.build.units = unitFiles;
    environment.etc = lib.listToAttrs etcEntries;
  };
}
