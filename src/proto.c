/*
 * proto.c: one request in, one response out, the way DynamoDB Local answers a POST /.
 *
 * Order of checks (shared/reference/dynamodb-local.md §2, §4): credentials, then the
 * X-Amz-Target prefix and operation, then the JSON body, then the operation's field spec, then
 * the handler inside one SQLite transaction. Where DynamoDB Local answers a client mistake with
 * 500 InternalFailure (bad JSON, missing target, short Authorization) we answer the real
 * service's 400 instead (compat/DEVIATIONS.md).
 */
#include "core.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX_DDB "DynamoDB_20120810"
#define PREFIX_STREAMS "DynamoDBStreams_20120810"

/* Splits the Authorization value like Java's split("=|/"): token 1 is the access key and token
 * 3 the region. Returns 0, or -1 with the error to answer. */
static int parse_auth(const char *auth, char *key, size_t keycap, char *region, size_t regcap,
                      err_t *e)
{
    if (!auth)
        return err_set(e, ERR_MISSING_AUTH, "Request must contain either a valid (registered) "
                       "AWS access key ID or X.509 certificate.");
    const char *tok[5] = {0};
    size_t toklen[5] = {0};
    int ntok = 0;
    const char *p = auth, *start = auth;
    for (;; p++) {
        if (*p == '=' || *p == '/' || *p == 0) {
            if (ntok < 5) { tok[ntok] = start; toklen[ntok] = (size_t)(p - start); }
            ntok++;
            if (*p == 0) break;
            start = p + 1;
        }
    }
    /* Java drops trailing empty tokens */
    while (ntok > 0 && ntok <= 5 && toklen[ntok - 1] == 0) ntok--;
    if (ntok < 4)   /* DynamoDB Local: 500 (ArrayIndexOutOfBounds); deviation: 400 */
        return err_set(e, ERR_UNRECOGNIZED_CLIENT, "The Access Key ID or security token is invalid.");
    size_t kl = toklen[1];
    int ok = kl > 0 && kl < keycap;
    for (size_t i = 0; ok && i < kl; i++)
        if (!isalnum((unsigned char)tok[1][i])) ok = 0;
    if (!ok)
        return err_set(e, ERR_UNRECOGNIZED_CLIENT, "The Access Key ID or security token is invalid.");
    memcpy(key, tok[1], kl);
    key[kl] = 0;
    /* region: ^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$ or else the empty string */
    size_t rl = toklen[3];
    ok = rl > 0 && rl < regcap;
    for (size_t i = 0; ok && i < rl; i++) {
        char c = tok[3][i];
        if (c == '-') {
            if (i == 0 || i + 1 == rl || tok[3][i - 1] == '-') ok = 0;
        } else if (!isalnum((unsigned char)c)) {
            ok = 0;
        }
    }
    if (ok) { memcpy(region, tok[3], rl); region[rl] = 0; }
    else region[0] = 0;
    return 0;
}

/* Resolves the target to an operation. Returns NULL with the error set when it is refused. */
static const op_def_t *resolve_target(const char *target, err_t *e)
{
    if (!target)
        goto unknown;
    const char *dot = strchr(target, '.');
    if (!dot)
        goto unknown;
    size_t plen = (size_t)(dot - target);
    int streams;
    if (plen == strlen(PREFIX_DDB) && !memcmp(target, PREFIX_DDB, plen)) {
        streams = 0;
    } else if (plen == strlen(PREFIX_STREAMS) && !memcmp(target, PREFIX_STREAMS, plen)) {
        streams = 1;
    } else if ((plen == 17 && !memcmp(target, "DynamoDB_20110924", 17)) ||
               (plen == 17 && !memcmp(target, "DynamoDB_20111205", 17))) {
        err_set(e, ERR_INVALID_ACTION, "DynamoDB Local does not support v1 API.");
        return NULL;
    } else {
        err_set(e, ERR_INVALID_ACTION, "The action or operation requested is invalid. Verify "
                "that the action is typed correctly.");
        return NULL;
    }
    const op_def_t *op = ops_find(dot + 1, strlen(dot + 1), streams);
    if (!op)
        goto unknown;
    if (op->flags & OPF_TAGGING) {
        err_set(e, ERR_UNKNOWN_OPERATION, "Tagging is not currently supported in DynamoDB Local.");
        return NULL;
    }
    return op;
unknown:
    err_set(e, ERR_UNKNOWN_OPERATION, "An unknown operation was requested.");
    return NULL;
}

