#!/usr/bin/env bash
# Sourced by the zoo's training scripts (`source scripts/zoo/from_git.sh`): defines from_git <commit> <shipped
# name> <folder>, which writes the weight folder public/models/<name> as it was at <commit> into <folder>
# (once; an existing folder is kept). Run on its own it does nothing but answer --help.
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; [ "${BASH_SOURCE[0]}" = "$0" ] && exit 0 ;; esac
from_git() {
  if [ ! -f "$3/model.json" ]; then
    rm -rf "$3.tmp"
    mkdir -p "$3.tmp"
    for f in model.json weights.bin; do git show "$1:public/models/$2/$f" > "$3.tmp/$f"; done
    mv "$3.tmp" "$3"
  fi
}
