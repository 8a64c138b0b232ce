/*
 * test_trig_config.c: unit tests of src/trig_config.c (mapping parameters, the -trigger flag,
 * -triggers files) and src/trig_filter.c (FilterCriteria patterns). The parameter ranges and
 * defaults are those of lambda-triggers.md §2 and the common brief ("Mapping parameters"); the
 * filter cases follow lambda-triggers.md §5 and the EventBridge comparison-operator table.
 *
 * JSON in the tables is written with ' for " (see dq()) so that the rows stay readable.
 */
#include "trig.h"
#include "unit.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

/* s with every ' turned into " (a static buffer, valid until the next call). */
static const char *dq(const char *s)
{
    static char buf[8192];
    size_t i = 0;
    for (; s[i] && i + 1 < sizeof buf; i++)
        buf[i] = s[i] == '\'' ? '"' : s[i];
    buf[i] = '\0';
    return buf;
}

#define BASE "'TableName':'Music','Handler':'exec:./h.sh','StartingPosition':'LATEST'"

static int known_cb(void *arg, const char *name)
{
    return strcmp(name, (const char *)arg) == 0;
}

/* Parses json (with ' for ") as a mapping; NULL with the message in err. */
static trig_mapping_t *parse(const char *json, char *err, size_t errlen)
{
    cJSON *o = cJSON_Parse(dq(json));
    if (!o) {
        fprintf(stderr, "bad test JSON: %s\n", json);
        unit_failed_checks++;
        return NULL;
    }
    err[0] = '\0';
    trig_mapping_t *m = trig_mapping_parse(o, known_cb, (void *)"my_cb", err, errlen);
    cJSON_Delete(o);
    return m;
}

/* Parses BASE plus extra members. */
static trig_mapping_t *parse_with(const char *extra, char *err, size_t errlen)
{
    char json[4096];
    snprintf(json, sizeof json, "{" BASE "%s%s}", *extra ? "," : "", extra);
    return parse(json, err, errlen);
}

/* ---- defaults --------------------------------------------------------------------------- */

static void test_defaults(void)
{
    char err[256];
    trig_mapping_t *m = parse("{" BASE "}", err, sizeof err);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_STR(m->table, "Music");
    CHECK(m->stream_arn == NULL);
    CHECK_STR(m->handler, "exec:./h.sh");
    CHECK_INT(m->kind, TK_EXEC);
    CHECK_STR(m->target, "./h.sh");
    CHECK(m->py_file == NULL && m->py_func == NULL);
    CHECK_INT(m->batch_size, 100);
    CHECK_INT(m->window_s, 0);
    CHECK_INT(m->latest, 1);
    CHECK_INT(m->max_retry, -1);
    CHECK_INT(m->max_age_s, -1);
    CHECK_INT(m->bisect, 0);
    CHECK_INT(m->report_failures, 0);
    CHECK_INT(m->parallelization, 1);
    CHECK_INT(m->nfilters, 0);
    CHECK(m->on_failure == NULL);
    CHECK_INT(m->enabled, 1);
    CHECK_INT(m->timeout_s, 3);
    CHECK_STR(m->region, "us-east-1");
    CHECK_STR(m->access_key, "ddblocal");
    CHECK_STR(m->function_name, "h");
    CHECK_STR(m->function_arn, "arn:aws:lambda:us-east-1:000000000000:function:h");
    CHECK_INT(strlen(m->uuid), 36);
    trig_mapping_free(m);
}

/* Every parameter given, every field set. */
static void test_all_parameters(void)
{
    char err[256];
    trig_mapping_t *m = parse(
        "{'EventSourceArn':'arn:aws:dynamodb:ddblocal:000000000000:table/Music/stream/2026-11-24T04:10:39.607',"
        "'TableName':'Music','FunctionName':'notify','Handler':'python:fn/app.py:go',"
        "'StartingPosition':'TRIM_HORIZON','BatchSize':7,'MaximumBatchingWindowInSeconds':5,"
        "'MaximumRetryAttempts':2,'MaximumRecordAgeInSeconds':3600,'BisectBatchOnFunctionError':true,"
        "'FunctionResponseTypes':['ReportBatchItemFailures'],"
        "'FilterCriteria':{'Filters':[{'Pattern':'{\\'eventName\\':[\\'INSERT\\']}'}]},"
        "'DestinationConfig':{'OnFailure':{'Destination':'file:///tmp/fail.jsonl'}},"
        "'Enabled':false,'ParallelizationFactor':10,'Timeout':900,"
        "'UUID':'0A1B2C3D-4E5F-4a5b-8c6d-0123456789AB','Region':'eu-west-1','AccessKeyId':'AKONE'}",
        err, sizeof err);
    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK_STR(m->table, "Music");
    CHECK_STR(m->stream_arn, "arn:aws:dynamodb:ddblocal:000000000000:table/Music/stream/2026-11-24T04:10:39.607");
    CHECK_STR(m->function_name, "notify");
    CHECK_STR(m->function_arn, "arn:aws:lambda:eu-west-1:000000000000:function:notify");
    CHECK_INT(m->kind, TK_PYTHON);
    CHECK_STR(m->py_file, "fn/app.py");
    CHECK_STR(m->py_func, "go");
    CHECK_INT(m->latest, 0);
    CHECK_INT(m->batch_size, 7);
    CHECK_INT(m->window_s, 5);
    CHECK_INT(m->max_retry, 2);
    CHECK_INT(m->max_age_s, 3600);
    CHECK_INT(m->bisect, 1);
    CHECK_INT(m->report_failures, 1);
    CHECK_INT(m->nfilters, 1);
    CHECK_STR(m->on_failure, "/tmp/fail.jsonl");
    CHECK_INT(m->enabled, 0);
    CHECK_INT(m->parallelization, 10);
    CHECK_INT(m->timeout_s, 900);
    CHECK_STR(m->uuid, "0a1b2c3d-4e5f-4a5b-8c6d-0123456789ab");
    CHECK_STR(m->region, "eu-west-1");
    CHECK_STR(m->access_key, "AKONE");
    trig_mapping_free(m);
}

/* ---- ranges: min and max accepted, min-1 and max+1 refused -------------------------------- */

static const struct {
    const char *name;
    int lo, hi;          /* the range besides -1 */
    int minus_one;       /* -1 accepted too */
    size_t off;          /* the field it sets */
    const char *msg;     /* the message format for an out-of-range value (%d: the value) */
} ranges[] = {
    {"BatchSize", 1, 10000, 0, offsetof(trig_mapping_t, batch_size),
     "BatchSize must be between 1 and 10000 (got %d)"},
    {"MaximumBatchingWindowInSeconds", 0, 300, 0, offsetof(trig_mapping_t, window_s),
     "MaximumBatchingWindowInSeconds must be between 0 and 300 (got %d)"},
    {"MaximumRetryAttempts", 0, 10000, 1, offsetof(trig_mapping_t, max_retry),
     "MaximumRetryAttempts must be -1 or between 0 and 10000 (got %d)"},
    {"MaximumRecordAgeInSeconds", 60, 604800, 1, offsetof(trig_mapping_t, max_age_s),
     "MaximumRecordAgeInSeconds must be -1 or between 60 and 604800 (got %d)"},
    {"ParallelizationFactor", 1, 10, 0, offsetof(trig_mapping_t, parallelization),
     "ParallelizationFactor must be between 1 and 10 (got %d)"},
    {"Timeout", 1, 900, 0, offsetof(trig_mapping_t, timeout_s),
     "Timeout must be between 1 and 900 (got %d)"},
};

static void check_value(const char *name, size_t off, int value, int ok, const char *msgfmt)
{
    char extra[128], err[256], want[256];
    snprintf(extra, sizeof extra, "'%s':%d", name, value);
    trig_mapping_t *m = parse_with(extra, err, sizeof err);
    if (ok) {
        CHECK(m != NULL);
        if (m)
            CHECK_INT(*(int *)((char *)m + off), value);
        else
            fprintf(stderr, "  %s=%d: %s\n", name, value, err);
    } else {
        CHECK(m == NULL);
        snprintf(want, sizeof want, msgfmt, value);
        CHECK_STR(err, want);
    }
    trig_mapping_free(m);
}

static void test_ranges(void)
{
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        const char *n = ranges[i].name;
        size_t off = ranges[i].off;
        check_value(n, off, ranges[i].lo, 1, ranges[i].msg);
        check_value(n, off, ranges[i].hi, 1, ranges[i].msg);
        check_value(n, off, ranges[i].hi + 1, 0, ranges[i].msg);
        if (ranges[i].minus_one) {
            check_value(n, off, -1, 1, ranges[i].msg);
            check_value(n, off, -2, 0, ranges[i].msg);
            if (ranges[i].lo - 1 != -1)
                check_value(n, off, ranges[i].lo - 1, 0, ranges[i].msg);
        } else {
            check_value(n, off, ranges[i].lo - 1, 0, ranges[i].msg);
        }
    }
}

