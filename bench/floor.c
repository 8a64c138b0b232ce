/*
 * floor.c: the machine's floor for a benchmark request, built and run by bench/run.sh.
 * A minimal epoll HTTP server that answers every read with one fixed GetItem-shaped 200 (no
 * parsing, no storage). Its server CPU per request is what any server on this machine pays
 * for the network round trip alone (performance.md: "libuv + llhttp returning a fixed
 * GetItem-shaped 200"), so ddblocal's figure minus this one is ddblocal's own work.
 * Usage: floor -port PORT
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static const char REPLY[] =
    "HTTP/1.1 200 OK\r\nx-amzn-RequestId: 9971965b-9d12-4d2c-a409-def216dfe761\r\n"
    "Content-Type: application/x-amz-json-1.0\r\nx-amz-crc32: 1315925753\r\nContent-Length: 74\r\n\r\n"
    "{\"Item\":{\"data\":{\"S\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"},\"pk\":{\"S\":\"k1\"}}}  ";

int main(int argc, char **argv)
{
    int one = 1, ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)atoi(argc > 2 ? argv[2] : "8000"));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 511) < 0) return 1;
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls}, evs[64];
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    char buf[65536];
    for (;;) {
        int n = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == ls) {
                int c;
                while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                }
                continue;
            }
            ssize_t r = read(fd, buf, sizeof buf);
            if (r <= 0) { close(fd); continue; }
            if (write(fd, REPLY, sizeof REPLY - 1) < 0) close(fd);
        }
    }
}
