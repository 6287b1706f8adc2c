// libpng 1.6 (Debian's libpng-dev; zlib comes with it). Only SpectralAnalysis imports this module,
// and only internally: the simplified png_image API reads and writes 8-bit gray and RGB images.
#include <png.h>

// Function-like macros Swift cannot import, as inline functions.
static inline unsigned int cpng_image_version(void) { return PNG_IMAGE_VERSION; }
static inline unsigned int cpng_format_gray(void) { return PNG_FORMAT_GRAY; }
static inline unsigned int cpng_format_rgb(void) { return PNG_FORMAT_RGB; }
static inline unsigned int cpng_flag_alpha(void) { return PNG_FORMAT_FLAG_ALPHA; }
static inline unsigned int cpng_flag_color(void) { return PNG_FORMAT_FLAG_COLOR; }
static inline unsigned int cpng_flag_linear(void) { return PNG_FORMAT_FLAG_LINEAR; }
static inline unsigned int cpng_flag_colormap(void) { return PNG_FORMAT_FLAG_COLORMAP; }
