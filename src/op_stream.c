/*
 * op_stream.c: the DynamoDB Streams API (DynamoDBStreams_20120810.*): ListStreams,
 * DescribeStream, GetShardIterator, GetRecords, with DynamoDB Local's answers and messages
 * (dynamodb-local.md §11; tests/e2e/test_streams.py, compat/cases/streams.json). The records
 * themselves are written and read by stream.c.
 */
#include "core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITERATOR_TTL_MS (15LL * 60 * 1000)
#define MAX_RECORDS 1000

const field_spec_t spec_list_streams[] = {
    {"TableName", FT_STRING}, {"Limit", FT_INT}, {"ExclusiveStartStreamArn", FT_STRING}, {NULL, 0},
};
const field_spec_t spec_describe_stream[] = {
    {"StreamArn", FT_STRING}, {"Limit", FT_INT}, {"ExclusiveStartShardId", FT_STRING}, {NULL, 0},
};
const field_spec_t spec_get_shard_iterator[] = {
    {"StreamArn", FT_STRING}, {"ShardId", FT_STRING}, {"ShardIteratorType", FT_STRING},
    {"SequenceNumber", FT_STRING}, {NULL, 0},
};
const field_spec_t spec_get_records[] = {{"ShardIterator", FT_STRING}, {"Limit", FT_INT}, {NULL, 0}};

/* Limit of a Streams request: absent -> dflt; below 1 the constraint message; above max
 * DynamoDB Local's own message (too_big). */
static int read_limit(req_t *r, int64_t max, int64_t dflt, const char *too_big, int64_t *out)
{
    const cJSON *l = jget(r->in, "Limit");
    *out = dflt;
    if (!l || cJSON_IsNull(l)) return 0;
    int64_t v = (int64_t)l->valuedouble;
    if (v < 1)
        return err_validation(&r->err, "1 validation error detected: Value '%lld' at 'limit' failed to satisfy "
                              "constraint: Member must have value greater than or equal to 1", (long long)v);
    if (v > max) return err_validation(&r->err, "%s", too_big);
    *out = v;
    return 0;
}

static const char *label_of(const char *arn)
{
    const char *l = strstr(arn, "/stream/");
    return l ? l + 8 : "";
}

static void row_fini(stream_row_t *s)
{
    free(s->arn);
    free(s->table);
    free(s->status);
    free(s->info);
}

static void put_str(sb_t *sb, const char *s)
{
    sb_json_str(sb, s, strlen(s));
}

/* ---- ListStreams ------------------------------------------------------------------------- */

/* Page order newest first: creation time, then ARN, descending. */
static int by_newest(const void *a, const void *b)
{
    const stream_row_t *x = a, *y = b;
    if (x->created_ms != y->created_ms) return x->created_ms < y->created_ms ? 1 : -1;
    return -strcmp(x->arn, y->arn);
}

/* DynamoDB Local pages in ARN string order (tests/e2e/test_streams.py docstring): the rows
 * with ARN > ExclusiveStartStreamArn (any string, not necessarily an ARN), the first Limit of
 * them; the page is then written newest first. LastEvaluatedStreamArn is the page's greatest
 * ARN, present only when more rows follow. stream_list returns the rows in ARN order. */
int op_list_streams(req_t *r)
{
    int64_t limit;
    if (read_limit(r, 100, 100, "One or more parameter values were invalid: Limit cannot be greater than the "
                   "maximum allowed size: 100", &limit) < 0)
        return -1;
    if (stream_maintain(r->st, r->now_ms, &r->err) < 0) return -1;
    stream_row_t *v;
    int n;
    if (stream_list(r->st, jstr(r->in, "TableName"), &v, &n, &r->err) < 0) return -1;
    int i = 0;
    const char *start = jstr(r->in, "ExclusiveStartStreamArn");
    while (start && i < n && strcmp(v[i].arn, start) <= 0) i++;
    int end = n - i > limit ? i + (int)limit : n;
    char *last = end < n ? xstrdup(v[end - 1].arn) : NULL;
    if (end > i) qsort(v + i, (size_t)(end - i), sizeof *v, by_newest);
    sb_puts(&r->out, "{\"Streams\":[");
    for (int k = i; k < end; k++) {
        if (k != i) sb_putc(&r->out, ',');
        sb_puts(&r->out, "{\"StreamArn\":");
        put_str(&r->out, v[k].arn);
        sb_puts(&r->out, ",\"TableName\":");
        put_str(&r->out, v[k].table);
        sb_puts(&r->out, ",\"StreamLabel\":");
        put_str(&r->out, label_of(v[k].arn));
        sb_putc(&r->out, '}');
    }
    sb_putc(&r->out, ']');
    if (last) {
        sb_puts(&r->out, ",\"LastEvaluatedStreamArn\":");
        put_str(&r->out, last);
        free(last);
    }
    sb_putc(&r->out, '}');
    stream_rows_free(v, n);
    return 0;
}