/* Parses the body; anything but a JSON object is a SerializationException (DynamoDB Local: 500). */
static cJSON *parse_body(const char *body, size_t len, err_t *e)
{
    const char *end = NULL;
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    if (i == len) {
        err_set(e, ERR_SERIALIZATION, "Request body is empty: expected a JSON object");
        return NULL;
    }
    const char *bad = json_check_text(body, len);
    if (bad) {
        err_set(e, ERR_SERIALIZATION, "%s", bad);
        return NULL;
    }
    cJSON *j = json_parse(body, len, &end);
    if (!j) {
        err_set(e, ERR_SERIALIZATION, "Malformed JSON in the request body");
        return NULL;
    }
    if (!cJSON_IsObject(j)) {
        if (cJSON_IsArray(j))
            err_set(e, ERR_SERIALIZATION, "Start of list found where not expected");
        else
            err_set(e, ERR_SERIALIZATION, "Expected a JSON object as the request body");
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

static void write_error(const err_t *e, ddb_response_t *out)
{
    sb_t sb;
    sb_init(&sb);
    sb_puts(&sb, "{\"__type\":");
    sb_json_str(&sb, err_type(e->code), strlen(err_type(e->code)));
    if (e->before_msg) sb_puts(&sb, e->before_msg);
    sb_puts(&sb, ",\"Message\":");
    const char *m = e->msg ? e->msg : "";
    sb_json_str(&sb, m, strlen(m));
    if (e->extra) sb_puts(&sb, e->extra);
    sb_putc(&sb, '}');
    out->status = err_status(e->code);
    out->body = sb_take(&sb, &out->body_len);
}

void ddb_call(ddb_t *ddb, const char *target, const char *authorization,
              const char *body, size_t len, ddb_response_t *out)
{
    req_t r;
    memset(&r, 0, sizeof r);
    r.ddb = ddb;
    sb_init(&r.out);
    char key[256], region[256];
    const op_def_t *op = NULL;

    if (parse_auth(authorization, key, sizeof key, region, sizeof region, &r.err) < 0)
        goto done;
    if (!(op = resolve_target(target, &r.err)))
        goto done;
    if (!(r.in = parse_body(body, len, &r.err)))
        goto done;
    if (ops_check_spec(op->spec, r.in, &r.err) < 0)
        goto done;
    if (!(r.st = ddb_db_for(ddb, key, region, &r.err)))
        goto done;
    r.now_ms = now_ms();
    /* a write runs in one explicit transaction; a read-only operation needs none: its
     * statements see one state, as nothing else runs on this thread meanwhile */
    int txn = !(op->flags & OPF_READ);
    if (txn && store_begin(r.st, &r.err) < 0)
        goto done;
    if (op->handler(&r) < 0) {
        if (txn) store_rollback(r.st);
        if (r.err.code == ERR_NONE)
            err_set(&r.err, ERR_INTERNAL, "The request processing has failed because of an "
                    "unknown error, exception or failure.");
        goto done;
    }
    if (txn && store_commit(r.st, &r.err) < 0)
        store_rollback(r.st);

done:
    if (r.err.code != ERR_NONE) {
        write_error(&r.err, out);
    } else {
        out->status = 200;
        if (r.out.len == 0) sb_puts(&r.out, "{}");
        out->body = sb_take(&r.out, &out->body_len);
    }
    sb_fini(&r.out);
    err_fini(&r.err);
    cJSON_Delete(r.in);
}

void ddb_response_fini(ddb_response_t *resp)
{
    if (!resp) return;
    free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
}
