/*
 * err.c: the error table (errors.def) and the first-error-wins error value.
 */
#include "err.h"
#include "sb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static const struct { const char *type; int status; } table[] = {
#define DDB_ERR(id, type, status) { type, status },
#include "errors.def"
#undef DDB_ERR
};

const char *err_type(err_code_t code) { return table[code].type; }
int err_status(err_code_t code) { return table[code].status; }

static int vset(err_t *e, err_code_t code, const char *fmt, va_list ap)
{
    if (e->code != ERR_NONE) return -1;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    e->code = code;
    e->msg = xmalloc((size_t)(n < 0 ? 0 : n) + 1);
    vsnprintf(e->msg, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
    return -1;
}

int err_set(err_t *e, err_code_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(e, code, fmt, ap);
    va_end(ap);
    return -1;
}

int err_validation(err_t *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(e, ERR_VALIDATION, fmt, ap);
    va_end(ap);
    return -1;
}

void err_set_extra_take(err_t *e, char *json)
{
    free(e->extra);
    e->extra = json;
}

void err_set_before_take(err_t *e, char *json)
{
    free(e->before_msg);
    e->before_msg = json;
}

void err_fini(err_t *e)
{
    free(e->msg);
    free(e->extra);
    free(e->before_msg);
    e->code = ERR_NONE;
    e->msg = e->extra = e->before_msg = NULL;
}
