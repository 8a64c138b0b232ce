/*
 * err.h: the error value carried through the core. The first error set wins: later calls to
 * err_set() are ignored, so deep helpers can report freely without hiding the real cause.
 * Internal functions return 0 / -1 with the reason in an err_t; lookups return 1 found,
 * 0 not found, -1 error.
 */
#ifndef DDB_ERR_H
#define DDB_ERR_H

#include <stddef.h>

typedef enum {
#define DDB_ERR(id, type, status) ERR_##id,
#include "errors.def"
#undef DDB_ERR
    ERR__COUNT
} err_code_t;

typedef struct err {
    err_code_t code;     /* ERR_NONE while no error is set */
    char *msg;           /* malloc'd Message text */
    char *extra;         /* malloc'd raw JSON members appended after Message (",\"Item\":{...}"),
                            or NULL */
    char *before_msg;    /* malloc'd raw JSON members placed before Message
                            (",\"CancellationReasons\":[...]"), or NULL */
} err_t;

/* Sets the error unless one is set already. Always returns -1. */
int err_set(err_t *e, err_code_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Shorthand for a ValidationException. Always returns -1. */
int err_validation(err_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Takes ownership of json (raw members starting with ','), attached after Message. */
void err_set_extra_take(err_t *e, char *json);
/* Takes ownership of json (raw members starting with ','), placed before Message. */
void err_set_before_take(err_t *e, char *json);
/* Frees the message; the error is unset again. */
void err_fini(err_t *e);
/* The wire __type and HTTP status of an error code. */
const char *err_type(err_code_t code);
int err_status(err_code_t code);

#endif
