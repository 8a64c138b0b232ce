/*
 * ops.c: the operation table generated from ops.def, the central check of request fields
 * (JSON types, with DynamoDB Local's coercions), and small helpers shared by the handlers.
 */
#include "core.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const op_def_t ops[] = {
#define DDB_OP(wire, stem, flags) { #wire, op_##stem, spec_##stem, flags },
#include "ops.def"
#undef DDB_OP
};

const op_def_t *ops_find(const char *name, size_t len, int streams)
{
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (strlen(ops[i].wire) == len && !memcmp(ops[i].wire, name, len) &&
            !!(ops[i].flags & OPF_STREAMS) == !!streams)
            return &ops[i];
    }
    return NULL;
}

/* Tagging is routed, then refused before its handler runs (proto.c). */
const field_spec_t spec_tag_resource[] = {{NULL, 0}};
const field_spec_t spec_untag_resource[] = {{NULL, 0}};
const field_spec_t spec_list_tags_of_resource[] = {{NULL, 0}};
int op_tag_resource(req_t *r) { (void)r; return -1; }
int op_untag_resource(req_t *r) { (void)r; return -1; }
int op_list_tags_of_resource(req_t *r) { (void)r; return -1; }

static const char *json_kind(const cJSON *j)
{
    if (cJSON_IsObject(j)) return "structure";
    if (cJSON_IsArray(j)) return "list";
    if (cJSON_IsString(j)) return "STRING_VALUE";
    if (cJSON_IsNumber(j)) return "NUMBER_VALUE";
    if (cJSON_IsBool(j)) return "BOOLEAN_VALUE";
    return "null";
}

static int type_error(const cJSON *j, const char *want, err_t *e)
{
    if (cJSON_IsObject(j))
        return err_set(e, ERR_SERIALIZATION, "Start of structure or map found where not expected");
    if (cJSON_IsArray(j))
        return err_set(e, ERR_SERIALIZATION, "Start of list found where not expected");
    return err_set(e, ERR_SERIALIZATION, "%s can not be converted to %s", json_kind(j), want);
}

/* Replaces member j of obj by node n, keeping the member's name. */
static void replace_node(cJSON *obj, cJSON *j, cJSON *n)
{
    n->string = xstrdup(j->string);
    cJSON_ReplaceItemViaPointer(obj, j, n);
}

/* Replaces item j (a member of obj) by a new string node, keeping its name. */
static void replace_with_string(cJSON *obj, cJSON *j, const char *s)
{
    replace_node(obj, j, cJSON_CreateString(s));
}

int ops_check_spec(const field_spec_t *spec, cJSON *in, err_t *e)
{
    for (const field_spec_t *f = spec; f->name; f++) {
        cJSON *j;
        /* every member of that name: duplicates are checked too, the last one is used */
        for (j = in->child; j; j = j->next) {
            if (j->string[0] != f->name[0] || strcmp(j->string, f->name) != 0) continue;
            if (cJSON_IsNull(j)) continue;         /* null is the same as absent */
            char buf[64];
            switch (f->type) {
            case FT_STRING:
                if (cJSON_IsString(j)) break;
                if (cJSON_IsNumber(j)) {
                    if (j->valuedouble == floor(j->valuedouble) && fabs(j->valuedouble) < 1e15)
                        snprintf(buf, sizeof buf, "%.0f", j->valuedouble);
                    else
                        snprintf(buf, sizeof buf, "%.17g", j->valuedouble);
                    replace_with_string(in, j, buf);
                    return ops_check_spec(spec, in, e);
                }
                if (cJSON_IsBool(j)) {
                    replace_with_string(in, j, cJSON_IsTrue(j) ? "true" : "false");
                    return ops_check_spec(spec, in, e);
                }
                return type_error(j, "String", e);
            case FT_INT:
                if (cJSON_IsNumber(j)) {
                    if (!isfinite(j->valuedouble) || fabs(j->valuedouble) > 2147483647.0)
                        return err_set(e, ERR_SERIALIZATION, "NUMBER_VALUE can not be converted to an Integer");
                    cJSON_SetNumberValue(j, trunc(j->valuedouble));
                    break;
                }
                if (cJSON_IsString(j)) {
                    char *end;
                    errno = 0;
                    long v = strtol(j->valuestring, &end, 10);
                    if (!*j->valuestring || *end || errno || v > 2147483647L || v < -2147483647L - 1)
                        return err_set(e, ERR_SERIALIZATION, "STRING_VALUE can not be converted to an Integer");
                    replace_node(in, j, cJSON_CreateNumber((double)v));
                    return ops_check_spec(spec, in, e);
                }
                return type_error(j, "an Integer", e);
            case FT_BOOL:
                if (cJSON_IsBool(j)) break;
                if (cJSON_IsString(j) && (!strcmp(j->valuestring, "true") || !strcmp(j->valuestring, "false"))) {
                    replace_node(in, j, cJSON_CreateBool(!strcmp(j->valuestring, "true")));
                    return ops_check_spec(spec, in, e);
                }
                return type_error(j, "Boolean", e);
            case FT_MAP:
                if (cJSON_IsObject(j)) break;
                return err_set(e, ERR_SERIALIZATION, "%s can not be converted to a structure", json_kind(j));
            case FT_LIST:
                if (cJSON_IsArray(j)) break;
                return err_set(e, ERR_SERIALIZATION, "%s can not be converted to a list", json_kind(j));
            case FT_ANY:
                break;
            }
        }
    }
    return 0;
}

cJSON *jget(const cJSON *obj, const char *name)
{
    cJSON *found = NULL;
    if (!obj) return NULL;
    /* the first byte first: most members are told apart by it without a call */
    for (cJSON *j = obj->child; j; j = j->next)
        if (j->string && j->string[0] == name[0] && !strcmp(j->string, name)) found = j;
    if (found && cJSON_IsNull(found)) return NULL;
    return found;
}

const char *jstr(const cJSON *obj, const char *name)
{
    cJSON *j = jget(obj, name);
    return cJSON_IsString(j) ? j->valuestring : NULL;
}

int check_table_name(const char *name, err_t *e)
{
    size_t n = name ? strlen(name) : 0;
    int ok = n >= 3 && n <= 255;
    for (size_t i = 0; ok && i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!(isalnum(c) || c == '_' || c == '-' || c == '.')) ok = 0;
    }
    if (!ok)
        return err_validation(e, "Invalid table/index name.  Table/index names must be between 3 "
                              "and 255 characters long, and may contain only the characters "
                              "a-z, A-Z, 0-9, '_', '-', and '.'");
    return 0;
}

int require_table(req_t *r, const char *name, table_t **t)
{
    int rc = catalog_get(r->st, name, t, &r->err);
    if (rc < 0) return -1;
    if (rc == 0)
        return err_set(&r->err, ERR_RESOURCE_NOT_FOUND, "Cannot do operations on a non-existent table");
    return 0;
}

void put_epoch(sb_t *sb, int64_t ms)
{
    sb_printf(sb, "%lld.%03d", (long long)(ms / 1000), (int)(ms % 1000));
}
