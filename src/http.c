/*
 * http.c: the socket-free half of the server layer. Assembles requests from the bytes a client
 * sends (llhttp callbacks append partial spans; a request is dispatched at message complete),
 * answers CORS preflights, 413s and Jetty's "Bad Message" replies itself, hands everything else
 * to the handler (ddb_call), and writes each response with exactly the headers, order and reason
 * phrases of DynamoDB Local 1.25.1 on Jetty 9.4.53 (reference §3.1, §3.2, §5). server.c feeds
 * it from libuv; tests/fuzz/fuzz_http.c feeds it random bytes.
 *
 * ddblocal's own endpoints (paths under /_ddblocal/) go to the server's admin handler when one is
 * set; it answers with plain application/json, or defers the answer (a drain wait): the parser is
 * then paused after that request, later bytes are kept unparsed, and http_conn_complete() writes
 * the answer and resumes, so pipelined answers stay in request order.
 */
#include "http.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <isa-l/crc.h>

#define SERVER_HDR "Server: Jetty(9.4.53.v20231009)\r\n"
#define JSON_CT "Content-Type: application/x-amz-json-1.0\r\n"

/* Jetty's raw "Bad Message" replies (no Date, no request id, connection closed). */
enum { BAD_NONE, BAD_NO_HOST, BAD_NO_URI, BAD_VERSION, BAD_HTTP09, BAD_CL, BAD_MULTI_CL,
       BAD_HEADER_SIZE, BAD_UPGRADE, BAD_REQUEST, BAD_TE_CL, BAD_CHUNK };

static const struct {
    int status;
    const char *reason;
} bad_replies[] = {
    [BAD_NONE] = {400, "Bad Request"},
    [BAD_NO_HOST] = {400, "No Host"},
    [BAD_NO_URI] = {400, "No URI"},
    [BAD_VERSION] = {505, "Unknown Version"},
    [BAD_HTTP09] = {505, "HTTP/0.9 not supported"},
    [BAD_CL] = {400, "Invalid Content-Length Value"},
    [BAD_MULTI_CL] = {400, "Multiple Content-Lengths"},
    [BAD_HEADER_SIZE] = {431, "Request Header Fields Too Large"},
    [BAD_UPGRADE] = {426, "Upgrade Required"},
    [BAD_REQUEST] = {400, "Bad Request"},
    [BAD_TE_CL] = {400, "Transfer-Encoding and Content-Length"},
    [BAD_CHUNK] = {500, "Server Error"},
};

static const char internal_failure[] =
    "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalFailure\",\"Message\":\"The request "
    "processing has failed because of an unknown error, exception or failure.\"}";
static const char invalid_preflight[] =
    "{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"Message\":\"Invalid "
    "PreFlight Headers\"}";

/* ---- buffers ------------------------------------------------------------------------------- */

static void add_uint(sb_t *b, unsigned long v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sb_add(b, tmp + i, sizeof tmp - i);
}

/* ---- request ids and dates ----------------------------------------------------------------- */

static uint64_t rng[4] = {0x9e3779b97f4a7c15ull, 0xbf58476d1ce4e5b9ull, 0x94d049bb133111ebull,
                          0x2545f4914f6cdd1dull};

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256**: fast, and good enough for request ids (not for secrets). */
static uint64_t next_random(void)
{
    uint64_t r = rotl(rng[1] * 5, 7) * 9, t = rng[1] << 17;
    rng[2] ^= rng[0];
    rng[3] ^= rng[1];
    rng[1] ^= rng[2];
    rng[0] ^= rng[3];
    rng[2] ^= t;
    rng[3] = rotl(rng[3], 45);
    return r;
}

/* Seeds the generator once from /dev/urandom. */
void http_seed(void)
{
    uint64_t seed[4] = {0, 0, 0, 0};
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, seed, sizeof seed) : -1;
    if (fd >= 0)
        close(fd);
    if (got != (ssize_t)sizeof seed) {
        seed[0] = (uint64_t)time(NULL);
        seed[1] = (uint64_t)getpid();
    }
    for (int i = 0; i < 4; i++)
        rng[i] ^= seed[i];
    if (!(rng[0] | rng[1] | rng[2] | rng[3]))
        rng[0] = 1;
}

