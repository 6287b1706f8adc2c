// FFTW 3 (single and double precision, plus the threads library) from Debian's libfftw3-dev.
#include <fftw3.h>
