/*
 * trig_config.c: event source mappings as configuration. Parses one mapping object with the
 * AWS parameter names of CreateEventSourceMapping (../shared/reference/lambda-triggers.md §2)
 * plus ddblocal's Handler, Timeout, Region and AccessKeyId; turns a -trigger flag into such an
 * object; reads a -triggers file. Every refusal is one line that names the parameter and the
 * bad value, because it ends up as "ddblocal: <message>" on stderr before the server listens.
 *
 * The engine (trig.c) only ever sees a validated trig_mapping_t: ranges are checked here,
 * defaults are filled in here, and the UUID and the function name are derived here so that the
 * same configuration gives the same mapping (and the same checkpoints) after a restart.
 */
#include "trig.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#define KINDS "(exec:, python:, invoke:, builtin:, c:)"
#define KNOWN_BUILTINS "cruddur-message-groups"
#define MAX_FILTERS 5

/* ---- the parameters --------------------------------------------------------------------- */

typedef enum { PT_STR, PT_INT, PT_BOOL, PT_LIST, PT_OBJ } ptype_t;

/* Every accepted parameter, its JSON type (which also tells trig_flag_parse how to convert a
 * flag value) and, for integers, the range. lo2/hi2 is the range besides the special value -1
 * where -1 is allowed (minus_one). */
typedef struct {
    const char *name;
    ptype_t type;
    int lo, hi, minus_one;
} param_t;

static const param_t params[] = {
    {"EventSourceArn", PT_STR, 0, 0, 0},
    {"TableName", PT_STR, 0, 0, 0},
    {"FunctionName", PT_STR, 0, 0, 0},
    {"Handler", PT_STR, 0, 0, 0},
    {"StartingPosition", PT_STR, 0, 0, 0},
    {"BatchSize", PT_INT, 1, 10000, 0},
    {"MaximumBatchingWindowInSeconds", PT_INT, 0, 300, 0},
    {"MaximumRetryAttempts", PT_INT, 0, 10000, 1},
    {"MaximumRecordAgeInSeconds", PT_INT, 60, 604800, 1},
    {"BisectBatchOnFunctionError", PT_BOOL, 0, 0, 0},
    {"FunctionResponseTypes", PT_LIST, 0, 0, 0},
    {"FilterCriteria", PT_OBJ, 0, 0, 0},
    {"DestinationConfig", PT_OBJ, 0, 0, 0},
    {"Enabled", PT_BOOL, 0, 0, 0},
    {"ParallelizationFactor", PT_INT, 1, 10, 0},
    {"Timeout", PT_INT, 1, 900, 0},
    {"UUID", PT_STR, 0, 0, 0},
    {"Region", PT_STR, 0, 0, 0},
    {"AccessKeyId", PT_STR, 0, 0, 0},
    {"TumblingWindowInSeconds", PT_INT, 0, 900, 0},   /* known, refused as unsupported */
};

static const param_t *find_param(const char *name)
{
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
        if (strcmp(params[i].name, name) == 0)
            return &params[i];
    return NULL;
}

/* ---- small helpers ---------------------------------------------------------------------- */

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* The JSON text of v for an error message, shortened to fit a line. */
static void show(const cJSON *v, char *out, size_t cap)
{
    char *s = cJSON_PrintUnformatted(v);
    if (!s) {
        snprintf(out, cap, "?");
        return;
    }
    if (strlen(s) > 80)
        snprintf(out, cap, "%.77s...", s);
    else
        snprintf(out, cap, "%s", s);
    cJSON_free(s);
}

/* A C string for an error message, quoted and shortened. */
static void quote(const char *s, char *out, size_t cap)
{
    cJSON *v = cJSON_CreateString(s);
    show(v, out, cap);
    cJSON_Delete(v);
}

static int is_ident_start(int c) { return isalpha(c) || c == '_'; }
static int is_ident_char(int c) { return isalnum(c) || c == '_'; }

/* DynamoDB table names: 3 to 255 of [a-zA-Z0-9_.-]. */
static int valid_table_name(const char *s, size_t n)
{
    if (n < 3 || n > 255)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
            return 0;
    return 1;
}

/* ^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$: the regions DynamoDB Local keeps apart
 * (dynamodb-local.md §4.1; anything else silently becomes the empty region there). */
static int valid_region(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '-' && s[i + 1] == '-')
            return 0;
        if (!isalnum((unsigned char)s[i]) && s[i] != '-')
            return 0;
    }
    return 1;
}

/* [A-Za-z0-9]+: the access keys DynamoDB Local accepts (§4.1). */
static int valid_access_key(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]))
            return 0;
    return 1;
}