/* ---- refusals: every message -------------------------------------------------------------- */

static const struct { const char *json, *msg; } refusals[] = {
    /* parameters */
    {"{" BASE ",'Foo':1}", "unknown parameter \"Foo\""},
    {"{" BASE ",'batchSize':1}", "unknown parameter \"batchSize\""},
    {"{" BASE ",'BatchSize':1,'BatchSize':2}", "parameter BatchSize is given twice"},
    {"{" BASE ",'TumblingWindowInSeconds':30}", "TumblingWindowInSeconds is not supported by ddblocal"},
    {"[1]", "a mapping must be a JSON object (got [1])"},
    /* types */
    {"{" BASE ",'BatchSize':'10'}", "BatchSize must be an integer (got \"10\")"},
    {"{" BASE ",'BatchSize':1.5}", "BatchSize must be an integer (got 1.5)"},
    {"{" BASE ",'BatchSize':null}", "BatchSize must be an integer (got null)"},
    {"{" BASE ",'BatchSize':1e30}", "BatchSize must be between 1 and 10000 (got 1e+30)"},
    {"{" BASE ",'Timeout':0}", "Timeout must be between 1 and 900 (got 0)"},
    {"{" BASE ",'Enabled':'yes'}", "Enabled must be true or false (got \"yes\")"},
    {"{" BASE ",'BisectBatchOnFunctionError':1}", "BisectBatchOnFunctionError must be true or false (got 1)"},
    {"{" BASE ",'Region':5}", "Region must be a string (got 5)"},
    {"{'TableName':'Music','Handler':'exec:x','StartingPosition':'AT_TIMESTAMP'}",
     "StartingPosition must be TRIM_HORIZON or LATEST (got \"AT_TIMESTAMP\")"},
    {"{'TableName':'Music','Handler':'exec:x','StartingPosition':'latest'}",
     "StartingPosition must be TRIM_HORIZON or LATEST (got \"latest\")"},
    {"{'TableName':'Music','Handler':'exec:x'}", "StartingPosition is required (TRIM_HORIZON or LATEST)"},
    {"{" BASE ",'FunctionResponseTypes':'ReportBatchItemFailures'}",
     "FunctionResponseTypes must be an array like [\"ReportBatchItemFailures\"] (got \"ReportBatchItemFailures\")"},
    {"{" BASE ",'FunctionResponseTypes':['Other']}",
     "FunctionResponseTypes accepts only \"ReportBatchItemFailures\" (got \"Other\")"},
    /* the source */
    {"{'Handler':'exec:x','StartingPosition':'LATEST'}", "a mapping needs EventSourceArn or TableName"},
    {"{'TableName':'ab','Handler':'exec:x','StartingPosition':'LATEST'}",
     "TableName must be 3 to 255 characters of [a-zA-Z0-9_.-] (got \"ab\")"},
    {"{'TableName':'a b c','Handler':'exec:x','StartingPosition':'LATEST'}",
     "TableName must be 3 to 255 characters of [a-zA-Z0-9_.-] (got \"a b c\")"},
    {"{'EventSourceArn':'arn:aws:sqs:us-east-1:1:q','Handler':'exec:x','StartingPosition':'LATEST'}",
     "EventSourceArn must be arn:aws:dynamodb:REGION:ACCOUNT:table/NAME[/stream/LABEL] (got \"arn:aws:sqs:us-east-1:1:q\")"},
    {"{'EventSourceArn':'arn:aws:dynamodb:r:1:table/Music/stream/','Handler':'exec:x','StartingPosition':'LATEST'}",
     "EventSourceArn must be arn:aws:dynamodb:REGION:ACCOUNT:table/NAME[/stream/LABEL] (got \"arn:aws:dynamodb:r:1:table/Music/stream/\")"},
    {"{'EventSourceArn':'arn:aws:dynamodb:r:1:table/Music/index/x','Handler':'exec:x','StartingPosition':'LATEST'}",
     "EventSourceArn must be arn:aws:dynamodb:REGION:ACCOUNT:table/NAME[/stream/LABEL] (got \"arn:aws:dynamodb:r:1:table/Music/index/x\")"},
    {"{'EventSourceArn':'arn:aws:dynamodb::1:table/Music','Handler':'exec:x','StartingPosition':'LATEST'}",
     "EventSourceArn must be arn:aws:dynamodb:REGION:ACCOUNT:table/NAME[/stream/LABEL] (got \"arn:aws:dynamodb::1:table/Music\")"},
    {"{'EventSourceArn':'arn:aws:dynamodb:r:1:table/xy','Handler':'exec:x','StartingPosition':'LATEST'}",
     "EventSourceArn must be arn:aws:dynamodb:REGION:ACCOUNT:table/NAME[/stream/LABEL] (got \"arn:aws:dynamodb:r:1:table/xy\")"},
    {"{'EventSourceArn':'arn:aws:dynamodb:r:1:table/Music','TableName':'Other','Handler':'exec:x','StartingPosition':'LATEST'}",
     "TableName \"Other\" is not the table of EventSourceArn (\"Music\")"},
    /* the handler */
    {"{'TableName':'Music','StartingPosition':'LATEST'}",
     "a mapping needs a Handler (or a FunctionName that is a handler (exec:, python:, invoke:, builtin:, c:))"},
    {"{" BASE ",'Handler':'foo:bar'}", "parameter Handler is given twice"},
    {"{'TableName':'Music','Handler':'foo:bar','StartingPosition':'LATEST'}",
     "Handler \"foo:bar\": unknown kind (exec:, python:, invoke:, builtin:, c:)"},
    {"{'TableName':'Music','FunctionName':'notify','StartingPosition':'LATEST'}",
     "Handler \"notify\": unknown kind (exec:, python:, invoke:, builtin:, c:)"},
    {"{'TableName':'Music','Handler':'exec:  ','StartingPosition':'LATEST'}", "Handler \"exec:  \": the command is empty"},
    {"{'TableName':'Music','Handler':'python:','StartingPosition':'LATEST'}", "Handler \"python:\": the Python file is empty"},
    {"{'TableName':'Music','Handler':'python::handler','StartingPosition':'LATEST'}",
     "Handler \"python::handler\": the Python file is empty"},
    {"{'TableName':'Music','Handler':'invoke:https://h:1','StartingPosition':'LATEST'}",
     "Handler \"invoke:https://h:1\": https is not supported, use http://HOST:PORT"},
    {"{'TableName':'Music','Handler':'invoke:localhost:9000','StartingPosition':'LATEST'}",
     "Handler \"invoke:localhost:9000\": the URL must start with http://"},
    {"{'TableName':'Music','Handler':'invoke:http://','StartingPosition':'LATEST'}",
     "Handler \"invoke:http://\": the URL has no host"},
    {"{'TableName':'Music','Handler':'builtin:x','StartingPosition':'LATEST'}",
     "builtin \"x\" does not exist (known: cruddur-message-groups)"},
    {"{'TableName':'Music','Handler':'c:other','StartingPosition':'LATEST'}",
     "Handler \"c:other\": no callback \"other\" is registered (ddb_trigger_register)"},
    {"{'TableName':'Music','Handler':'c:','StartingPosition':'LATEST'}", "Handler \"c:\": the callback name is empty"},
    {"{" BASE ",'FunctionName':'bad name'}",
     "FunctionName must be 1 to 64 characters of [A-Za-z0-9_-] or a handler (exec:, python:, invoke:, builtin:, c:) (got \"bad name\")"},
    {"{" BASE ",'FunctionName':'arn:aws:lambda:us-east-1:1:layer:x'}",
     "FunctionName must be a function name or arn:aws:lambda:REGION:ACCOUNT:function:NAME (got \"arn:aws:lambda:us-east-1:1:layer:x\")"},
    /* Region, AccessKeyId, UUID */
    {"{" BASE ",'Region':'us_east_1'}",
     "Region must be letters and digits in dash-separated groups, like us-east-1 (got \"us_east_1\")"},
    {"{" BASE ",'Region':''}",
     "Region must be letters and digits in dash-separated groups, like us-east-1 (got \"\")"},
    {"{" BASE ",'AccessKeyId':'AK-ONE'}", "AccessKeyId must be letters and digits only (got \"AK-ONE\")"},
    {"{" BASE ",'UUID':'not-a-uuid'}",
     "UUID must look like xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex digits) (got \"not-a-uuid\")"},
    {"{" BASE ",'UUID':'0a1b2c3d-4e5f-4a5b-8c6d-0123456789abc'}",
     "UUID must look like xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex digits) (got \"0a1b2c3d-4e5f-4a5b-8c6d-0123456789abc\")"},
    {"{" BASE ",'UUID':'0a1b2c3d-4e5f-4a5b-8c6d-0123456789ag'}",
     "UUID must look like xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex digits) (got \"0a1b2c3d-4e5f-4a5b-8c6d-0123456789ag\")"},
    /* FilterCriteria */
    {"{" BASE ",'FilterCriteria':[]}",
     "FilterCriteria must be an object {\"Filters\":[{\"Pattern\":\"...\"}]} (got [])"},
    {"{" BASE ",'FilterCriteria':{'filters':[]}}", "FilterCriteria: unknown member \"filters\""},
    {"{" BASE ",'FilterCriteria':{'Filters':{}}}", "FilterCriteria.Filters must be an array (got {})"},
    {"{" BASE ",'FilterCriteria':{'Filters':[{'Pattern':'{}'},{'Pattern':'{}'},{'Pattern':'{}'},"
     "{'Pattern':'{}'},{'Pattern':'{}'},{'Pattern':'{}'}]}}",
     "FilterCriteria.Filters has 6 filters, at most 5 are allowed"},
    {"{" BASE ",'FilterCriteria':{'Filters':['x']}}",
     "FilterCriteria.Filters[0] must be an object {\"Pattern\":\"...\"} (got \"x\")"},
    {"{" BASE ",'FilterCriteria':{'Filters':[{}]}}", "FilterCriteria.Filters[0].Pattern is missing"},
    {"{" BASE ",'FilterCriteria':{'Filters':[{'Pattern':'{}','X':1}]}}", "FilterCriteria.Filters[0]: unknown member \"X\""},
    {"{" BASE ",'FilterCriteria':{'Filters':[{'Pattern':{'eventName':['INSERT']}}]}}",
     "FilterCriteria.Filters[0].Pattern must be a string holding JSON (got {\"eventName\":[\"INSERT\"]})"},
    {"{" BASE ",'FilterCriteria':{'Filters':[{'Pattern':'{}'},{'Pattern':'{\\'a\\':'}]}}",
     "FilterCriteria.Filters[1].Pattern is not valid JSON (at offset 5)"},
    {"{" BASE ",'FilterCriteria':{'Filters':[{'Pattern':'[1]'}]}}", "FilterCriteria.Filters[0].Pattern is not a JSON object"},
    {"{" BASE ",'FilterCriteria':{'Filters':[{'Pattern':'{\\'eventName\\':\\'INSERT\\'}'}]}}",
     "FilterCriteria.Filters[0].Pattern is invalid at \"eventName\": the value must be an array of rules or an object of fields"},
    /* DestinationConfig */
    {"{" BASE ",'DestinationConfig':'x'}",
     "DestinationConfig must be an object {\"OnFailure\":{\"Destination\":\"...\"}} (got \"x\")"},
    {"{" BASE ",'DestinationConfig':{'OnSuccess':{'Destination':'x'}}}",
     "DestinationConfig.OnSuccess is not supported for stream sources (only OnFailure)"},
    {"{" BASE ",'DestinationConfig':{'Other':1}}", "DestinationConfig: unknown member \"Other\""},
    {"{" BASE ",'DestinationConfig':{'OnFailure':'x'}}",
     "DestinationConfig.OnFailure must be an object {\"Destination\":\"...\"} (got \"x\")"},
    {"{" BASE ",'DestinationConfig':{'OnFailure':{'Dest':'x'}}}", "DestinationConfig.OnFailure: unknown member \"Dest\""},
    {"{" BASE ",'DestinationConfig':{'OnFailure':{'Destination':''}}}",
     "DestinationConfig.OnFailure.Destination must be a file path or file:// URL (got \"\")"},
    {"{" BASE ",'DestinationConfig':{'OnFailure':{'Destination':'arn:aws:sqs:us-east-1:123456789012:dlq'}}}",
     "DestinationConfig.OnFailure.Destination \"arn:aws:sqs:us-east-1:123456789012:dlq\": only local files are "
     "supported (file:///path or a path), not SQS, SNS or S3"},
    {"{" BASE ",'DestinationConfig':{'OnFailure':{'Destination':'arn:aws:sns:us-east-1:123456789012:t'}}}",
     "DestinationConfig.OnFailure.Destination \"arn:aws:sns:us-east-1:123456789012:t\": only local files are "
     "supported (file:///path or a path), not SQS, SNS or S3"},
    {"{" BASE ",'DestinationConfig':{'OnFailure':{'Destination':'s3://bucket/x'}}}",
     "DestinationConfig.OnFailure.Destination \"s3://bucket/x\": only local files are "
     "supported (file:///path or a path), not SQS, SNS or S3"},
    {"{" BASE ",'DestinationConfig':{'OnFailure':{'Destination':'file://rel/x'}}}",
     "DestinationConfig.OnFailure.Destination \"file://rel/x\": a file:// URL needs an absolute path (file:///path)"},
};

