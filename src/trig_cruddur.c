/*
 * trig_cruddur.c: the builtin trigger handlers (trig.h), run by the engine inside the core.
 *
 * builtin:cruddur-message-groups does in C what the Cruddur app's stream Lambda
 * cruddur-messaging-stream does in Python (../shared/reference/cruddur.md §7): when a message
 * row (pk "MSG#<group uuid>") is written, every conversation row of that group (pk
 * "GRP#<user uuid>", found through the GSI message-group-sk-index) is rewritten so that its
 * sort key and text are those of the new message. Users get the Lambda's behaviour without
 * Python or boto3, and the same writes appear on the stream (a REMOVE and an INSERT per row).
 *
 * It talks to its own table through ddb_call(), exactly as the Lambda talks to DynamoDB, with
 * the mapping's credentials, so it reads and writes the database the mapping's stream belongs
 * to. Written from the behaviour described in cruddur.md, not from the app's code.
 */
#include "trig.h"

#include <stdio.h>
#include <string.h>

#define CRUDDUR_GSI "message-group-sk-index"

/* ---- in-process DynamoDB calls ---------------------------------------------------------- */

/* What one handler invocation needs for its calls. */
typedef struct call_ctx {
    ddb_t *ddb;
    const char *table;
    char auth[512];
    sb_t body;      /* the request being built */
    sb_t *detail;   /* where a failure is explained */
} call_ctx_t;

/* Sends the request in c->body as operation op. Returns the parsed 200 answer (the caller frees
 * it), or NULL after writing "<Op> <table>: HTTP <status> <error type>: <Message>" into
 * c->detail: any other status is a function error, as a boto3 ClientError is for the Lambda. */
static cJSON *call(call_ctx_t *c, const char *op)
{
    char target[64];
    snprintf(target, sizeof target, "DynamoDB_20120810.%s", op);
    ddb_response_t r;
    ddb_call(c->ddb, target, c->auth, c->body.buf, c->body.len, &r);
    cJSON *j = json_parse(r.body, r.body_len, NULL);
    if (r.status == 200 && cJSON_IsObject(j)) {
        ddb_response_fini(&r);
        return j;
    }
    const char *type = j ? jstr(j, "__type") : NULL, *msg = j ? jstr(j, "Message") : NULL;
    if (type && strchr(type, '#')) type = strchr(type, '#') + 1;
    sb_printf(c->detail, "%s %s: HTTP %d %s: %s", op, c->table, r.status,
              type ? type : "(no __type)", msg ? msg : (j ? "(no Message)" : r.body));
    cJSON_Delete(j);
    ddb_response_fini(&r);
    return NULL;
}

/* Starts c->body as {"TableName":"<table>" (the caller adds the rest and the closing brace). */
static void begin_request(call_ctx_t *c)
{
    sb_reset(&c->body);
    sb_puts(&c->body, "{\"TableName\":");
    sb_json_str(&c->body, c->table, strlen(c->table));
}

/* ---- builtin:cruddur-message-groups ----------------------------------------------------- */

/* The string of an attribute value of type S (in the core's parsed form), or NULL. */
static const char *s_value(const cJSON *av)
{
    return cJSON_IsObject(av) ? jstr(av, "S") : NULL;
}

/* Appends every group row of the conversation to rows (items as Query returns them), reading
 * all pages: the Lambda reads only the first, which is enough while a conversation has two
 * rows, but a rerun seed leaves four (cruddur.md §9.4) and nothing limits them. Returns 0 / -1
 * with detail set. */
static int query_groups(call_ctx_t *c, const char *group, cJSON *rows)
{
    cJSON *last_key = NULL;
    do {
        begin_request(c);
        sb_puts(&c->body, ",\"IndexName\":\"" CRUDDUR_GSI "\",\"KeyConditionExpression\":\"#g = :g\","
                "\"ExpressionAttributeNames\":{\"#g\":\"message_group_uuid\"},"
                "\"ExpressionAttributeValues\":{\":g\":{\"S\":");
        sb_json_str(&c->body, group, strlen(group));
        sb_puts(&c->body, "}}");
        if (last_key) {
            sb_puts(&c->body, ",\"ExclusiveStartKey\":");
            item_write(&c->body, last_key);
            cJSON_Delete(last_key);
            last_key = NULL;
        }
        sb_putc(&c->body, '}');
        cJSON *resp = call(c, "Query");
        if (!resp) return -1;
        cJSON *items = jget(resp, "Items");
        while (cJSON_IsArray(items) && items->child)
            cJSON_AddItemToArray(rows, cJSON_DetachItemViaPointer(items, items->child));
        last_key = cJSON_DetachItemFromObjectCaseSensitive(resp, "LastEvaluatedKey");
        cJSON_Delete(resp);
    } while (last_key);
    return 0;
}

/* The attributes a rewritten group row keeps from the old one (besides pk): the conversation
 * and the other participant. Absent ones stay absent (the Lambda would raise KeyError). */
static const char *const KEPT[] = {"message_group_uuid", "user_display_name", "user_handle",
                                   "user_uuid"};