/* Writes a random UUID v4 in lower-case hex with dashes (36 bytes, no NUL). */
void http_request_id(char out[36])
{
    static const char hex[] = "0123456789abcdef";
    uint64_t a = next_random(), b = next_random();
    unsigned char u[16];
    for (int i = 0; i < 8; i++) {
        u[i] = (unsigned char)(a >> (56 - 8 * i));
        u[8 + i] = (unsigned char)(b >> (56 - 8 * i));
    }
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[u[i] >> 4];
        *o++ = hex[u[i] & 15];
    }
}

/* The RFC 1123 date of now, formatted at most once a second. */
const char *http_date(size_t *len)
{
    static char date[64];
    static size_t date_len;
    static time_t date_sec = -1;
    time_t now = time(NULL);
    if (now != date_sec) {
        static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
        static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        struct tm tm;
        gmtime_r(&now, &tm);
        int n = snprintf(date, sizeof date, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                         days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
                         tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        date_len = n > 0 && (size_t)n < sizeof date ? (size_t)n : 0;
        date_sec = now;
    }
    *len = date_len;
    return date;
}

/* ---- CORS ----------------------------------------------------------------------------------- */

/* Splits the -cors list on commas and trims each entry, as DynamoDB Local does (§5.2). */
void http_cfg_init(http_cfg_t *cfg, http_handler_fn handle, http_release_fn release, void *arg,
                   const char *cors)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->handle = handle;
    cfg->release = release;
    cfg->admin = NULL;
    cfg->arg = arg;
    if (!cors)
        return;
    cfg->cors_on = 1;
    const char *s = cors;
    for (;;) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        const char *a = s, *z = s + n;
        while (a < z && (unsigned char)*a <= ' ')
            a++;
        while (z > a && (unsigned char)z[-1] <= ' ')
            z--;
        char **grown = xrealloc(cfg->origins, (cfg->norigins + 1) * sizeof *grown);
        char *entry = xstrndup(a, (size_t)(z - a));
        cfg->origins = grown;
        cfg->origins[cfg->norigins++] = entry;
        if (!strcmp(entry, "*"))
            cfg->cors_any = 1;
        if (!e)
            break;
        s = e + 1;
    }
}

void http_cfg_set_admin(http_cfg_t *cfg, http_admin_fn admin)
{
    cfg->admin = admin;
}

/* Frees the allow-list. */
void http_cfg_fini(http_cfg_t *cfg)
{
    for (size_t i = 0; i < cfg->norigins; i++)
        free(cfg->origins[i]);
    free(cfg->origins);
    cfg->origins = NULL;
    cfg->norigins = 0;
}

/* The request's Origin when it is allowed (the value to echo), else NULL. */
static const char *allowed_origin(http_conn_t *c)
{
    const http_cfg_t *cfg = c->cfg;
    http_hdr_t *h = &c->hdr[HTTP_H_ORIGIN];
    if (!cfg->cors_on || !h->present)
        return NULL;
    const char *o = sb_cstr(&h->v);
    if (cfg->cors_any)
        return o;
    for (size_t i = 0; i < cfg->norigins; i++)
        if (!strcmp(cfg->origins[i], o))
            return o;
    return NULL;
}

/* ---- responses ------------------------------------------------------------------------------ */

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 500: return "Server Error";
    case 503: return "Service Unavailable";
    default: return status < 500 ? "Bad Request" : "Server Error";
    }
}

/* The Connection header DynamoDB Local sends first (§3.1): "close" when an HTTP/1.1 request
 * asked for it, "keep-alive" when an HTTP/1.0 one did, nothing otherwise. */
static const char *connection_value(const http_conn_t *c)
{
    const llhttp_t *p = &c->parser;
    int v10 = p->http_major == 1 && p->http_minor == 0;
    if (!v10 && (p->flags & F_CONNECTION_CLOSE))
        return "close";
    if (v10 && (p->flags & F_CONNECTION_KEEP_ALIVE))
        return "keep-alive";
    return NULL;
}

