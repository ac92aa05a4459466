# Every module of cairn's system layer, evaluated for each configuration.
[
  ./misc/nixpkgs.nix
  ./misc/assertions.nix
  ./config/etc.nix
  ./config/system-path.nix
  ./config/users-groups.nix
  ./config/networking.nix
  ./config/locale.nix
  ./system/systemd.nix
  ./system/boot.nix
  ./system/specialisation.nix
  ./system/toplevel.nix
  ./services/openssh.nix
  ./services/nginx.nix
]
