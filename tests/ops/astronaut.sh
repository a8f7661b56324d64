# Sourced by tests/ops/test-ops.sh and tests/plugin/test-plugin.sh: the real
# photo for the tests that need the detector to find a mask.  The trained
# detector learned real faces, so a drawn cartoon is no fair test of it.
#
# make_astronaut DIR WEIGHTS
#   DIR/astro.png        the public-domain astronaut portrait (python3-skimage)
#                        wearing a surgical mask drawn by the project's own
#                        synthesis: `unmask demo` (nets/tools/unmask.c, one
#                        code path with the demo of README.md)
#   DIR/astro-cover.png  that mask's coverage (where the photo was changed)
#   DIR/astronaut.png    the photo without the mask
# Prints what the demo's pipeline detected.  Returns 1 with a message when
# the photo is missing: that is a failure, not a skip (CI installs it).
# Environment: UNMASK_CLI (built nets/tools/unmask), TOOL (test-image-tool),
# UNMASK_ASTRONAUT (optional: another copy of the photo).
ASTRONAUT=${UNMASK_ASTRONAUT:-/usr/lib/python3/dist-packages/skimage/data/astronaut.png}

make_astronaut () {
  local dir=$1 weights=$2
  if [ ! -f "$ASTRONAUT" ]; then
    echo "$ASTRONAUT is missing: the detection tests need this real photo." \
         "Install python3-skimage (apt-get install python3-skimage; .ci/run does)."
    return 1
  fi
  if ! "$UNMASK_CLI" demo --out "$dir/demo" --image "$ASTRONAUT" --weights "$weights" \
       > "$dir/demo.out" 2> "$dir/demo.err"; then
    echo "unmask demo failed:"; cat "$dir/demo.out" "$dir/demo.err"
    return 1
  fi
  cp "$dir/demo/astronaut-masked.png" "$dir/astro.png" || return 1
  cp "$ASTRONAUT" "$dir/astronaut.png" || return 1
  "$TOOL" cover "$dir/astronaut.png" "$dir/astro.png" "$dir/astro-cover.png" > /dev/null || return 1
  echo "unmask demo on the astronaut found:"
  sed 's/^/  /' "$dir/demo.err"
  return 0
}