static int valid_uuid(const char *s)
{
    static const int groups[] = {8, 4, 4, 4, 12};
    const char *p = s;
    for (int g = 0; g < 5; g++) {
        for (int i = 0; i < groups[g]; i++, p++)
            if (!isxdigit((unsigned char)*p))
                return 0;
        if (g < 4 && *p++ != '-')
            return 0;
    }
    return *p == '\0';
}

/* Lambda function names: 1 to 64 of [A-Za-z0-9_-]. */
static int valid_function_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
            return 0;
    return 1;
}

/* A function name made of s[0..n): characters outside [A-Za-z0-9_-] become '_', at most 64,
 * "function" when nothing is left. */
static char *sanitize_name(const char *s, size_t n)
{
    if (n > 64)
        n = 64;
    if (n == 0)
        return xstrdup("function");
    char *out = xstrndup(s, n);
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)out[i]) && out[i] != '_' && out[i] != '-')
            out[i] = '_';
    return out;
}

/* The base name of path[0..n) without its extension (a leading dot is not an extension). */
static char *stem(const char *path, size_t n)
{
    const char *b = path;
    for (size_t i = 0; i < n; i++)
        if (path[i] == '/')
            b = path + i + 1;
    size_t bn = (size_t)(path + n - b);
    for (size_t i = bn; i > 1; i--)
        if (b[i - 1] == '.') {
            bn = i - 1;
            break;
        }
    return sanitize_name(b, bn);
}

/* The function name a handler gives when FunctionName does not name one (see trig.h). */
static char *derive_function_name(const trig_mapping_t *m)
{
    const char *t = m->target;
    switch (m->kind) {
    case TK_EXEC: {
        while (isspace((unsigned char)*t))
            t++;
        const char *w = t, *e;
        if (*w == '"' || *w == '\'') {
            char q = *w++;
            e = strchr(w, q);
            if (!e)
                e = w + strlen(w);
        } else {
            e = w;
            while (*e && !isspace((unsigned char)*e))
                e++;
        }
        return stem(w, (size_t)(e - w));
    }
    case TK_PYTHON:
        return stem(m->py_file, strlen(m->py_file));
    case TK_INVOKE: {
        const char *f = strstr(t, "/functions/");
        if (f) {
            f += strlen("/functions/");
            size_t n = strcspn(f, "/?#");
            if (n)
                return sanitize_name(f, n);
        }
        return xstrdup("function");
    }
    case TK_BUILTIN:
    case TK_CALLBACK:
        return sanitize_name(t, strlen(t));
    }
    return xstrdup("function");
}

/* A version-5 style UUID from the SHA-1 of text. */
static char *derive_uuid(const char *text)
{
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hn = 0;
    EVP_Digest(text, strlen(text), h, &hn, EVP_sha1(), NULL);
    h[6] = (unsigned char)((h[6] & 0x0f) | 0x50);
    h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
    char out[37];
    char *p = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        p += sprintf(p, "%02x", h[i]);
    }
    return xstrdup(out);
}

/* ---- the handler ------------------------------------------------------------------------ */

/* Splits m->handler into kind and target and checks the target. */
static int parse_handler(trig_mapping_t *m, int (*callback_known)(void *, const char *), void *arg,
                         char *err, size_t errlen)
{
    static const struct { const char *prefix; trig_kind_t kind; } kinds[] = {
        {"exec:", TK_EXEC}, {"python:", TK_PYTHON}, {"invoke:", TK_INVOKE},
        {"builtin:", TK_BUILTIN}, {"c:", TK_CALLBACK},
    };
    char q[160];
    quote(m->handler, q, sizeof q);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t n = strlen(kinds[i].prefix);
        if (strncmp(m->handler, kinds[i].prefix, n) == 0) {
            m->kind = kinds[i].kind;
            m->target = xstrdup(m->handler + n);
            break;
        }
    }
    if (!m->kind)
        return fail(err, errlen, "Handler %s: unknown kind " KINDS, q);
    const char *t = m->target;
    switch (m->kind) {
    case TK_EXEC: {
        const char *p = t;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            return fail(err, errlen, "Handler %s: the command is empty", q);
        return 0;
    }
    case TK_PYTHON: {
        /* FILE[:FUNCTION]: the last ':' splits only when a Python identifier follows it, so a
         * file name with a ':' in it still works when no function is given. */
        const char *c = strrchr(t, ':');
        int split = c != NULL && is_ident_start((unsigned char)c[1]);
        for (const char *p = c ? c + 1 : NULL; split && *p; p++)
            if (!is_ident_char((unsigned char)*p))
                split = 0;
        size_t fn = split ? (size_t)(c - t) : strlen(t);
        if (fn == 0)
            return fail(err, errlen, "Handler %s: the Python file is empty", q);
        m->py_file = xstrndup(t, fn);
        m->py_func = xstrdup(split ? c + 1 : "lambda_handler");
        return 0;
    }
    case TK_INVOKE:
        if (strncmp(t, "https://", 8) == 0)
            return fail(err, errlen, "Handler %s: https is not supported, use http://HOST:PORT", q);
        if (strncmp(t, "http://", 7) != 0)
            return fail(err, errlen, "Handler %s: the URL must start with http://", q);
        if (t[7] == '\0' || t[7] == '/' || t[7] == ':')
            return fail(err, errlen, "Handler %s: the URL has no host", q);
        return 0;
    case TK_BUILTIN: {
        if (trig_builtin_find(t))
            return 0;
        char b[160];
        quote(t, b, sizeof b);
        return fail(err, errlen, "builtin %s does not exist (known: " KNOWN_BUILTINS ")", b);
    }
    case TK_CALLBACK: {
        char b[160];
        quote(t, b, sizeof b);
        if (!*t)
            return fail(err, errlen, "Handler %s: the callback name is empty", q);
        if (!callback_known || !callback_known(arg, t))
            return fail(err, errlen, "Handler %s: no callback %s is registered (ddb_trigger_register)", q, b);
        return 0;
    }
    }
    return 0;
}

