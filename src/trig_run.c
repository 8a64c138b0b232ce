/*
 * trig_run.c: runs exec:, python: and invoke: trigger handlers for the engine (trig.h) on the
 * server's libuv loop, without ever blocking it, and reports each call back with trig_done().
 *
 *   exec:CMD       /bin/sh -c CMD per batch, in its own process group (so a timeout kills what
 *                  the command started too); the event on stdin, then EOF; stdout is the
 *                  response; stderr is copied to ddblocal's as it comes, and its last line
 *                  completes a failure's detail ("exit status 1: ValueError: ...").
 *   python:FILE    one persistent worker per mapping (src/trig_worker.py, embedded at build
 *                  time) talking over descriptors 3 and 4; calls to one mapping queue for it. A
 *                  timeout or a crash kills it and the next call gets a fresh one, as Lambda
 *                  resets a sandbox. Its start-up (imports) does not count against Timeout.
 *   invoke:URL     one HTTP/1.1 POST per batch to a Lambda-compatible Invoke endpoint
 *                  (RequestResponse), parsed with llhttp.
 *
 * Every call is a job_t: created by start(), reported exactly once (report()), and freed when
 * the last libuv handle or request it owns has called back. The runner frees itself once stopped
 * and every job and worker process is gone.
 */
#include "trig_run.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <unistd.h>

#include "llhttp.h"
#include "sb.h"

#define MAX_RESPONSE ((size_t)6 * 1024 * 1024) /* Lambda's synchronous response limit */
#define PY_START_MS 30000                      /* a worker's start-up (imports) allowance */
#define READ_CHUNK 65536

extern char **environ;
extern const char trig_worker_py[]; /* src/trig_worker.py, generated into build/ */

typedef enum { J_EXEC, J_PYTHON, J_INVOKE } job_kind_t;

typedef struct job job_t;
typedef struct pyw pyw_t;
typedef struct pyinst pyinst_t;
typedef struct isock isock_t;

struct trun {
    uv_loop_t *loop;
    ddb_t *ddb;
    char endpoint[64];
    void (*notify)(void *);
    void *arg;
    job_t *jobs;   /* every job not yet freed (reported ones may still own handles) */
    pyinst_t *insts; /* every worker process not yet freed */
    pyw_t *workers;
    int refs;      /* live jobs and worker processes: the runner is freed at 0 once stopped */
    int stopping;
};

/* One invocation. */
struct job {
    trun_t *r;
    job_t *prev, *next;  /* r->jobs */
    uint64_t id;
    const trig_mapping_t *m;
    job_kind_t kind;
    char *event;         /* a copy: the engine's buffer dies at trig_done, our writes may not */
    size_t event_len;
    char *request_id;
    int reported;
    int refs;            /* open handles and pending requests */
    uv_timer_t timer;    /* the function's Timeout */
    sb_t out;            /* stdout / the HTTP response body */
    int too_large;
    /* exec */
    uv_process_t proc;
    uv_pipe_t in, outp, errp;
    uv_write_t wreq;
    int pid, exited, eof, err_eof;
    sb_t err_tail;       /* the end of its stderr, for the failure's detail */
    int64_t exit_status;
    int term_signal;
    /* python */
    pyw_t *w;
    job_t *qnext;
    /* invoke */
    char *host, *port, *path;
    uv_getaddrinfo_t gai;
    int gai_pending;
    struct addrinfo *ai, *ai_next;
    isock_t *sock;
    int last_err;
    llhttp_t parser;
    int got_bytes, complete, status, fn_error, in_fe_header;
    char field[32];
    size_t field_len;
    sb_t fe;             /* X-Amz-Function-Error value */
};

/* The python worker of one mapping, and the calls waiting for it. */
struct pyw {
    pyw_t *next;
    trun_t *r;
    const trig_mapping_t *m;
    pyinst_t *inst;      /* the live process, or NULL */
    job_t *cur;          /* the call it is running */
    job_t *qhead, *qtail;
};

/* One worker process. Outlives its detachment from the pyw until its handles have closed. */
struct pyinst {
    trun_t *r;
    pyinst_t *prev, *next; /* r->insts */
    pyw_t *w;            /* NULL once detached (killed, exited) */
    uv_process_t proc;
    uv_pipe_t req, resp;
    uv_timer_t start;
    int pid, refs, exited, ready;
    sb_t in;
};

typedef struct pywrite {
    uv_write_t req;
    char *buf;
} pywrite_t;

/* One connection attempt of an invoke: call. */
struct isock {
    uv_tcp_t tcp;
    uv_connect_t creq;
    uv_write_t wreq;
    job_t *j;
    char *wbuf;
};

static char read_buf[READ_CHUNK]; /* one loop thread: each read is consumed before the next */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    *buf = uv_buf_init(read_buf, sizeof read_buf);
}

/* ---- the runner and its jobs ------------------------------------------------------------ */

static void runner_maybe_free(trun_t *r)
{
    if (!r->stopping || r->refs)
        return;
    for (pyw_t *w = r->workers, *next; w; w = next) {
        next = w->next;
        free(w);
    }
    free(r);
}

