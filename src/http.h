/*
 * http.h: the socket-free HTTP layer of the server (private to src/server.c, src/http.c and
 * tests/fuzz/fuzz_http.c). An http_conn_t turns the bytes a client sends into complete requests
 * (llhttp underneath), hands each one to a handler, and appends the exact bytes DynamoDB Local
 * (Jetty 9.4) would send back to an output buffer that the caller writes to the socket.
 */
#ifndef DDB_HTTP_H
#define DDB_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "ddblocal.h"
#include "llhttp.h"
#include "sb.h"

#define HTTP_MAX_BODY ((size_t)16 * 1024 * 1024) /* 16 MiB accepted, one byte more is a 413 */
#define HTTP_MAX_HEADER 8192                     /* Jetty's requestHeaderSize: more is a 431 */

/* A growable byte buffer. Out of memory aborts. */
/* Buffers are the core's sb_t (sb.h): one growable buffer type, one out-of-memory policy. */

/* One complete request as the handler sees it; every pointer is borrowed for the call. */
typedef struct http_request {
    int method;                /* llhttp_method_t */
    const char *path;          /* the request target before any '?' (NUL-terminated) */
    const char *query;         /* what follows the '?', or NULL when there is none */
    const char *target;        /* X-Amz-Target value, or NULL when absent */
    const char *authorization; /* Authorization value, or NULL when absent */
    const char *body;          /* the (de-chunked) body; NUL-terminated */
    size_t body_len;
} http_request_t;

/* Answers one request into *resp; the layer calls release(arg, resp) once it has copied it. */
typedef void (*http_handler_fn)(void *arg, const http_request_t *req, ddb_response_t *resp);
typedef void (*http_release_fn)(void *arg, ddb_response_t *resp);

struct http_conn;

/* What http_admin_fn answers. */
enum { HTTP_ADMIN_NONE, HTTP_ADMIN_DONE, HTTP_ADMIN_DEFER };

/* Answers the server's own endpoints (paths under /_ddblocal/). Returns HTTP_ADMIN_NONE when the
 * request is not one of them (it then goes to the handler exactly as before), HTTP_ADMIN_DONE
 * after setting *status and appending a JSON body to body (sent as application/json), or
 * HTTP_ADMIN_DEFER when the answer comes later through http_conn_complete(c, ...): the
 * connection then parses nothing more until then, so pipelined answers keep their order. */
typedef int (*http_admin_fn)(void *arg, struct http_conn *c, const http_request_t *req,
                             int *status, sb_t *body);

/* What every connection of one server shares: the handler and the -cors allow-list. */
typedef struct http_cfg {
    http_handler_fn handle;
    http_release_fn release;
    http_admin_fn admin; /* NULL: no admin endpoints (set with http_cfg_set_admin) */
    void *arg;
    int cors_on;      /* -cors given */
    int cors_any;     /* the list holds '*': any Origin matches (DynamoDB Local bug #4 fixed) */
    char **origins;   /* the trimmed entries of the list */
    size_t norigins;
} http_cfg_t;

/* Fills cfg for this handler and -cors value (NULL = no CORS). http_cfg_fini frees the list. */
void http_cfg_init(http_cfg_t *cfg, http_handler_fn handle, http_release_fn release, void *arg,
                   const char *cors);
void http_cfg_fini(http_cfg_t *cfg);
/* Adds the admin endpoints' handler (called with cfg->arg). */
void http_cfg_set_admin(http_cfg_t *cfg, http_admin_fn admin);

/* A header value kept for the current request. */
typedef struct http_hdr {
    sb_t v;
    int present;
} http_hdr_t;

enum { HTTP_H_TARGET, HTTP_H_AUTH, HTTP_H_ORIGIN, HTTP_H_ACR_METHOD, HTTP_H_ACR_HEADERS,
       HTTP_H_EXPECT, HTTP_H_HOST, HTTP_H_COUNT };

/* The state of one client connection. Zero-initialise through http_conn_init(). */
typedef struct http_conn {
    llhttp_t parser;
    const http_cfg_t *cfg;
    sb_t out;          /* bytes to send, appended by http_conn_feed() */
    sb_t body;         /* body of the current request */
    http_hdr_t hdr[HTTP_H_COUNT];
    char field[40];          /* the current header name (longer ones are never ours) */
    size_t field_len;
    int field_id;            /* HTTP_H_* of the current header, -1 when not kept */
    int in_value;            /* a header value was last appended */
    size_t header_bytes;     /* size of the request line and headers so far */
    int in_message;          /* a request has begun and is not complete */
    int headers_done;        /* its headers are complete */
    int want_continue;       /* Expect: 100-continue on a request with a body */
    int continue_sent;
    int too_large;           /* its body passed HTTP_MAX_BODY */
    int bad;                 /* a Jetty "Bad Message" decided by a callback (HTTP_BAD_*) */
    int closing;             /* no more requests: close after the output is written */
    sb_t url;                /* the request target of the current request */
    int deferred;            /* an admin answer is pending (HTTP_ADMIN_DEFER) */
    int defer_keep;          /* ... and the connection stays open after it */
    int defer_head;          /* ... for a HEAD request */
    const char *defer_conn;  /* ... with this Connection header value (or NULL) */
    char *defer_origin;      /* ... and this allowed Origin (or NULL) */
    sb_t pending;            /* bytes received after the deferred request, parsed later */
} http_conn_t;

/* zlib's CRC-32 of len bytes at p: the value of the x-amz-crc32 header of a 200 answer. */
uint32_t http_crc32(const char *p, size_t len);

/* Prepares c for a new connection served with cfg (borrowed for the connection's life). */
void http_conn_init(http_conn_t *c, const http_cfg_t *cfg);

/* Frees what c holds (not c itself). */
void http_conn_fini(http_conn_t *c);

/*
 * Feeds bytes received from the client. Every request completed by them is answered at once,
 * in order, into c->out (pipelining); an interim "100 Continue" is added when a request that
 * asked for it still waits for its body. Returns 1 when the connection must be closed once
 * c->out is written (Connection: close, HTTP/1.0, a malformed request), 0 to keep reading.
 * After a 1, further calls do nothing and return 1.
 */
int http_conn_feed(http_conn_t *c, const char *data, size_t len);

/* 1 when no request is partly received and no answer is deferred (the connection may be closed
 * as idle). */
int http_conn_idle(const http_conn_t *c);

/* 1 while an admin answer is deferred: the caller should stop reading from the socket. */
int http_conn_deferred(const http_conn_t *c);

/*
 * Completes the deferred answer with status and a JSON body, then parses what arrived after the
 * deferred request (which may answer more requests into c->out, or defer again). Returns what
 * http_conn_feed() returns.
 */
int http_conn_complete(http_conn_t *c, int status, const char *body, size_t len);

/* Seeds the request-id generator from /dev/urandom (falls back to time and pid). */
void http_seed(void);

/* Writes a random lower-case UUID v4 (36 characters, no NUL) to out. */
void http_request_id(char out[36]);

/* The current time as an RFC 1123 date ("Tue, 24 Nov 2026 03:59:57 GMT"), cached per second.
 * Returns a static buffer; *len receives its length. */
const char *http_date(size_t *len);

#endif