/* ---- DescribeStream ---------------------------------------------------------------------- */

static void put_seq(sb_t *sb, const char *name, int64_t seq)
{
    sb_printf(sb, "\"%s\":\"%021lld\"", name, (long long)seq);
}

int op_describe_stream(req_t *r)
{
    const char *arn = jstr(r->in, "StreamArn");
    if (!arn) return err_validation(&r->err, "Invalid StreamArn");
    int64_t limit;
    if (read_limit(r, 100, 100, "One or more parameter values were invalid: Limit cannot be greater than the "
                   "maximum: 100", &limit) < 0)
        return -1;
    const char *excl = jstr(r->in, "ExclusiveStartShardId");
    if (excl && (strlen(excl) < 28 || strlen(excl) > 65))
        return err_validation(&r->err, "1 validation error detected: Value '%s' at 'exclusiveStartShardId' failed "
                              "to satisfy constraint: Member must have length %s", excl,
                              strlen(excl) < 28 ? "greater than or equal to 28" : "less than or equal to 65");
    if (stream_maintain(r->st, r->now_ms, &r->err) < 0) return -1;
    stream_row_t s;
    int rc = stream_get(r->st, arn, &s, &r->err);
    if (rc < 0) return -1;
    if (rc == 0)
        return err_set(&r->err, ERR_RESOURCE_NOT_FOUND, "Requested resource not found: Stream: %s not found", arn);
    shard_row_t *sh;
    int n;
    if (stream_shards(r->st, arn, &sh, &n, &r->err) < 0) { row_fini(&s); return -1; }
    cJSON *info = cJSON_Parse(s.info);
    const char *vt = jstr(info, "streamViewType");
    sb_t *o = &r->out;
    sb_puts(o, "{\"StreamDescription\":{\"StreamArn\":");
    put_str(o, s.arn);
    sb_puts(o, ",\"StreamLabel\":");
    put_str(o, label_of(s.arn));
    sb_puts(o, ",\"StreamStatus\":");
    put_str(o, s.status ? s.status : "");
    sb_puts(o, ",\"StreamViewType\":");
    put_str(o, vt ? vt : "");
    sb_puts(o, ",\"CreationRequestDateTime\":");
    put_epoch(o, s.created_ms);
    sb_puts(o, ",\"TableName\":");
    put_str(o, s.table ? s.table : "");
    sb_puts(o, ",\"KeySchema\":[");
    const cJSON *ks = jget(info, "keySchema");
    for (const cJSON *k = ks ? ks->child : NULL; k; k = k->next) {
        const char *an = jstr(k, "AttributeName"), *kt = jstr(k, "KeyType");
        if (k != ks->child) sb_putc(o, ',');
        sb_puts(o, "{\"AttributeName\":");
        put_str(o, an ? an : "");
        sb_puts(o, ",\"KeyType\":");
        put_str(o, kt ? kt : "");
        sb_putc(o, '}');
    }
    sb_puts(o, "],\"Shards\":[");
    /* the shards with ShardId > ExclusiveStartShardId (a string bound, like ListStreams') */
    int *keep = xmalloc((size_t)(n ? n : 1) * sizeof *keep), m = 0;
    for (int k = 0; k < n; k++)
        if (!excl || strcmp(sh[k].id, excl) > 0) keep[m++] = k;
    int end = m > limit ? (int)limit : m;
    for (int q = 0; q < end; q++) {
        int k = keep[q];
        if (q) sb_putc(o, ',');
        sb_puts(o, "{\"ShardId\":");
        put_str(o, sh[k].id);
        if (sh[k].parent) {
            sb_puts(o, ",\"ParentShardId\":");
            put_str(o, sh[k].parent);
        }
        sb_puts(o, ",\"SequenceNumberRange\":{");
        put_seq(o, "StartingSequenceNumber", sh[k].start);
        if (sh[k].end >= 0) {
            sb_putc(o, ',');
            put_seq(o, "EndingSequenceNumber", sh[k].end);
        }
        sb_puts(o, "}}");
    }
    sb_putc(o, ']');
    if (end < m) {
        sb_puts(o, ",\"LastEvaluatedShardId\":");
        put_str(o, sh[keep[end - 1]].id);
    }
    free(keep);
    sb_puts(o, "}}");
    cJSON_Delete(info);
    shard_rows_free(sh, n);
    row_fini(&s);
    return 0;
}

/* ---- iterators ------------------------------------------------------------------------------ */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_put(sb_t *sb, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        sb_putc(sb, B64[v >> 18 & 63]);
        sb_putc(sb, B64[v >> 12 & 63]);
        sb_putc(sb, i + 1 < n ? B64[v >> 6 & 63] : '=');
        sb_putc(sb, i + 2 < n ? B64[v & 63] : '=');
    }
}

