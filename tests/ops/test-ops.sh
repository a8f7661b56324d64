#!/bin/bash
# The GEGL ops through the `gegl` CLI.
#   test-ops.sh plumbing   no weights needed: module loads, pass-through
#                          cases, corrupt weights
#   test-ops.sh weights    needs weights/: skips (77) until they exist.  The
#                          detection cases use the astronaut photo
#                          (astronaut.sh; python3-skimage) and fail without it.
# Environment (set by meson): TOOL (test-image-tool), GEGL_PATH (build/ops +
# system dir), UNMASK_WEIGHTS (the source tree's weights/), UNMASK_CLI (the
# unmask CLI), ASTRONAUT_SH (tests/ops/astronaut.sh).
# UNMASK_TEST_WEIGHTS=DIR (optional, as for the pipeline tests) runs the
# weights cases with DIR instead, e.g. a snapshot of a training run.
set -u
mode=${1:-plumbing}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

fail () { echo "FAIL: $*"; fails=$((fails + 1)); }
ok () { echo "ok: $*"; }
# mk_input WHAT ARGS...: a test input from test-image-tool; a failure stops the
# test with a clear message.
mk_input () { "$TOOL" "$@" || { echo "FAIL: test-image-tool $* failed"; exit 1; }; }

# Snapshot what the build folder provides, so that a rebuild of the same
# build folder while the test runs (another ninja or meson test) cannot
# relink them under it.  GEGL_PATH's first entry is build/ops.
mkdir -p "$tmp/bin" "$tmp/ops"
cp "$TOOL" "$tmp/bin/test-image-tool" && cp "${GEGL_PATH%%:*}"/*.so "$tmp/ops/" \
  || { echo "FAIL: cannot copy the built test helpers"; exit 1; }
TOOL=$tmp/bin/test-image-tool
GEGL_PATH=$tmp/ops:${GEGL_PATH#*:}
export GEGL_PATH
if [ -n "${UNMASK_CLI:-}" ] && [ -x "$UNMASK_CLI" ]; then
  cp "$UNMASK_CLI" "$tmp/bin/unmask" && UNMASK_CLI=$tmp/bin/unmask
fi

# run_gegl OUT INPUT OPCHAIN...: the gegl CLI; stderr kept in $tmp/err
run_gegl () {
  local out=$1 in=$2
  shift 2
  gegl "$in" -o "$out" -- "$@" 2> "$tmp/err" > /dev/null
  local rc=$?
  if [ $rc -ne 0 ] || [ ! -s "$out" ]; then
    fail "gegl $* exited $rc"; cat "$tmp/err"; return 1
  fi
  return 0
}

# field NAME "differ=.. inside=.." -> value
field () { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

mk_input face "$tmp/face.png" "$tmp/cover.png"
mk_input plain "$tmp/plain.png" 320 240

if [ "$mode" = plumbing ]; then
  # 1. the composer without aux: pass-through; proves the module loads.
  if run_gegl "$tmp/o1.png" "$tmp/face.png" unmask:inpaint; then
    d=$("$TOOL" diff "$tmp/face.png" "$tmp/o1.png")
    [ "$(field differ "$d")" = 0 ] && ok "inpaint without aux is a pass-through" \
      || fail "inpaint without aux changed pixels: $d"
  fi
  grep -q "undefined symbol\|failing op" "$tmp/err" && { fail "module did not load"; cat "$tmp/err"; }

  # 2. an all-black hole: nothing to repaint, no networks needed.
  mk_input rect "$tmp/black.png" 256 256 0 0 0 0
  if run_gegl "$tmp/o2.png" "$tmp/face.png" unmask:inpaint aux=[ load path="$tmp/black.png" ]; then
    d=$("$TOOL" diff "$tmp/face.png" "$tmp/o2.png")
    [ "$(field differ "$d")" = 0 ] && ok "empty hole is a pass-through" \
      || fail "empty hole changed pixels: $d"
  fi

  # 3. corrupt weights: a warning, output = input, no crash.
  mkdir -p "$tmp/bad"
  head -c 3000 /dev/urandom > "$tmp/bad/detector.safetensors"
  printf 'not a safetensors file' > "$tmp/bad/inpainter.safetensors"
  for op in "unmask:remove-face-mask weights=$tmp/bad" \
            "unmask:inpaint weights=$tmp/bad aux=[ load path=$tmp/cover.png ]"; do
    # shellcheck disable=SC2086
    if run_gegl "$tmp/o3.png" "$tmp/face.png" $op; then
      d=$("$TOOL" diff "$tmp/face.png" "$tmp/o3.png")
      [ "$(field differ "$d")" = 0 ] && ok "corrupt weights leave the image unchanged (${op%% *})" \
        || fail "corrupt weights changed pixels (${op%% *}): $d"
      grep -q "Cannot load the face mask networks" "$tmp/err" \
        && ok "corrupt weights give a clear warning" \
        || { fail "no warning for corrupt weights"; cat "$tmp/err"; }
    fi
  done
  # 4. a missing weights folder likewise.
  if run_gegl "$tmp/o4.png" "$tmp/face.png" unmask:remove-face-mask weights="$tmp/nowhere"; then
    d=$("$TOOL" diff "$tmp/face.png" "$tmp/o4.png")
    [ "$(field differ "$d")" = 0 ] && grep -q "Cannot load" "$tmp/err" \
      && ok "missing weights folder: warning, image unchanged" \
      || { fail "missing weights folder: $d"; cat "$tmp/err"; }
  fi
  echo "$fails failure(s)"
  [ $fails -eq 0 ]
  exit
fi

# ---- with the trained weights -------------------------------------------
# The ops are given the weights folder explicitly only when it is not the
# source tree's weights/, so that normally the bundled-weights default is the
# path under test.
W=${UNMASK_TEST_WEIGHTS:-$UNMASK_WEIGHTS}
if [ ! -f "$W/detector.safetensors" ] || [ ! -f "$W/inpainter.safetensors" ]; then
  echo "SKIP: no trained weights in $W yet (detector.safetensors, inpainter.safetensors)"
  exit 77
fi
wopt=()
[ "$W" != "$UNMASK_WEIGHTS" ] && wopt=(weights="$W")
echo "weights: $W"

grow=4
feather=3
margin=$((feather + 2))

# 5. detection on a real photo: the hole the op would repaint (output=mask)
#    must cover the drawn mask; then the result: the masked region is
#    repainted and every pixel outside the (grown, feathered) hole is
#    identical.
# shellcheck source=astronaut.sh
. "$ASTRONAUT_SH"
if astro_msg=$(make_astronaut "$tmp" "$W"); then
  echo "$astro_msg"
  if run_gegl "$tmp/mask.png" "$tmp/astro.png" unmask:remove-face-mask output=mask grow=$grow feather=$feather "${wopt[@]}"; then
    convert "$tmp/mask.png" -alpha off -colorspace gray "$tmp/mask1.png" 2> /dev/null || cp "$tmp/mask.png" "$tmp/mask1.png"
    # cover vs (cover AND hole): pixels of the drawn mask outside the hole
    d=$("$TOOL" diff "$tmp/astro-cover.png" "$tmp/mask1.png" "$tmp/astro-cover.png" 0)
    cover_px=$("$TOOL" cover "$tmp/astronaut.png" "$tmp/astro.png" "$tmp/c2.png" | sed 's/pixels=//')
    missed=$(field inside "$d")
    echo "detected hole vs drawn mask: $missed of $cover_px mask pixels not in the hole"
    awk -v m="$missed" -v n="$cover_px" 'BEGIN { exit !(m <= 0.1 * n) }' \
      && ok "the detected hole covers the drawn mask" \
      || fail "the detected hole misses $missed of $cover_px mask pixels"
  fi
  # 5b. the same photo enlarged to 2600 px (about 5x) and looked at on a
  #     2048-px view (max-view, detected tile by tile), grow and feather 5x:
  #     the hole still covers the mask.
  if convert "$tmp/astro.png" -filter Triangle -resize 2600x2600 "$tmp/astro-big.png" 2> /dev/null \
    && convert "$tmp/astronaut.png" -filter Triangle -resize 2600x2600 "$tmp/astronaut-big.png" 2> /dev/null \
    && run_gegl "$tmp/mask-big.png" "$tmp/astro-big.png" unmask:remove-face-mask output=mask max-view=2048 grow=$((grow * 5)) feather=$((feather * 5)) "${wopt[@]}"; then
    convert "$tmp/mask-big.png" -alpha off -colorspace gray "$tmp/mask-big1.png" 2> /dev/null || cp "$tmp/mask-big.png" "$tmp/mask-big1.png"
    cover_big=$("$TOOL" cover "$tmp/astronaut-big.png" "$tmp/astro-big.png" "$tmp/cover-big.png" | sed 's/pixels=//')
    d=$("$TOOL" diff "$tmp/cover-big.png" "$tmp/mask-big1.png" "$tmp/cover-big.png" 0)
    missed=$(field inside "$d")
    echo "2600 px, max-view=2048: $missed of $cover_big mask pixels not in the hole"
    awk -v m="$missed" -v n="$cover_big" 'BEGIN { exit !(n > 0 && m <= 0.1 * n) }' \
      && ok "max-view=2048 on a 2600-px photo: the hole covers the drawn mask" \
      || fail "max-view=2048: the hole misses $missed of $cover_big mask pixels"
  fi
  start=$(date +%s.%N)
  if run_gegl "$tmp/out.png" "$tmp/astro.png" unmask:remove-face-mask grow=$grow feather=$feather "${wopt[@]}"; then
    echo "remove-face-mask took $(echo "$(date +%s.%N) - $start" | bc) s"
    d=$("$TOOL" diff "$tmp/astro.png" "$tmp/out.png" "$tmp/astro-cover.png" 0)
    echo "inside the drawn mask: $d"
    mad=$(field inside_mad "$d")
    awk -v m="$mad" 'BEGIN { exit !(m > 8) }' && ok "masked region repainted (mean change $mad)" \
      || fail "masked region barely changed (mean change $mad): no mask found?"
    if [ -f "$tmp/mask1.png" ]; then
      d=$("$TOOL" diff "$tmp/astro.png" "$tmp/out.png" "$tmp/mask1.png" $margin)
      [ "$(field outside "$d")" = 0 ] && ok "every pixel outside the grown hole is identical" \
        || fail "pixels outside the grown hole changed: $d"
    fi
    # 5c. detail=1 paints with the refinement stage: another face in the
    #     hole, the same pixels outside it
    if [ -f "$tmp/mask1.png" ] && run_gegl "$tmp/sharp.png" "$tmp/astro.png" unmask:remove-face-mask detail=1 grow=$grow feather=$feather "${wopt[@]}"; then
      d=$("$TOOL" diff "$tmp/out.png" "$tmp/sharp.png" "$tmp/mask1.png" $margin)
      echo "detail=1 against default: $d"
      [ "$(field outside "$d")" = 0 ] && [ "$(field inside "$d")" -gt 100 ] \
        && ok "detail=1 repaints the hole differently, and only the hole" \
        || fail "detail=1: $d"
    fi
  fi

  # 5d. what the op tells the plug-in (ops/unmask-ops.h): one face, whose
  #     box (where the dialog's preview opens) has its centre on the drawn mask
  if outcome=$("$OP_OUTCOME" "$tmp/astro.png" 2> "$tmp/outcome.err"); then
    echo "op outcome: $outcome"
    read -r cw ch cx cy <<< "$(convert "$tmp/astro-cover.png" -trim -format '%w %h %X %Y' info: 2> /dev/null)"
    IFS=, read -r fx fy fw fh <<< "$(echo "$outcome" | sed -n 's/.*first=//p')"
    cx=${cx#+} cy=${cy#+}
    if echo "$outcome" | grep -q '^faces=1 ' && [ -n "${fh:-}" ] && [ -n "${cy:-}" ] &&
       awk -v x=$((fx + fw / 2)) -v y=$((fy + fh / 2)) -v x0="$cx" -v y0="$cy" -v w="$cw" -v h="$ch" \
         'BEGIN { exit !(x >= x0 && x < x0 + w && y >= y0 && y < y0 + h) }'; then
      ok "the op reports one face, its box on the drawn mask (${cw}x${ch}+$cx+$cy)"
    else
      fail "op outcome '$outcome' against the drawn mask ${cw:-?}x${ch:-?}+${cx:-?}+${cy:-?}"
    fi
  else
    fail "op-outcome failed: $(cat "$tmp/outcome.err")"
  fi

  # 8. grey input: the mask is found and repainted, and stays grey (no
  #    coloured fill).
  mk_input grey "$tmp/astro.png" "$tmp/grey.png"
  if run_gegl "$tmp/g.png" "$tmp/grey.png" unmask:remove-face-mask "${wopt[@]}"; then
    d=$("$TOOL" diff "$tmp/grey.png" "$tmp/g.png" "$tmp/astro-cover.png" 0)
    echo "grey, inside the drawn mask: $d"
    mad=$(field inside_mad "$d")
    awk -v m="$mad" 'BEGIN { exit !(m > 4) }' && ok "grey input: masked region repainted (mean change $mad)" \
      || fail "grey input: masked region barely changed (mean change $mad): no mask found?"
    colour=$(convert "$tmp/g.png" -colorspace HSL -channel G -separate +channel -format '%[fx:maxima]' info: 2> /dev/null)
    awk -v c="${colour:-1}" 'BEGIN { exit !(c < 0.02) }' && ok "grey input gives a grey result" \
      || fail "grey input got colour (max saturation ${colour:-unknown})"
  fi
else
  fail "detection cases not run: $astro_msg"
fi

# 6. the composer repaints exactly the given hole (no detection: the cartoon).
mk_input rect "$tmp/hole.png" 256 256 96 150 64 40
if run_gegl "$tmp/inp.png" "$tmp/face.png" unmask:inpaint "${wopt[@]}" aux=[ load path="$tmp/hole.png" ]; then
  d=$("$TOOL" diff "$tmp/face.png" "$tmp/inp.png" "$tmp/hole.png" 1)
  echo "inpaint: $d"
  [ "$(field outside "$d")" = 0 ] && ok "inpaint: pixels outside the hole identical" \
    || fail "inpaint changed pixels outside the hole: $d"
  [ "$(field inside "$d")" -gt 0 ] && ok "inpaint: the hole is repainted" \
    || fail "inpaint left the hole unchanged: $d"
fi

# 7. no face: unchanged, quickly.
start=$(date +%s)
if run_gegl "$tmp/p.png" "$tmp/plain.png" unmask:remove-face-mask "${wopt[@]}"; then
  secs=$(( $(date +%s) - start ))
  d=$("$TOOL" diff "$tmp/plain.png" "$tmp/p.png")
  [ "$(field differ "$d")" = 0 ] && ok "no face: unchanged (${secs} s)" \
    || fail "photo without a face was changed: $d"
  [ $secs -le 20 ] || fail "no-face photo took ${secs} s"
fi

[ -n "${UNMASK_KEEP:-}" ] && { mkdir -p "$UNMASK_KEEP" && cp "$tmp"/*.png "$UNMASK_KEEP"/; echo "images kept in $UNMASK_KEEP"; }
echo "$fails failure(s)"
[ $fails -eq 0 ]