/* Rewrites one group row to carry the new message: DeleteItem of (pk, old sk), then PutItem
 * with sk and message replaced, as the Lambda does (not atomic: cruddur.md §9.6). A row that
 * already has this sk and text is left alone, so a batch delivered again (at-least-once) writes
 * nothing and puts no further records on the stream. Returns 0 / -1 with detail set. */
static int rewrite_row(call_ctx_t *c, const cJSON *row, const char *sk, const char *message)
{
    const cJSON *pk = jget(row, "pk"), *old_sk = jget(row, "sk");
    const char *old_text = s_value(jget(row, "message")), *old_sk_s = s_value(old_sk);
    if (!pk || !old_sk)
        return 0;   /* not a row of this table's key schema: cannot happen, nothing to do */
    if (old_sk_s && !strcmp(old_sk_s, sk) && old_text && !strcmp(old_text, message))
        return 0;

    begin_request(c);
    sb_puts(&c->body, ",\"Key\":{\"pk\":");
    item_write_value(&c->body, pk);
    sb_puts(&c->body, ",\"sk\":");
    item_write_value(&c->body, old_sk);
    sb_puts(&c->body, "}}");
    cJSON *resp = call(c, "DeleteItem");
    if (!resp) return -1;
    cJSON_Delete(resp);

    begin_request(c);
    sb_puts(&c->body, ",\"Item\":{\"pk\":");
    item_write_value(&c->body, pk);
    sb_puts(&c->body, ",\"sk\":{\"S\":");
    sb_json_str(&c->body, sk, strlen(sk));
    sb_puts(&c->body, "},\"message\":{\"S\":");
    sb_json_str(&c->body, message, strlen(message));
    sb_putc(&c->body, '}');
    for (size_t i = 0; i < sizeof KEPT / sizeof KEPT[0]; i++) {
        const cJSON *av = jget(row, KEPT[i]);
        if (!av) continue;
        sb_printf(&c->body, ",\"%s\":", KEPT[i]);
        item_write_value(&c->body, av);
    }
    sb_puts(&c->body, "}}");
    resp = call(c, "PutItem");
    if (!resp) return -1;
    cJSON_Delete(resp);
    return 0;
}

/* One stream record: a message row written (INSERT or MODIFY) refreshes its conversation's
 * group rows; REMOVE records (the handler's own deletes among them) and group rows (its own
 * puts, and pattern D's new conversations, whose rows are already right) are ignored.
 * Returns 0 / -1 with detail set. */
static int on_record(call_ctx_t *c, const cJSON *rec, int idx)
{
    const char *name = jstr(rec, "eventName");
    if (name && !strcmp(name, "REMOVE"))
        return 0;
    const cJSON *ddb = jget(rec, "dynamodb");
    const cJSON *keys = jget(ddb, "Keys");
    const char *pk = s_value(jget(keys, "pk"));
    if (!pk || strncmp(pk, "MSG#", 4) != 0 || !pk[4])
        return 0;
    const char *group = pk + 4;
    const char *sk = s_value(jget(keys, "sk"));
    const char *message = s_value(jget(jget(ddb, "NewImage"), "message"));
    if (!sk || !message) {
        /* The Lambda fails the same way (KeyError): the stream must carry new images. */
        sb_printf(c->detail, "record %d (%s): no %s; cruddur-message-groups needs a stream "
                  "with NEW_IMAGE or NEW_AND_OLD_IMAGES", idx, pk,
                  !sk ? "Keys.sk.S" : "NewImage.message.S");
        return -1;
    }
    cJSON *rows = cJSON_CreateArray();
    int rc = query_groups(c, group, rows);
    for (const cJSON *row = rows->child; rc == 0 && row; row = row->next)
        rc = rewrite_row(c, row, sk, message);
    cJSON_Delete(rows);
    return rc;
}

/* The handler. The Lambda looks at Records[0] only (cruddur.md §9.1: with BatchSize > 1 a burst
 * of messages leaves a stale "last message", which is why the app's template sets BatchSize 1);
 * this one handles every record of the batch in sequence order, so the group rows end at the
 * last message of the batch whatever the BatchSize. */
static int cruddur_message_groups(ddb_t *ddb, const trig_mapping_t *m, const cJSON *event,
                                  sb_t *resp, sb_t *detail)
{
    const cJSON *records = jget(event, "Records");
    if (!cJSON_IsArray(records)) {
        sb_puts(detail, "event has no Records array");
        return -1;
    }
    call_ctx_t c = {.ddb = ddb, .table = m->table, .detail = detail};
    trig_auth(m, c.auth, sizeof c.auth);
    sb_init(&c.body);
    int rc = 0, idx = 0;
    for (const cJSON *rec = records->child; rc == 0 && rec; rec = rec->next, idx++)
        rc = on_record(&c, rec, idx);
    sb_fini(&c.body);
    return rc;
}

/* ---- the table of builtins -------------------------------------------------------------- */

static const struct {
    const char *name;
    trig_builtin_fn fn;
} BUILTINS[] = {
    {"cruddur-message-groups", cruddur_message_groups},
};

trig_builtin_fn trig_builtin_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof BUILTINS / sizeof BUILTINS[0]; i++)
        if (!strcmp(BUILTINS[i].name, name))
            return BUILTINS[i].fn;
    return NULL;
}