/* ---- parameters with structure ---------------------------------------------------------- */

/* EventSourceArn: arn:aws:dynamodb:REGION:ACCOUNT:table/NAME[/stream/LABEL]. */
static int parse_source_arn(trig_mapping_t *m, const char *arn, char *err, size_t errlen)
{
    char q[160];
    quote(arn, q, sizeof q);
    static const char pre[] = "arn:aws:dynamodb:";
    const char *p = arn;
    if (strncmp(p, pre, sizeof pre - 1) != 0)
        goto bad;
    p += sizeof pre - 1;
    for (int field = 0; field < 2; field++) {   /* region, account: non-empty, no ':' */
        size_t n = strcspn(p, ":");
        if (n == 0 || p[n] != ':')
            goto bad;
        p += n + 1;
    }
    if (strncmp(p, "table/", 6) != 0)
        goto bad;
    p += 6;
    size_t tn = strcspn(p, "/");
    if (!valid_table_name(p, tn))
        goto bad;
    if (p[tn] == '\0') {
        m->table = xstrndup(p, tn);
        return 0;
    }
    if (strncmp(p + tn, "/stream/", 8) != 0 || p[tn + 8] == '\0' || strchr(p + tn + 8, '/'))
        goto bad;
    m->table = xstrndup(p, tn);
    m->stream_arn = xstrdup(arn);
    return 0;
bad:
    return fail(err, errlen,
                "EventSourceArn must be arn:aws:dynamodb:REGION:ACCOUNT:table/NAME[/stream/LABEL] (got %s)", q);
}

static int parse_filters(trig_mapping_t *m, const cJSON *fc, char *err, size_t errlen)
{
    char v[160];
    if (!cJSON_IsObject(fc)) {
        show(fc, v, sizeof v);
        return fail(err, errlen, "FilterCriteria must be an object {\"Filters\":[{\"Pattern\":\"...\"}]} (got %s)", v);
    }
    const cJSON *filters = NULL;
    for (const cJSON *c = fc->child; c; c = c->next) {
        if (strcmp(c->string, "Filters") != 0) {
            quote(c->string, v, sizeof v);
            return fail(err, errlen, "FilterCriteria: unknown member %s", v);
        }
        filters = c;
    }
    if (!filters || cJSON_IsNull(filters))
        return 0;
    if (!cJSON_IsArray(filters)) {
        show(filters, v, sizeof v);
        return fail(err, errlen, "FilterCriteria.Filters must be an array (got %s)", v);
    }
    int n = cJSON_GetArraySize(filters);
    if (n > MAX_FILTERS)
        return fail(err, errlen, "FilterCriteria.Filters has %d filters, at most %d are allowed", n, MAX_FILTERS);
    m->filters = xcalloc((size_t)(n ? n : 1), sizeof *m->filters);
    int i = 0;
    for (const cJSON *f = filters->child; f; f = f->next, i++) {
        if (!cJSON_IsObject(f)) {
            show(f, v, sizeof v);
            return fail(err, errlen, "FilterCriteria.Filters[%d] must be an object {\"Pattern\":\"...\"} (got %s)", i, v);
        }
        const cJSON *pat = NULL;
        for (const cJSON *c = f->child; c; c = c->next) {
            if (strcmp(c->string, "Pattern") != 0) {
                quote(c->string, v, sizeof v);
                return fail(err, errlen, "FilterCriteria.Filters[%d]: unknown member %s", i, v);
            }
            pat = c;
        }
        if (!pat)
            return fail(err, errlen, "FilterCriteria.Filters[%d].Pattern is missing", i);
        if (!cJSON_IsString(pat)) {
            show(pat, v, sizeof v);
            return fail(err, errlen, "FilterCriteria.Filters[%d].Pattern must be a string holding JSON (got %s)", i, v);
        }
        char ferr[256];
        trig_filter_t *tf = trig_filter_compile(pat->valuestring, ferr, sizeof ferr);
        if (!tf)
            return fail(err, errlen, "FilterCriteria.Filters[%d].Pattern is %s", i, ferr);
        m->filters[m->nfilters++] = tf;
    }
    return 0;
}

