/* The trainer's loss plot: columns that start empty (NaN, as the GAN losses
 * before the adversarial phase), negative values and log-scaled columns must
 * all draw (this once hung the trainer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "image.h"
#include "train-common.h"

int main(void) {
  char dir[] = "/tmp/nets-test-plot-XXXXXX";
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  char csv[256], png[256];
  snprintf(csv, sizeof csv, "%s/log.csv", dir);
  snprintf(png, sizeof png, "%s/loss.png", dir);
  FILE *f = fopen(csv, "w");
  fprintf(f, "step,loss,hinge_g,empty\n");
  for (int i = 1; i <= 400; i++) {
    double hinge = i < 250 ? NAN : 0.3 * sin(i * 0.1) - 0.1;
    fprintf(f, "%d,%g,%g,nan\n", 20 * i, 1.0 / i, hinge);
  }
  fclose(f);
  const int cols[] = {1, 2, 3};
  nets_error err = {0};
  CHECK(train_plot_csv(csv, cols, 3, png, &err) == 0, "plot: %s", err.msg);
  nets_image *img = nets_image_load(png, &err);
  CHECK(img && img->width == 640 && img->height == 3 * 220, "plot size");
  /* something was drawn in each of the first two panels (not only white) */
  for (int p = 0; img && p < 2; p++) {
    long dark = 0;
    for (int y = p * 220 + 30; y < p * 220 + 190; y++)
      for (int x = 80; x < 620; x++) dark += img->data[((size_t)y * img->width + x) * img->channels] < 0.5f;
    CHECK(dark > 100, "panel %d has no curve (%ld dark pixels)", p, dark);
  }
  nets_image_free(img);
  unlink(csv);
  unlink(png);
  rmdir(dir);
  return check_report("test-plot");
}
