/*
 * main.c: the ddblocal command line. Parses DynamoDB Local 1.25.1's flags (single dash, as its
 * Apache commons-cli parser does; a leading "-jar DynamoDBLocal.jar" and JVM options before it
 * are ignored so container commands written for the jar work), prints the same banner, opens the
 * emulator and serves it until SIGINT/SIGTERM. Argument errors print DynamoDB Local's messages
 * but exit with status 1 (it exits 0: reference §16 #5).
 *
 * ddblocal's own flags (not in -help, whose text pins DynamoDB Local's):
 *   -triggers FILE   event source mappings from a JSON file ({"EventSourceMappings":[...]} or a
 *                    bare array of mappings with AWS's parameter names)
 *   -trigger SPEC    one mapping: TABLE=HANDLER (StartingPosition LATEST), or
 *                    Name=Value,...,Handler=HANDLER; repeatable
 * Both may be combined; they are added in command-line order after the emulator is opened, and an
 * invalid one prints "ddblocal: <reason>" and exits 1 before the port is bound.
 */
#include "ddblocal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: java -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar\n"
    "            [-port <port-no.>] [-inMemory] [-delayTransientStatuses]\n"
    "            [-dbPath <path>][-sharedDb][-disableTelemetry] [-[-version]\n"
    "            [-cors <allow-list>]\n"
    " -cors <arg>                Enable CORS support for javascript against a\n"
    "                            specific allow-list list the domains separated\n"
    "                            by , use '*' for public access (default is\n"
    "                            '*')\n"
    " -dbPath <path>             Specify the location of your database file.\n"
    "                            Default is the current directory.\n"
    " -delayTransientStatuses    When specified, DynamoDB Local will introduce\n"
    "                            delays to hold various transient table and\n"
    "                            index statuses so that it simulates actual\n"
    "                            service more closely. Currently works only for\n"
    "                            CREATING and DELETING online index statuses.\n"
    " -disableTelemetry          When specified, DynamoDB Local will not send\n"
    "                            any telemetry.\n"
    " -help                      Display DynamoDB Local usage and options.\n"
    " -inMemory                  When specified, DynamoDB Local will run in\n"
    "                            memory.\n"
    " -optimizeDbBeforeStartup   Optimize the underlying backing store database\n"
    "                            tables before starting up the server\n"
    " -port <port-no.>           Specify a port number. Default is 8000\n"
    " -sharedDb                  When specified, DynamoDB Local will use a\n"
    "                            single database instead of separate databases\n"
    "                            for each credential and region. As a result,\n"
    "                            all clients will interact with the same set of\n"
    "                            tables, regardless of their region and\n"
    "                            credential configuration. (Useful for\n"
    "                            interacting with Local through the JS Shell in\n"
    "                            addition to other SDKs)\n"
    " -version                   Display DynamoDB Local Version.\n";

/* The flags, as DynamoDB Local's commons-cli Options define them. */
enum { O_PORT, O_IN_MEMORY, O_SHARED_DB, O_DB_PATH, O_CORS, O_DELAY, O_OPTIMIZE, O_TELEMETRY,
       O_VERSION, O_HELP, O_TRIGGERS, O_TRIGGER, O_COUNT };

static const struct {
    const char *name;
    int has_arg;
} flags[O_COUNT] = {
    [O_PORT] = {"port", 1},
    [O_IN_MEMORY] = {"inMemory", 0},
    [O_SHARED_DB] = {"sharedDb", 0},
    [O_DB_PATH] = {"dbPath", 1},
    [O_CORS] = {"cors", 1},
    [O_DELAY] = {"delayTransientStatuses", 0},
    [O_OPTIMIZE] = {"optimizeDbBeforeStartup", 0},
    [O_TELEMETRY] = {"disableTelemetry", 0},
    [O_VERSION] = {"version", 0},
    [O_HELP] = {"help", 0},
    [O_TRIGGERS] = {"triggers", 1}, /* ddblocal's: repeatable, every occurrence counts */
    [O_TRIGGER] = {"trigger", 1},
};

/* One -triggers or -trigger occurrence, in command-line order. */
typedef struct {
    int flag;
    const char *value;
} trig_arg_t;

/* The flag a token names ("-port" or "--port"), or -1. */
static int find_flag(const char *tok)
{
    if (tok[0] != '-')
        return -1;
    const char *name = tok + 1 + (tok[1] == '-');
    for (int i = 0; i < O_COUNT; i++)
        if (!strcmp(flags[i].name, name))
            return i;
    return -1;
}

/* A parse error in commons-cli's words: message on stderr, usage on stdout, status 1. */
static int parse_error(const char *fmt, const char *what)
{
    fputs("Error while parsing options. ", stderr);
    fprintf(stderr, fmt, what);
    fputs("\nError processing the supplied command line arguments\n", stderr);
    fputs(usage_text, stdout);
    fflush(stdout);
    return 1;
}

/* One line on stderr, status 1 (DynamoDB Local says the same and exits 0). */
static int arg_error(const char *msg)
{
    fprintf(stderr, "%s\n", msg);
    return 1;
}