static void add_status(sb_t *b, int status)
{
    sb_puts(b, "HTTP/1.1 ");
    add_uint(b, (unsigned long)status);
    sb_add(b, " ", 1);
    sb_puts(b, reason_phrase(status));
    sb_add(b, "\r\n", 2);
}

static void add_header(sb_t *b, const char *name, const char *value)
{
    sb_puts(b, name);
    sb_add(b, ": ", 2);
    sb_puts(b, value);
    sb_add(b, "\r\n", 2);
}

/* Status line, optional Connection, Date and x-amzn-RequestId. */
static void add_head(sb_t *b, int status, const char *conn)
{
    size_t dlen;
    const char *date = http_date(&dlen);
    char id[36];
    http_request_id(id);
    add_status(b, status);
    if (conn)
        add_header(b, "Connection", conn);
    sb_add(b, "Date: ", 6);
    sb_add(b, date, dlen);
    sb_add(b, "\r\nx-amzn-RequestId: ", 20);
    sb_add(b, id, 36);
    sb_add(b, "\r\n", 2);
}

/* Content-Length, Server, the blank line and (unless HEAD) the body. */
static void add_tail(sb_t *b, const char *body, size_t len, int head)
{
    sb_add(b, "Content-Length: ", 16);
    add_uint(b, (unsigned long)len);
    sb_add(b, "\r\n" SERVER_HDR "\r\n", 2 + sizeof SERVER_HDR - 1 + 2);
    if (!head)
        sb_add(b, body, len);
}

/* The CRC-32 of zlib and gzip (the reflected 0xEDB88320 polynomial) of p[0..len): the
 * x-amz-crc32 header botocore checks. Intel's ISA-L computes it with carry-less multiplication
 * where the CPU has it (0.2 us for a 17 KB Scan answer, against 3.6 us with zlib 1.2.13's table
 * version) and picks a portable version elsewhere; its value equals zlib's crc32 for every length
 * and alignment. */
uint32_t http_crc32(const char *p, size_t len)
{
    return crc32_gzip_refl(0, (const unsigned char *)p, (uint64_t)len);
}

/* How Jetty frames a body (measured on DynamoDB Local 1.25.1): up to 8192 bytes, aggregated
 * with a Content-Length; longer, streamed in 32768-byte chunks (sizes in upper-case hex) on a
 * keep-alive HTTP/1.1 connection, or with no length at all, ended by the close, when the
 * connection closes after the answer (HTTP/1.1 "Connection: close", HTTP/1.0). An HTTP/1.0
 * keep-alive request keeps the Content-Length (not measured). */
#define JETTY_AGGREGATE 8192
#define JETTY_CHUNK 32768

static void add_framed_body(http_conn_t *c, const char *body, size_t len)
{
    const llhttp_t *p = &c->parser;
    sb_t *b = &c->out;
    int v10 = p->http_major == 1 && p->http_minor == 0;
    int closing = v10 ? !(p->flags & F_CONNECTION_KEEP_ALIVE) : (p->flags & F_CONNECTION_CLOSE) != 0;
    if (len <= JETTY_AGGREGATE || p->method == HTTP_HEAD || (v10 && !closing)) {
        add_tail(b, body, len, p->method == HTTP_HEAD);
        return;
    }
    if (closing) {
        sb_add(b, SERVER_HDR "\r\n", sizeof SERVER_HDR - 1 + 2);
        sb_add(b, body, len);
        return;
    }
    sb_add(b, "Transfer-Encoding: chunked\r\n" SERVER_HDR "\r\n",
           sizeof "Transfer-Encoding: chunked\r\n" - 1 + sizeof SERVER_HDR - 1 + 2);
    for (size_t off = 0; off < len; off += JETTY_CHUNK) {
        size_t n = len - off < JETTY_CHUNK ? len - off : JETTY_CHUNK;
        char hex[24];
        int hl = snprintf(hex, sizeof hex, "%zX\r\n", n);
        sb_add(b, hex, (size_t)hl);
        sb_add(b, body + off, n);
        sb_add(b, "\r\n", 2);
    }
    sb_add(b, "0\r\n\r\n", 5);
}