static void job_maybe_free(job_t *j)
{
    if (!j->reported || j->refs)
        return;
    trun_t *r = j->r;
    if (j->prev)
        j->prev->next = j->next;
    else
        r->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    free(j->event);
    free(j->request_id);
    sb_fini(&j->out);
    sb_fini(&j->fe);
    sb_fini(&j->err_tail);
    free(j->host);
    free(j->port);
    free(j->path);
    if (j->ai)
        uv_freeaddrinfo(j->ai);
    free(j);
    r->refs--;
    runner_maybe_free(r);
}

static void job_handle_closed(uv_handle_t *h)
{
    job_t *j = h->data;
    j->refs--;
    job_maybe_free(j);
}

static void job_close(job_t *j, void *h)
{
    if (!uv_is_closing(h))
        uv_close(h, job_handle_closed);
}

static void kill_group(int pid)
{
    if (pid > 0)
        kill(-pid, SIGKILL); /* the handler's process group: setsid() made pid its leader */
}

static void py_pump(pyw_t *w);
static void py_detach(pyinst_t *p);
static void inv_sock_close(isock_t *s);

/* Ends call j: releases what it holds and tells the engine (once). */
static void report(job_t *j, trig_result_t res, const char *resp, size_t len, const char *detail)
{
    if (j->reported)
        return;
    trun_t *r = j->r;
    j->reported = 1;
    uv_timer_stop(&j->timer);
    job_close(j, &j->timer);
    switch (j->kind) {
    case J_EXEC:
        if (!j->exited || !j->eof || !j->err_eof)
            kill_group(j->pid); /* also what the command left running in the background */
        job_close(j, &j->in);
        job_close(j, &j->outp);
        job_close(j, &j->errp);
        if (r->stopping)
            job_close(j, &j->proc); /* the loop ends: do not wait for the exit */
        break;
    case J_PYTHON: {
        pyw_t *w = j->w;
        if (w->cur == j) {
            w->cur = NULL;
        } else {
            for (job_t **q = &w->qhead; *q; q = &(*q)->qnext)
                if (*q == j) {
                    *q = j->qnext;
                    break;
                }
            w->qtail = NULL;
            for (job_t *q = w->qhead; q; q = q->qnext)
                w->qtail = q;
        }
        break;
    }
    case J_INVOKE:
        if (j->sock)
            inv_sock_close(j->sock);
        if (j->gai_pending)
            uv_cancel((uv_req_t *)&j->gai);
        break;
    }
    trig_done(r->ddb, j->id, res, resp, len, detail);
    if (!r->stopping && r->notify)
        r->notify(r->arg);
    job_maybe_free(j);
}

/* ---- the handlers' environment ---------------------------------------------------------- */

static int env_name_is(const char *entry, char *const *over, int n)
{
    const char *eq = strchr(entry, '=');
    size_t len = eq ? (size_t)(eq - entry) : strlen(entry);
    for (int i = 0; i < n; i++)
        if (!strncmp(over[i], entry, len) && over[i][len] == '=')
            return 1;
    return 0;
}

/* ddblocal's environment plus what the common brief promises handlers (NULL-terminated, every
 * string malloc'd; free with env_free). */
static char **env_make(const trun_t *r, const trig_mapping_t *m, const char *request_id)
{
    char *over[16];
    int n = 0;
    sb_t sb;
    sb_init(&sb);
#define OVER(fmt, ...)                                                                          \
    do {                                                                                      \
        sb_reset(&sb);                                                                        \
        sb_printf(&sb, fmt, __VA_ARGS__);                                                     \
        over[n++] = xstrdup(sb_cstr(&sb));                                                    \
    } while (0)
    OVER("AWS_ENDPOINT_URL=%s", r->endpoint);
    OVER("AWS_ENDPOINT_URL_DYNAMODB=%s", r->endpoint);
    OVER("AWS_ENDPOINT_URL_DYNAMODB_STREAMS=%s", r->endpoint);
    OVER("DDBLOCAL_ENDPOINT=%s", r->endpoint);
    OVER("AWS_REGION=%s", m->region ? m->region : "us-east-1");
    OVER("AWS_DEFAULT_REGION=%s", m->region ? m->region : "us-east-1");
    OVER("AWS_ACCESS_KEY_ID=%s", m->access_key ? m->access_key : "ddblocal");
    OVER("AWS_SECRET_ACCESS_KEY=%s", "ddblocal");
    OVER("AWS_LAMBDA_FUNCTION_NAME=%s", m->function_name ? m->function_name : "");
    OVER("DDBLOCAL_TRIGGER_UUID=%s", m->uuid ? m->uuid : "");
    OVER("DDBLOCAL_REQUEST_ID=%s", request_id ? request_id : "");
#undef OVER
    sb_fini(&sb);
    size_t total = 0;
    for (char **e = environ; e && *e; e++)
        total++;
    char **env = xmalloc((total + (size_t)n + 1) * sizeof *env);
    size_t k = 0;
    for (char **e = environ; e && *e; e++)
        if (!env_name_is(*e, over, n))
            env[k++] = xstrdup(*e);
    for (int i = 0; i < n; i++)
        env[k++] = over[i];
    env[k] = NULL;
    return env;
}

