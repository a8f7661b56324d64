/* The detection levels and the second look's bar (coverings.h): no weights
 * needed. */
#include <math.h>

#include "check.h"
#include "coverings.h"

int main(void) {
  const unmask_levels lv = unmask_levels_for(0.5, 1024 * 768);
  CHECK(fabsf(lv.seed - 0.7f) < 1e-6f && fabsf(lv.threshold - 0.45f) < 1e-6f && fabsf(lv.verify_min - 0.3f) < 1e-6f,
        "levels at sensitivity 0.5: seed %g, threshold %g, bar %g", lv.seed, lv.threshold, lv.verify_min);
  CHECK(lv.verify_size == UNMASK_VERIFY_SIZE, "second look's crop %d", lv.verify_size);
  /* the bar: half for coverings under UNMASK_VERIFY_SMALL on their longer side */
  const nets_det_box small = {0, 0, UNMASK_VERIFY_SMALL - 1, 8, 0.9f, 100, 1};
  const nets_det_box tall = {0, 0, 8, UNMASK_VERIFY_SMALL, 0.9f, 100, 1};
  const nets_det_box large = {0, 0, 60, 40, 0.9f, 2000, 1};
  CHECK(fabsf(unmask_verify_bar(&lv, &small) - 0.15f) < 1e-6f, "small covering's bar %g", unmask_verify_bar(&lv, &small));
  CHECK(fabsf(unmask_verify_bar(&lv, &tall) - 0.3f) < 1e-6f, "a covering %d px tall: bar %g", UNMASK_VERIFY_SMALL,
        unmask_verify_bar(&lv, &tall));
  CHECK(fabsf(unmask_verify_bar(&lv, &large) - 0.3f) < 1e-6f, "large covering's bar %g", unmask_verify_bar(&lv, &large));
  /* the closer look: a covering of 30 x 20 px (its face crop 40.5 px) is
   * seen at 81 px rather than 128; one of 60 x 40 px (81 px) has none, nor
   * has a covering under UNMASK_VERIFY_SMALL; its bar is 0.4 */
  const nets_det_box mid = {0, 0, 30, 20, 0.9f, 400, 1};
  CHECK(unmask_close_look_size(&mid, UNMASK_VERIFY_SIZE) == 81, "closer look at a 30-px covering: %d px",
        unmask_close_look_size(&mid, UNMASK_VERIFY_SIZE));
  CHECK(unmask_close_look_size(&large, UNMASK_VERIFY_SIZE) == 0 && unmask_close_look_size(&small, UNMASK_VERIFY_SIZE) == 0,
        "closer looks at 60- and 23-px coverings: %d, %d px", unmask_close_look_size(&large, UNMASK_VERIFY_SIZE),
        unmask_close_look_size(&small, UNMASK_VERIFY_SIZE));
  CHECK(fabsf(lv.verify_close - 0.4f) < 1e-6f, "closer look's bar %g", lv.verify_close);
  /* a higher sensitivity lowers every level and the bars with them */
  const unmask_levels hi = unmask_levels_for(0.8, 1024 * 768);
  CHECK(hi.seed < lv.seed && hi.threshold < lv.threshold && unmask_verify_bar(&hi, &small) < unmask_verify_bar(&lv, &small) &&
            hi.verify_close < lv.verify_close,
        "sensitivity 0.8: seed %g, threshold %g, small bar %g, closer bar %g", hi.seed, hi.threshold,
        unmask_verify_bar(&hi, &small), hi.verify_close);
  /* the smallest covering: a share of small views, the same for every view
   * from UNMASK_MIN_AREA_VIEW up, so that a larger view keeps the mask of a
   * 24-px face (about 24 x 14 px, two thirds filled) */
  const long a256 = unmask_levels_for(0.5, 256 * 256).min_area, a512 = unmask_levels_for(0.5, 512 * 512).min_area;
  const long a1k = unmask_levels_for(0.5, 1024 * 1024).min_area, a4k = unmask_levels_for(0.5, 4096 * 4096).min_area;
  CHECK(a256 == 13 && a512 == 52, "smallest covering on 256- and 512-px views: %ld, %ld", a256, a512);
  CHECK(a1k == a512 && a4k == a512 && a4k < 24 * 14 * 2 / 3, "smallest covering on 1024- and 4096-px views: %ld, %ld",
        a1k, a4k);
  CHECK(unmask_levels_for(0.5, 64 * 64).min_area == 12, "smallest covering on a 64-px view: %ld",
        unmask_levels_for(0.5, 64 * 64).min_area);
  return CHECK_DONE();
}