/* A response produced by the core (§3.1, §3.2). */
static void write_answer(http_conn_t *c, int status, const char *body, size_t len)
{
    sb_t *b = &c->out;
    const char *origin = allowed_origin(c);
    sb_grow(b, 300 + len);
    add_head(b, status, connection_value(c));
    sb_add(b, JSON_CT, sizeof JSON_CT - 1);
    if (status == 200) {
        sb_add(b, "x-amz-crc32: ", 13);
        add_uint(b, (unsigned long)http_crc32(body, len));
        sb_add(b, "\r\n", 2);
    }
    if (origin)
        add_header(b, "Access-Control-Allow-Origin", origin);
    add_framed_body(c, body, len);
}

/* 413 for a body over 16 MiB (§5.1): no Content-Type, body {"Message":""}. When the body was
 * not read to its end, Jetty closes and says so after the request id. */
static void write_too_large(http_conn_t *c, int unread)
{
    sb_t *b = &c->out;
    add_head(b, 413, unread ? NULL : connection_value(c));
    if (unread)
        add_header(b, "Connection", "close");
    add_tail(b, "{\"Message\":\"\"}", 14, c->parser.method == HTTP_HEAD);
}

/* An answer of the server's own endpoints: plain application/json, no CRC. */
static void write_admin(http_conn_t *c, int status, const char *conn, const char *origin, int head,
                        const char *body, size_t len)
{
    sb_t *b = &c->out;
    sb_grow(b, 300 + len);
    add_head(b, status, conn);
    add_header(b, "Content-Type", "application/json");
    if (origin)
        add_header(b, "Access-Control-Allow-Origin", origin);
    add_tail(b, body, len, head);
}

/* CORS preflight (§5.2). */
static void write_preflight(http_conn_t *c)
{
    sb_t *b = &c->out;
    const char *origin = allowed_origin(c);
    if (!c->hdr[HTTP_H_ACR_HEADERS].present) {
        add_head(b, 400, connection_value(c));
        if (origin)
            add_header(b, "Access-Control-Allow-Origin", origin);
        add_tail(b, invalid_preflight, sizeof invalid_preflight - 1, 0);
        return;
    }
    add_head(b, 200, connection_value(c));
    add_header(b, "Access-Control-Allow-Methods", sb_cstr(&c->hdr[HTTP_H_ACR_METHOD].v));
    add_header(b, "Access-Control-Allow-Headers", sb_cstr(&c->hdr[HTTP_H_ACR_HEADERS].v));
    add_header(b, "Access-Control-Max-Age", "1728000");
    if (origin)
        add_header(b, "Access-Control-Allow-Origin", origin);
    add_tail(b, "", 0, 0);
}

/* Jetty's reply to a request it cannot parse; the connection is closed after it. */
static void write_bad(http_conn_t *c, int bad)
{
    sb_t *b = &c->out;
    if (bad == BAD_CHUNK) {
        add_head(b, 500, NULL);
        add_header(b, "Connection", "close");
        add_tail(b, internal_failure, sizeof internal_failure - 1, 0);
        return;
    }
    int status = bad_replies[bad].status;
    const char *reason = bad_replies[bad].reason;
    char body[160];
    int n = snprintf(body, sizeof body, "<h1>Bad Message %d</h1><pre>reason: %s</pre>", status,
                     reason);
    sb_puts(b, "HTTP/1.1 ");
    add_uint(b, (unsigned long)status);
    sb_add(b, " ", 1);
    sb_puts(b, reason);
    sb_puts(b, "\r\nContent-Type: text/html;charset=iso-8859-1\r\nContent-Length: ");
    add_uint(b, (unsigned long)n);
    sb_puts(b, "\r\nConnection: close\r\n" SERVER_HDR "\r\n");
    sb_add(b, body, (size_t)n);
}

/* ---- llhttp callbacks ----------------------------------------------------------------------- */

static http_conn_t *conn_of(llhttp_t *p)
{
    return (http_conn_t *)p->data;
}