static void env_free(char **env)
{
    for (char **e = env; *e; e++)
        free(*e);
    free(env);
}

/* "exit status N" / "killed by signal N". */
static void exit_detail(char *out, size_t cap, int64_t status, int sig)
{
    if (sig)
        snprintf(out, cap, "killed by signal %d", sig);
    else
        snprintf(out, cap, "exit status %lld", (long long)status);
}

static void on_timeout(uv_timer_t *t);

static void start_timeout(job_t *j)
{
    uv_timer_start(&j->timer, on_timeout, (uint64_t)(j->m->timeout_s > 0 ? j->m->timeout_s : 3) * 1000,
                   0);
}

/* ---- exec: ------------------------------------------------------------------------------ */

/* The last non-empty line of what the handler wrote to stderr (at most 200 bytes), or "". */
static void last_line(sb_t *tail, char *out, size_t cap)
{
    size_t end = tail->len;
    while (end && (unsigned char)tail->buf[end - 1] <= ' ')
        end--;
    size_t begin = end;
    while (begin && tail->buf[begin - 1] != '\n')
        begin--;
    size_t n = end - begin < cap - 1 ? end - begin : cap - 1;
    if (n > 200)
        n = 200;
    memcpy(out, tail->buf ? tail->buf + begin : "", n);
    out[n] = '\0';
}

static void exec_maybe_finish(job_t *j)
{
    if (j->reported || !j->exited || !j->eof || !j->err_eof)
        return;
    if (j->exit_status == 0 && j->term_signal == 0) {
        report(j, TR_OK, j->out.buf ? j->out.buf : "", j->out.len, NULL);
    } else {
        char detail[288], line[208];
        exit_detail(detail, sizeof detail, j->exit_status, j->term_signal);
        last_line(&j->err_tail, line, sizeof line);
        if (line[0]) {
            size_t dl = strlen(detail);
            snprintf(detail + dl, sizeof detail - dl, ": %s", line);
        }
        report(j, TR_FUNCTION_ERROR, NULL, 0, detail);
    }
}

static void exec_exited(uv_process_t *p, int64_t status, int sig)
{
    job_t *j = p->data;
    j->exited = 1;
    j->exit_status = status;
    j->term_signal = sig;
    job_close(j, p);
    exec_maybe_finish(j);
}

static void exec_written(uv_write_t *req, int status)
{
    job_t *j = req->data;
    /* EOF on the handler's stdin; a handler that exits without reading gets EPIPE here, fine */
    job_close(j, &j->in);
}

static void exec_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    job_t *j = s->data;
    if (n > 0) {
        if (j->reported)
            return;
        if (j->out.len + (size_t)n > MAX_RESPONSE) {
            report(j, TR_FUNCTION_ERROR, NULL, 0, "response larger than 6 MB");
            return;
        }
        sb_add(&j->out, buf->base, (size_t)n);
        return;
    }
    if (n < 0) { /* EOF (or an error, which ends the output all the same) */
        j->eof = 1;
        job_close(j, s);
        exec_maybe_finish(j);
    }
}

/* The handler's stderr: copied to ours at once (a log must not wait for the batch to end), and
 * its end kept for the detail of a failure. */
static void exec_err_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    job_t *j = s->data;
    if (n > 0) {
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(2, buf->base + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break; /* our stderr is gone: the copy is lost, the handler carries on */
            off += w;
        }
        sb_add(&j->err_tail, buf->base, (size_t)n);
        if (j->err_tail.len > 4096) { /* keep the last 1 KB: enough for one line of detail */
            memmove(j->err_tail.buf, j->err_tail.buf + j->err_tail.len - 1024, 1024);
            j->err_tail.len = 1024;
        }
        return;
    }
    if (n < 0) {
        j->err_eof = 1;
        job_close(j, s);
        exec_maybe_finish(j);
    }
}