static void test_refusals(void)
{
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        char err[512];
        trig_mapping_t *m = parse(refusals[i].json, err, sizeof err);
        CHECK(m == NULL);
        if (strcmp(err, refusals[i].msg) != 0)
            fprintf(stderr, "  row %zu: %s\n", i, refusals[i].json);
        CHECK_STR(err, refusals[i].msg);
        trig_mapping_free(m);
    }
}

/* ---- handlers and derived names ------------------------------------------------------------ */

static const struct {
    const char *handler, *fname;             /* fname NULL: no FunctionName */
    trig_kind_t kind;
    const char *target, *py_file, *py_func;  /* py_*: NULL unless python */
    const char *function_name;
} handlers[] = {
    {"exec:./handlers/notify.sh", NULL, TK_EXEC, "./handlers/notify.sh", NULL, NULL, "notify"},
    {"exec:python3 handler.py --fast", NULL, TK_EXEC, "python3 handler.py --fast", NULL, NULL, "python3"},
    {"exec:  /usr/bin/env", NULL, TK_EXEC, "  /usr/bin/env", NULL, NULL, "env"},
    {"exec:'my dir/run it.sh' x", NULL, TK_EXEC, "'my dir/run it.sh' x", NULL, NULL, "run_it"},
    {"exec:.hidden", NULL, TK_EXEC, ".hidden", NULL, NULL, "_hidden"},
    {"exec:./h.sh", "custom-Name_1", TK_EXEC, "./h.sh", NULL, NULL, "custom-Name_1"},
    {"exec:./h.sh", "arn:aws:lambda:us-east-1:123456789012:function:fromArn", TK_EXEC, "./h.sh", NULL, NULL, "fromArn"},
    {"exec:./h.sh", "arn:aws:lambda:us-east-1:123456789012:function:fromArn:PROD", TK_EXEC, "./h.sh", NULL, NULL, "fromArn"},
    {"exec:./h.sh", "exec:./h.sh", TK_EXEC, "./h.sh", NULL, NULL, "h"},
    {"python:app.py", NULL, TK_PYTHON, "app.py", "app.py", "lambda_handler", "app"},
    {"python:src/fn/app.py:handle_event", NULL, TK_PYTHON, "src/fn/app.py:handle_event", "src/fn/app.py", "handle_event", "app"},
    {"python:odd:dir/app.py", NULL, TK_PYTHON, "odd:dir/app.py", "odd:dir/app.py", "lambda_handler", "app"},
    {"python:odd:dir/app.py:_h2", NULL, TK_PYTHON, "odd:dir/app.py:_h2", "odd:dir/app.py", "_h2", "app"},
    {"python:a.py:2bad", NULL, TK_PYTHON, "a.py:2bad", "a.py:2bad", "lambda_handler", "a"},
    {"invoke:http://127.0.0.1:9001", NULL, TK_INVOKE, "http://127.0.0.1:9001", NULL, NULL, "function"},
    {"invoke:http://localhost:9001/2015-03-31/functions/sendMail/invocations", NULL, TK_INVOKE,
     "http://localhost:9001/2015-03-31/functions/sendMail/invocations", NULL, NULL, "sendMail"},
    {"invoke:http://localhost:9001/hook", NULL, TK_INVOKE, "http://localhost:9001/hook", NULL, NULL, "function"},
    {"invoke:http://h:1", "mailer", TK_INVOKE, "http://h:1", NULL, NULL, "mailer"},
    {"builtin:cruddur-message-groups", NULL, TK_BUILTIN, "cruddur-message-groups", NULL, NULL, "cruddur-message-groups"},
    {"c:my_cb", NULL, TK_CALLBACK, "my_cb", NULL, NULL, "my_cb"},
    {"exec:./a-very-long-handler-name-that-goes-on-and-on-and-on-beyond-sixty-four-chars.sh", NULL, TK_EXEC,
     "./a-very-long-handler-name-that-goes-on-and-on-and-on-beyond-sixty-four-chars.sh", NULL, NULL,
     "a-very-long-handler-name-that-goes-on-and-on-and-on-beyond-sixty"},
};

