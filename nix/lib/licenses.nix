# A handful of licenses, keyed by the attribute names nixpkgs users write
# (`lib.licenses.mit`). `free` drives the collection's unfree policy;
# `spdxId` is the SPDX identifier where one exists.
{ lib }:
let
  spdx = id: fullName: extra: {
    spdxId = id;
    shortName = id;
    inherit fullName;
    url = "https://spdx.org/licenses/${id}.html";
    free = true;
    redistributable = true;
    deprecated = false;
  } // extra;
  nonSpdx = shortName: fullName: free: {
    inherit shortName fullName free;
    redistributable = free;
    deprecated = false;
  };
in
{
  mit = spdx "MIT" "MIT License" { };
  asl20 = spdx "Apache-2.0" "Apache License 2.0" { };
  bsd0 = spdx "0BSD" "BSD Zero Clause License" { };
  bsd2 = spdx "BSD-2-Clause" "BSD 2-clause \"Simplified\" License" { };
  bsd3 = spdx "BSD-3-Clause" "BSD 3-clause \"New\" or \"Revised\" License" { };
  isc = spdx "ISC" "ISC License" { };
  zlib = spdx "Zlib" "zlib License" { };
  mpl20 = spdx "MPL-2.0" "Mozilla Public License 2.0" { };
  gpl2Only = spdx "GPL-2.0-only" "GNU General Public License v2.0 only" { };
  gpl2Plus = spdx "GPL-2.0-or-later" "GNU General Public License v2.0 or later" { };
  gpl3Only = spdx "GPL-3.0-only" "GNU General Public License v3.0 only" { };
  gpl3Plus = spdx "GPL-3.0-or-later" "GNU General Public License v3.0 or later" { };
  lgpl2Plus = spdx "LGPL-2.0-or-later" "GNU Library General Public License v2 or later" { };
  lgpl21Only = spdx "LGPL-2.1-only" "GNU Lesser General Public License v2.1 only" { };
  lgpl21Plus = spdx "LGPL-2.1-or-later" "GNU Lesser General Public License v2.1 or later" { };
  lgpl3Only = spdx "LGPL-3.0-only" "GNU Lesser General Public License v3.0 only" { };
  lgpl3Plus = spdx "LGPL-3.0-or-later" "GNU Lesser General Public License v3.0 or later" { };
  agpl3Only = spdx "AGPL-3.0-only" "GNU Affero General Public License v3.0 only" { };
  agpl3Plus = spdx "AGPL-3.0-or-later" "GNU Affero General Public License v3.0 or later" { };
  cc0 = spdx "CC0-1.0" "Creative Commons Zero v1.0 Universal" { };
  cc-by-40 = spdx "CC-BY-4.0" "Creative Commons Attribution 4.0" { };
  cc-by-sa-40 = spdx "CC-BY-SA-4.0" "Creative Commons Attribution Share Alike 4.0" { };
  curl = spdx "curl" "curl License" { };
  bzip2 = spdx "bzip2-1.0.6" "bzip2 and libbzip2 License v1.0.6" { };
  tcltk = spdx "TCL" "TCL/TK License" { };
  gpl1Plus = spdx "GPL-1.0-or-later" "GNU General Public License v1.0 or later" { };
  artistic1 = spdx "Artistic-1.0-Perl" "Artistic License 1.0 (Perl)" { };
  openssl = spdx "OpenSSL" "OpenSSL License" { };
  boost = spdx "BSL-1.0" "Boost Software License 1.0" { };
  psfl = spdx "Python-2.0" "Python Software Foundation License version 2" { };
  unlicense = spdx "Unlicense" "The Unlicense" { };
  publicDomain = nonSpdx "publicDomain" "Public Domain" true;
  free = nonSpdx "free" "Unspecified free software license" true;
  unfree = nonSpdx "unfree" "Unfree" false;
  unfreeRedistributable = nonSpdx "unfreeRedistributable" "Unfree redistributable" false // { redistributable = true; };
  unfreeRedistributableFirmware = nonSpdx "unfreeRedistributableFirmware" "Unfree redistributable firmware" false // { redistributable = true; };
}