static int exec_start(job_t *j, char **env)
{
    trun_t *r = j->r;
    uv_pipe_init(r->loop, &j->in, 0);
    uv_pipe_init(r->loop, &j->outp, 0);
    uv_pipe_init(r->loop, &j->errp, 0);
    j->in.data = j->outp.data = j->errp.data = j->proc.data = j;
    j->refs += 4; /* the pipes and proc: uv_spawn initialises the process handle even on failure */
    char *args[] = {"/bin/sh", "-c", (char *)j->m->target, NULL};
    uv_stdio_container_t io[3];
    io[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
    io[0].data.stream = (uv_stream_t *)&j->in;
    io[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    io[1].data.stream = (uv_stream_t *)&j->outp;
    io[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    io[2].data.stream = (uv_stream_t *)&j->errp;
    uv_process_options_t o;
    memset(&o, 0, sizeof o);
    o.exit_cb = exec_exited;
    o.file = args[0];
    o.args = args;
    o.env = env;
    o.flags = UV_PROCESS_DETACHED; /* setsid(): its own process group, killed as one */
    o.stdio_count = 3;
    o.stdio = io;
    int rc = uv_spawn(r->loop, &j->proc, &o);
    if (rc < 0) {
        fprintf(stderr, "ddblocal: trigger %s: cannot run /bin/sh: %s\n", j->m->function_name,
                uv_strerror(rc));
        job_close(j, &j->in);
        job_close(j, &j->outp);
        job_close(j, &j->errp);
        job_close(j, &j->proc);
        return -1;
    }
    j->pid = j->proc.pid;
    uv_buf_t b = uv_buf_init(j->event, (unsigned)j->event_len);
    j->wreq.data = j;
    if (uv_write(&j->wreq, (uv_stream_t *)&j->in, &b, 1, exec_written) < 0)
        job_close(j, &j->in);
    uv_read_start((uv_stream_t *)&j->outp, on_alloc, exec_read);
    uv_read_start((uv_stream_t *)&j->errp, on_alloc, exec_err_read);
    start_timeout(j);
    return 0;
}

/* ---- python: ------------------------------------------------------------------------------ */

static void pyinst_closed(uv_handle_t *h)
{
    pyinst_t *p = h->data;
    if (--p->refs)
        return;
    trun_t *r = p->r;
    if (p->prev)
        p->prev->next = p->next;
    else
        r->insts = p->next;
    if (p->next)
        p->next->prev = p->prev;
    sb_fini(&p->in);
    free(p);
    r->refs--;
    runner_maybe_free(r);
}

static void pyinst_close(pyinst_t *p, void *h)
{
    if (!uv_is_closing(h))
        uv_close(h, pyinst_closed);
}

/* Takes p away from its mapping and kills it; its handles close (the process handle once the
 * exit is reaped, or at once when the runner stops). */
static void py_detach(pyinst_t *p)
{
    if (p->w) {
        p->w->inst = NULL;
        p->w = NULL;
    }
    if (!p->exited)
        kill_group(p->pid);
    uv_timer_stop(&p->start);
    pyinst_close(p, &p->start);
    pyinst_close(p, &p->req);
    pyinst_close(p, &p->resp);
    if (p->exited || p->r->stopping)
        pyinst_close(p, &p->proc);
}

static void py_written(uv_write_t *req, int status)
{
    pywrite_t *pw = (pywrite_t *)req;
    free(pw->buf);
    free(pw);
}

/* Sends call j to the worker and starts its Timeout. */
static void py_send(pyinst_t *p, job_t *j)
{
    sb_t sb, head;
    sb_init(&sb);
    sb_init(&head);
    const trig_mapping_t *m = j->m;
    sb_puts(&sb, "{\"request_id\":");
    sb_json_str(&sb, j->request_id, strlen(j->request_id));
    sb_puts(&sb, ",\"function_name\":");
    sb_json_str(&sb, m->function_name ? m->function_name : "", m->function_name ? strlen(m->function_name) : 0);
    sb_puts(&sb, ",\"function_arn\":");
    sb_json_str(&sb, m->function_arn ? m->function_arn : "", m->function_arn ? strlen(m->function_arn) : 0);
    sb_printf(&sb, ",\"timeout_s\":%d,\"remaining_ms\":%d,\"event\":", m->timeout_s,
              m->timeout_s * 1000);
    sb_add(&sb, j->event, j->event_len);
    sb_putc(&sb, '}');
    sb_printf(&head, "%zu\n", sb.len);
    sb_add(&head, sb.buf, sb.len);
    sb_fini(&sb);
    pywrite_t *pw = xmalloc(sizeof *pw);
    size_t len;
    pw->buf = sb_take(&head, &len);
    uv_buf_t b = uv_buf_init(pw->buf, (unsigned)len);
    if (uv_write(&pw->req, (uv_stream_t *)&p->req, &b, 1, py_written) < 0) {
        free(pw->buf);
        free(pw);
        /* the worker is gone; its exit reports the call */
    }
    start_timeout(j);
}

static void py_line(pyinst_t *p, const char *line, size_t len)
{
    pyw_t *w = p->w;
    cJSON *msg = cJSON_ParseWithLength(line, len);
    if (!msg)
        goto done;
    if (!p->ready) {
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(msg, "ready"))) {
            p->ready = 1;
            uv_timer_stop(&p->start);
        }
        goto done;
    }
    if (w && w->cur) {
        job_t *j = w->cur;
        const cJSON *ok = cJSON_GetObjectItemCaseSensitive(msg, "ok");
        if (cJSON_IsTrue(ok)) {
            const cJSON *resp = cJSON_GetObjectItemCaseSensitive(msg, "response");
            const char *s = cJSON_IsString(resp) ? resp->valuestring : "";
            size_t n = strlen(s);
            if (n > MAX_RESPONSE)
                report(j, TR_FUNCTION_ERROR, NULL, 0, "response larger than 6 MB");
            else
                report(j, TR_OK, s, n, NULL);
        } else {
            const cJSON *e = cJSON_GetObjectItemCaseSensitive(msg, "error");
            report(j, TR_FUNCTION_ERROR, NULL, 0, cJSON_IsString(e) ? e->valuestring : "error");
        }
    }
done:
    cJSON_Delete(msg);
}

static void py_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    pyinst_t *p = s->data;
    if (n < 0) { /* the worker closed its side: its exit callback does the reporting */
        pyinst_close(p, s);
        return;
    }
    if (n == 0)
        return;
    sb_add(&p->in, buf->base, (size_t)n);
    size_t start = 0;
    for (;;) {
        char *nl = memchr(p->in.buf + start, '\n', p->in.len - start);
        if (!nl)
            break;
        size_t end = (size_t)(nl - p->in.buf);
        py_line(p, p->in.buf + start, end - start);
        start = end + 1;
    }
    if (start) {
        memmove(p->in.buf, p->in.buf + start, p->in.len - start);
        p->in.len -= start;
    }
    if (p->w)
        py_pump(p->w);
}

