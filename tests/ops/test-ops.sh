#!/bin/bash
# The GEGL ops through the `gegl` CLI.
#   test-ops.sh plumbing   no weights needed: module loads, pass-through
#                          cases, corrupt weights
#   test-ops.sh weights    needs weights/: skips (77) until they exist
# Environment (set by meson): TOOL (test-image-tool), GEGL_PATH (build/ops +
# system dir), UNMASK_WEIGHTS (the source tree's weights/).
set -u
mode=${1:-plumbing}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

fail () { echo "FAIL: $*"; fails=$((fails + 1)); }
ok () { echo "ok: $*"; }

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

"$TOOL" face "$tmp/face.png" "$tmp/cover.png" || exit 1
"$TOOL" plain "$tmp/plain.png" 320 240 || exit 1

if [ "$mode" = plumbing ]; then
  # 1. the composer without aux: pass-through; proves the module loads.
  if run_gegl "$tmp/o1.png" "$tmp/face.png" unmask:inpaint; then
    d=$("$TOOL" diff "$tmp/face.png" "$tmp/o1.png")
    [ "$(field differ "$d")" = 0 ] && ok "inpaint without aux is a pass-through" \
      || fail "inpaint without aux changed pixels: $d"
  fi
  grep -q "undefined symbol\|failing op" "$tmp/err" && { fail "module did not load"; cat "$tmp/err"; }

  # 2. an all-black hole: nothing to repaint, no networks needed.
  "$TOOL" rect "$tmp/black.png" 256 256 0 0 0 0
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
if [ ! -f "$UNMASK_WEIGHTS/detector.safetensors" ] || [ ! -f "$UNMASK_WEIGHTS/inpainter.safetensors" ]; then
  echo "SKIP: no trained weights in $UNMASK_WEIGHTS yet (detector.safetensors, inpainter.safetensors)"
  exit 77
fi

grow=4
feather=3
margin=$((feather + 2))

# 5. the hole the op would repaint (output=mask), then the result: every
#    pixel outside the (grown, feathered) hole is identical, and the masked
#    region is repainted.
if run_gegl "$tmp/mask.png" "$tmp/face.png" unmask:remove-face-mask output=mask grow=$grow feather=$feather; then
  d=$("$TOOL" diff "$tmp/cover.png" "$tmp/mask.png")
  echo "detected hole vs true cover: $d"
  convert "$tmp/mask.png" -alpha off -colorspace gray "$tmp/mask1.png" 2> /dev/null || cp "$tmp/mask.png" "$tmp/mask1.png"
fi
start=$(date +%s.%N)
if run_gegl "$tmp/out.png" "$tmp/face.png" unmask:remove-face-mask grow=$grow feather=$feather; then
  echo "remove-face-mask took $(echo "$(date +%s.%N) - $start" | bc) s"
  d=$("$TOOL" diff "$tmp/face.png" "$tmp/out.png" "$tmp/cover.png" 0)
  echo "inside the true mask: $d"
  mad=$(field inside_mad "$d")
  awk -v m="$mad" 'BEGIN { exit !(m > 8) }' && ok "masked region repainted (mean change $mad)" \
    || fail "masked region barely changed (mean change $mad): no face found?"
  if [ -f "$tmp/mask1.png" ]; then
    d=$("$TOOL" diff "$tmp/face.png" "$tmp/out.png" "$tmp/mask1.png" $margin)
    [ "$(field outside "$d")" = 0 ] && ok "every pixel outside the grown hole is identical" \
      || fail "pixels outside the grown hole changed: $d"
  fi
fi

# 6. the composer repaints exactly the given hole.
"$TOOL" rect "$tmp/hole.png" 256 256 96 150 64 40
if run_gegl "$tmp/inp.png" "$tmp/face.png" unmask:inpaint aux=[ load path="$tmp/hole.png" ]; then
  d=$("$TOOL" diff "$tmp/face.png" "$tmp/inp.png" "$tmp/hole.png" 1)
  echo "inpaint: $d"
  [ "$(field outside "$d")" = 0 ] && ok "inpaint: pixels outside the hole identical" \
    || fail "inpaint changed pixels outside the hole: $d"
  [ "$(field inside "$d")" -gt 0 ] && ok "inpaint: the hole is repainted" \
    || fail "inpaint left the hole unchanged: $d"
fi

# 7. no face: unchanged, quickly.
start=$(date +%s)
if run_gegl "$tmp/p.png" "$tmp/plain.png" unmask:remove-face-mask; then
  secs=$(( $(date +%s) - start ))
  d=$("$TOOL" diff "$tmp/plain.png" "$tmp/p.png")
  [ "$(field differ "$d")" = 0 ] && ok "no face: unchanged (${secs} s)" \
    || fail "photo without a face was changed: $d"
  [ $secs -le 20 ] || fail "no-face photo took ${secs} s"
fi

# 8. grey input stays grey (no coloured fill).
"$TOOL" face "$tmp/grey.png" "$tmp/cover.png" grey
if run_gegl "$tmp/g.png" "$tmp/grey.png" unmask:remove-face-mask; then
  colour=$(convert "$tmp/g.png" -colorspace HSL -channel G -separate +channel -format '%[fx:maxima]' info: 2> /dev/null)
  awk -v c="${colour:-0}" 'BEGIN { exit !(c < 0.02) }' && ok "grey input gives a grey result" \
    || fail "grey input got colour (max saturation $colour)"
fi

echo "$fails failure(s)"
[ $fails -eq 0 ]
