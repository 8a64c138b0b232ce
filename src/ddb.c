/*
 * ddb.c: the emulator instance: configuration, the -dbPath checks, and the databases chosen by
 * credentials (shared-local-instance.db with -sharedDb, else <AccessKeyId>_<region>.db), each
 * opened on first use as DynamoDB Local does (dynamodb-local.md §4.2).
 */
#include "core.h"
#include "trig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

/* -optimizeDbBeforeStartup: every *.db file in the -dbPath directory. */
static int optimize_all(const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *ent;
    int rc = 0;
    while (rc == 0 && (ent = readdir(d)) != NULL) {
        size_t n = strlen(ent->d_name);
        if (n < 4 || strcmp(ent->d_name + n - 3, ".db") != 0) continue;
        sb_t path;
        sb_init(&path);
        sb_printf(&path, "%s/%s", dir, ent->d_name);
        err_t e = {0};
        if (store_optimize(sb_cstr(&path), &e) < 0) {
            if (err) snprintf(err, errlen, "-optimizeDbBeforeStartup: %s", e.msg ? e.msg : "failed");
            rc = -1;
        }
        err_fini(&e);
        sb_fini(&path);
    }
    closedir(d);
    return rc;
}

ddb_t *ddb_open(const ddb_config_t *cfg, char *err, size_t errlen)
{
    if (cfg->in_memory && cfg->db_path) {
        if (err) snprintf(err, errlen, "dbPath and inMemory cannot be set at the same time.");
        return NULL;
    }
    const char *path = cfg->db_path ? cfg->db_path : ".";
    if (!cfg->in_memory) {
        struct stat sbuf;
        if (stat(path, &sbuf) < 0 || !S_ISDIR(sbuf.st_mode)) {
            int en = errno;
            if (err) snprintf(err, errlen, "Invalid directory for database creation. -dbPath %s: %s",
                              path, stat(path, &sbuf) < 0 ? strerror(en) : "not a directory");
            return NULL;
        }
        if (access(path, W_OK | X_OK) < 0) {
            int en = errno;
            if (err) snprintf(err, errlen, "Cannot write database files in -dbPath %s "
                              "(running as uid %u gid %u): %s", path, (unsigned)getuid(),
                              (unsigned)getgid(), strerror(en));
            return NULL;
        }
    }
    if (cfg->optimize_db && !cfg->in_memory && optimize_all(path, err, errlen) < 0)
        return NULL;
    ddb_t *d = xcalloc(1, sizeof *d);
    d->cfg = *cfg;
    d->db_path = xstrdup(path);
    d->cfg.db_path = cfg->db_path ? d->db_path : NULL;
    d->cors = cfg->cors ? xstrdup(cfg->cors) : NULL;
    d->cfg.cors = d->cors;
    return d;
}

void ddb_close(ddb_t *ddb)
{
    if (!ddb) return;
    trig_free(ddb);   /* before the databases: it holds statements' stores */
    for (dbslot_t *s = ddb->dbs, *next; s; s = next) {
        next = s->next;
        index_pending_forget(s->st, NULL);
        store_close(s->st);
        free(s->name);
        free(s);
    }
    free(ddb->db_path);
    free(ddb->cors);
    free(ddb);
}

const ddb_config_t *ddb_get_config(const ddb_t *ddb)
{
    return &ddb->cfg;
}

/* Once a second (server.c): ends transient index statuses whose time has come (CREATING ->
 * ACTIVE, DELETING -> removed), so a file holds final statuses soon after a change. */
void ddb_tick(ddb_t *ddb)
{
    int64_t now = now_ms();
    for (dbslot_t *s = ddb->dbs; s; s = s->next) {
        err_t e = {0};
        index_settle(s->st, NULL, now, &e);
        err_fini(&e);
    }
}

store_t *ddb_db_for(ddb_t *ddb, const char *access_key, const char *region, err_t *e)
{
    char name[600];
    if (ddb->cfg.shared_db)
        snprintf(name, sizeof name, "shared-local-instance.db");
    else
        snprintf(name, sizeof name, "%s_%s.db", access_key, region);
    for (dbslot_t *s = ddb->dbs; s; s = s->next)
        if (!strcmp(s->name, name)) return s->st;
    store_t *st;
    if (ddb->cfg.in_memory) {
        st = store_open(NULL, e);
    } else {
        sb_t path;
        sb_init(&path);
        sb_printf(&path, "%s/%s", ddb->db_path, name);
        st = store_open(sb_cstr(&path), e);
        sb_fini(&path);
    }
    if (!st) return NULL;
    dbslot_t *s = xcalloc(1, sizeof *s);
    s->name = xstrdup(name);
    s->st = st;
    s->next = ddb->dbs;
    ddb->dbs = s;
    return st;
}

int64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}