/* The head of w's queue ends without running: the worker could not start. */
static void py_fail_head(pyw_t *w, trig_result_t res, const char *detail)
{
    if (w->qhead)
        report(w->qhead, res, NULL, 0, detail);
}

static void py_exited(uv_process_t *proc, int64_t status, int sig)
{
    pyinst_t *p = proc->data;
    pyw_t *w = p->w;
    p->exited = 1;
    char detail[96];
    exit_detail(detail, sizeof detail, status, sig);
    py_detach(p);
    if (!w)
        return;
    char why[160];
    if (w->cur) {
        snprintf(why, sizeof why, "Runtime.ExitError: python worker exited (%s)", detail);
        report(w->cur, TR_FUNCTION_ERROR, NULL, 0, why);
    } else if (!p->ready) {
        snprintf(why, sizeof why, "Runtime.ExitError: python worker exited while starting (%s)",
                 detail);
        py_fail_head(w, TR_FUNCTION_ERROR, why);
    }
    py_pump(w);
}

static void py_start_timeout(uv_timer_t *t)
{
    pyinst_t *p = t->data;
    pyw_t *w = p->w;
    py_detach(p);
    if (!w)
        return;
    py_fail_head(w, TR_FUNCTION_ERROR, "python worker did not start within 30 s");
    py_pump(w);
}

/* Starts w's worker process. 0, or -1 when it cannot be spawned. */
static int py_spawn(pyw_t *w)
{
    trun_t *r = w->r;
    const trig_mapping_t *m = w->m;
    pyinst_t *p = xcalloc(1, sizeof *p);
    p->r = r;
    r->refs++;
    p->next = r->insts;
    if (r->insts)
        r->insts->prev = p;
    r->insts = p;
    uv_pipe_init(r->loop, &p->req, 0);
    uv_pipe_init(r->loop, &p->resp, 0);
    uv_timer_init(r->loop, &p->start);
    p->req.data = p->resp.data = p->start.data = p->proc.data = p;
    p->refs = 4;
    const char *python = getenv("DDBLOCAL_PYTHON");
    if (!python || !*python)
        python = "python3";
    char *args[] = {(char *)python, "-u", "-c", (char *)trig_worker_py, m->py_file,
                    m->py_func ? m->py_func : "lambda_handler", NULL};
    uv_stdio_container_t io[5];
    io[0].flags = UV_IGNORE;
    io[1].flags = UV_INHERIT_FD; /* print() and a stray os.write(1) both reach our stderr */
    io[1].data.fd = 2;
    io[2].flags = UV_INHERIT_FD;
    io[2].data.fd = 2;
    io[3].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
    io[3].data.stream = (uv_stream_t *)&p->req;
    io[4].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    io[4].data.stream = (uv_stream_t *)&p->resp;
    char **env = env_make(r, m, "");
    uv_process_options_t o;
    memset(&o, 0, sizeof o);
    o.exit_cb = py_exited;
    o.file = python;
    o.args = args;
    o.env = env;
    o.flags = UV_PROCESS_DETACHED;
    o.stdio_count = 5;
    o.stdio = io;
    int rc = uv_spawn(r->loop, &p->proc, &o);
    env_free(env);
    if (rc < 0) {
        fprintf(stderr, "ddblocal: trigger %s: cannot run %s: %s\n", m->function_name, python,
                uv_strerror(rc));
        p->exited = 1;
        py_detach(p);
        return -1;
    }
    p->pid = p->proc.pid;
    p->w = w;
    w->inst = p;
    uv_read_start((uv_stream_t *)&p->resp, on_alloc, py_read);
    uv_timer_start(&p->start, py_start_timeout, PY_START_MS, 0);
    return 0;
}

/* Sends the next queued call once the worker is free and ready, spawning it when needed. A
 * worker that cannot be spawned fails every queued call as not delivered. */
static void py_pump(pyw_t *w)
{
    while (!w->cur && w->qhead && !w->r->stopping) {
        if (!w->inst && py_spawn(w) < 0) {
            while (w->qhead)
                report(w->qhead, TR_NOT_DELIVERED, NULL, 0, "cannot start the python worker");
            return;
        }
        if (!w->inst->ready)
            return;
        job_t *j = w->qhead;
        w->qhead = j->qnext;
        if (!w->qhead)
            w->qtail = NULL;
        j->qnext = NULL;
        w->cur = j;
        py_send(w->inst, j);
    }
}