static void test_handlers(void)
{
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "TableName", "Music");
        cJSON_AddStringToObject(o, "StartingPosition", "LATEST");
        cJSON_AddStringToObject(o, "Handler", handlers[i].handler);
        if (handlers[i].fname)
            cJSON_AddStringToObject(o, "FunctionName", handlers[i].fname);
        char err[256] = "";
        trig_mapping_t *m = trig_mapping_parse(o, known_cb, (void *)"my_cb", err, sizeof err);
        cJSON_Delete(o);
        CHECK(m != NULL);
        if (!m) {
            fprintf(stderr, "  row %zu: %s\n", i, err);
            continue;
        }
        CHECK_STR(m->handler, handlers[i].handler);
        CHECK_INT(m->kind, handlers[i].kind);
        CHECK_STR(m->target, handlers[i].target);
        CHECK_STR(m->py_file ? m->py_file : "(null)", handlers[i].py_file ? handlers[i].py_file : "(null)");
        CHECK_STR(m->py_func ? m->py_func : "(null)", handlers[i].py_func ? handlers[i].py_func : "(null)");
        CHECK_STR(m->function_name, handlers[i].function_name);
        char arn[256];
        snprintf(arn, sizeof arn, "arn:aws:lambda:us-east-1:000000000000:function:%s", handlers[i].function_name);
        CHECK_STR(m->function_arn, arn);
        trig_mapping_free(m);
    }
}

/* FunctionName alone is the handler when it has a kind. */
static void test_function_name_as_handler(void)
{
    char err[256];
    trig_mapping_t *m = parse("{'TableName':'Music','FunctionName':'python:app.py','StartingPosition':'LATEST'}",
                              err, sizeof err);
    CHECK(m != NULL);
    if (m) {
        CHECK_STR(m->handler, "python:app.py");
        CHECK_INT(m->kind, TK_PYTHON);
        CHECK_STR(m->function_name, "app");
    }
    trig_mapping_free(m);
    /* c: without a callback_known function: nothing is registered */
    cJSON *o = cJSON_Parse(dq("{'TableName':'Music','Handler':'c:my_cb','StartingPosition':'LATEST'}"));
    m = trig_mapping_parse(o, NULL, NULL, err, sizeof err);
    CHECK(m == NULL);
    CHECK_STR(err, "Handler \"c:my_cb\": no callback \"my_cb\" is registered (ddb_trigger_register)");
    cJSON_Delete(o);
}

/* ---- the source ---------------------------------------------------------------------------- */

static void test_source(void)
{
    char err[256];
    trig_mapping_t *m = parse("{'EventSourceArn':'arn:aws:dynamodb:us-east-1:123456789012:table/my.table-1',"
                              "'Handler':'exec:x','StartingPosition':'LATEST'}", err, sizeof err);
    CHECK(m != NULL);
    if (m) {
        CHECK_STR(m->table, "my.table-1");
        CHECK(m->stream_arn == NULL);
    }
    trig_mapping_free(m);
    m = parse("{'EventSourceArn':'arn:aws:dynamodb:ddblocal:000000000000:table/cruddur-messages/stream/2026-11-24T04:10:39.607',"
              "'TableName':'cruddur-messages','Handler':'exec:x','StartingPosition':'LATEST'}", err, sizeof err);
    CHECK(m != NULL);
    if (m) {
        CHECK_STR(m->table, "cruddur-messages");
        CHECK_STR(m->stream_arn, "arn:aws:dynamodb:ddblocal:000000000000:table/cruddur-messages/stream/2026-11-24T04:10:39.607");
    }
    trig_mapping_free(m);
    /* table names: 3 and 255 characters accepted, 256 refused */
    char name[300], json[600];
    memset(name, 'a', 255);
    name[255] = '\0';
    snprintf(json, sizeof json, "{'TableName':'%s','Handler':'exec:x','StartingPosition':'LATEST'}", name);
    m = parse(json, err, sizeof err);
    CHECK(m != NULL);
    trig_mapping_free(m);
    name[255] = 'a';
    name[256] = '\0';
    snprintf(json, sizeof json, "{'TableName':'%s','Handler':'exec:x','StartingPosition':'LATEST'}", name);
    m = parse(json, err, sizeof err);
    CHECK(m == NULL);
    CHECK(strncmp(err, "TableName must be 3 to 255 characters", 37) == 0);
    m = parse("{'TableName':'a_.','Handler':'exec:x','StartingPosition':'LATEST'}", err, sizeof err);
    CHECK(m != NULL);
    trig_mapping_free(m);
}

/* ---- UUIDs --------------------------------------------------------------------------------- */

static char *uuid_of(const char *json)
{
    char err[256];
    trig_mapping_t *m = parse(json, err, sizeof err);
    if (!m) {
        fprintf(stderr, "  %s: %s\n", json, err);
        unit_failed_checks++;
        return strdup("");
    }
    char *u = strdup(m->uuid);
    trig_mapping_free(m);
    return u;
}

