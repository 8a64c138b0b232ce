/*
 * server.c: ddb_serve() and ddb_serve_stop(), the libuv half of the server layer. One loop
 * thread accepts connections on 0.0.0.0 (and [::]), feeds what they send to http.c, runs
 * ddb_call() to completion for each request, and writes each connection's answers in one write
 * once every request of the poll has run (flush_all). A one-second timer runs ddb_tick() and
 * closes keep-alive connections idle for 30 s (Jetty's default). SIGINT/SIGTERM stop accepting,
 * let pending writes finish, and return.
 *
 * Stream triggers: when mappings exist, the engine (trig_poll) runs between requests, never
 * inside one: a check handle polls it after every loop iteration, and a timer wakes the loop for
 * the engine's timed work (windows, retry backoffs) and right after a handler finished. exec:,
 * python: and invoke: handlers run asynchronously in trig_run.c. The admin endpoints under
 * /_ddblocal/ (list, drain wait, health) are answered here; a drain wait is a deferred answer.
 */
#include "ddblocal.h"
#include "http.h"
#include "trig_run.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define IDLE_TIMEOUT_MS 30000
#define BACKLOG 511
#define READ_SIZE 65536
#define MAX_QUEUED_WRITE (8u << 20) /* stop reading a client that does not read its answers */
#define WAIT_DEFAULT_S 30
#define WAIT_MAX_S 3600

typedef struct server server_t;
typedef struct waiter waiter_t;

/* One client connection. The uv_tcp_t comes first; freed only in on_conn_closed. */
typedef struct conn {
    uv_tcp_t tcp;
    server_t *srv;
    http_conn_t http;
    struct conn *prev, *next;
    uint64_t last_active;   /* uv_now() of the last byte read or written */
    int pending_writes;
    int close_after_write;  /* close once pending_writes drops to 0 */
    int reading;
    int closing;
    waiter_t *waiter;       /* its deferred /_ddblocal/triggers/wait, if any */
    struct conn *flush_next; /* on srv->flush_list: has answers not yet written (flush_all) */
    int flush_queued;
} conn_t;

/* A deferred drain wait; freed in its timer's close callback. */
struct waiter {
    uv_timer_t timer;
    conn_t *c;
    waiter_t *prev, *next;
};

/* One write: owns its buffer until on_written. */
typedef struct write_req {
    uv_write_t req;
    char *buf;
} write_req_t;

struct server {
    uv_loop_t loop;
    ddb_t *ddb;
    http_cfg_t cfg;
    uv_tcp_t listen4, listen6;
    int have4, have6;
    uv_timer_t tick;
    uv_signal_t sigint, sigterm;
    uv_async_t stop;
    conn_t *conns;
    conn_t *flush_list;     /* connections with answers not yet written (see flush_all) */
    uv_check_t flush;
    int stopping;
    /* stream triggers (trig_on: mappings exist) */
    int trig_on;
    trun_t *runner;
    uv_check_t trig_check;
    uv_timer_t trig_timer;
    waiter_t *waiters;
};

static server_t *running;                /* the server ddb_serve_stop() talks to */
static volatile sig_atomic_t stop_early; /* ddb_serve_stop() before the loop was ready */

static char read_buf[READ_SIZE]; /* one loop thread: each read is consumed before the next */

static void close_if_open(uv_handle_t *h)
{
    if (h->type != UV_UNKNOWN_HANDLE && !uv_is_closing(h))
        uv_close(h, NULL);
}

/* ---- the request handler ---------------------------------------------------------------------- */

static void on_request(void *arg, const http_request_t *req, ddb_response_t *resp)
{
    server_t *srv = arg;
    ddb_call(srv->ddb, req->target, req->authorization, req->body, req->body_len, resp);
}

static void on_release(void *arg, ddb_response_t *resp)
{
    ddb_response_fini(resp);
}

/* ---- connections ----------------------------------------------------------------------------- */

static void on_conn_closed(uv_handle_t *h)
{
    conn_t *c = (conn_t *)h;
    http_conn_fini(&c->http);
    free(c);
}

static void waiter_cancel(waiter_t *w);