static void reset_message(http_conn_t *c)
{
    for (int i = 0; i < HTTP_H_COUNT; i++) {
        c->hdr[i].v.len = 0;
        c->hdr[i].present = 0;
    }
    c->url.len = 0;
    if (c->body.cap > (1u << 20))
        sb_fini(&c->body); /* do not keep a big body's memory on an idle connection */
    c->body.len = 0;
    c->field_len = 0;
    c->field_id = -1;
    c->in_value = 0;
    c->header_bytes = 0;
    c->in_message = c->headers_done = 0;
    c->want_continue = c->continue_sent = c->too_large = 0;
}

static int count_header_bytes(http_conn_t *c, size_t n)
{
    c->header_bytes += n;
    if (c->header_bytes > HTTP_MAX_HEADER) {
        c->bad = BAD_HEADER_SIZE;
        return -1;
    }
    return 0;
}

static int on_message_begin(llhttp_t *p)
{
    http_conn_t *c = conn_of(p);
    reset_message(c);
    c->in_message = 1;
    return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t n)
{
    http_conn_t *c = conn_of(p);
    if (count_header_bytes(c, n))
        return -1;
    sb_add(&c->url, at, n);
    return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t n)
{
    http_conn_t *c = conn_of(p);
    if (count_header_bytes(c, n + 4))
        return -1;
    if (c->in_value) { /* a new header begins */
        c->in_value = 0;
        c->field_len = 0;
        c->field_id = -1;
    }
    if (c->field_len + n < sizeof c->field) {
        memcpy(c->field + c->field_len, at, n);
        c->field_len += n;
    } else {
        c->field_len = sizeof c->field; /* too long to be one of ours */
    }
    return 0;
}

static int on_header_field_complete(llhttp_t *p)
{
    static const char *const names[HTTP_H_COUNT] = {
        [HTTP_H_TARGET] = "x-amz-target",
        [HTTP_H_AUTH] = "authorization",
        [HTTP_H_ORIGIN] = "origin",
        [HTTP_H_ACR_METHOD] = "access-control-request-method",
        [HTTP_H_ACR_HEADERS] = "access-control-request-headers",
        [HTTP_H_EXPECT] = "expect",
        [HTTP_H_HOST] = "host",
    };
    http_conn_t *c = conn_of(p);
    c->field_id = -1;
    if (c->field_len >= sizeof c->field)
        return 0;
    for (int i = 0; i < HTTP_H_COUNT; i++)
        if (strlen(names[i]) == c->field_len && !strncasecmp(names[i], c->field, c->field_len)) {
            /* the first of repeated headers wins, as Jetty's getHeader() */
            c->field_id = c->hdr[i].present ? -1 : i;
            if (c->field_id >= 0) {
                c->hdr[i].present = 1;
                c->hdr[i].v.len = 0;
            }
            break;
        }
    return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t n)
{
    http_conn_t *c = conn_of(p);
    if (count_header_bytes(c, n))
        return -1;
    c->in_value = 1;
    if (c->field_id >= 0)
        sb_add(&c->hdr[c->field_id].v, at, n);
    return 0;
}

static int on_header_value_complete(llhttp_t *p)
{
    http_conn_t *c = conn_of(p);
    c->in_value = 1; /* also for an empty value, which gets no on_header_value */
    if (c->field_id >= 0) {
        /* llhttp leaves trailing whitespace in the value; Jetty trims it */
        sb_t *v = &c->hdr[c->field_id].v;
        while (v->len && (v->buf[v->len - 1] == ' ' || v->buf[v->len - 1] == '\t'))
            v->len--;
    }
    return 0;
}