static void test_uuid(void)
{
    char *a = uuid_of("{'TableName':'Music','Handler':'exec:./h.sh','StartingPosition':'LATEST'}");
    /* the same mapping again, other parameters changed: same UUID */
    char *b = uuid_of("{'BatchSize':5,'Handler':'exec:./h.sh','TableName':'Music','StartingPosition':'TRIM_HORIZON'}");
    char *c = uuid_of("{'TableName':'Music2','Handler':'exec:./h.sh','StartingPosition':'LATEST'}");
    char *d = uuid_of("{'TableName':'Music','Handler':'exec:./h2.sh','StartingPosition':'LATEST'}");
    char *e = uuid_of("{'TableName':'Music','Handler':'exec:./h.sh','FunctionName':'other','StartingPosition':'LATEST'}");
    char *f = uuid_of("{'EventSourceArn':'arn:aws:dynamodb:ddblocal:000000000000:table/Music/stream/L1',"
                      "'Handler':'exec:./h.sh','StartingPosition':'LATEST'}");
    char *g = uuid_of("{'EventSourceArn':'arn:aws:dynamodb:ddblocal:000000000000:table/Music',"
                      "'Handler':'exec:./h.sh','StartingPosition':'LATEST'}");
    CHECK_STR(a, b);
    CHECK(strcmp(a, c) != 0);
    CHECK(strcmp(a, d) != 0);
    CHECK(strcmp(a, e) != 0);
    CHECK(strcmp(a, f) != 0);
    CHECK_STR(a, g);            /* a table ARN names the same source as TableName */
    /* the form: version 5, RFC 4122 variant, lower-case hex */
    CHECK_INT(strlen(a), 36);
    CHECK(a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-');
    CHECK(a[14] == '5');
    CHECK(strchr("89ab", a[19]) != NULL);
    for (const char *p = a; *p; p++)
        CHECK(*p == '-' || strchr("0123456789abcdef", *p));
    /* the derivation itself: SHA-1 of "Music\nexec:./h.sh\nh" (computed with Python's hashlib:
     * sha1(b"Music\nexec:./h.sh\nh"), then the version and variant bits set) */
    CHECK_STR(a, "ca4ea302-3817-51ef-a156-7bb8f6df75c1");
    free(a), free(b), free(c), free(d), free(e), free(f), free(g);
}

/* ---- DestinationConfig ---------------------------------------------------------------------- */

static void test_destination(void)
{
    char err[256], cwd[PATH_MAX], want[PATH_MAX + 64];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    static const struct { const char *dest, *want; } rows[] = {
        {"file:///tmp/fail.jsonl", "/tmp/fail.jsonl"},
        {"file://localhost/tmp/f.jsonl", "/tmp/f.jsonl"},
        {"/tmp/f.jsonl", "/tmp/f.jsonl"},
        {"tests/f.jsonl", NULL},        /* NULL: cwd + "/tests/f.jsonl" */
        {"./f.jsonl", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char extra[256];
        snprintf(extra, sizeof extra, "'DestinationConfig':{'OnFailure':{'Destination':'%s'}}", rows[i].dest);
        trig_mapping_t *m = parse_with(extra, err, sizeof err);
        CHECK(m != NULL);
        if (!m)
            continue;
        if (rows[i].want)
            snprintf(want, sizeof want, "%s", rows[i].want);
        else
            snprintf(want, sizeof want, "%s/%s", cwd,
                     strncmp(rows[i].dest, "./", 2) == 0 ? rows[i].dest + 2 : rows[i].dest);
        CHECK_STR(m->on_failure, want);
        trig_mapping_free(m);
    }
    /* a directory that does not exist is refused at start, not when a batch is discarded */
    CHECK(parse_with("'DestinationConfig':{'OnFailure':{'Destination':'/nonexistent-ddblocal/f.jsonl'}}", err,
                     sizeof err) == NULL);
    CHECK_STR(err, "DestinationConfig.OnFailure.Destination \"/nonexistent-ddblocal/f.jsonl\": directory "
                   "/nonexistent-ddblocal is not writable: No such file or directory");
    /* no destination at all, or an empty OnFailure */
    trig_mapping_t *m = parse_with("'DestinationConfig':{}", err, sizeof err);
    CHECK(m != NULL && m->on_failure == NULL);
    trig_mapping_free(m);
    m = parse_with("'DestinationConfig':{'OnFailure':{}}", err, sizeof err);
    CHECK(m != NULL && m->on_failure == NULL);
    trig_mapping_free(m);
}

static void test_filters_in_mapping(void)
{
    char err[512];
    trig_mapping_t *m = parse_with(
        "'FilterCriteria':{'Filters':[{'Pattern':'{\\'eventName\\':[\\'INSERT\\']}'},"
        "{'Pattern':'{\\'eventName\\':[\\'REMOVE\\']}'}]}", err, sizeof err);
    CHECK(m != NULL);
    if (m) {
        CHECK_INT(m->nfilters, 2);
        cJSON *rec = cJSON_Parse(dq("{'eventName':'REMOVE'}"));
        CHECK(!trig_filter_match(m->filters[0], rec));
        CHECK(trig_filter_match(m->filters[1], rec));
        cJSON_Delete(rec);
    }
    trig_mapping_free(m);
    /* five filters are allowed; an empty list and no Filters are no filter */
    m = parse_with("'FilterCriteria':{'Filters':[{'Pattern':'{}'},{'Pattern':'{}'},{'Pattern':'{}'},"
                   "{'Pattern':'{}'},{'Pattern':'{}'}]}", err, sizeof err);
    CHECK(m != NULL && m->nfilters == 5);
    trig_mapping_free(m);
    m = parse_with("'FilterCriteria':{'Filters':[]}", err, sizeof err);
    CHECK(m != NULL && m->nfilters == 0);
    trig_mapping_free(m);
    m = parse_with("'FilterCriteria':{}", err, sizeof err);
    CHECK(m != NULL && m->nfilters == 0);
    trig_mapping_free(m);
    /* an invalid pattern after valid ones frees them (checked under ASan) */
    m = parse_with("'FilterCriteria':{'Filters':[{'Pattern':'{}'},{'Pattern':'{\\'a\\':[{\\'bogus\\':1}]}'}]}",
                   err, sizeof err);
    CHECK(m == NULL);
    CHECK_STR(err, "FilterCriteria.Filters[1].Pattern is invalid at \"a\": unknown operator \"bogus\" "
                   "(known: prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, exists)");
}

/* ---- the -trigger flag ---------------------------------------------------------------------- */

static const struct { const char *spec, *json; } flags_ok[] = {
    {"Music=exec:./h.sh", "{'TableName':'Music','Handler':'exec:./h.sh','StartingPosition':'LATEST'}"},
    {"Music=exec:a=b,c", "{'TableName':'Music','Handler':'exec:a=b,c','StartingPosition':'LATEST'}"},
    {"arn:aws:dynamodb:ddblocal:000000000000:table/Music/stream/2026-11-24T04:10:39.607=python:app.py",
     "{'EventSourceArn':'arn:aws:dynamodb:ddblocal:000000000000:table/Music/stream/2026-11-24T04:10:39.607',"
     "'Handler':'python:app.py','StartingPosition':'LATEST'}"},
    {"TableName=Music,Handler=exec:./h.sh a,b=c",
     "{'TableName':'Music','Handler':'exec:./h.sh a,b=c','StartingPosition':'LATEST'}"},
    {"TableName=Music,BatchSize=10,StartingPosition=TRIM_HORIZON,Enabled=false,"
     "BisectBatchOnFunctionError=true,FunctionResponseTypes=ReportBatchItemFailures,Handler=exec:x",
     "{'TableName':'Music','BatchSize':10,'StartingPosition':'TRIM_HORIZON','Enabled':false,"
     "'BisectBatchOnFunctionError':true,'FunctionResponseTypes':['ReportBatchItemFailures'],'Handler':'exec:x'}"},
    {"TableName=Music,MaximumRetryAttempts=-1,FunctionName=python:app.py",
     "{'TableName':'Music','MaximumRetryAttempts':-1,'FunctionName':'python:app.py','StartingPosition':'LATEST'}"},
    {"TableName=Music,DestinationConfig=/tmp/f.jsonl,Handler=exec:x",
     "{'TableName':'Music','DestinationConfig':{'OnFailure':{'Destination':'/tmp/f.jsonl'}},'Handler':'exec:x',"
     "'StartingPosition':'LATEST'}"},
    {"TableName=Music,FilterCriteria={'Filters':[{'Pattern':'{\\'a\\':[1,2]}'}]},Handler=exec:x",
     "{'TableName':'Music','FilterCriteria':{'Filters':[{'Pattern':'{\\'a\\':[1,2]}'}]},'Handler':'exec:x',"
     "'StartingPosition':'LATEST'}"},
    /* values that do not convert stay strings, so the mapping parser names them */
    {"TableName=Music,BatchSize=ten,Handler=exec:x",
     "{'TableName':'Music','BatchSize':'ten','Handler':'exec:x','StartingPosition':'LATEST'}"},
    {"Handler=exec:x,y", "{'Handler':'exec:x,y','StartingPosition':'LATEST'}"},
};

static void test_flags(void)
{
    for (size_t i = 0; i < sizeof flags_ok / sizeof flags_ok[0]; i++) {
        char err[256] = "";
        char spec[8192];
        snprintf(spec, sizeof spec, "%s", dq(flags_ok[i].spec));
        cJSON *got = trig_flag_parse(spec, err, sizeof err);
        cJSON *want = cJSON_Parse(dq(flags_ok[i].json));
        CHECK(got != NULL && want != NULL);
        if (got && want && !cJSON_Compare(got, want, 1)) {
            char *g = cJSON_PrintUnformatted(got);
            fprintf(stderr, "  flag %s\n  got  %s\n  want %s\n", spec, g, dq(flags_ok[i].json));
            free(g);
            unit_failed_checks++;
        } else if (!got) {
            fprintf(stderr, "  flag %s: %s\n", spec, err);
        }
        cJSON_Delete(got);
        cJSON_Delete(want);
    }
    /* a flag through to a mapping */
    char err[256];
    cJSON *o = trig_flag_parse("TableName=Music,BatchSize=ten,Handler=exec:x", err, sizeof err);
    trig_mapping_t *m = trig_mapping_parse(o, NULL, NULL, err, sizeof err);
    CHECK(m == NULL);
    CHECK_STR(err, "BatchSize must be an integer (got \"ten\")");
    cJSON_Delete(o);
    o = trig_flag_parse("TableName=Music,Foo=1,Handler=exec:x", err, sizeof err);
    m = trig_mapping_parse(o, NULL, NULL, err, sizeof err);
    CHECK(m == NULL);
    CHECK_STR(err, "unknown parameter \"Foo\"");
    cJSON_Delete(o);
    o = trig_flag_parse("Music=exec:./h.sh", err, sizeof err);
    m = trig_mapping_parse(o, NULL, NULL, err, sizeof err);
    CHECK(m != NULL && m->latest == 1 && m->batch_size == 100);
    trig_mapping_free(m);
    cJSON_Delete(o);
}

static const struct { const char *spec, *msg; } flags_bad[] = {
    {"", "-trigger needs TABLE=HANDLER or Name=Value,...,Handler=HANDLER (got \"\")"},
    {"Music", "-trigger needs TABLE=HANDLER or Name=Value,...,Handler=HANDLER (got \"Music\")"},
    {"Music=", "-trigger needs TABLE=HANDLER or Name=Value,...,Handler=HANDLER (got \"Music=\")"},
    {"=exec:x", "-trigger needs TABLE=HANDLER or Name=Value,...,Handler=HANDLER (got \"=exec:x\")"},
    {"TableName=Music,oops,Handler=exec:x", "-trigger: expected Name=Value (got \"oops\")"},
    {"TableName=Music,TableName=Other,Handler=exec:x", "parameter TableName is given twice"},
    {"TableName=Music,FilterCriteria={bad,Handler=exec:x", "-trigger: the value of FilterCriteria is not valid JSON"},
    {"TableName=Music,FilterCriteria={}x,Handler=exec:x", "-trigger: the value of FilterCriteria is not valid JSON"},
};

static void test_flags_bad(void)
{
    for (size_t i = 0; i < sizeof flags_bad / sizeof flags_bad[0]; i++) {
        char err[256] = "";
        cJSON *got = trig_flag_parse(flags_bad[i].spec, err, sizeof err);
        CHECK(got == NULL);
        CHECK_STR(err, flags_bad[i].msg);
        cJSON_Delete(got);
    }
}

/* ---- the -triggers file --------------------------------------------------------------------- */

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/test_trig_config_XXXXXX");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        size_t n = strlen(text);
        CHECK(write(fd, text, n) == (ssize_t)n);
        close(fd);
    }
    return path;
}

