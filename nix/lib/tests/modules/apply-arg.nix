answer: { lib, ... }: { options.answer = lib.mkOption { type = lib.types.int; default = answer; }; }