static void close_conn(conn_t *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    if (c->waiter)
        waiter_cancel(c->waiter);
    if (c->flush_queued) {
        conn_t **pp = &c->srv->flush_list;
        while (*pp != c)
            pp = &(*pp)->flush_next;
        *pp = c->flush_next;
        c->flush_queued = 0;
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        c->srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    *buf = uv_buf_init(read_buf, sizeof read_buf);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

static void start_reading(conn_t *c)
{
    if (!c->reading && !c->closing && !c->close_after_write && !http_conn_deferred(&c->http)) {
        if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
            c->reading = 1;
    }
}

static void stop_reading(conn_t *c)
{
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
    }
}

static void on_written(uv_write_t *req, int status)
{
    write_req_t *w = (write_req_t *)req;
    conn_t *c = req->data;
    free(w->buf);
    free(w);
    c->pending_writes--;
    c->last_active = uv_now(&c->srv->loop);
    if (status < 0) {
        close_conn(c);
        return;
    }
    if (c->pending_writes == 0 && c->close_after_write) {
        close_conn(c);
        return;
    }
    if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) < MAX_QUEUED_WRITE / 2)
        start_reading(c);
}

/* Sends what http.c produced, as one write. When nothing is queued the response is written
 * directly (uv_try_write): usually it all goes at once, which saves the write request, its
 * callback and libuv's epoll_ctl per request; what is left, if anything, is queued. */
static void flush_out(conn_t *c)
{
    sb_t *out = &c->http.out;
    if (!out->len)
        return;
    size_t off = 0;
    if (c->pending_writes == 0) {
        uv_buf_t whole = uv_buf_init(out->buf, (unsigned)out->len);
        int n = uv_try_write((uv_stream_t *)&c->tcp, &whole, 1);
        if (n == (int)out->len) {
            out->len = 0;               /* keep the buffer for the next response */
            c->last_active = uv_now(&c->srv->loop);
            if (c->close_after_write)
                close_conn(c);
            return;
        }
        if (n < 0 && n != UV_EAGAIN) {
            close_conn(c);
            return;
        }
        if (n > 0) off = (size_t)n;
    }
    write_req_t *w = xmalloc(sizeof *w);
    w->buf = out->buf;
    uv_buf_t b = uv_buf_init(out->buf + off, (unsigned)(out->len - off));
    out->buf = NULL;
    out->len = out->cap = 0;
    w->req.data = c;
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) < 0) {
        free(w->buf);
        free(w);
        close_conn(c);
        return;
    }
    c->pending_writes++;
}

static void finish_conn(conn_t *c)
{
    stop_reading(c);
    if (!c->closing)
        flush_out(c); /* answers still waiting for on_flush go first */
    if (c->closing)
        return;
    c->close_after_write = 1;
    if (c->pending_writes == 0)
        close_conn(c);
}

/*
 * Answers are written once the loop has run every request one poll returned (a check handle,
 * right after the poll; Redis writes its replies the same way, in beforeSleep), not as each
 * request finishes: when several connections were ready in one poll, their answers leave
 * together, and a client waiting on all of them is woken once instead of once per answer. On a
 * virtual machine that wake-up is most of the kernel time of a loopback request (Scan page at 32
 * connections: 48.8 -> 37.3 us of server CPU). The answers of one poll wait for the requests of
 * that poll, and for nothing else: the trigger engine runs after them (on_trig_check).
 */
static void flush_all(server_t *srv)
{
    while (srv->flush_list) {
        conn_t *c = srv->flush_list;
        srv->flush_list = c->flush_next;
        c->flush_queued = 0;
        flush_out(c);
    }
}

static void on_flush(uv_check_t *h)
{
    flush_all(h->data);
}

static void queue_flush(conn_t *c)
{
    if (!c->flush_queued && c->http.out.len) {
        c->flush_queued = 1;
        c->flush_next = c->srv->flush_list;
        c->srv->flush_list = c;
    }
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    conn_t *c = (conn_t *)s;
    if (n == 0)
        return;
    if (n < 0) { /* EOF or error: answers already queued are still written */
        finish_conn(c);
        return;
    }
    c->last_active = uv_now(&c->srv->loop);
    int done = http_conn_feed(&c->http, buf->base, (size_t)n);
    if (done || c->srv->stopping) {
        finish_conn(c);
        return;
    }
    queue_flush(c);
    if (http_conn_deferred(&c->http) || uv_stream_get_write_queue_size(s) > MAX_QUEUED_WRITE)
        stop_reading(c);
}

