{ imports = [ ./declare-list.nix ./define-b.nix ]; items = [ "a" ]; }
