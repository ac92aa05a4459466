# Time zone and locale.
{ config, lib, ... }:
let inherit (lib) mkOption types; in
{
  options = {
    time.timeZone = mkOption {
      type = types.nullOr (types.strMatching "[^ ]+");
      default = null;
      example = "Europe/Berlin";
      description = "The time zone (a name from the tz database); null leaves /etc/localtime alone.";
    };
    i18n.defaultLocale = mkOption {
      type = types.str;
      default = "en_US.UTF-8";
      description = "The locale of the system (LANG).";
    };
  };
  config.environment.etc."locale.conf".text = "LANG=${config.i18n.defaultLocale}\n";
}
