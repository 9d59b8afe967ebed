/* The one ABI header lives in templates/ (it is copied beside every generated library);
 * this module only exposes it to Swift, for the dlopen() binding's types. */
#include "../../templates/rdc_abi.h"
