/*
 * trig_run.h: the server's runner of exec:, python: and invoke: trigger handlers (trig_run.c),
 * private to src/server.c. It plugs into the engine through trig_set_runner() (trig.h).
 */
#ifndef DDB_TRIG_RUN_H
#define DDB_TRIG_RUN_H

#include <uv.h>

#include "trig.h"

typedef struct trun trun_t;

/* A runner on loop for ddb. port is the port the server bound: handlers are told
 * http://127.0.0.1:PORT. notify(arg) is called right after every trig_done() the runner makes,
 * so the server polls the engine again (and checks pending drain waits). */
trun_t *trun_new(uv_loop_t *loop, ddb_t *ddb, int port, void (*notify)(void *), void *arg);

/* The engine-facing interface, for trig_set_runner(). */
void trun_iface(trun_t *r, trig_runner_t *out);

/* Kills every handler process (their whole process groups), reports the calls still running or
 * queued as not delivered, and closes every handle. The runner frees itself once libuv has closed
 * them, so the loop must run afterwards. No call may be started after this. */
void trun_stop(trun_t *r);

#endif