static int on_headers_complete(llhttp_t *p)
{
    http_conn_t *c = conn_of(p);
    c->headers_done = 1;
    if (p->method == HTTP_PRI) { /* HTTP/2 prior knowledge: Jetty's 426 */
        c->bad = BAD_UPGRADE;
        return -1;
    }
    if (p->http_major != 1) {
        c->bad = p->http_major == 0 ? BAD_HTTP09 : BAD_VERSION;
        return -1;
    }
    if (p->http_minor >= 1 && !c->hdr[HTTP_H_HOST].present) {
        c->bad = BAD_NO_HOST;
        return -1;
    }
    if (p->http_minor >= 1 && c->hdr[HTTP_H_EXPECT].present &&
        !strcasecmp(sb_cstr(&c->hdr[HTTP_H_EXPECT].v), "100-continue") &&
        ((p->flags & F_CHUNKED) || p->content_length > 0))
        c->want_continue = 1;
    p->upgrade = 0; /* Upgrade: h2c is ignored, the connection stays HTTP/1.1 (§5.1) */
    return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t n)
{
    http_conn_t *c = conn_of(p);
    if (c->too_large)
        return 0;
    if (c->body.len + n > HTTP_MAX_BODY) {
        c->too_large = 1;
        sb_fini(&c->body);
        return 0;
    }
    sb_add(&c->body, at, n);
    return 0;
}

static int on_message_complete(llhttp_t *p)
{
    http_conn_t *c = conn_of(p);
    int keep = llhttp_should_keep_alive(p);
    if (c->too_large) {
        write_too_large(c, 0);
    } else if (p->method == HTTP_OPTIONS && c->hdr[HTTP_H_ORIGIN].present &&
               c->hdr[HTTP_H_ACR_METHOD].present) {
        write_preflight(c);
    } else {
        char *path = (char *)sb_cstr(&c->url);
        char *q = strchr(path, '?');
        if (q)
            *q++ = '\0';
        http_request_t req = {
            .method = p->method,
            .path = path,
            .query = q,
            .target = c->hdr[HTTP_H_TARGET].present ? sb_cstr(&c->hdr[HTTP_H_TARGET].v) : NULL,
            .authorization =
                c->hdr[HTTP_H_AUTH].present ? sb_cstr(&c->hdr[HTTP_H_AUTH].v) : NULL,
            .body = sb_cstr(&c->body),
            .body_len = c->body.len,
        };
        if (c->cfg->admin && !strncmp(path, "/_ddblocal/", 11)) {
            int status = 200;
            sb_t body;
            sb_init(&body);
            int how = c->cfg->admin(c->cfg->arg, c, &req, &status, &body);
            if (how == HTTP_ADMIN_DONE)
                write_admin(c, status, connection_value(c), allowed_origin(c),
                            p->method == HTTP_HEAD, body.buf ? body.buf : "", body.len);
            sb_fini(&body);
            if (how == HTTP_ADMIN_DEFER) {
                /* what the answer needs of this request, kept past reset_message() */
                const char *origin = allowed_origin(c);
                c->deferred = 1;
                c->defer_keep = keep;
                c->defer_head = p->method == HTTP_HEAD;
                c->defer_conn = connection_value(c);
                c->defer_origin = origin ? xstrdup(origin) : NULL;
                reset_message(c);
                return HPE_PAUSED;
            }
            if (how != HTTP_ADMIN_NONE)
                goto answered;
        }
        ddb_response_t resp = {0, NULL, 0};
        c->cfg->handle(c->cfg->arg, &req, &resp);
        write_answer(c, resp.status, resp.body ? resp.body : "", resp.body ? resp.body_len : 0);
        if (c->cfg->release)
            c->cfg->release(c->cfg->arg, &resp);
    }
answered:
    reset_message(c);
    if (!keep) {
        c->closing = 1;
        return HPE_PAUSED;
    }
    return 0;
}

static llhttp_settings_t settings;

/* Binds c to cfg and prepares its parser. */
void http_conn_init(http_conn_t *c, const http_cfg_t *cfg)
{
    if (!settings.on_message_complete) {
        llhttp_settings_init(&settings);
        settings.on_message_begin = on_message_begin;
        settings.on_url = on_url;
        settings.on_header_field = on_header_field;
        settings.on_header_field_complete = on_header_field_complete;
        settings.on_header_value = on_header_value;
        settings.on_header_value_complete = on_header_value_complete;
        settings.on_headers_complete = on_headers_complete;
        settings.on_body = on_body;
        settings.on_message_complete = on_message_complete;
    }
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    c->field_id = -1;
    llhttp_init(&c->parser, HTTP_REQUEST, &settings);
    c->parser.data = c;
}

