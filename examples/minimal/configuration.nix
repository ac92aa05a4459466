# The smallest useful system: one user, a host name, an /etc file. It builds
# quickly: no services, and only bash and coreutils in the environment.
#
#   cairn system switch -c examples/minimal/configuration.nix --root /tmp/mini
{ pkgs, ... }:
{
  networking.hostName = "mini";
  environment.corePackages = [ pkgs.bash pkgs.coreutils ];
  users.users.alice = {
    isNormalUser = true;
    extraGroups = [ "wheel" ];
  };
  environment.etc."motd".text = "Hello from a cairn system.\n";
  system.stateVersion = "25.11";
}
