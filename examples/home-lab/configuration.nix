# A home server: two users with SSH keys, OpenSSH, nginx serving a static
# site, a custom service with a daily timer, a few tools.
#
#   cairn system switch -c examples/home-lab/configuration.nix --root /tmp/lab
{ config, lib, pkgs, ... }:
let
  # The site nginx serves, built into the store.
  site = pkgs.writeTextDir "index.html" ''
    <!doctype html>
    <title>lab</title>
    <h1>Served by nginx on ${config.networking.hostName}</h1>
  '';
in
{
  networking.hostName = "lab";
  time.timeZone = "Europe/Berlin";
  i18n.defaultLocale = "en_US.UTF-8";

  users.users.alice = {
    isNormalUser = true;
    description = "Alice";
    extraGroups = [ "wheel" ];
    openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOmJrSPXdL5bsg0Cq7ZuJm1ngoOK1ExKkmzb4hkCjDmq alice@laptop" ];
  };
  users.users.bob = {
    isNormalUser = true;
    description = "Bob";
    openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFs5yM0TBg0zJtn9xyOkBoA6rnW7hW3k5gdVtq6fXGwP bob@desktop" ];
  };

  services.openssh = {
    enable = true;
    settings = {
      PasswordAuthentication = false;
      PermitRootLogin = "no";
    };
  };

  # Only ssh and http get in (an nftables ruleset and its unit).
  networking.firewall = {
    enable = true;
    allowedTCPPorts = [ 22 80 ];
  };

  services.nginx = {
    enable = true;
    virtualHosts."lab.home" = {
      default = true;
      root = site;
    };
  };

  # Keeps a dated list of what is in /srv, every night.
  systemd.services.inventory = {
    description = "Inventory of /srv";
    startAt = "*-*-* 03:00:00";
    path = [ pkgs.findutils pkgs.coreutils ];
    script = ''
      mkdir -p /var/lib/inventory
      find /srv -xdev -type f > /var/lib/inventory/$(date +%F).txt
    '';
    serviceConfig.Type = "oneshot";
  };

  # Debian's prebuilt kernel, an initrd for it, and a boot menu entry per
  # generation (systemd-boot and GRUB) under /boot.
  boot.kernelPackage = pkgs.linux;
  boot.kernelParams = [ "root=LABEL=lab" "console=tty0" ];

  environment.systemPackages = with pkgs; [ tree curl file less ];
  environment.etc."motd".text = ''
    Welcome to the lab. This machine is managed by cairn: edit
    configuration.nix and run `cairn system switch`.
  '';

  system.stateVersion = "25.11";
}
