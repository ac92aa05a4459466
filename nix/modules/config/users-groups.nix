# `users.users` and `users.groups`: declared accounts. They reach the root
# through the activation plan: cairn-system rewrites passwd, group, shadow
# and gshadow keeping entries it does not manage, allocates ids (normal
# users from 1000 up, system ones from 999 down) and remembers them so a
# user removed and added again gets its id back.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.users;

  userType = types.submodule ({ name, config, ... }: {
    options = {
      name = mkOption {
        type = types.passwdEntry types.str;
        default = name;
        description = "The user's login name.";
      };
      uid = mkOption {
        type = types.nullOr types.int;
        default = null;
        description = "The user's id; allocated (and remembered) when null.";
      };
      isNormalUser = mkOption {
        type = types.bool;
        default = false;
        description = "A person: group `users`, a home in /home, a login shell, an id from 1000.";
      };
      isSystemUser = mkOption {
        type = types.bool;
        default = false;
        description = "An account for a service: an id below 1000, no login shell by default.";
      };
      group = mkOption {
        type = types.str;
        default = if config.isNormalUser then "users" else "";
        description = "The user's primary group.";
      };
      extraGroups = mkOption {
        type = types.listOf types.str;
        default = [ ];
        description = "Other groups the user belongs to.";
      };
      description = mkOption {
        type = types.passwdEntry types.str;
        default = "";
        example = "Alice Q. User";
        description = "The GECOS field: usually the user's full name.";
      };
      home = mkOption {
        type = types.passwdEntry types.str;
        default = if config.isNormalUser then "/home/${name}" else "/var/empty";
        description = "The user's home directory.";
      };
      createHome = mkOption {
        type = types.bool;
        default = config.isNormalUser;
        description = "Whether activation creates the home directory, owned by the user.";
      };
      shell = mkOption {
        type = types.nullOr (types.either types.package types.str);
        default = if config.isNormalUser then pkgs.bash else null;
        defaultText = lib.literalExpression "if isNormalUser then pkgs.bash else null (nologin)";
        description = "The login shell: a package (its main program, linked in the system environment) or a path.";
      };
      hashedPassword = mkOption {
        type = types.nullOr (types.passwdEntry types.str);
        default = null;
        description = "The password hash (crypt(3), e.g. from `mkpasswd`); null locks the password.";
      };
      openssh.authorizedKeys.keys = mkOption {
        type = types.listOf types.singleLineStr;
        default = [ ];
        description = "SSH public keys that may log in as this user.";
      };
    };
  });

  groupType = types.submodule ({ name, ... }: {
    options = {
      name = mkOption {
        type = types.passwdEntry types.str;
        default = name;
        description = "The group's name.";
      };
      gid = mkOption {
        type = types.nullOr types.int;
        default = null;
        description = "The group's id; allocated (and remembered) when null.";
      };
      members = mkOption {
        type = types.listOf types.str;
        default = [ ];
        description = "Users in the group (besides those listing it in extraGroups).";
      };
    };
  });

  users = lib.attrValues cfg.users;

  shellPath = u:
    if u.shell == null then "/run/current-system/sw/bin/nologin"
    else if lib.isDerivation u.shell then "/run/current-system/sw/bin/${u.shell.meta.mainProgram or "bash"}"
    else u.shell;

  membersOf = g: lib.unique (g.members
    ++ map (u: u.name) (lib.filter (u: builtins.elem g.name u.extraGroups) users));

  nologin = pkgs.writeShellScriptBin "nologin" ''
    echo "This account is currently not available." >&2
    exit 1
  '';
in
{
  options.users = {
    users = mkOption {
      type = types.attrsOf userType;
      default = { };
      description = "User accounts, by name.";
    };
    groups = mkOption {
      type = types.attrsOf groupType;
      default = { };
      description = "Groups, by name.";
    };
    mutableUsers = mkOption {
      type = types.bool;
      default = true;
      description = "Keep passwords changed with passwd(1) (true), or make them exactly hashedPassword (false).";
    };
  };
  options.system.activationPlan.users = mkOption { type = types.attrs; internal = true; readOnly = true; description = "Users for the plan."; };
  options.system.activationPlan.groups = mkOption { type = types.attrs; internal = true; readOnly = true; description = "Groups for the plan."; };

  config = {
    users.users = {
      root = {
        uid = 0;
        group = "root";
        home = "/root";
        shell = lib.mkDefault pkgs.bash;
        description = "System administrator";
      };
      nobody = {
        uid = 65534;
        isSystemUser = true;
        group = "nogroup";
        description = "Unprivileged account (don't use!)";
      };
    };
    users.groups = {
      root.gid = 0;
      wheel.gid = 1;
      users.gid = 100;
      nogroup.gid = 65534;
    };

    environment.systemPackages = [ nologin ]
      ++ lib.unique (lib.filter lib.isDerivation (map (u: u.shell) users));

    # Per-user SSH keys as /etc files (sshd reads /etc/ssh/authorized_keys.d/%u).
    environment.etc = lib.listToAttrs (map (u: lib.nameValuePair "ssh/authorized_keys.d/${u.name}" {
      text = lib.concatStringsSep "\n" u.openssh.authorizedKeys.keys + "\n";
      mode = "0444";
    }) (lib.filter (u: u.openssh.authorizedKeys.keys != [ ]) users));

    assertions = lib.concatMap (u: [
      {
        assertion = u.uid == 0 || (u.isNormalUser != u.isSystemUser);
        message = "Exactly one of users.users.${u.name}.isSystemUser and users.users.${u.name}.isNormalUser must be set.";
      }
      {
        assertion = u.group != "";
        message = "users.users.${u.name}.group is unset. This used to default to\nnogroup, but this is unsafe. For example you can create a group\nfor this user with:\nusers.users.${u.name}.group = \"${u.name}\";\nusers.groups.${u.name} = {};";
      }
      {
        assertion = u.group == "" || cfg.groups ? ${u.group};
        message = "users.users.${u.name}.group = \"${u.group}\" is not a declared group (users.groups.${u.group}).";
      }
    ]) users;

    system.activationPlan.users = lib.listToAttrs (map (u: lib.nameValuePair u.name {
      inherit (u) uid group extraGroups description home createHome hashedPassword isSystemUser isNormalUser;
      shell = shellPath u;
      authorizedKeys = u.openssh.authorizedKeys.keys;
    }) users);
    system.activationPlan.groups = lib.mapAttrs' (_: g: lib.nameValuePair g.name {
      inherit (g) gid;
      members = membersOf g;
    }) cfg.groups;
  };
}
