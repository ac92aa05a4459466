{ imports = [ ./declare-list.nix ]; items = [ "fine" 1 ]; }
