/*
 * trig_run.c: runs exec:, python: and invoke: trigger handlers for the engine (trig.h) on the
 * server's libuv loop. (Being written: until then the server has no runner and such mappings
 * are reported as not delivered.)
 */
#include "trig.h"

typedef int trig_run_placeholder_t;