static int py_start(job_t *j)
{
    trun_t *r = j->r;
    pyw_t *w = r->workers;
    while (w && w->m != j->m)
        w = w->next;
    if (!w) {
        w = xcalloc(1, sizeof *w);
        w->r = r;
        w->m = j->m;
        w->next = r->workers;
        r->workers = w;
    }
    j->w = w;
    if (!w->inst && py_spawn(w) < 0)
        return -1; /* nothing is queued without a worker (a failed spawn empties the queue) */
    if (w->qtail)
        w->qtail->qnext = j;
    else
        w->qhead = j;
    w->qtail = j;
    py_pump(w);
    return 0;
}

/* ---- invoke: ------------------------------------------------------------------------------ */

static int inv_on_header_field(llhttp_t *p, const char *at, size_t n)
{
    job_t *j = p->data;
    if (j->field_len + n < sizeof j->field) {
        memcpy(j->field + j->field_len, at, n);
        j->field_len += n;
    } else {
        j->field_len = sizeof j->field;
    }
    return 0;
}

static int inv_on_header_field_complete(llhttp_t *p)
{
    job_t *j = p->data;
    static const char name[] = "x-amz-function-error";
    j->in_fe_header = j->field_len == sizeof name - 1 &&
                      !strncasecmp(j->field, name, sizeof name - 1);
    j->field_len = 0;
    if (j->in_fe_header)
        j->fn_error = 1;
    return 0;
}

static int inv_on_header_value(llhttp_t *p, const char *at, size_t n)
{
    job_t *j = p->data;
    if (j->in_fe_header && j->fe.len < 256)
        sb_add(&j->fe, at, n);
    return 0;
}

static int inv_on_header_value_complete(llhttp_t *p)
{
    ((job_t *)p->data)->in_fe_header = 0;
    return 0;
}

static int inv_on_body(llhttp_t *p, const char *at, size_t n)
{
    job_t *j = p->data;
    if (j->too_large || j->out.len + n > MAX_RESPONSE) {
        j->too_large = 1;
        return 0;
    }
    sb_add(&j->out, at, n);
    return 0;
}

static int inv_on_message_complete(llhttp_t *p)
{
    job_t *j = p->data;
    if (p->status_code < 200)
        return 0; /* an interim 1xx: the real answer follows */
    j->complete = 1;
    j->status = p->status_code;
    return HPE_PAUSED;
}

static llhttp_settings_t inv_settings;

/* The outcome of a complete HTTP answer, under the rules of the common brief. */
static void inv_finish(job_t *j)
{
    char detail[512];
    if (j->status == 429 || j->status >= 500) {
        snprintf(detail, sizeof detail, "HTTP %d", j->status);
        report(j, TR_NOT_DELIVERED, NULL, 0, detail);
    } else if (j->too_large) {
        report(j, TR_FUNCTION_ERROR, NULL, 0, "response larger than 6 MB");
    } else if (j->fn_error) {
        /* Lambda's error payload: {"errorMessage":..., "errorType":...} */
        const char *type = NULL, *msg = NULL;
        cJSON *body = cJSON_ParseWithLength(j->out.buf ? j->out.buf : "", j->out.len);
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(body, "errorType");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(body, "errorMessage");
        if (cJSON_IsString(t))
            type = t->valuestring;
        if (cJSON_IsString(m))
            msg = m->valuestring;
        snprintf(detail, sizeof detail, "%s%s%s%s%s", sb_cstr(&j->fe), type ? ": " : "",
                 type ? type : "", msg ? ": " : "", msg ? msg : "");
        cJSON_Delete(body);
        report(j, TR_FUNCTION_ERROR, NULL, 0, detail);
    } else if (j->status == 200) {
        report(j, TR_OK, j->out.buf ? j->out.buf : "", j->out.len, NULL);
    } else {
        snprintf(detail, sizeof detail, "HTTP %d", j->status);
        report(j, TR_FUNCTION_ERROR, NULL, 0, detail);
    }
}

static void inv_sock_closed(uv_handle_t *h)
{
    isock_t *s = h->data;
    job_t *j = s->j;
    free(s->wbuf);
    free(s);
    j->refs--;
    job_maybe_free(j);
}

static void inv_sock_close(isock_t *s)
{
    if (s->j->sock == s)
        s->j->sock = NULL;
    if (!uv_is_closing((uv_handle_t *)&s->tcp))
        uv_close((uv_handle_t *)&s->tcp, inv_sock_closed);
}

/* The connection ended before a complete answer. */
static void inv_broken(job_t *j, const char *what)
{
    char detail[160];
    snprintf(detail, sizeof detail, "%s", what);
    /* nothing came back: the function never saw the call (or cannot have answered it) */
    report(j, j->got_bytes ? TR_FUNCTION_ERROR : TR_NOT_DELIVERED, NULL, 0, detail);
}