/* <StreamArn>|001|base64("<ShardId>|<21-digit seq>|<30-digit creation ms>") (§11.3). */
static void put_iterator(sb_t *sb, const char *arn, const char *shard, int64_t seq, int64_t now)
{
    char payload[160];
    int n = snprintf(payload, sizeof payload, "%s|%021lld|%030lld", shard, (long long)seq, (long long)now);
    sb_t it;
    sb_init(&it);
    sb_puts(&it, arn);
    sb_puts(&it, "|001|");
    b64_put(&it, (const unsigned char *)payload, (size_t)(n < (int)sizeof payload ? n : (int)sizeof payload - 1));
    sb_json_str(sb, it.buf, it.len);
    sb_fini(&it);
}

/* A non-negative decimal that fits an int64, or -1 (iterator payloads). */
static int64_t parse_seq(const char *s)
{
    int64_t v = 0;
    if (!*s) return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return -1;
        if (v > (INT64_MAX - 9) / 10) return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

/* A SequenceNumber as Java's Long.parseLong reads it: an optional sign, then digits
 * ("+000...3" is 3). 1 and *out set, or 0 when it is not a Java long. */
static int parse_java_long(const char *s, int64_t *out)
{
    int neg = *s == '-';
    if (*s == '+' || *s == '-') s++;
    int64_t v = parse_seq(s);
    if (v < 0) return 0;
    *out = neg ? -v : v;
    return 1;
}

/* Finds shard id of stream arn. 1 found (*out filled, caller frees), 0 not, -1 error. */
static int find_shard(req_t *r, const char *arn, const char *id, shard_row_t *out)
{
    shard_row_t *sh;
    int n, found = 0;
    if (stream_shards(r->st, arn, &sh, &n, &r->err) < 0) return -1;
    for (int i = 0; i < n; i++) {
        if (!found && !strcmp(sh[i].id, id)) {
            *out = sh[i];
            sh[i].id = sh[i].parent = NULL;
            found = 1;
        }
    }
    shard_rows_free(sh, n);
    return found;
}

/* Where LATEST and TRIM_HORIZON point, as DynamoDB Local places them (oracle probes): TRIM_HORIZON
 * at the shard's first record, LATEST after its last; both at the shard's start while it has
 * no records; LATEST of a closed shard after its end. */
static int shard_position(req_t *r, const shard_row_t *sh, int latest, int64_t *out)
{
    int64_t first = 0, last = 0;
    if (stream_shard_bounds(r->st, sh->id, &first, &last, &r->err) < 0) return -1;
    if (latest)
        *out = sh->end >= 0 ? sh->end + 1 : last ? last + 1 : sh->start;
    else
        *out = first ? first : sh->start;
    return 0;
}

/* Check order (test_get_shard_iterator_errors, compat st-get-shard-iterator-*): ShardId,
 * ShardIteratorType, StreamArn, SequenceNumber present for the type, its length 21..40, the
 * stream, the shard, the number against the shard. */
int op_get_shard_iterator(req_t *r)
{
    static const char *const types[] = {"TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"};
    const char *arn = jstr(r->in, "StreamArn"), *id = jstr(r->in, "ShardId");
    const char *type = jstr(r->in, "ShardIteratorType"), *seqs = jstr(r->in, "SequenceNumber");
    if (!id) return err_validation(&r->err, "No ShardId specified.");
    int ty = -1;
    for (int i = 0; i < 4 && type; i++)
        if (!strcmp(type, types[i])) ty = i;
    if (ty < 0) return err_validation(&r->err, "Invalid ShardIteratorType.");
    if (!arn || !*arn)
        return err_validation(&r->err, "One or more parameter values were invalid: streamArn cannot be empty or null.");
    if (ty < 2 && seqs)
        return err_validation(&r->err, "One or more parameter values were invalid: SequenceNumber should not be "
                              "passed for this iterator type");
    if (ty >= 2 && !seqs)
        return err_validation(&r->err, "One or more parameter values were invalid: Invalid SequenceNumber");
    if (seqs && (strlen(seqs) < 21 || strlen(seqs) > 40))
        return err_validation(&r->err, "1 validation error detected: Value '%s' at 'sequenceNumber' failed to satisfy "
                              "constraint: Member must have length %s", seqs,
                              strlen(seqs) < 21 ? "greater than or equal to 21" : "less than or equal to 40");
    if (stream_maintain(r->st, r->now_ms, &r->err) < 0) return -1;
    stream_row_t s;
    int rc = stream_get(r->st, arn, &s, &r->err);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(&r->err, ERR_RESOURCE_NOT_FOUND, "Stream does not exist");
    row_fini(&s);
    shard_row_t sh;
    rc = find_shard(r, arn, id, &sh);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(&r->err, ERR_RESOURCE_NOT_FOUND, "Shard does not exist");
    int64_t seq = 0;
    rc = 0;
    if (ty < 2) {
        rc = shard_position(r, &sh, ty == 1, &seq);
    } else if (!parse_java_long(seqs, &seq) || seq < sh.start || (sh.end >= 0 && seq > sh.end)) {
        /* not a Java long: DynamoDB Local answers 500 (§16 #7); ddblocal the 400 it gives for
         * numbers outside the shard (compat/DEVIATIONS.md D7) */
        rc = err_validation(&r->err, "Invalid SequenceNumber for the shard");
    } else {
        seq += ty == 3;
    }
    if (rc == 0) {
        sb_puts(&r->out, "{\"ShardIterator\":");
        put_iterator(&r->out, arn, sh.id, seq, stream_clock(r->now_ms));
        sb_putc(&r->out, '}');
    }
    free(sh.id);
    free(sh.parent);
    return rc;
}

/* Decodes an iterator into arn (malloc'd), shard id (64), sequence number and creation time.
 * Returns 0, or -1 for anything malformed. */
static int decode_iterator(const char *it, char **arn, char *shard, int64_t *seq, int64_t *created)
{
    const char *bar = strstr(it, "|001|");
    if (!bar || strchr(bar + 5, '|')) return -1;
    const char *p = bar + 5;
    size_t n = strlen(p);
    if (!n || n % 4) return -1;
    unsigned char *buf = xmalloc(n);
    long m = b64_decode(p, n, buf);
    if (m <= 0) { free(buf); return -1; }
    char *txt = xstrndup((const char *)buf, (size_t)m);
    free(buf);
    char *b1 = strchr(txt, '|'), *b2 = b1 ? strchr(b1 + 1, '|') : NULL;
    int ok = b1 && b2 && (size_t)(b1 - txt) < 64 && !strchr(b2 + 1, '|');
    if (ok) {
        *b1 = *b2 = 0;
        memcpy(shard, txt, (size_t)(b1 - txt) + 1);
        *seq = parse_seq(b1 + 1);
        *created = parse_seq(b2 + 1);
        ok = *seq >= 0 && *created >= 0;
    }
    free(txt);
    if (!ok) return -1;
    *arn = xstrndup(it, (size_t)(bar - it));
    return 0;
}

/* Check order (test_get_records_check_order): the iterator parses, its creation time is within
 * 15 minutes of now in either direction, Limit, the shard exists, the position is not before
 * the shard's first record. */
int op_get_records(req_t *r)
{
    const char *it = jstr(r->in, "ShardIterator");
    char *arn, shard[64];
    int64_t seq, created;
    if (!it || decode_iterator(it, &arn, shard, &seq, &created) < 0)
        return err_validation(&r->err, "Invalid ShardIterator");
    int64_t now = stream_clock(r->now_ms);
    if (created > now + ITERATOR_TTL_MS || now - created > ITERATOR_TTL_MS) {
        free(arn);
        return err_set(&r->err, ERR_EXPIRED_ITERATOR, "%s", "");
    }
    int64_t limit, first = 0, last = 0;
    shard_row_t sh = {0};
    int rc = read_limit(r, MAX_RECORDS, MAX_RECORDS, "One or more parameter values were invalid: Limit should be "
                        "less than or equal to 1000", &limit);
    if (rc == 0) rc = stream_maintain(r->st, r->now_ms, &r->err);
    if (rc == 0 && (rc = find_shard(r, arn, shard, &sh)) == 0)
        rc = err_set(&r->err, ERR_RESOURCE_NOT_FOUND, "Invalid ShardId in ShardIterator");
    if (rc > 0) rc = stream_shard_bounds(r->st, shard, &first, &last, &r->err);
    if (rc == 0 && first && seq < first)
        rc = err_set(&r->err, ERR_TRIMMED_DATA_ACCESS,
                     "The operation attempted to read past the oldest stream record in a shard.");
    int n = 0;
    if (rc == 0) {
        sb_puts(&r->out, "{\"Records\":[");
        n = stream_read(r->st, shard, seq, (int)limit, &r->out, &last, &r->err);
        rc = n < 0 ? -1 : 0;
    }
    if (rc == 0) {
        sb_putc(&r->out, ']');
        int64_t next = n ? last + 1 : seq;
        /* a closed shard read to its end has no NextShardIterator (§11.5): a short page, or a
         * full one ending at the shard's end */
        if (sh.end < 0 || (n == limit && last < sh.end)) {
            sb_puts(&r->out, ",\"NextShardIterator\":");
            put_iterator(&r->out, arn, shard, next, now);
        }
        sb_putc(&r->out, '}');
    }
    free(arn);
    free(sh.id);
    free(sh.parent);
    return rc;
}
