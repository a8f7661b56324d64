#!/bin/bash
# compare-gmic.sh BUILD N OUT [eval-inpainter options...]
#
# Scores G'MIC's two inpainting commands against Unmasked on the first N
# held-out crops of `unmask-train eval-inpainter`, and draws a picture of the
# first six: masked | G'MIC inpaint (patches) | G'MIC inpaint_pde |
# unmask inpaint | original.
#   BUILD  the meson build folder (unmask-train and unmask are taken from it)
#   OUT    a folder for the crops, the results, OUT/scores.txt and OUT/compare.png
# Options after OUT go to every eval-inpainter run (e.g. --landmarks
# weights/landmarks.safetensors, --weights FILE, --detail D).
# Needs gmic (Debian package gmic) and ImageMagick's convert.  The G'MIC
# time per crop printed counts its start-up, as a user running it per photo
# pays it.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,15p' "$0"; exit 2; }
build=$1 n=$2 out=$3
shift 3
train=$build/nets/tools/unmask-train
unmask=$build/nets/tools/unmask
for tool in gmic convert "$train" "$unmask"; do
  command -v "$tool" > /dev/null || { echo "compare-gmic: $tool not found" >&2; exit 1; }
done
mkdir -p "$out/crops" "$out/gmic-patch" "$out/gmic-pde" "$out/unmask"

"$train" eval-inpainter --n "$n" --export "$out/crops" "$@" > "$out/eval.txt"

# run_tool NAME DIR GMIC-COMMAND: fills every crop, prints seconds per crop
run_tool () {
  local start end i k
  start=$(date +%s.%N)
  for ((i = 0; i < n; i++)); do
    printf -v k "%04d" "$i"
    gmic -v - "$out/crops/$k-masked.png" "$out/crops/$k-hole.png" "$3[0]" "[1]" "o[0]" "$2/$k-out.png"
  done
  end=$(date +%s.%N)
  echo "$1: $(echo "($end - $start) / $n" | bc -l | cut -c1-5) s per crop"
}
{
  run_tool "G'MIC inpaint (patches)" "$out/gmic-patch" inpaint
  run_tool "G'MIC inpaint_pde" "$out/gmic-pde" inpaint_pde
  for dir in gmic-patch:"G'MIC inpaint (patches)" gmic-pde:"G'MIC inpaint_pde"; do
    echo
    "$train" eval-inpainter --n "$n" --compare "$out/$dir" "$@" | sed -n '/^| method/,/^$/p'
  done
} | tee "$out/scores.txt"

# the picture: what a user gets from each tool on the same crop (unmask
# inpaint repaints the crop's hole with the whole pipeline)
rows=()
for ((i = 0; i < n && i < 6; i++)); do
  printf -v k "%04d" "$i"
  "$unmask" inpaint "$out/crops/$k-masked.png" "$out/crops/$k-hole.png" -o "$out/unmask/$k-out.png" 2> /dev/null
  rows+=("(" "$out/crops/$k-masked.png" "$out/gmic-patch/$k-out.png" "$out/gmic-pde/$k-out.png"
         "$out/unmask/$k-out.png" "$out/crops/$k-original.png" -bordercolor white -border 2 +append ")")
done
convert "${rows[@]}" -append "$out/compare.png"
echo "picture (masked | G'MIC inpaint | G'MIC inpaint_pde | unmask | original): $out/compare.png"
