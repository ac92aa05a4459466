{ imports = [ ./declare-list.nix ]; items = [ "b" ]; }
