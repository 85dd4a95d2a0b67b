# Sourced by the zoo's training scripts: from_git <commit> <shipped name> <folder> writes the weight folder
# public/models/<name> as it was at <commit> into <folder> (once; an existing folder is kept).
from_git() {
  if [ ! -f "$3/model.json" ]; then
    rm -rf "$3.tmp"
    mkdir -p "$3.tmp"
    for f in model.json weights.bin; do git show "$1:public/models/$2/$f" > "$3.tmp/$f"; done
    mv "$3.tmp" "$3"
  fi
}