static void test_file(void)
{
    static const struct { const char *text; int n; const char *msg; } rows[] = {
        {"{'EventSourceMappings':[{" BASE "},{" BASE ",'BatchSize':5}]}", 2, NULL},
        {"[{" BASE "}]", 1, NULL},
        {"[]", 0, NULL},
        {"{'EventSourceMappings':[]}", 0, NULL},
        {"{'EventSourceMappings':[{" BASE "}],'Other':1}", -1,
         "%s: unknown member \"Other\" (expected {\"EventSourceMappings\":[...]} or an array)"},
        {"{'EventSourceMappings':{}}", -1, "%s: EventSourceMappings must be an array of mappings"},
        {"{}", -1, "%s: EventSourceMappings must be an array of mappings"},
        {"'x'", -1, "%s: expected {\"EventSourceMappings\":[...]} or an array of mappings"},
        {"[{" BASE "}, 5]", -1, "%s: EventSourceMappings[1] must be an object"},
        {"[\n  {'TableName': }\n]", -1, "%s: not valid JSON (line 2, column 17)"},
        {"", -1, "%s: not valid JSON (line 1, column 1)"},
        {"[] x", -1, "%s: not valid JSON (line 1, column 4)"},
        {"[]\n", 0, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *path = write_temp(dq(rows[i].text));
        char err[512] = "", want[512];
        cJSON *arr = trig_file_read(path, err, sizeof err);
        if (rows[i].n >= 0) {
            CHECK(arr != NULL);
            CHECK(cJSON_IsArray(arr));
            CHECK_INT(cJSON_GetArraySize(arr), rows[i].n);
            for (cJSON *e = arr ? arr->child : NULL; e; e = e->next) {
                trig_mapping_t *m = trig_mapping_parse(e, NULL, NULL, err, sizeof err);
                CHECK(m != NULL);
                trig_mapping_free(m);
            }
        } else {
            CHECK(arr == NULL);
            snprintf(want, sizeof want, rows[i].msg, path);
            CHECK_STR(err, want);
        }
        cJSON_Delete(arr);
        unlink(path);
        free(path);
    }
    char err[512];
    CHECK(trig_file_read("/nonexistent/triggers.json", err, sizeof err) == NULL);
    CHECK_STR(err, "/nonexistent/triggers.json: No such file or directory");
}

/* ---- filters: matching ---------------------------------------------------------------------- */

/* A Lambda event record in the shape of lambda-triggers.md §1 (the Cruddur new-message record
 * plus a few extra attributes and top-level numbers to filter on). */
#define RECORD \
    "{'eventID':'a6ee6b17-c5a8-4b3a-9909-c691b9c87be8','eventName':'INSERT','eventVersion':'1.1'," \
    "'eventSource':'aws:dynamodb','awsRegion':'ddblocal'," \
    "'dynamodb':{'ApproximateCreationDateTime':1795493460.0," \
    "'Keys':{'sk':{'S':'2026-11-24T04:11:00.318143+00:00'},'pk':{'S':'MSG#5ae290ed'}}," \
    "'NewImage':{'user_handle':{'S':'andrewbrown'},'pk':{'S':'MSG#5ae290ed'}," \
    "'message':{'S':'Pattern C: a brand new message'},'count':{'N':'300'},'active':{'BOOL':true}," \
    "'gone':{'NULL':true},'empty':{'S':''},'tags':{'SS':['red','green']}," \
    "'items':{'L':[{'S':'a'},{'N':'1'}]},'file':{'S':'photo.PNG'}}," \
    "'SequenceNumber':'000000000000000000107','SizeBytes':350,'StreamViewType':'NEW_IMAGE'}," \
    "'eventSourceARN':'arn:aws:dynamodb:ddblocal:000000000000:table/cruddur-messages/stream/2026-11-24T04:10:39.607'," \
    "'ratio':0.1,'big':123456789012345680000,'neg':-5,'flag':false,'nothing':null,'list':[1,'two',[3]]," \
    "'objs':[{'k':'a','v':1},{'k':'b','v':2}]}"

#define TTL_RECORD \
    "{'eventName':'REMOVE','userIdentity':{'type':'Service','principalId':'dynamodb.amazonaws.com'}," \
    "'dynamodb':{'Keys':{'pk':{'S':'x'}},'OldImage':{'pk':{'S':'x'}}}}"

static const struct { const char *pattern; int match; } matches[] = {
    /* equals, OR within an array, AND across fields */
    {"{'eventName':['INSERT']}", 1},
    {"{'eventName':['MODIFY']}", 0},
    {"{'eventName':['MODIFY','INSERT']}", 1},
    {"{'eventName':['insert']}", 0},
    {"{'eventName':['INSERT'],'eventSource':['aws:dynamodb']}", 1},
    {"{'eventName':['INSERT'],'eventSource':['aws:s3']}", 0},
    {"{'eventSourceARN':[{'prefix':'arn:aws:dynamodb:ddblocal:000000000000:table/cruddur-messages/'}]}", 1},
    /* the dynamodb block: typed values */
    {"{'dynamodb':{'Keys':{'pk':{'S':['MSG#5ae290ed']}}}}", 1},
    {"{'dynamodb':{'Keys':{'pk':{'S':['MSG#other']}}}}", 0},
    {"{'dynamodb':{'NewImage':{'user_handle':{'S':['andrewbrown']}},'Keys':{'pk':{'S':['MSG#5ae290ed']}}}}", 1},
    {"{'dynamodb':{'NewImage':{'count':{'N':['300']}}}}", 1},
    {"{'dynamodb':{'NewImage':{'count':{'N':['300.0']}}}}", 0},  /* N values are strings (§5) */
    {"{'dynamodb':{'NewImage':{'count':{'N':[300]}}}}", 0},      /* a number never equals a string */
    {"{'dynamodb':{'NewImage':{'count':{'N':[{'numeric':['>',100]}]}}}}", 0}, /* as on AWS */
    {"{'dynamodb':{'NewImage':{'count':{'S':['300']}}}}", 0},
    {"{'dynamodb':{'NewImage':{'active':{'BOOL':[true]}}}}", 1},
    {"{'dynamodb':{'NewImage':{'active':{'BOOL':[false]}}}}", 0},
    {"{'dynamodb':{'NewImage':{'active':{'BOOL':['true']}}}}", 0},
    {"{'dynamodb':{'SizeBytes':[350]}}", 1},
    {"{'dynamodb':{'SizeBytes':[350.0]}}", 1},
    {"{'dynamodb':{'SizeBytes':['350']}}", 0},
    {"{'dynamodb':{'StreamViewType':['NEW_IMAGE','NEW_AND_OLD_IMAGES']}}", 1},
    /* null and empty string */
    {"{'nothing':[null]}", 1},
    {"{'flag':[null]}", 0},
    {"{'absent':[null]}", 0},
    {"{'dynamodb':{'NewImage':{'empty':{'S':['']}}}}", 1},
    {"{'dynamodb':{'NewImage':{'message':{'S':['']}}}}", 0},
    {"{'flag':[false]}", 1},
    {"{'flag':[true]}", 0},
    /* anything-but */
    {"{'eventName':[{'anything-but':['MODIFY','REMOVE']}]}", 1},
    {"{'eventName':[{'anything-but':['INSERT']}]}", 0},
    {"{'eventName':[{'anything-but':'INSERT'}]}", 0},
    {"{'eventName':[{'anything-but':'REMOVE'}]}", 1},
    {"{'absent':[{'anything-but':'x'}]}", 0},
    {"{'neg':[{'anything-but':[-5]}]}", 0},
    {"{'neg':[{'anything-but':[5, 6]}]}", 1},
    {"{'neg':[{'anything-but':-5.0}]}", 0},
    {"{'eventName':[{'anything-but':{'prefix':'INS'}}]}", 0},
    {"{'eventName':[{'anything-but':{'prefix':'MOD'}}]}", 1},
    {"{'eventName':[{'anything-but':{'suffix':'ERT'}}]}", 0},
    {"{'eventName':[{'anything-but':{'equals-ignore-case':'insert'}}]}", 0},
    {"{'eventName':[{'anything-but':{'equals-ignore-case':['modify','insert']}}]}", 0},
    {"{'eventName':[{'anything-but':{'equals-ignore-case':['modify']}}]}", 1},
    {"{'eventName':[{'anything-but':{'wildcard':'IN*'}}]}", 0},
    /* numeric: one and two bounds, exact decimals */
    {"{'dynamodb':{'SizeBytes':[{'numeric':['=',350]}]}}", 1},
    {"{'dynamodb':{'SizeBytes':[{'numeric':['=',350.000]}]}}", 1},
    {"{'dynamodb':{'SizeBytes':[{'numeric':['=',351]}]}}", 0},
    {"{'dynamodb':{'SizeBytes':[{'numeric':['>',349]}]}}", 1},
    {"{'dynamodb':{'SizeBytes':[{'numeric':['>',350]}]}}", 0},
    {"{'dynamodb':{'SizeBytes':[{'numeric':['>=',350]}]}}", 1},
    {"{'dynamodb':{'SizeBytes':[{'numeric':['<',350]}]}}", 0},
    {"{'dynamodb':{'SizeBytes':[{'numeric':['<=',350]}]}}", 1},
    {"{'dynamodb':{'SizeBytes':[{'numeric':['>',0,'<=',350]}]}}", 1},
    {"{'dynamodb':{'SizeBytes':[{'numeric':['>',0,'<',350]}]}}", 0},
    {"{'dynamodb':{'SizeBytes':[{'numeric':['<',400,'>=',350]}]}}", 1},
    {"{'dynamodb':{'SizeBytes':[{'numeric':['>',350,'<',400]}]}}", 0},
    {"{'dynamodb':{'ApproximateCreationDateTime':[{'numeric':['>=',1795493460]}]}}", 1},
    {"{'ratio':[{'numeric':['=',0.10]}]}", 1},
    {"{'ratio':[{'numeric':['=',1e-1]}]}", 1},
    {"{'ratio':[0.1]}", 1},
    {"{'ratio':[{'numeric':['>',0.1]}]}", 0},
    /* pattern numbers are exact; the record's double reads as its shortest decimal, 0.1 */
    {"{'ratio':[{'numeric':['<',0.10000000000000001]}]}", 1},
    {"{'ratio':[{'numeric':['=',0.10000000000000001]}]}", 0},
    {"{'ratio':[{'numeric':['<',0.1000000000000001]}]}", 1},
    {"{'ratio':[{'numeric':['>',0.0999999999999999999999999999999]}]}", 1},
    {"{'big':[{'numeric':['=',123456789012345680000]}]}", 1},
    {"{'big':[{'numeric':['>',123456789012345679999]}]}", 1},
    {"{'big':[{'numeric':['<',123456789012345680001]}]}", 1},
    {"{'big':[{'numeric':['>',123456789012345680000]}]}", 0},
    {"{'neg':[{'numeric':['<',0]}]}", 1},
    {"{'neg':[{'numeric':['>',-5]}]}", 0},
    {"{'eventName':[{'numeric':['>',0]}]}", 0},               /* a string is not a number */
    {"{'absent':[{'numeric':['>',0]}]}", 0},
    /* exists */
    {"{'eventName':[{'exists':true}]}", 1},
    {"{'eventName':[{'exists':false}]}", 0},
    {"{'absent':[{'exists':false}]}", 1},
    {"{'absent':[{'exists':true}]}", 0},
    {"{'nothing':[{'exists':true}]}", 1},                      /* null is a value */
    {"{'dynamodb':{'NewImage':{'message':{'S':[{'exists':true}]}}}}", 1},
    {"{'dynamodb':{'NewImage':{'message':{'S':[{'exists':false}]}}}}", 0},
    {"{'dynamodb':{'NewImage':{'nope':{'S':[{'exists':false}]}}}}", 1},
    {"{'dynamodb':{'NewImage':{'nope':{'S':[{'exists':true}]}}}}", 0},
    {"{'dynamodb':{'OldImage':{'pk':{'S':[{'exists':false}]}}}}", 1},   /* no OldImage at all */
    {"{'dynamodb':{'OldImage':{'pk':{'S':[{'exists':true}]}}}}", 0},
    {"{'dynamodb':{'NewImage':{'message':[{'exists':true}]}}}", 0},     /* an object is not a leaf */
    {"{'dynamodb':{'NewImage':{'message':[{'exists':false}]}}}", 1},
    {"{'dynamodb':{'NewImage':{'message':['x',{'exists':false}]}}}", 1},
    {"{'eventName':{'sub':[{'exists':false}]}}", 1},                    /* a string has no fields */
    {"{'eventName':{'sub':['x']}}", 0},
    /* prefix, suffix, equals-ignore-case, wildcard */
    {"{'dynamodb':{'Keys':{'pk':{'S':[{'prefix':'MSG#'}]}}}}", 1},
    {"{'dynamodb':{'Keys':{'pk':{'S':[{'prefix':'msg#'}]}}}}", 0},
    {"{'dynamodb':{'Keys':{'pk':{'S':[{'prefix':{'equals-ignore-case':'msg#'}}]}}}}", 1},
    {"{'dynamodb':{'Keys':{'pk':{'S':[{'prefix':''}]}}}}", 1},
    {"{'dynamodb':{'Keys':{'pk':{'S':[{'prefix':'MSG#5ae290ed-longer'}]}}}}", 0},
    {"{'dynamodb':{'NewImage':{'file':{'S':[{'suffix':'.PNG'}]}}}}", 1},
    {"{'dynamodb':{'NewImage':{'file':{'S':[{'suffix':'.png'}]}}}}", 0},
    {"{'dynamodb':{'NewImage':{'file':{'S':[{'suffix':{'equals-ignore-case':'.png'}}]}}}}", 1},
    {"{'dynamodb':{'NewImage':{'file':{'S':[{'equals-ignore-case':'PHOTO.png'}]}}}}", 1},
    {"{'dynamodb':{'NewImage':{'file':{'S':[{'equals-ignore-case':'PHOTO.pn'}]}}}}", 0},
    {"{'dynamodb':{'NewImage':{'file':{'S':[{'wildcard':'ph*.PNG'}]}}}}", 1},
    {"{'dynamodb':{'NewImage':{'file':{'S':[{'wildcard':'*o*o*'}]}}}}", 1},
    {"{'dynamodb':{'NewImage':{'file':{'S':[{'wildcard':'*.png'}]}}}}", 0},
    {"{'dynamodb':{'NewImage':{'file':{'S':[{'wildcard':'photo.PNG'}]}}}}", 1},
    {"{'dynamodb':{'NewImage':{'file':{'S':[{'wildcard':'photo\\\\*'}]}}}}", 0},
    {"{'ratio':[{'prefix':'0'}]}", 0},                           /* prefix needs a string */
    /* arrays in the record: any element */
    {"{'dynamodb':{'NewImage':{'tags':{'SS':['green']}}}}", 1},
    {"{'dynamodb':{'NewImage':{'tags':{'SS':['blue']}}}}", 0},
    {"{'dynamodb':{'NewImage':{'tags':{'SS':[{'anything-but':'red'}]}}}}", 1},
    {"{'dynamodb':{'NewImage':{'items':{'L':{'S':['a']}}}}}", 1},
    {"{'dynamodb':{'NewImage':{'items':{'L':{'N':['1']}}}}}", 1},
    {"{'dynamodb':{'NewImage':{'items':{'L':{'S':['1']}}}}}", 0},
    {"{'list':[3]}", 1},
    {"{'list':['two']}", 1},
    {"{'list':[2]}", 0},
    {"{'objs':{'k':['b'],'v':[2]}}", 1},
    {"{'objs':{'k':['a'],'v':[2]}}", 0},                         /* one element must match it all */
    {"{'objs':{'k':[{'exists':true}]}}", 1},
    /* $or */
    {"{'$or':[{'eventName':['MODIFY']},{'dynamodb':{'Keys':{'pk':{'S':[{'prefix':'MSG#'}]}}}}]}", 1},
    {"{'$or':[{'eventName':['MODIFY']},{'eventName':['REMOVE']}]}", 0},
    {"{'eventSource':['aws:dynamodb'],'$or':[{'eventName':['MODIFY']},{'ratio':[0.1]}]}", 1},
    {"{'eventSource':['aws:s3'],'$or':[{'eventName':['INSERT']},{'ratio':[0.1]}]}", 0},
    {"{'dynamodb':{'$or':[{'SizeBytes':[1]},{'StreamViewType':['NEW_IMAGE']}]}}", 1},
    {"{'$or':[{'absent':[{'exists':false}]},{'eventName':['MODIFY']}]}", 1},
    /* the empty pattern matches everything */
    {"{}", 1},
};

static void test_filter_match(void)
{
    cJSON *rec = cJSON_Parse(dq(RECORD));
    CHECK(rec != NULL);
    for (size_t i = 0; i < sizeof matches / sizeof matches[0]; i++) {
        char err[256] = "";
        trig_filter_t *f = trig_filter_compile(dq(matches[i].pattern), err, sizeof err);
        CHECK(f != NULL);
        if (!f) {
            fprintf(stderr, "  %s: %s\n", matches[i].pattern, err);
            continue;
        }
        int got = trig_filter_match(f, rec);
        if (got != matches[i].match)
            fprintf(stderr, "  %s: got %d\n", matches[i].pattern, got);
        CHECK_INT(got, matches[i].match);
        trig_filter_free(f);
    }
    cJSON_Delete(rec);

    /* the TTL page's filter (lambda-triggers.md §5) against a TTL deletion and a user delete */
    char err[256];
    trig_filter_t *f = trig_filter_compile(
        dq("{'userIdentity':{'type':['Service'],'principalId':['dynamodb.amazonaws.com']}}"), err, sizeof err);
    CHECK(f != NULL);
    cJSON *ttl = cJSON_Parse(dq(TTL_RECORD));
    cJSON *user = cJSON_Parse(dq("{'eventName':'REMOVE','dynamodb':{'Keys':{'pk':{'S':'x'}}}}"));
    CHECK(trig_filter_match(f, ttl));
    CHECK(!trig_filter_match(f, user));
    trig_filter_free(f);
    /* the reverse: everything but TTL deletions */
    f = trig_filter_compile(dq("{'userIdentity':{'type':[{'exists':false}]}}"), err, sizeof err);
    CHECK(f != NULL);
    CHECK(!trig_filter_match(f, ttl));
    CHECK(trig_filter_match(f, user));
    trig_filter_free(f);
    cJSON_Delete(ttl);
    cJSON_Delete(user);
}

/* ---- filters: invalid patterns --------------------------------------------------------------- */

static const struct { const char *pattern, *msg; } bad_patterns[] = {
    {"", "not valid JSON (at offset 0)"},
    {"{'a':[1]", "not valid JSON (at offset 8)"},
    {"{'a':[1]} x", "not valid JSON (at offset 10)"},
    {"['a']", "not a JSON object"},
    {"'a'", "not a JSON object"},
    {"{'a':'x'}", "invalid at \"a\": the value must be an array of rules or an object of fields"},
    {"{'a':5}", "invalid at \"a\": the value must be an array of rules or an object of fields"},
    {"{'a':{'b':{'c':true}}}", "invalid at \"a.b.c\": the value must be an array of rules or an object of fields"},
    {"{'a':[['x']]}", "invalid at \"a\": a rule cannot be an array"},
    {"{'a':[{}]}", "invalid at \"a\": an empty object is not a rule"},
    {"{'a':[{'prefix':'x','suffix':'y'}]}",
     "invalid at \"a\": a rule object has exactly one operator (got \"prefix\" and \"suffix\")"},
    {"{'a':[{'contains':'x'}]}",
     "invalid at \"a\": unknown operator \"contains\" (known: prefix, suffix, equals-ignore-case, wildcard, "
     "anything-but, numeric, exists)"},
    {"{'a':[{'cidr':'10.0.0.0/24'}]}",
     "invalid at \"a\": unknown operator \"cidr\" (known: prefix, suffix, equals-ignore-case, wildcard, "
     "anything-but, numeric, exists)"},
    {"{'a':[{'prefix':5}]}", "invalid at \"a\": \"prefix\" needs a string or {\"equals-ignore-case\": string}"},
    {"{'a':[{'prefix':{'wildcard':'x'}}]}",
     "invalid at \"a\": \"prefix\" needs a string or {\"equals-ignore-case\": string}"},
    {"{'a':[{'suffix':null}]}", "invalid at \"a\": \"suffix\" needs a string or {\"equals-ignore-case\": string}"},
    {"{'a':[{'equals-ignore-case':['x']}]}", "invalid at \"a\": \"equals-ignore-case\" needs a string"},
    {"{'a':[{'wildcard':1}]}", "invalid at \"a\": \"wildcard\" needs a string"},
    {"{'a':[{'exists':'true'}]}", "invalid at \"a\": \"exists\" needs true or false"},
    {"{'a':[{'numeric':['>']}]}",
     "invalid at \"a\": \"numeric\" needs [op, number] or [op, number, op, number] with op one of = < <= > >="},
    {"{'a':[{'numeric':['>',1,'<']}]}",
     "invalid at \"a\": \"numeric\" needs [op, number] or [op, number, op, number] with op one of = < <= > >="},
    {"{'a':[{'numeric':5}]}",
     "invalid at \"a\": \"numeric\" needs [op, number] or [op, number, op, number] with op one of = < <= > >="},
    {"{'a':[{'numeric':['>','5']}]}", "invalid at \"a\": \"numeric\": the operand of \">\" must be a number"},
    {"{'a':[{'numeric':[5,'>']}]}", "invalid at \"a\": \"numeric\": an operator must be one of = < <= > >="},
    {"{'a':[{'numeric':['!=',5]}]}", "invalid at \"a\": \"numeric\": unknown operator \"!=\" (use = < <= > >=)"},
    {"{'a':[{'numeric':['=',5,'<',6]}]}", "invalid at \"a\": \"numeric\": \"=\" cannot be combined with another bound"},
    {"{'a':[{'numeric':['>',5,'>=',6]}]}", "invalid at \"a\": \"numeric\": two lower bounds"},
    {"{'a':[{'numeric':['<',5,'<',6]}]}", "invalid at \"a\": \"numeric\": two upper bounds"},
    {"{'a':[{'numeric':['>',1e999]}]}",
     "invalid at \"a\": the number 1e999 is out of range: Number overflow. Attempting to store a number with "
     "magnitude larger than supported range"},
    {"{'a':[{'anything-but':[]}]}", "invalid at \"a\": \"anything-but\" needs at least one value"},
    {"{'a':[{'anything-but':['x',1]}]}", "invalid at \"a\": \"anything-but\" takes strings or numbers, not both"},
    {"{'a':[{'anything-but':[null]}]}", "invalid at \"a\": \"anything-but\" takes strings or numbers"},
    {"{'a':[{'anything-but':true}]}",
     "invalid at \"a\": \"anything-but\" takes a string, a number, a list of them, or an operator object"},
    {"{'a':[{'anything-but':{'numeric':['>',1]}}]}", "invalid at \"a\": \"anything-but\": unknown operator \"numeric\""},
    {"{'a':[{'anything-but':{}}]}",
     "invalid at \"a\": \"anything-but\" takes a value, a list, or one of prefix, suffix, equals-ignore-case, wildcard"},
    {"{'a':[{'anything-but':{'equals-ignore-case':[]}}]}",
     "invalid at \"a\": \"anything-but\": \"equals-ignore-case\" needs at least one string"},
    {"{'$or':{'a':['x']}}", "invalid: \"$or\" needs an array of patterns"},
    {"{'$or':[]}", "invalid: \"$or\" needs an array of patterns"},
    {"{'$or':[['x']]}", "invalid: \"$or\" needs an array of patterns (objects)"},
    {"{'x':{'$or':[{'a':'b'}]}}", "invalid at \"x.a\": the value must be an array of rules or an object of fields"},
    {"{'ok':['x'],'d':{'e':[{'numeric':['>',1]}, {'bad':1}]}}",
     "invalid at \"d.e\": unknown operator \"bad\" (known: prefix, suffix, equals-ignore-case, wildcard, "
     "anything-but, numeric, exists)"},
};

static void test_filter_invalid(void)
{
    for (size_t i = 0; i < sizeof bad_patterns / sizeof bad_patterns[0]; i++) {
        char err[512] = "";
        trig_filter_t *f = trig_filter_compile(dq(bad_patterns[i].pattern), err, sizeof err);
        CHECK(f == NULL);
        if (strcmp(err, bad_patterns[i].msg) != 0)
            fprintf(stderr, "  pattern %s\n", bad_patterns[i].pattern);
        CHECK_STR(err, bad_patterns[i].msg);
        trig_filter_free(f);
    }
}

UNIT_MAIN(T(test_defaults), T(test_all_parameters), T(test_ranges), T(test_refusals), T(test_handlers),
          T(test_function_name_as_handler), T(test_source), T(test_uuid), T(test_destination),
          T(test_filters_in_mapping), T(test_flags), T(test_flags_bad), T(test_file), T(test_filter_match),
          T(test_filter_invalid))
