// zlib (Debian's zlib1g-dev). Only SpectralData imports this module, and only internally: gzopen /
// gzread read the gzip-compressed IDX files of MNIST-format data sets (plain files too).
#include <zlib.h>