/* The directory of an OnFailure file must exist and be writable now: a batch discarded hours
 * later must not find out that its record cannot be written. */
static int dest_dir_ok(const char *abs, const char *v, char *err, size_t errlen)
{
    const char *slash = strrchr(abs, '/');
    char dir[PATH_MAX];
    size_t n = slash && slash != abs ? (size_t)(slash - abs) : 1;
    if (n >= sizeof dir) n = sizeof dir - 1;
    memcpy(dir, abs, n);
    dir[n] = 0;
    if (access(dir, W_OK | X_OK) < 0)
        return fail(err, errlen, "DestinationConfig.OnFailure.Destination %s: directory %s is not writable: %s", v, dir,
                    strerror(errno));
    return 0;
}

/* OnFailure destination: a local file. Relative paths are made absolute now, so that the file
 * does not move if something changes the working directory later. */
static int parse_destination(trig_mapping_t *m, const cJSON *dc, char *err, size_t errlen)
{
    char v[160];
    if (!cJSON_IsObject(dc)) {
        show(dc, v, sizeof v);
        return fail(err, errlen, "DestinationConfig must be an object {\"OnFailure\":{\"Destination\":\"...\"}} (got %s)", v);
    }
    const cJSON *of = NULL;
    for (const cJSON *c = dc->child; c; c = c->next) {
        if (strcmp(c->string, "OnFailure") == 0) {
            of = c;
        } else if (strcmp(c->string, "OnSuccess") == 0) {
            return fail(err, errlen, "DestinationConfig.OnSuccess is not supported for stream sources (only OnFailure)");
        } else {
            quote(c->string, v, sizeof v);
            return fail(err, errlen, "DestinationConfig: unknown member %s", v);
        }
    }
    if (!of || cJSON_IsNull(of))
        return 0;
    if (!cJSON_IsObject(of)) {
        show(of, v, sizeof v);
        return fail(err, errlen, "DestinationConfig.OnFailure must be an object {\"Destination\":\"...\"} (got %s)", v);
    }
    const cJSON *d = NULL;
    for (const cJSON *c = of->child; c; c = c->next) {
        if (strcmp(c->string, "Destination") != 0) {
            quote(c->string, v, sizeof v);
            return fail(err, errlen, "DestinationConfig.OnFailure: unknown member %s", v);
        }
        d = c;
    }
    if (!d || cJSON_IsNull(d))
        return 0;
    if (!cJSON_IsString(d) || d->valuestring[0] == '\0') {
        show(d, v, sizeof v);
        return fail(err, errlen, "DestinationConfig.OnFailure.Destination must be a file path or file:// URL (got %s)", v);
    }
    const char *path = d->valuestring;
    quote(path, v, sizeof v);
    if (strncmp(path, "file://", 7) == 0) {
        path += 7;
        if (strncmp(path, "localhost/", 10) == 0)
            path += 9;
        if (path[0] != '/')
            return fail(err, errlen, "DestinationConfig.OnFailure.Destination %s: a file:// URL needs an absolute path (file:///path)", v);
    } else if (strncmp(path, "arn:", 4) == 0 || strstr(path, "://")) {
        return fail(err, errlen,
                    "DestinationConfig.OnFailure.Destination %s: only local files are supported "
                    "(file:///path or a path), not SQS, SNS or S3", v);
    }
    if (path[0] == '/') {
        m->on_failure = xstrdup(path);
        return dest_dir_ok(m->on_failure, v, err, errlen);
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return fail(err, errlen, "DestinationConfig.OnFailure.Destination %s: cannot resolve it: %s", v, strerror(errno));
    sb_t sb;
    sb_init(&sb);
    sb_puts(&sb, cwd);
    if (cwd[strlen(cwd) - 1] != '/')
        sb_putc(&sb, '/');
    while (strncmp(path, "./", 2) == 0)
        path += 2;
    sb_puts(&sb, path);
    sb_cstr(&sb);
    m->on_failure = sb_take(&sb, NULL);
    return dest_dir_ok(m->on_failure, v, err, errlen);
}

/* An integer parameter: a JSON number with an integer value in its range. */
static int get_int(const param_t *p, const cJSON *v, int *out, char *err, size_t errlen)
{
    char s[160];
    show(v, s, sizeof s);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble != floor(v->valuedouble))
        return fail(err, errlen, "%s must be an integer (got %s)", p->name, s);
    double d = v->valuedouble;
    if (p->minus_one && d == -1) {
        *out = -1;
        return 0;
    }
    if (d < p->lo || d > p->hi) {
        if (p->minus_one)
            return fail(err, errlen, "%s must be -1 or between %d and %d (got %s)", p->name, p->lo, p->hi, s);
        return fail(err, errlen, "%s must be between %d and %d (got %s)", p->name, p->lo, p->hi, s);
    }
    *out = (int)d;
    return 0;
}

