/*
 * fuzz_http.c: libFuzzer harness for the HTTP layer (src/http.c + llhttp), without sockets. The
 * input is cut into several reads at points taken from its first bytes, so requests split across
 * reads, pipelining, 100-continue and the error replies are all reached; a stub handler answers
 * every request. Checks that every response written is a well-formed HTTP/1.1 head and that the
 * layer never reads or writes out of bounds (run with -fsanitize=address,undefined).
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
 *          -I/usr/share/include/llhttp tests/fuzz/fuzz_http.c src/http.c src/sb.c \
 *          /usr/share/llhttp/{llhttp,api,http}.c -lz -o build/fuzz_http
 */
#include "http.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static void on_request(void *arg, const http_request_t *req, ddb_response_t *resp)
{
    static const char ok[] = "{\"TableNames\":[]}";
    static const char missing[] = "{\"__type\":\"MissingAuthenticationToken\",\"Message\":\"\"}";
    /* touch everything the layer hands over, so ASan sees bad pointers */
    size_t sum = 0;
    for (size_t i = 0; i < req->body_len; i++)
        sum += (unsigned char)req->body[i];
    assert(req->body[req->body_len] == '\0');
    if (req->target)
        sum += strlen(req->target);
    const char *b = req->authorization ? ok : missing;
    resp->status = req->authorization ? 200 : (sum & 1 ? 400 : 500);
    resp->body_len = strlen(b);
    resp->body = malloc(resp->body_len + 1);
    memcpy(resp->body, b, resp->body_len + 1);
}

static void on_release(void *arg, ddb_response_t *resp)
{
    free(resp->body);
    resp->body = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static http_cfg_t cfg;
    static int ready;
    if (!ready) {
        http_cfg_init(&cfg, on_request, on_release, NULL, "http://a.example, *");
        ready = 1;
    }
    if (size < 2)
        return 0;
    /* the first byte chooses how many pieces, the second how they are cut */
    size_t pieces = (size_t)(data[0] % 8) + 1;
    unsigned cut = data[1];
    data += 2;
    size -= 2;

    http_conn_t c;
    http_conn_init(&c, &cfg);
    size_t off = 0;
    for (size_t i = 0; i < pieces && off <= size; i++) {
        size_t n = i + 1 == pieces ? size - off : (size - off) * ((cut >> (i % 8)) & 7) / 8;
        int done = http_conn_feed(&c, (const char *)data + off, n);
        off += n;
        if (c.out.len) {
            assert(c.out.len >= 12 && !memcmp(c.out.buf, "HTTP/1.1 ", 9));
            c.out.len = 0; /* "written" */
        }
        if (done)
            break;
    }
    http_conn_fini(&c);
    return 0;
}
