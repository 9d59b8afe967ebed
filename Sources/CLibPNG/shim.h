// libpng, reached from Swift only through its simplified API (png_image_*), whose
// setjmp/longjmp error handling stays inside libpng and reports through png_image.message.
#include <png.h>
