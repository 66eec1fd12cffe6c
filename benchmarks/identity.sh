#!/usr/bin/env bash
# identity.sh VENV OUTDIR CSV [FIELDS_JSON]: every report format and a pack of CSV, for a byte-for-byte
# comparison of two installs (`diff -r OUT_A OUT_B`; only pack's echo of its own --out path differs).
set -u
venv=$1; out=$2; csv=$3; schema=${4:+--schema $4}
rm -rf "$out"; mkdir -p "$out"
run() { name=$1; shift; "$venv/bin/csvprep" "$@" > "$out/$name.stdout" 2> "$out/$name.stderr"; echo "rc=$?" > "$out/$name.rc"; }
for f in json csv table; do run "check-$f" check "$csv" --module Contacts $schema -q --format $f; done
run check-update check "$csv" --module Contacts $schema -q --format json --operation update
run pack pack "$csv" --module Contacts $schema -q --out "$out/pack"
run pack-small pack "$csv" --module Contacts $schema -q --out "$out/pack-small" --max-rows 4