static void inv_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    isock_t *s = st->data;
    job_t *j = s->j;
    if (j->reported || n == 0)
        return;
    if (n < 0) {
        if (llhttp_finish(&j->parser) == HPE_OK && j->complete) {
            inv_finish(j);
        } else {
            inv_broken(j, n == UV_EOF ? "connection closed before a complete response"
                                      : uv_strerror((int)n));
        }
        inv_sock_close(s);
        return;
    }
    j->got_bytes = 1;
    llhttp_errno_t e = llhttp_execute(&j->parser, buf->base, (size_t)n);
    if (j->complete) {
        inv_finish(j);
        inv_sock_close(s);
    } else if (e != HPE_OK) {
        report(j, TR_FUNCTION_ERROR, NULL, 0, "invalid HTTP response");
        inv_sock_close(s);
    }
}

static void inv_written(uv_write_t *req, int status)
{
    isock_t *s = req->data;
    if (status < 0 && status != UV_ECANCELED && !s->j->reported && !s->j->got_bytes) {
        char detail[128];
        snprintf(detail, sizeof detail, "write: %s", uv_strerror(status));
        report(s->j, TR_NOT_DELIVERED, NULL, 0, detail);
        inv_sock_close(s);
    }
}

static void inv_connect_next(job_t *j);

static void inv_connected(uv_connect_t *req, int status)
{
    isock_t *s = req->data;
    job_t *j = s->j;
    if (j->reported) {
        inv_sock_close(s);
        return;
    }
    if (status < 0) {
        j->last_err = status;
        inv_sock_close(s);
        inv_connect_next(j);
        return;
    }
    /* the request */
    sb_t sb;
    sb_init(&sb);
    int v6 = strchr(j->host, ':') != NULL;
    sb_printf(&sb,
              "POST %s HTTP/1.1\r\nHost: %s%s%s:%s\r\nContent-Type: application/json\r\n"
              "Content-Length: %zu\r\nX-Amz-Invocation-Type: RequestResponse\r\n"
              "User-Agent: ddblocal\r\nConnection: close\r\n\r\n",
              j->path, v6 ? "[" : "", j->host, v6 ? "]" : "", j->port, j->event_len);
    sb_add(&sb, j->event, j->event_len);
    size_t len;
    s->wbuf = sb_take(&sb, &len);
    uv_buf_t b = uv_buf_init(s->wbuf, (unsigned)len);
    s->wreq.data = s;
    llhttp_init(&j->parser, HTTP_RESPONSE, &inv_settings);
    j->parser.data = j;
    int rc = uv_write(&s->wreq, (uv_stream_t *)&s->tcp, &b, 1, inv_written);
    if (rc == 0)
        rc = uv_read_start((uv_stream_t *)&s->tcp, on_alloc, inv_read);
    if (rc < 0) {
        char detail[128];
        snprintf(detail, sizeof detail, "write: %s", uv_strerror(rc));
        report(j, TR_NOT_DELIVERED, NULL, 0, detail);
        inv_sock_close(s);
    }
}

/* Tries the next resolved address; none left: not delivered (connection refused, ...). */
static void inv_connect_next(job_t *j)
{
    while (j->ai_next) {
        struct addrinfo *a = j->ai_next;
        j->ai_next = a->ai_next;
        if (a->ai_family != AF_INET && a->ai_family != AF_INET6)
            continue;
        isock_t *s = xcalloc(1, sizeof *s);
        s->j = j;
        s->tcp.data = s;
        s->creq.data = s;
        uv_tcp_init(j->r->loop, &s->tcp);
        j->refs++;
        j->sock = s;
        int rc = uv_tcp_connect(&s->creq, &s->tcp, a->ai_addr, inv_connected);
        if (rc == 0)
            return;
        j->last_err = rc;
        inv_sock_close(s);
    }
    char detail[160];
    snprintf(detail, sizeof detail, "cannot connect to %s:%s: %s", j->host, j->port,
             uv_strerror(j->last_err ? j->last_err : UV_ECONNREFUSED));
    report(j, TR_NOT_DELIVERED, NULL, 0, detail);
}

static void inv_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    job_t *j = req->data;
    j->refs--;
    j->gai_pending = 0;
    j->ai = res;
    j->ai_next = res;
    if (j->reported) {
        job_maybe_free(j);
        return;
    }
    if (status < 0) {
        char detail[160];
        snprintf(detail, sizeof detail, "cannot resolve %s: %s", j->host, uv_strerror(status));
        report(j, TR_NOT_DELIVERED, NULL, 0, detail);
        return;
    }
    inv_connect_next(j);
}

