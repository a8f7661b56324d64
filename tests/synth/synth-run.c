/* Developer helper: runs `unmask-train synth` without the trainer binary. */
#include "synth.h"

int main(int argc, char **argv) { return unmask_train_synth_main(argc, argv); }
