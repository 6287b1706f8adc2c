// CBLAS from OpenBLAS (Debian's libopenblas-dev); pkg-config puts its include folder on the path.
#include <cblas.h>
// OpenBLAS extensions used to govern its thread pool.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
