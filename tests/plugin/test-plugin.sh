#!/bin/bash
# The plug-in through headless GIMP and Script-Fu, with a throwaway HOME and
# GIMP2_DIRECTORY holding only this plug-in.
#   test-plugin.sh bad-input   no weights needed: empty layer, 1x1 image,
#                              corrupt and missing weights folders
#   test-plugin.sh weights     needs weights/: skips (77) until they exist
# Headless GIMP exits 0 even when a batch command fails, so every case checks
# the files it saved and greps stderr.
# Environment (set by meson): TOOL, PLUGIN (the built plug-in),
# UNMASK_GEGL_OPDIR (build/ops), UNMASK_WEIGHTS (source weights/).
set -u
mode=${1:-bad-input}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail () { echo "FAIL: $*"; fails=$((fails + 1)); }
ok () { echo "ok: $*"; }
field () { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

if [ "$mode" = weights ] && { [ ! -f "$UNMASK_WEIGHTS/detector.safetensors" ] ||
                               [ ! -f "$UNMASK_WEIGHTS/inpainter.safetensors" ]; }; then
  echo "SKIP: no trained weights in $UNMASK_WEIGHTS yet (detector.safetensors, inpainter.safetensors)"
  exit 77
fi

export HOME=$tmp/home
export GIMP2_DIRECTORY=$tmp/home/gimp
export UNMASK_GEGL_OPDIR
unset GEGL_PATH
mkdir -p "$GIMP2_DIRECTORY/plug-ins/unmask"
for d in brushes dynamics fonts gradients palettes patterns tool-presets; do
  mkdir -p "$GIMP2_DIRECTORY/$d"
done
cp "$PLUGIN" "$GIMP2_DIRECTORY/plug-ins/unmask/unmask"

# case NAME INPUT NEW-LAYER WEIGHTS CATCH [SELECTION-SCHEME]
# Runs the plug-in on INPUT and saves the original drawable to NAME-out.png and
# the active (maybe new) layer to NAME-top.png; prints "layers=N" on stderr.
# CATCH=1 wraps the call in (catch …) so that the saves still run after an
# error; CATCH=2 expects the error to stop the script (no files).  stderr
# goes to NAME.err.
run_case () {
  local name=$1 in=$2 newlayer=$3 weights=$4 catch=$5 select=${6:-}
  local call="(plug-in-unmask-remove-face-mask RUN-NONINTERACTIVE image drawable 0.5 4 3 0 $newlayer \"$weights\")"
  [ "$catch" = 1 ] && call="(catch #f $call)"
  local out=$tmp/$name-out.png top=$tmp/$name-top.png
  local scheme="(let* ((image (car (gimp-file-load RUN-NONINTERACTIVE \"$in\" \"$in\")))
                       (drawable (car (gimp-image-get-active-layer image))))
                  $select
                  $call
                  (gimp-message (string-append \"layers=\" (number->string (car (gimp-image-get-layers image)))))
                  (gimp-file-save RUN-NONINTERACTIVE image drawable \"$out\" \"$out\")
                  (gimp-file-save RUN-NONINTERACTIVE image (car (gimp-image-get-active-layer image)) \"$top\" \"$top\")
                  (gimp-image-delete image))"
  rm -f "$out" "$top"
  gimp-console-2.10 -i -d -f -c -b "$scheme" -b '(gimp-quit 0)' > "$tmp/$name.out" 2> "$tmp/$name.err"
  if [ "$catch" != 2 ] && [ ! -s "$out" ]; then
    fail "$name: GIMP saved no output"; cat "$tmp/$name.out" "$tmp/$name.err"; return 1
  fi
  return 0
}

# expect_untouched NAME INPUT MESSAGE-REGEX
expect_untouched () {
  local name=$1 in=$2 msg=$3 d
  grep -q "layers=1" "$tmp/$name.err" || { fail "$name: a layer was added"; cat "$tmp/$name.err"; }
  d=$("$TOOL" diff "$in" "$tmp/$name-out.png")
  [ "$(field differ "$d")" = 0 ] && ok "$name: image untouched" || fail "$name: image changed: $d"
  grep -Eq "$msg" "$tmp/$name.err" && ok "$name: clear message" \
    || { fail "$name: no message matching '$msg'"; cat "$tmp/$name.err"; }
}

"$TOOL" face "$tmp/face.png" "$tmp/cover.png" || exit 1

if [ "$mode" = bad-input ]; then
  "$TOOL" empty "$tmp/empty.png" 64 64
  "$TOOL" plain "$tmp/tiny.png" 1 1
  mkdir -p "$tmp/bad"
  head -c 3000 /dev/urandom > "$tmp/bad/detector.safetensors"
  printf 'not a safetensors file' > "$tmp/bad/inpainter.safetensors"

  run_case empty "$tmp/empty.png" TRUE "" 1 &&
    expect_untouched empty "$tmp/empty.png" "layer is empty"
  run_case tiny "$tmp/tiny.png" TRUE "" 1 &&
    expect_untouched tiny "$tmp/tiny.png" "too small"
  run_case corrupt "$tmp/face.png" TRUE "$tmp/bad" 1 &&
    expect_untouched corrupt "$tmp/face.png" "Cannot load the face mask networks.*detector.safetensors"
  run_case missing "$tmp/face.png" TRUE "$tmp/nowhere" 1 &&
    expect_untouched missing "$tmp/face.png" "weights folder .*does not exist"
  # Failures are PDB errors, so a script notices them.
  run_case uncaught "$tmp/face.png" FALSE "$tmp/nowhere" 2
  grep -q "batch command experienced an execution error" "$tmp/uncaught.err" \
    && ok "a failure is a PDB execution error" \
    || { fail "a failure did not reach Script-Fu"; cat "$tmp/uncaught.err"; }
  echo "$fails failure(s)"
  [ $fails -eq 0 ]
  exit
fi

# ---- with the trained weights -------------------------------------------
"$TOOL" plain "$tmp/plain.png" 320 240

if run_case face "$tmp/face.png" FALSE "" 0; then
  grep -q "batch command experienced an execution error" "$tmp/face.err" \
    && { fail "face: execution error"; cat "$tmp/face.err"; }
  d=$("$TOOL" diff "$tmp/face.png" "$tmp/face-top.png" "$tmp/cover.png" 0)
  mad=$(field inside_mad "$d")
  awk -v m="$mad" 'BEGIN { exit !(m > 8) }' && ok "face: masked region repainted (mean change $mad)" \
    || { fail "face: masked region barely changed: $d"; cat "$tmp/face.err"; }
fi

if run_case newlayer "$tmp/face.png" TRUE "" 0; then
  grep -q "layers=2" "$tmp/newlayer.err" && ok "new-layer: a layer was added" \
    || fail "new-layer: no new layer"
  d=$("$TOOL" diff "$tmp/face.png" "$tmp/newlayer-out.png")
  [ "$(field differ "$d")" = 0 ] && ok "new-layer: the original layer is untouched" \
    || fail "new-layer: the original layer changed: $d"
  d=$("$TOOL" diff "$tmp/face.png" "$tmp/newlayer-top.png")
  [ "$(field differ "$d")" -gt 0 ] && ok "new-layer: the new layer holds the result" \
    || fail "new-layer: the new layer is unchanged"
fi

# A selection is the hole: exactly it is repainted (unmask:inpaint).
"$TOOL" rect "$tmp/sel.png" 256 256 96 150 64 40
if run_case selection "$tmp/face.png" FALSE "" 0 \
     "(gimp-image-select-rectangle image CHANNEL-OP-REPLACE 96 150 64 40)"; then
  d=$("$TOOL" diff "$tmp/face.png" "$tmp/selection-out.png" "$tmp/sel.png" 4)
  [ "$(field outside "$d")" = 0 ] && ok "selection: pixels outside it untouched" \
    || fail "selection: pixels outside changed: $d"
  [ "$(field inside "$d")" -gt 0 ] && ok "selection: repainted" || fail "selection: not repainted: $d"
fi

if run_case noface "$tmp/plain.png" TRUE "" 0; then
  expect_untouched noface "$tmp/plain.png" "No face mask was found"
  grep -q "batch command experienced an execution error" "$tmp/noface.err" \
    && fail "noface: should succeed (with a message)" || ok "noface: succeeds, so batches go on"
fi

echo "$fails failure(s)"
[ $fails -eq 0 ]