/* Frees the buffers of c. */
void http_conn_fini(http_conn_t *c)
{
    sb_fini(&c->out);
    sb_fini(&c->body);
    sb_fini(&c->url);
    sb_fini(&c->pending);
    free(c->defer_origin);
    c->defer_origin = NULL;
    for (int i = 0; i < HTTP_H_COUNT; i++)
        sb_fini(&c->hdr[i].v);
}

/* Maps a parse error llhttp reports to the reply Jetty gives for it. */
static int bad_for(const http_conn_t *c, llhttp_errno_t e)
{
    if (c->bad)
        return c->bad;
    switch (e) {
    case HPE_PAUSED_H2_UPGRADE:
        return BAD_UPGRADE;
    case HPE_INVALID_METHOD:
    case HPE_INVALID_URL:
        return BAD_NO_URI;
    case HPE_INVALID_VERSION:
        return BAD_VERSION;
    case HPE_INVALID_CONTENT_LENGTH:
        return BAD_CL;
    case HPE_UNEXPECTED_CONTENT_LENGTH: {
        const char *why = llhttp_get_error_reason(&c->parser);
        if (why && strstr(why, "Duplicate"))
            return BAD_MULTI_CL;
        return why && strstr(why, "Transfer-Encoding") ? BAD_TE_CL : BAD_REQUEST;
    }
    case HPE_INVALID_CHUNK_SIZE:
    case HPE_STRICT:
        return c->headers_done ? BAD_CHUNK : BAD_REQUEST;
    case HPE_CR_EXPECTED:
    case HPE_LF_EXPECTED:
        return c->headers_done ? BAD_CHUNK : BAD_REQUEST;
    default:
        return c->headers_done ? BAD_CHUNK : BAD_REQUEST;
    }
}

/* Parses len bytes; see http.h. */
int http_conn_feed(http_conn_t *c, const char *data, size_t len)
{
    if (c->closing)
        return 1;
    if (c->deferred) { /* parsed once the deferred answer is out */
        sb_add(&c->pending, data, len);
        return 0;
    }
    llhttp_errno_t e = llhttp_execute(&c->parser, data, len);
    if (e == HPE_OK) {
        if (c->in_message && c->headers_done) {
            if (c->too_large) {
                /* past 16 MiB with more to come: answer now and close, like Jetty */
                write_too_large(c, 1);
                c->closing = 1;
                return 1;
            }
            if (c->want_continue && !c->continue_sent) {
                /* Jetty sends 100 only while the body is still awaited */
                sb_puts(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
                c->continue_sent = 1;
            }
        }
        return 0;
    }
    if (e == HPE_PAUSED && c->closing)
        return 1;
    if (e == HPE_PAUSED && c->deferred) {
        const char *pos = llhttp_get_error_pos(&c->parser);
        if (pos && pos >= data && pos < data + len)
            sb_add(&c->pending, pos, (size_t)(data + len - pos));
        return 0;
    }
    write_bad(c, bad_for(c, e));
    c->closing = 1;
    return 1;
}

/* 1 when no request is partly received and no answer is pending. */
int http_conn_idle(const http_conn_t *c)
{
    return !c->in_message && !c->deferred;
}

int http_conn_deferred(const http_conn_t *c)
{
    return c->deferred;
}

/* Sends the deferred answer and resumes parsing; see http.h. */
int http_conn_complete(http_conn_t *c, int status, const char *body, size_t len)
{
    if (!c->deferred)
        return c->closing;
    write_admin(c, status, c->defer_conn, c->defer_origin, c->defer_head, body, len);
    c->deferred = 0;
    free(c->defer_origin);
    c->defer_origin = NULL;
    if (!c->defer_keep) {
        c->closing = 1;
        sb_fini(&c->pending);
        return 1;
    }
    llhttp_resume(&c->parser);
    if (!c->pending.len)
        return 0;
    sb_t rest = c->pending; /* feeding may defer again and refill c->pending */
    sb_init(&c->pending);
    int done = http_conn_feed(c, rest.buf, rest.len);
    sb_fini(&rest);
    return done;
}