/* Splits "http://HOST[:PORT][/PATH]"; a URL without a path gets Lambda's Invoke path. */
static int inv_parse_url(job_t *j)
{
    const char *u = j->m->target;
    if (strncmp(u, "http://", 7))
        return -1;
    u += 7;
    const char *host = u, *host_end;
    if (*u == '[') {
        host = u + 1;
        host_end = strchr(host, ']');
        if (!host_end)
            return -1;
        u = host_end + 1;
    } else {
        u += strcspn(u, ":/?");
        host_end = u;
    }
    if (host_end == host)
        return -1;
    j->host = xstrndup(host, (size_t)(host_end - host));
    if (*u == ':') {
        u++;
        size_t n = strspn(u, "0123456789");
        if (!n || n > 5)
            return -1;
        j->port = xstrndup(u, n);
        u += n;
    } else {
        j->port = xstrdup("80");
    }
    if (*u && *u != '/')
        return -1;
    if (!*u || !strcmp(u, "/")) {
        sb_t sb;
        sb_init(&sb);
        sb_printf(&sb, "/2015-03-31/functions/%s/invocations", j->m->function_name);
        j->path = sb_take(&sb, NULL);
    } else {
        j->path = xstrdup(u);
    }
    return 0;
}

static int inv_start(job_t *j)
{
    if (!inv_settings.on_message_complete) {
        llhttp_settings_init(&inv_settings);
        inv_settings.on_header_field = inv_on_header_field;
        inv_settings.on_header_field_complete = inv_on_header_field_complete;
        inv_settings.on_header_value = inv_on_header_value;
        inv_settings.on_header_value_complete = inv_on_header_value_complete;
        inv_settings.on_body = inv_on_body;
        inv_settings.on_message_complete = inv_on_message_complete;
    }
    if (inv_parse_url(j) < 0) {
        fprintf(stderr, "ddblocal: trigger %s: invalid invoke URL %s\n", j->m->function_name,
                j->m->target);
        return -1;
    }
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    j->gai.data = j;
    int rc = uv_getaddrinfo(j->r->loop, &j->gai, inv_resolved, j->host, j->port, &hints);
    if (rc < 0)
        return -1;
    j->refs++;
    j->gai_pending = 1;
    start_timeout(j);
    return 0;
}

/* ---- timeouts, start, stop ------------------------------------------------------------------ */

static void on_timeout(uv_timer_t *t)
{
    job_t *j = t->data;
    char detail[64];
    snprintf(detail, sizeof detail, "Task timed out after %d.00 seconds", j->m->timeout_s);
    if (j->kind == J_PYTHON) {
        pyw_t *w = j->w;
        if (w->cur == j && w->inst)
            py_detach(w->inst); /* a fresh worker for the next call, as Lambda resets */
        report(j, TR_TIMEOUT, NULL, 0, detail);
        py_pump(w);
        return;
    }
    report(j, TR_TIMEOUT, NULL, 0, detail); /* kills an exec: group, closes a socket */
}

static int runner_start(void *arg, const trig_call_t *call)
{
    trun_t *r = arg;
    const trig_mapping_t *m = call->m;
    if (r->stopping)
        return -1;
    job_kind_t kind;
    switch (m->kind) {
    case TK_EXEC: kind = J_EXEC; break;
    case TK_PYTHON: kind = J_PYTHON; break;
    case TK_INVOKE: kind = J_INVOKE; break;
    default: return -1;
    }
    job_t *j = xcalloc(1, sizeof *j);
    j->r = r;
    j->id = call->id;
    j->m = m;
    j->kind = kind;
    j->event = xmalloc(call->event_len + 1);
    memcpy(j->event, call->event, call->event_len);
    j->event[call->event_len] = '\0';
    j->event_len = call->event_len;
    j->request_id = xstrdup(call->request_id ? call->request_id : "");
    uv_timer_init(r->loop, &j->timer);
    j->timer.data = j;
    j->refs = 1;
    r->refs++;
    j->next = r->jobs;
    if (r->jobs)
        r->jobs->prev = j;
    r->jobs = j;
    int rc;
    if (kind == J_EXEC) {
        char **env = env_make(r, m, j->request_id);
        rc = exec_start(j, env);
        env_free(env);
    } else if (kind == J_PYTHON) {
        rc = py_start(j);
    } else {
        rc = inv_start(j);
    }
    if (rc < 0) {
        /* not started: released without a report (start's -1 is the report) */
        j->reported = 1;
        job_close(j, &j->timer);
        return -1;
    }
    return 0;
}

trun_t *trun_new(uv_loop_t *loop, ddb_t *ddb, int port, void (*notify)(void *), void *arg)
{
    trun_t *r = xcalloc(1, sizeof *r);
    r->loop = loop;
    r->ddb = ddb;
    snprintf(r->endpoint, sizeof r->endpoint, "http://127.0.0.1:%d", port);
    r->notify = notify;
    r->arg = arg;
    return r;
}

void trun_iface(trun_t *r, trig_runner_t *out)
{
    out->start = runner_start;
    out->arg = r;
}

void trun_stop(trun_t *r)
{
    if (!r || r->stopping)
        return;
    r->stopping = 1;
    /* handles close asynchronously, so nothing is freed while these lists are walked */
    for (job_t *j = r->jobs; j; j = j->next) {
        report(j, TR_NOT_DELIVERED, NULL, 0, "ddblocal is stopping");
        if (j->kind == J_EXEC && j->pid)
            job_close(j, &j->proc); /* killed; not waiting for the exit to be reaped */
    }
    for (pyinst_t *p = r->insts; p; p = p->next)
        py_detach(p);
    runner_maybe_free(r);
}
