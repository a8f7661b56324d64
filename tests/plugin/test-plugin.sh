#!/bin/bash
# The plug-in through headless GIMP and Script-Fu, with a throwaway HOME and
# GIMP2_DIRECTORY holding only this plug-in.
#   test-plugin.sh bad-input   no weights needed: empty layer, 1x1 image,
#                              a layer group, corrupt and missing weights
#                              folders
#   test-plugin.sh weights     needs weights/: skips (77) until they exist.
#                              The detection cases use the astronaut photo
#                              (tests/ops/astronaut.sh; python3-skimage) and
#                              fail without it.
# Headless GIMP exits 0 even when a batch command fails, so every case checks
# the files it saved and greps stderr.
# Environment (set by meson): TOOL, PLUGIN (the built plug-in),
# UNMASK_GEGL_OPDIR (build/ops), UNMASK_WEIGHTS (source weights/),
# UNMASK_CLI (the unmask CLI), ASTRONAUT_SH (tests/ops/astronaut.sh).
# UNMASK_TEST_WEIGHTS=DIR (optional, as for the pipeline tests) runs the
# weights cases with DIR instead, e.g. a snapshot of a training run; the
# plug-in is then given DIR as its weights folder (else "": the default).
set -u
mode=${1:-bad-input}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail () { echo "FAIL: $*"; fails=$((fails + 1)); }
ok () { echo "ok: $*"; }
field () { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
# mk_input WHAT ARGS...: a test input from test-image-tool; a failure stops the
# test with a clear message (an unchecked failure used to surface later as
# "GIMP saved no output").
mk_input () { "$TOOL" "$@" || { echo "FAIL: test-image-tool $* failed"; exit 1; }; }

# Snapshot what the build folder provides: the test runs for a minute, and a
# rebuild of the same build folder meanwhile (another `ninja -C build`, or a
# `meson test` in another shell) relinks these files in place; a case that
# runs them during the relink fails ("Permission denied", "GIMP saved no
# output").  The copies cannot change under the test (the plug-in itself is
# copied into the throwaway profile below).
mkdir -p "$tmp/bin" "$tmp/ops"
cp "$TOOL" "$tmp/bin/test-image-tool" && cp "$UNMASK_GEGL_OPDIR"/*.so "$tmp/ops/" \
  || { echo "FAIL: cannot copy the built test helpers"; exit 1; }
TOOL=$tmp/bin/test-image-tool UNMASK_GEGL_OPDIR=$tmp/ops
if [ -n "${UNMASK_CLI:-}" ] && [ -x "$UNMASK_CLI" ]; then
  cp "$UNMASK_CLI" "$tmp/bin/unmask" && UNMASK_CLI=$tmp/bin/unmask
fi

W=${UNMASK_TEST_WEIGHTS:-$UNMASK_WEIGHTS}
if [ "$mode" = weights ] && { [ ! -f "$W/detector.safetensors" ] ||
                               [ ! -f "$W/inpainter.safetensors" ]; }; then
  echo "SKIP: no trained weights in $W yet (detector.safetensors, inpainter.safetensors)"
  exit 77
fi
wdir=
[ "$W" != "$UNMASK_WEIGHTS" ] && wdir=$W

export HOME=$tmp/home
export GIMP2_DIRECTORY=$tmp/home/gimp
export UNMASK_GEGL_OPDIR
unset GEGL_PATH
mkdir -p "$GIMP2_DIRECTORY/plug-ins/unmask"
for d in brushes dynamics fonts gradients palettes patterns tool-presets; do
  mkdir -p "$GIMP2_DIRECTORY/$d"
done
cp "$PLUGIN" "$GIMP2_DIRECTORY/plug-ins/unmask/unmask"

# case NAME INPUT NEW-LAYER WEIGHTS CATCH [SELECTION-SCHEME [RUN-MODE]]
# Runs the plug-in on INPUT and saves the original drawable to NAME-out.png and
# the active (maybe new) layer to NAME-top.png; prints "layers=N" on stderr.
# CATCH=1 wraps the call in (catch …) so that the saves still run after an
# error; CATCH=2 expects the error to stop the script (no files).  stderr
# goes to NAME.err.  SELECTION-SCHEME runs before the call; RUN-MODE is
# RUN-NONINTERACTIVE unless given.
run_case () {
  local name=$1 in=$2 newlayer=$3 weights=$4 catch=$5 select=${6:-} mode=${7:-RUN-NONINTERACTIVE}
  local call="(plug-in-unmask-remove-face-mask $mode image drawable 0.5 4 3 0 $newlayer \"$weights\")"
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
  local rc start=$SECONDS
  gimp-console-2.10 -i -d -f -c -b "$scheme" -b '(gimp-quit 0)' > "$tmp/$name.out" 2> "$tmp/$name.err"
  rc=$?
  if [ "$catch" != 2 ] && [ ! -s "$out" ]; then
    fail "$name: GIMP saved no output (exit status $rc after $((SECONDS - start)) s)"
    cat "$tmp/$name.out" "$tmp/$name.err"; return 1
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

mk_input face "$tmp/face.png" "$tmp/cover.png"

if [ "$mode" = bad-input ]; then
  mk_input empty "$tmp/empty.png" 64 64
  mk_input plain "$tmp/tiny.png" 1 1
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
  # A layer group cannot be written: refused before any work (the plug-in
  # used to run and leave GIMP's own "cannot be modified" error behind).
  run_case group "$tmp/face.png" FALSE "" 1 \
    "(let ((g (car (gimp-layer-group-new image))))
       (gimp-image-insert-layer image g 0 0)
       (gimp-image-reorder-item image drawable g 0)
       (set! drawable g))" &&
    expect_untouched group "$tmp/face.png" "not on a layer group"
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
echo "weights: $W"
mk_input plain "$tmp/plain.png" 320 240
# shellcheck source=../ops/astronaut.sh
. "$ASTRONAUT_SH"
if astro_msg=$(make_astronaut "$tmp" "$W"); then
  echo "$astro_msg"
  # Detection on a real photo: the drawn mask is repainted, in place...
  if run_case face "$tmp/astro.png" FALSE "$wdir" 0; then
    grep -q "batch command experienced an execution error" "$tmp/face.err" \
      && { fail "face: execution error"; cat "$tmp/face.err"; }
    d=$("$TOOL" diff "$tmp/astro.png" "$tmp/face-top.png" "$tmp/astro-cover.png" 0)
    mad=$(field inside_mad "$d")
    awk -v m="$mad" 'BEGIN { exit !(m > 8) }' && ok "face: masked region repainted (mean change $mad)" \
      || { fail "face: masked region barely changed: $d"; cat "$tmp/face.err"; }
    # ...and every pixel outside the grown hole is identical.  The hole is
    # the one the CLI finds with the plug-in's settings (same pipeline).
    if "$UNMASK_CLI" detect "$tmp/astro.png" --weights "$W" --sensitivity 0.5 --grow 4 \
         --feather 3 --mask-out "$tmp/hole.png" > /dev/null 2> "$tmp/detect.err"; then
      d=$("$TOOL" diff "$tmp/astro.png" "$tmp/face-top.png" "$tmp/hole.png" 5)
      [ "$(field outside "$d")" = 0 ] && ok "face: every pixel outside the grown hole is identical" \
        || fail "face: pixels outside the grown hole changed: $d"
    else
      fail "unmask detect failed"; cat "$tmp/detect.err"
    fi
  fi
  # ...or on a new layer.
  if run_case newlayer "$tmp/astro.png" TRUE "$wdir" 0; then
    grep -q "layers=2" "$tmp/newlayer.err" && ok "new-layer: a layer was added" \
      || { fail "new-layer: no new layer"; cat "$tmp/newlayer.err"; }
    d=$("$TOOL" diff "$tmp/astro.png" "$tmp/newlayer-out.png")
    [ "$(field differ "$d")" = 0 ] && ok "new-layer: the original layer is untouched" \
      || fail "new-layer: the original layer changed: $d"
    d=$("$TOOL" diff "$tmp/astro.png" "$tmp/newlayer-top.png" "$tmp/astro-cover.png" 0)
    mad=$(field inside_mad "$d")
    awk -v m="$mad" 'BEGIN { exit !(m > 8) }' && ok "new-layer: the new layer holds the repainted face (mean change $mad)" \
      || fail "new-layer: the new layer is not repainted: $d"
  fi
  # The dialog's Detection size reaches the op: RUN-WITH-LAST-VALS (how a
  # script repeats the dialog's settings) takes it from the stored last
  # values, set here as the dialog stores them (UnmaskVals, plugin/
  # unmask-plugin.c: 3 doubles, 2 ints, 1024 chars, 2 doubles).  Six small
  # masked astronauts on a 2400 x 1600 photo (masks about 36 x 25 px): a
  # 1024-px view finds none of them, a 2400-px view all six.
  convert -size 2400x1600 xc:'rgb(115,115,115)' \( "$tmp/astro.png" -resize 140x140 -write mpr:a +delete \) \
    mpr:a -geometry +230+300 -composite mpr:a -geometry +1030+260 -composite \
    mpr:a -geometry +1830+220 -composite mpr:a -geometry +290+1100 -composite \
    mpr:a -geometry +1090+1060 -composite mpr:a -geometry +1890+1020 -composite "$tmp/group.png" \
    || fail "last values: convert could not make the group photo"
  for size in 1024 2400; do
    bytes=$(python3 -c "import struct, sys
b = struct.pack('<dddii1024sdd', 0.5, 4, 3, 0, 0, sys.argv[1].encode(), 0.5, float(sys.argv[2]))
print(len(b), ' '.join(map(str, b)))" "$wdir" "$size")
    run_case "last$size" "$tmp/group.png" FALSE "" 0 \
      "(gimp-procedural-db-set-data \"plug-in-unmask-remove-face-mask\" ${bytes%% *} #(${bytes#* }))" \
      RUN-WITH-LAST-VALS || continue
    d=$("$TOOL" diff "$tmp/group.png" "$tmp/last$size-out.png")
    echo "last values, Detection size $size: $d"
    if [ $size = 1024 ]; then
      expect_untouched last1024 "$tmp/group.png" "No face mask was found"
    else
      [ "$(field differ "$d")" -gt 6000 ] && ok "last values, Detection size 2400: the six small masks repainted" \
        || { fail "last values, Detection size 2400: too little repainted: $d"; cat "$tmp/last2400.err"; }
    fi
  done
else
  fail "detection cases not run: $astro_msg"
fi

# A selection is the hole: exactly it is repainted (unmask:inpaint; no
# detection, so the cartoon face).
mk_input rect "$tmp/sel.png" 256 256 96 150 64 40
if run_case selection "$tmp/face.png" FALSE "$wdir" 0 \
     "(gimp-image-select-rectangle image CHANNEL-OP-REPLACE 96 150 64 40)"; then
  d=$("$TOOL" diff "$tmp/face.png" "$tmp/selection-out.png" "$tmp/sel.png" 4)
  [ "$(field outside "$d")" = 0 ] && ok "selection: pixels outside it untouched" \
    || fail "selection: pixels outside changed: $d"
  [ "$(field inside "$d")" -gt 0 ] && ok "selection: repainted" || fail "selection: not repainted: $d"
fi

if run_case noface "$tmp/plain.png" TRUE "$wdir" 0; then
  expect_untouched noface "$tmp/plain.png" "No face mask was found"
  grep -q "batch command experienced an execution error" "$tmp/noface.err" \
    && fail "noface: should succeed (with a message)" || ok "noface: succeeds, so batches go on"
fi

[ -n "${UNMASK_KEEP:-}" ] && { mkdir -p "$UNMASK_KEEP" && cp "$tmp"/*.png "$UNMASK_KEEP"/; echo "images kept in $UNMASK_KEEP"; }
echo "$fails failure(s)"
[ $fails -eq 0 ]
