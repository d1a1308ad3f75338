#ifndef DEALFLOW_CLIBYAML_SHIM_H
#define DEALFLOW_CLIBYAML_SHIM_H
#include <yaml.h>
#endif
