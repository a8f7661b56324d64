#!/bin/bash
# Takes docs/images/dialog.png: GIMP under Xvfb with a fresh profile, the
# public-domain astronaut picture (python3-skimage) wearing the mask that
# `unmask demo` draws on it, the dialog opened from the menu with xdotool
# (Filters > Enhance > Remove Face Mask…).
#   tests/plugin/screenshot-dialog.sh BUILD_DIR OUT.png [FULL-SCREEN.png]
# UNMASK_SCREENSHOT_PICTURE=FILE opens FILE instead of the masked astronaut.
# Not run by `meson test`; rerun it after UI or weights changes.
set -eu
build=$(realpath "${1:-build}")
out=$(realpath -m "${2:-docs/images/dialog.png}")
full=${3:-}
picture=/usr/lib/python3/dist-packages/skimage/data/astronaut.png
[ -f "$picture" ] || { echo "needs python3-skimage for $picture"; exit 1; }

tmp=$(mktemp -d)
display=:${UNMASK_XVFB_DISPLAY:-99}
Xvfb "$display" -screen 0 1400x1000x24 -nolisten tcp > /dev/null 2>&1 &
xvfb=$!
gimp_pid=
cleanup () {
  [ -n "$gimp_pid" ] && kill "$gimp_pid" 2> /dev/null
  kill "$xvfb" 2> /dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
export DISPLAY=$display HOME=$tmp/home GIMP2_DIRECTORY=$tmp/home/gimp
export UNMASK_GEGL_OPDIR=$build/ops
mkdir -p "$GIMP2_DIRECTORY/plug-ins/unmask"
cp "$build/plugin/unmask" "$GIMP2_DIRECTORY/plug-ins/unmask/unmask"
# No "convert to the built-in profile?" question on opening.
printf '(color-profile-policy keep)\n' > "$GIMP2_DIRECTORY/gimprc"
if [ -n "${UNMASK_SCREENSHOT_PICTURE:-}" ]; then
  picture=$UNMASK_SCREENSHOT_PICTURE
elif "$build/nets/tools/unmask" demo --out "$tmp/demo" > /dev/null 2>&1 ||
   [ -f "$tmp/demo/astronaut-masked.png" ]; then
  picture=$tmp/demo/astronaut-masked.png
fi
convert "$picture" -strip PNG24:"$tmp/astronaut.png"
sleep 1

gimp -n -s -d -f "$tmp/astronaut.png" > "$tmp/gimp.log" 2>&1 &
gimp_pid=$!
timeout 120 xdotool search --sync --onlyvisible --class gimp > /dev/null
sleep 15
# No window manager: the keyboard focus follows the pointer.
xdotool mousemove 230 850
sleep 1
# Filte_rs > En_hance > Remove Face _Mask…
xdotool key alt+r; sleep 1; xdotool key h; sleep 1; xdotool key m
dlg=$(timeout 60 xdotool search --sync --onlyvisible --name "^Remove Face Mask$" | head -1 || true)
sleep 15  # the preview runs the networks
[ -n "$full" ] && import -window root "$full"
if [ -z "$dlg" ]; then
  echo "the dialog did not open; see ${full:-a full-screen screenshot (3rd argument)}"
  exit 1
fi
mkdir -p "$(dirname "$out")"
eval "$(xdotool getwindowgeometry --shell "$dlg")"
import -window root -crop "${WIDTH}x${HEIGHT}+${X}+${Y}" +repage "$out"
echo "saved $out"