/* Java's Integer.parseInt: optional sign, decimal digits, no spaces. */
static int parse_int(const char *s, long *out)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (!*p)
        return -1;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return -1;
    errno = 0;
    long v = strtol(s, NULL, 10);
    if (errno || v > INT_MAX || v < INT_MIN)
        return -1;
    *out = v;
    return 0;
}

static void on_listening(int port, void *arg)
{
    printf("ddblocal listening on 0.0.0.0:%d\n", port);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    const char *val[O_COUNT] = {0};
    int seen[O_COUNT] = {0};
    int i = 1;
    trig_arg_t trig_args[argc]; /* at most one per argument */
    int ntrig = 0;

    for (; i < argc; i++) {
        const char *tok = argv[i];
        if (tok[0] != '-' || !tok[1])
            continue; /* commons-cli keeps stray arguments and DynamoDB Local ignores them */
        /* "java -Dx -Xmx1g -jar DynamoDBLocal.jar ...": the amazon image's entrypoint is java,
         * so compose files pass JVM options and the jar as arguments; they are ignored */
        if (!strncmp(tok, "-D", 2) || !strncmp(tok, "-X", 2))
            continue;
        if (!strcmp(tok, "-jar") && i + 1 < argc) {
            i++;
            continue;
        }
        int f = find_flag(tok);
        if (f < 0)
            return parse_error("Unrecognized option: %s", tok);
        if (flags[f].has_arg) {
            if (i + 1 >= argc || find_flag(argv[i + 1]) >= 0)
                return parse_error("Missing argument for option: %s", flags[f].name);
            if (!seen[f])
                val[f] = argv[i + 1]; /* the first occurrence wins */
            if (f == O_TRIGGERS || f == O_TRIGGER)
                trig_args[ntrig++] = (trig_arg_t){f, argv[i + 1]};
            i++;
        }
        seen[f] = 1;
    }

    if (seen[O_HELP]) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (seen[O_VERSION]) {
        printf("%s\n", DDB_VERSION);
        return 0;
    }

    ddb_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.port = 8000;
    if (seen[O_PORT]) {
        long port;
        /* deviation: -port 0 is accepted and binds a free port */
        if (parse_int(val[O_PORT], &port) < 0 || port < 0 || port > 65535)
            return arg_error("Invalid Port. Port number must lie between 1 and 65535.");
        cfg.port = (int)port;
    }
    cfg.in_memory = seen[O_IN_MEMORY];
    cfg.shared_db = seen[O_SHARED_DB];
    cfg.db_path = val[O_DB_PATH];
    cfg.cors = val[O_CORS];
    cfg.delay_transient_statuses = seen[O_DELAY];
    cfg.optimize_db = seen[O_OPTIMIZE];

    if (cfg.in_memory && cfg.db_path)
        return arg_error("dbPath and inMemory cannot be set at the same time.");
    if (cfg.db_path) {
        struct stat st;
        if (stat(cfg.db_path, &st) < 0 || !S_ISDIR(st.st_mode))
            return arg_error("Invalid directory for database creation.");
    }
    if (cfg.optimize_db && !cfg.db_path)
        return arg_error("optimizeDbBeforeStartup option must be used with dbPath to determine "
                         "the location of database files to optimize.");
    if (!cfg.in_memory) {
        /* fail fast where DynamoDB Local hangs (§16 #12) */
        const char *dir = cfg.db_path ? cfg.db_path : ".";
        if (access(dir, W_OK | X_OK) < 0) {
            fprintf(stderr, "ddblocal: cannot write database files in -dbPath %s (running as uid %u "
                    "gid %u): %s\n", dir, (unsigned)getuid(), (unsigned)getgid(),
                    strerror(errno));
            return 1;
        }
    }

    printf("Initializing DynamoDB Local with the following configuration:\n"
           "Port:\t%d\nInMemory:\t%s\nVersion:\t%s\nDbPath:\t%s\nSharedDb:\t%s\n"
           "shouldDelayTransientStatuses:\t%s\nCorsParams:\t%s\n\n",
           cfg.port, cfg.in_memory ? "true" : "false", DDB_VERSION,
           cfg.db_path ? cfg.db_path : "null", cfg.shared_db ? "true" : "false",
           cfg.delay_transient_statuses ? "true" : "false", cfg.cors ? cfg.cors : "null");
    fflush(stdout);

    char err[512] = "";
    ddb_t *ddb = ddb_open(&cfg, err, sizeof err);
    if (!ddb) {
        fprintf(stderr, "ddblocal: %s\n", err[0] ? err : "cannot open the emulator");
        return 1;
    }
    for (int t = 0; t < ntrig; t++) {
        const trig_arg_t *a = &trig_args[t];
        err[0] = '\0';
        int r = a->flag == O_TRIGGERS ? ddb_trigger_load(ddb, a->value, err, sizeof err)
                                      : ddb_trigger_flag(ddb, a->value, err, sizeof err);
        if (r < 0) {
            fprintf(stderr, "ddblocal: %s\n", err[0] ? err : "invalid trigger");
            ddb_close(ddb);
            return 1;
        }
    }
    int rc = ddb_serve(ddb, on_listening, NULL, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "ddblocal: %s\n", err);
    ddb_close(ddb);
    return rc < 0 ? 1 : 0;
}