static void on_connection(uv_stream_t *listener, int status)
{
    server_t *srv = listener->data;
    if (status < 0)
        return;
    conn_t *c = xcalloc(1, sizeof *c);
    if (uv_tcp_init(&srv->loop, &c->tcp) < 0) {
        free(c);
        return;
    }
    c->srv = srv;
    http_conn_init(&c->http, &srv->cfg);
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) < 0) {
        close_conn(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    c->last_active = uv_now(&srv->loop);
    start_reading(c);
}

/* ---- stream triggers and the admin endpoints ------------------------------------------------ */

static void waiter_closed(uv_handle_t *h)
{
    free(h->data);
}

/* Forgets w (its connection is closing or answered). */
static void waiter_cancel(waiter_t *w)
{
    server_t *srv = w->c->srv;
    w->c->waiter = NULL;
    if (w->prev)
        w->prev->next = w->next;
    else
        srv->waiters = w->next;
    if (w->next)
        w->next->prev = w->prev;
    uv_timer_stop(&w->timer);
    uv_close((uv_handle_t *)&w->timer, waiter_closed);
}

/* Sends w's answer and carries on with what its connection sent after the wait. */
static void waiter_answer(waiter_t *w, int status, const char *body, size_t len)
{
    conn_t *c = w->c;
    waiter_cancel(w);
    int done = http_conn_complete(&c->http, status, body, len);
    flush_out(c);
    if (c->closing)
        return;
    if (done || c->srv->stopping)
        finish_conn(c);
    else
        start_reading(c); /* unless it deferred again */
}

/* The 408 body: {"Drained":false, "EventSourceMappings":[...]}. */
static void not_drained_body(server_t *srv, sb_t *body)
{
    sb_t st;
    sb_init(&st);
    trig_status(srv->ddb, &st);
    sb_puts(body, "{\"Drained\":false");
    if (st.len > 2 && st.buf[0] == '{') {
        sb_putc(body, ',');
        sb_add(body, st.buf + 1, st.len - 1);
    } else {
        sb_putc(body, '}');
    }
    sb_fini(&st);
}

static void on_wait_timeout(uv_timer_t *t)
{
    waiter_t *w = t->data;
    sb_t body;
    sb_init(&body);
    not_drained_body(w->c->srv, &body);
    waiter_answer(w, 408, body.buf, body.len);
    sb_fini(&body);
}

/* Answers every pending wait once the engine is drained. */
static void waiters_check(server_t *srv)
{
    if (!srv->waiters || !trig_drained(srv->ddb))
        return;
    static const char drained[] = "{\"Drained\":true}";
    while (srv->waiters)
        waiter_answer(srv->waiters, 200, drained, sizeof drained - 1);
}

static void on_trig_timer(uv_timer_t *t);

/* Runs the engine's due work and re-arms the timer for its next timed work. */
static void trig_pump(server_t *srv)
{
    if (!srv->trig_on || srv->stopping)
        return;
    int64_t delay = trig_poll(srv->ddb, now_ms());
    if (delay < 0)
        uv_timer_stop(&srv->trig_timer);
    else
        uv_timer_start(&srv->trig_timer, on_trig_timer, (uint64_t)delay, 0);
    waiters_check(srv);
}

static void on_trig_timer(uv_timer_t *t)
{
    trig_pump(t->data);
}

static void on_trig_check(uv_check_t *h)
{
    flush_all(h->data); /* the answers first, whichever check handle runs first */
    trig_pump(h->data);
}

/* A handler finished (trig_done): poll again on the next turn of the loop, outside the runner's
 * callback. */
static void on_trig_notify(void *arg)
{
    server_t *srv = arg;
    if (!srv->stopping)
        uv_timer_start(&srv->trig_timer, on_trig_timer, 0, 0);
}

/* The wait's timeout=SECONDS (may have a fraction); -1 when malformed. */
static long long wait_timeout_ms(const char *query)
{
    long long ms = WAIT_DEFAULT_S * 1000LL;
    for (const char *q = query; q && *q;) {
        size_t n = strcspn(q, "&");
        if (n > 8 && !strncmp(q, "timeout=", 8)) {
            char buf[32];
            size_t vlen = n - 8;
            if (vlen >= sizeof buf)
                return -1;
            memcpy(buf, q + 8, vlen);
            buf[vlen] = '\0';
            char *end;
            double s = strtod(buf, &end);
            if (*end || !(s >= 0) || s > WAIT_MAX_S)
                return -1;
            ms = (long long)(s * 1000.0 + 0.5);
        } else if (n >= 7 && !strncmp(q, "timeout", 7) && (n == 7 || q[7] == '=')) {
            return -1;
        }
        q += n;
        if (*q == '&')
            q++;
    }
    return ms;
}

/* GET /_ddblocal/health, GET /_ddblocal/triggers, GET|POST /_ddblocal/triggers/wait; any other
 * path or method is an ordinary request (DynamoDB Local answers every path alike). */
static int on_admin(void *arg, struct http_conn *hc, const http_request_t *req, int *status,
                    sb_t *body)
{
    server_t *srv = arg;
    int get = req->method == HTTP_GET || req->method == HTTP_HEAD;
    if (!strcmp(req->path, "/_ddblocal/health") && get) {
        sb_puts(body, "{\"status\":\"ok\"}");
        return HTTP_ADMIN_DONE;
    }
    if (!strcmp(req->path, "/_ddblocal/triggers") && get) {
        trig_status(srv->ddb, body);
        return HTTP_ADMIN_DONE;
    }
    if (!strcmp(req->path, "/_ddblocal/triggers/wait") && (get || req->method == HTTP_POST)) {
        long long ms = wait_timeout_ms(req->query);
        if (ms < 0) {
            *status = 400;
            sb_printf(body, "{\"message\":\"timeout must be a number of seconds from 0 to %d\"}",
                      WAIT_MAX_S);
            return HTTP_ADMIN_DONE;
        }
        trig_pump(srv); /* take in the writes of requests answered just before */
        if (!srv->trig_on || trig_drained(srv->ddb)) {
            sb_puts(body, "{\"Drained\":true}");
            return HTTP_ADMIN_DONE;
        }
        if (ms == 0 || srv->stopping) {
            *status = 408;
            not_drained_body(srv, body);
            return HTTP_ADMIN_DONE;
        }
        conn_t *c = (conn_t *)((char *)hc - offsetof(conn_t, http));
        waiter_t *w = xcalloc(1, sizeof *w);
        w->c = c;
        c->waiter = w;
        w->next = srv->waiters;
        if (srv->waiters)
            srv->waiters->prev = w;
        srv->waiters = w;
        uv_timer_init(&srv->loop, &w->timer);
        w->timer.data = w;
        uv_timer_start(&w->timer, on_wait_timeout, (uint64_t)ms, 0);
        return HTTP_ADMIN_DEFER;
    }
    return HTTP_ADMIN_NONE;
}

/* Starts the triggers' machinery once the port is known (handlers are told it). */
static void trig_begin(server_t *srv, int port)
{
    srv->trig_on = trig_any(srv->ddb);
    if (!srv->trig_on)
        return;
    srv->runner = trun_new(&srv->loop, srv->ddb, port, on_trig_notify, srv);
    trig_runner_t iface;
    trun_iface(srv->runner, &iface);
    trig_set_runner(srv->ddb, &iface);
    uv_check_init(&srv->loop, &srv->trig_check);
    srv->trig_check.data = srv;
    uv_check_start(&srv->trig_check, on_trig_check);
    uv_timer_init(&srv->loop, &srv->trig_timer);
    srv->trig_timer.data = srv;
    uv_timer_start(&srv->trig_timer, on_trig_timer, 0, 0);
}

/* Kills running handlers (their calls count as not delivered) and detaches the runner. */
static void trig_end(server_t *srv)
{
    if (!srv->trig_on)
        return;
    trun_stop(srv->runner); /* frees itself once its handles have closed */
    srv->runner = NULL;
    trig_set_runner(srv->ddb, NULL);
    close_if_open((uv_handle_t *)&srv->trig_check);
    close_if_open((uv_handle_t *)&srv->trig_timer);
}

/* ---- timers, signals, stopping -------------------------------------------------------------- */

static void on_tick(uv_timer_t *t)
{
    server_t *srv = t->data;
    ddb_tick(srv->ddb);
    uint64_t now = uv_now(&srv->loop);
    for (conn_t *c = srv->conns, *next; c; c = next) {
        next = c->next;
        if (c->pending_writes == 0 && !http_conn_deferred(&c->http) &&
            now - c->last_active >= IDLE_TIMEOUT_MS)
            close_conn(c);
    }
}

static void walk_close(uv_handle_t *h, void *arg)
{
    close_if_open(h);
}

static void begin_stop(server_t *srv)
{
    if (srv->stopping)
        return;
    srv->stopping = 1;
    trig_end(srv);
    if (srv->have4)
        close_if_open((uv_handle_t *)&srv->listen4);
    if (srv->have6)
        close_if_open((uv_handle_t *)&srv->listen6);
    close_if_open((uv_handle_t *)&srv->tick);
    close_if_open((uv_handle_t *)&srv->sigint);
    close_if_open((uv_handle_t *)&srv->sigterm);
    close_if_open((uv_handle_t *)&srv->stop);
    flush_all(srv);
    /* requests run to completion synchronously, so only half-received ones are cut */
    for (conn_t *c = srv->conns, *next; c; c = next) {
        next = c->next;
        finish_conn(c);
    }
}

static void on_signal(uv_signal_t *h, int signum)
{
    begin_stop(h->data);
}

static void on_stop(uv_async_t *h)
{
    begin_stop(h->data);
}

/* Asks the running ddb_serve() to stop; async-signal-safe (uv_async_send is). */
void ddb_serve_stop(void)
{
    server_t *srv = running;
    if (srv)
        uv_async_send(&srv->stop);
    else
        stop_early = 1;
}

/* ---- listening ------------------------------------------------------------------------------ */

static int listen_on(server_t *srv, uv_tcp_t *h, const struct sockaddr *addr, unsigned flags)
{
    int r = uv_tcp_init(&srv->loop, h);
    if (r < 0)
        return r;
    h->data = srv;
    r = uv_tcp_bind(h, addr, flags);
    if (r == 0)
        r = uv_listen((uv_stream_t *)h, BACKLOG, on_connection);
    if (r < 0)
        uv_close((uv_handle_t *)h, NULL);
    return r;
}

/*
 * Serves ddb until stopped. Returns 0 after a clean stop; -1 with the reason in err when it cannot
 * listen. The loop's handles are all closed before it returns.
 */
int ddb_serve(ddb_t *ddb, ddb_listening_cb on_listening, void *arg, char *err, size_t errlen)
{
    const ddb_config_t *cfg = ddb_get_config(ddb);
    server_t *srv = xcalloc(1, sizeof *srv);
    int rc = -1;
    if (uv_loop_init(&srv->loop) < 0) {
        if (err)
            snprintf(err, errlen, "cannot start the event loop");
        free(srv);
        return -1;
    }
    srv->ddb = ddb;
    http_seed();
    http_cfg_init(&srv->cfg, on_request, on_release, srv, cfg->cors);
    http_cfg_set_admin(&srv->cfg, on_admin);
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_in a4;
    uv_ip4_addr("0.0.0.0", cfg->port, &a4);
    int r = listen_on(srv, &srv->listen4, (const struct sockaddr *)&a4, 0);
    if (r < 0) {
        if (err)
            snprintf(err, errlen, "cannot listen on 0.0.0.0:%d: %s", cfg->port, uv_strerror(r));
        goto done;
    }
    srv->have4 = 1;
    struct sockaddr_storage bound;
    int blen = sizeof bound;
    uv_tcp_getsockname(&srv->listen4, (struct sockaddr *)&bound, &blen);
    int port = ntohs(((struct sockaddr_in *)&bound)->sin_port);

    /* [::] on the same port for IPv6 clients; optional (no IPv6, or the port taken there) */
    struct sockaddr_in6 a6;
    uv_ip6_addr("::", port, &a6);
    if (listen_on(srv, &srv->listen6, (const struct sockaddr *)&a6, UV_TCP_IPV6ONLY) == 0)
        srv->have6 = 1;

    uv_timer_init(&srv->loop, &srv->tick);
    srv->tick.data = srv;
    uv_timer_start(&srv->tick, on_tick, 1000, 1000);
    uv_signal_init(&srv->loop, &srv->sigint);
    uv_signal_init(&srv->loop, &srv->sigterm);
    srv->sigint.data = srv->sigterm.data = srv;
    uv_signal_start(&srv->sigint, on_signal, SIGINT);
    uv_signal_start(&srv->sigterm, on_signal, SIGTERM);
    uv_check_init(&srv->loop, &srv->flush);
    srv->flush.data = srv;
    uv_check_start(&srv->flush, on_flush);
    uv_unref((uv_handle_t *)&srv->flush);
    uv_async_init(&srv->loop, &srv->stop, on_stop);
    srv->stop.data = srv;
    running = srv;
    trig_begin(srv, port);

    if (on_listening)
        on_listening(port, arg);
    if (stop_early)
        begin_stop(srv);
    uv_run(&srv->loop, UV_RUN_DEFAULT);
    running = NULL;
    stop_early = 0;
    rc = 0;
done:
    uv_walk(&srv->loop, walk_close, NULL);
    uv_run(&srv->loop, UV_RUN_DEFAULT);
    uv_loop_close(&srv->loop);
    http_cfg_fini(&srv->cfg);
    free(srv);
    return rc;
}