static int get_bool(const param_t *p, const cJSON *v, int *out, char *err, size_t errlen)
{
    if (!cJSON_IsBool(v)) {
        char s[160];
        show(v, s, sizeof s);
        return fail(err, errlen, "%s must be true or false (got %s)", p->name, s);
    }
    *out = cJSON_IsTrue(v);
    return 0;
}

/* ---- the mapping ------------------------------------------------------------------------ */

trig_mapping_t *trig_mapping_parse(const cJSON *obj, int (*callback_known)(void *, const char *),
                                   void *arg, char *err, size_t errlen)
{
    char v[160];
    if (!cJSON_IsObject(obj)) {
        show(obj, v, sizeof v);
        fail(err, errlen, "a mapping must be a JSON object (got %s)", v);
        return NULL;
    }
    trig_mapping_t *m = xcalloc(1, sizeof *m);
    m->batch_size = 100;
    m->window_s = 0;
    m->latest = -1;                 /* not given yet */
    m->max_retry = -1;
    m->max_age_s = -1;
    m->parallelization = 1;
    m->enabled = 1;
    m->timeout_s = 3;

    const cJSON *arn = NULL, *table = NULL, *fname = NULL, *handler = NULL, *uuid = NULL;
    const cJSON *region = NULL, *akid = NULL;

    /* Pass 1: names, types, ranges, in the order the object gives them. */
    for (const cJSON *c = obj->child; c; c = c->next) {
        const param_t *p = find_param(c->string);
        if (!p) {
            quote(c->string, v, sizeof v);
            fail(err, errlen, "unknown parameter %s", v);
            goto error;
        }
        for (const cJSON *d = obj->child; d != c; d = d->next)
            if (strcmp(d->string, c->string) == 0) {
                fail(err, errlen, "parameter %s is given twice", c->string);
                goto error;
            }
        if (strcmp(p->name, "TumblingWindowInSeconds") == 0) {
            fail(err, errlen, "TumblingWindowInSeconds is not supported by ddblocal");
            goto error;
        }
        if (p->type == PT_STR && !cJSON_IsString(c)) {
            show(c, v, sizeof v);
            fail(err, errlen, "%s must be a string (got %s)", p->name, v);
            goto error;
        }
        const char *n = p->name;
        int rc = 0;
        if (strcmp(n, "EventSourceArn") == 0) arn = c;
        else if (strcmp(n, "TableName") == 0) table = c;
        else if (strcmp(n, "FunctionName") == 0) fname = c;
        else if (strcmp(n, "Handler") == 0) handler = c;
        else if (strcmp(n, "UUID") == 0) uuid = c;
        else if (strcmp(n, "Region") == 0) region = c;
        else if (strcmp(n, "AccessKeyId") == 0) akid = c;
        else if (strcmp(n, "StartingPosition") == 0) {
            if (strcmp(c->valuestring, "LATEST") == 0)
                m->latest = 1;
            else if (strcmp(c->valuestring, "TRIM_HORIZON") == 0)
                m->latest = 0;
            else {
                show(c, v, sizeof v);
                rc = fail(err, errlen, "StartingPosition must be TRIM_HORIZON or LATEST (got %s)", v);
            }
        }
        else if (strcmp(n, "BatchSize") == 0) rc = get_int(p, c, &m->batch_size, err, errlen);
        else if (strcmp(n, "MaximumBatchingWindowInSeconds") == 0) rc = get_int(p, c, &m->window_s, err, errlen);
        else if (strcmp(n, "MaximumRetryAttempts") == 0) rc = get_int(p, c, &m->max_retry, err, errlen);
        else if (strcmp(n, "MaximumRecordAgeInSeconds") == 0) rc = get_int(p, c, &m->max_age_s, err, errlen);
        else if (strcmp(n, "ParallelizationFactor") == 0) rc = get_int(p, c, &m->parallelization, err, errlen);
        else if (strcmp(n, "Timeout") == 0) rc = get_int(p, c, &m->timeout_s, err, errlen);
        else if (strcmp(n, "BisectBatchOnFunctionError") == 0) rc = get_bool(p, c, &m->bisect, err, errlen);
        else if (strcmp(n, "Enabled") == 0) rc = get_bool(p, c, &m->enabled, err, errlen);
        else if (strcmp(n, "FunctionResponseTypes") == 0) {
            if (!cJSON_IsArray(c)) {
                show(c, v, sizeof v);
                rc = fail(err, errlen, "FunctionResponseTypes must be an array like [\"ReportBatchItemFailures\"] (got %s)", v);
            }
            for (const cJSON *e = rc ? NULL : c->child; e; e = e->next) {
                if (!cJSON_IsString(e) || strcmp(e->valuestring, "ReportBatchItemFailures") != 0) {
                    show(e, v, sizeof v);
                    rc = fail(err, errlen, "FunctionResponseTypes accepts only \"ReportBatchItemFailures\" (got %s)", v);
                    break;
                }
                m->report_failures = 1;
            }
        }
        else if (strcmp(n, "FilterCriteria") == 0) rc = cJSON_IsNull(c) ? 0 : parse_filters(m, c, err, errlen);
        else if (strcmp(n, "DestinationConfig") == 0) rc = cJSON_IsNull(c) ? 0 : parse_destination(m, c, err, errlen);
        if (rc)
            goto error;
    }

    /* The source: EventSourceArn or TableName (or both, naming the same table). */
    if (!arn && !table) {
        fail(err, errlen, "a mapping needs EventSourceArn or TableName");
        goto error;
    }
    if (arn && parse_source_arn(m, arn->valuestring, err, errlen))
        goto error;
    if (table) {
        const char *t = table->valuestring;
        if (!valid_table_name(t, strlen(t))) {
            quote(t, v, sizeof v);
            fail(err, errlen, "TableName must be 3 to 255 characters of [a-zA-Z0-9_.-] (got %s)", v);
            goto error;
        }
        if (m->table && strcmp(m->table, t) != 0) {
            char a[160];
            quote(t, v, sizeof v);
            quote(m->table, a, sizeof a);
            fail(err, errlen, "TableName %s is not the table of EventSourceArn (%s)", v, a);
            goto error;
        }
        if (!m->table)
            m->table = xstrdup(t);
    }

    if (m->latest < 0) {
        fail(err, errlen, "StartingPosition is required (TRIM_HORIZON or LATEST)");
        goto error;
    }

    /* The handler: Handler, else FunctionName when it is a handler string. */
    int fname_is_handler = 0;
    if (handler) {
        m->handler = xstrdup(handler->valuestring);
        fname_is_handler = fname && strcmp(fname->valuestring, handler->valuestring) == 0;
    } else if (fname) {
        m->handler = xstrdup(fname->valuestring);
        fname_is_handler = 1;
    } else {
        fail(err, errlen, "a mapping needs a Handler (or a FunctionName that is a handler " KINDS ")");
        goto error;
    }
    if (parse_handler(m, callback_known, arg, err, errlen))
        goto error;

    m->region = xstrdup(region ? region->valuestring : "us-east-1");
    if (!valid_region(m->region)) {
        quote(m->region, v, sizeof v);
        fail(err, errlen, "Region must be letters and digits in dash-separated groups, like us-east-1 (got %s)", v);
        goto error;
    }
    m->access_key = xstrdup(akid ? akid->valuestring : "ddblocal");
    if (!valid_access_key(m->access_key)) {
        quote(m->access_key, v, sizeof v);
        fail(err, errlen, "AccessKeyId must be letters and digits only (got %s)", v);
        goto error;
    }

    /* FunctionName: a name, a Lambda function ARN, or (when it is the handler) derived. */
    if (fname && !fname_is_handler) {
        const char *f = fname->valuestring;
        static const char lam[] = "arn:aws:lambda:";
        if (strncmp(f, lam, sizeof lam - 1) == 0) {
            const char *fn = strstr(f, ":function:");
            size_t n = fn ? strcspn(fn + 10, ":") : 0;
            char *name = fn ? xstrndup(fn + 10, n) : NULL;
            if (!name || !valid_function_name(name)) {
                free(name);
                quote(f, v, sizeof v);
                fail(err, errlen, "FunctionName must be a function name or arn:aws:lambda:REGION:ACCOUNT:function:NAME (got %s)", v);
                goto error;
            }
            m->function_name = name;
        } else if (valid_function_name(f)) {
            m->function_name = xstrdup(f);
        } else {
            quote(f, v, sizeof v);
            fail(err, errlen, "FunctionName must be 1 to 64 characters of [A-Za-z0-9_-] or a handler " KINDS " (got %s)", v);
            goto error;
        }
    } else {
        m->function_name = derive_function_name(m);
    }
    sb_t sb;
    sb_init(&sb);
    sb_printf(&sb, "arn:aws:lambda:%s:000000000000:function:%s", m->region, m->function_name);
    sb_cstr(&sb);
    m->function_arn = sb_take(&sb, NULL);

    /* UUID: given (it must look like one), else derived from what identifies the mapping. */
    if (uuid) {
        if (!valid_uuid(uuid->valuestring)) {
            quote(uuid->valuestring, v, sizeof v);
            fail(err, errlen, "UUID must look like xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex digits) (got %s)", v);
            goto error;
        }
        m->uuid = xstrdup(uuid->valuestring);
        for (char *p = m->uuid; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    } else {
        sb_init(&sb);
        sb_printf(&sb, "%s\n%s\n%s", m->stream_arn ? m->stream_arn : m->table, m->handler, m->function_name);
        m->uuid = derive_uuid(sb_cstr(&sb));
        sb_fini(&sb);
    }
    return m;

error:
    trig_mapping_free(m);
    return NULL;
}

void trig_mapping_free(trig_mapping_t *m)
{
    if (!m)
        return;
    free(m->uuid);
    free(m->function_name);
    free(m->function_arn);
    free(m->table);
    free(m->stream_arn);
    free(m->handler);
    free(m->target);
    free(m->py_file);
    free(m->py_func);
    for (int i = 0; i < m->nfilters; i++)
        trig_filter_free(m->filters[i]);
    free(m->filters);
    free(m->on_failure);
    free(m->region);
    free(m->access_key);
    free(m);
}

/* ---- the -trigger flag ------------------------------------------------------------------ */

/* The JSON value of one Name=Value of a flag: JSON text when the value is one ({...}, [...],
 * "..."), else converted by the parameter's type; what does not convert stays a string so that
 * trig_mapping_parse reports it with the usual message. */
static cJSON *flag_value(const param_t *p, const char *s, size_t n)
{
    char *t = xstrndup(s, n);
    cJSON *v = NULL;
    if (p && p->type == PT_INT) {
        char *end;
        errno = 0;
        long x = strtol(t, &end, 10);
        if (n && *end == '\0' && errno == 0 && !isspace((unsigned char)t[0]))
            v = cJSON_CreateNumber((double)x);
    } else if (p && p->type == PT_BOOL) {
        if (strcmp(t, "true") == 0 || strcmp(t, "True") == 0 || strcmp(t, "TRUE") == 0)
            v = cJSON_CreateTrue();
        else if (strcmp(t, "false") == 0 || strcmp(t, "False") == 0 || strcmp(t, "FALSE") == 0)
            v = cJSON_CreateFalse();
    } else if (p && p->type == PT_LIST) {
        v = cJSON_CreateArray();
        if (n)
            cJSON_AddItemToArray(v, cJSON_CreateString(t));
    } else if (p && strcmp(p->name, "DestinationConfig") == 0) {
        /* DestinationConfig=PATH is short for {"OnFailure":{"Destination":PATH}}. */
        v = cJSON_CreateObject();
        cJSON *of = cJSON_AddObjectToObject(v, "OnFailure");
        cJSON_AddStringToObject(of, "Destination", t);
    }
    if (!v)
        v = cJSON_CreateString(t);
    free(t);
    return v;
}

static int is_long_form(const char *spec)
{
    size_t n = strcspn(spec, "=,");
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
        if (strlen(params[i].name) == n && strncmp(params[i].name, spec, n) == 0)
            return 1;
    return strncmp(spec, "Handler=", 8) == 0 || strstr(spec, ",Handler=") != NULL;
}

cJSON *trig_flag_parse(const char *spec, char *err, size_t errlen)
{
    static const char usage[] = "-trigger needs TABLE=HANDLER or Name=Value,...,Handler=HANDLER";
    char q[160];
    if (!spec || !*spec) {
        fail(err, errlen, "%s (got \"\")", usage);
        return NULL;
    }
    cJSON *obj = cJSON_CreateObject();
    if (!is_long_form(spec)) {
        /* TABLE=HANDLER, where TABLE may also be a table or stream ARN (ARNs have no '='). */
        const char *eq = strchr(spec, '=');
        if (!eq || eq == spec || eq[1] == '\0') {
            quote(spec, q, sizeof q);
            fail(err, errlen, "%s (got %s)", usage, q);
            goto error;
        }
        char *t = xstrndup(spec, (size_t)(eq - spec));
        cJSON_AddStringToObject(obj, strncmp(t, "arn:", 4) == 0 ? "EventSourceArn" : "TableName", t);
        free(t);
        cJSON_AddStringToObject(obj, "Handler", eq + 1);
        cJSON_AddStringToObject(obj, "StartingPosition", "LATEST");
        return obj;
    }
    const char *p = spec;
    while (*p) {
        const char *eq = strchr(p, '=');
        size_t cn = strcspn(p, ",");
        if (!eq || (size_t)(eq - p) > cn || eq == p) {
            char *part = xstrndup(p, cn);
            quote(part, q, sizeof q);
            free(part);
            fail(err, errlen, "-trigger: expected Name=Value (got %s)", q);
            goto error;
        }
        char *name = xstrndup(p, (size_t)(eq - p));
        const char *val = eq + 1;
        if (cJSON_GetObjectItemCaseSensitive(obj, name)) {
            fail(err, errlen, "parameter %s is given twice", name);
            free(name);
            goto error;
        }
        const param_t *par = find_param(name);
        cJSON *v;
        const char *next;
        if (strcmp(name, "Handler") == 0) {
            v = cJSON_CreateString(val);          /* the rest of the spec, commas included */
            next = val + strlen(val);
        } else if (*val == '{' || *val == '[' || *val == '"') {
            const char *end = NULL;
            v = cJSON_ParseWithOpts(val, &end, 0);
            if (!v || (*end != ',' && *end != '\0')) {
                cJSON_Delete(v);
                fail(err, errlen, "-trigger: the value of %s is not valid JSON", name);
                free(name);
                goto error;
            }
            next = end;
        } else {
            size_t vn = strcspn(val, ",");
            v = flag_value(par, val, vn);
            next = val + vn;
        }
        cJSON_AddItemToObject(obj, name, v);
        free(name);
        p = *next == ',' ? next + 1 : next;
    }
    if (!cJSON_GetObjectItemCaseSensitive(obj, "StartingPosition"))
        cJSON_AddStringToObject(obj, "StartingPosition", "LATEST");
    return obj;
error:
    cJSON_Delete(obj);
    return NULL;
}

/* ---- the -triggers file ----------------------------------------------------------------- */

cJSON *trig_file_read(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    sb_t sb;
    sb_init(&sb);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_add(&sb, buf, n);
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        sb_fini(&sb);
        fail(err, errlen, "%s: read error", path);
        return NULL;
    }
    const char *text = sb_cstr(&sb);
    const char *end = NULL;
    /* The length includes the NUL: cJSON's "require null terminated" check looks for it. */
    cJSON *doc = cJSON_ParseWithLengthOpts(text, sb.len + 1, &end, 1);
    if (!doc) {
        size_t off = end ? (size_t)(end - text) : 0;
        int line = 1, col = 1;
        for (size_t i = 0; i < off && i < sb.len; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        fail(err, errlen, "%s: not valid JSON (line %d, column %d)", path, line, col);
        sb_fini(&sb);
        return NULL;
    }
    sb_fini(&sb);
    cJSON *arr = NULL;
    if (cJSON_IsArray(doc)) {
        arr = doc;
    } else if (cJSON_IsObject(doc)) {
        for (cJSON *c = doc->child; c; c = c->next)
            if (strcmp(c->string, "EventSourceMappings") != 0) {
                char q[160];
                quote(c->string, q, sizeof q);
                fail(err, errlen, "%s: unknown member %s (expected {\"EventSourceMappings\":[...]} or an array)", path, q);
                cJSON_Delete(doc);
                return NULL;
            }
        arr = cJSON_DetachItemFromObjectCaseSensitive(doc, "EventSourceMappings");
        cJSON_Delete(doc);
        if (!cJSON_IsArray(arr)) {
            cJSON_Delete(arr);
            fail(err, errlen, "%s: EventSourceMappings must be an array of mappings", path);
            return NULL;
        }
    } else {
        cJSON_Delete(doc);
        fail(err, errlen, "%s: expected {\"EventSourceMappings\":[...]} or an array of mappings", path);
        return NULL;
    }
    int i = 0;
    for (const cJSON *c = arr->child; c; c = c->next, i++)
        if (!cJSON_IsObject(c)) {
            fail(err, errlen, "%s: EventSourceMappings[%d] must be an object", path, i);
            cJSON_Delete(arr);
            return NULL;
        }
    return arr;
}
