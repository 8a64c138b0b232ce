# trig_worker.py: the persistent Python worker behind a python:FILE[:FUNCTION] stream trigger.
# ddblocal embeds this file in its binary (Makefile: build/trig_worker_py.c) and runs it as
#   python3 -u -c <this source> FILE FUNCTION
# once per mapping, the way Lambda keeps one warm sandbox: module-level code (clients, caches)
# runs once and every batch reuses it.
#
# Protocol, on descriptors of their own so that nothing a handler prints can corrupt it:
#   fd 3 (ddblocal -> worker): "<byte length>\n" then that many bytes of a JSON request
#        {"event":..., "request_id":..., "remaining_ms":..., "function_name":...,
#         "function_arn":..., "timeout_s":...}
#   fd 4 (worker -> ddblocal): one JSON object per line: {"ready":true} once the handler module
#        was imported (or failed to import), then per request {"ok":true,"response":"<JSON text,
#        empty for None>"} or {"ok":false,"error":"Type: message"}.
# stdout is ddblocal's stderr (fd 1 is inherited from there and sys.stdout points at stderr), so
# print() in a handler shows up in ddblocal's log. EOF on fd 3 ends the worker.
import json
import os
import sys
import time
import traceback


def force_local_endpoint():
    """Every boto3/botocore client or resource for dynamodb and dynamodbstreams talks to ddblocal
    with the mapping's region and fake credentials, whatever the handler passes: Cruddur
    hard-codes region ca-central-1 and the real endpoint at import time. Patched before the
    handler module is imported."""
    try:
        import inspect
        import botocore.session
    except Exception:
        return
    original = botocore.session.Session.create_client
    signature = inspect.signature(original)
    forced = {
        'endpoint_url': os.environ.get('DDBLOCAL_ENDPOINT'),
        'region_name': os.environ.get('AWS_REGION'),
        'aws_access_key_id': os.environ.get('AWS_ACCESS_KEY_ID'),
        'aws_secret_access_key': os.environ.get('AWS_SECRET_ACCESS_KEY', 'ddblocal'),
        'aws_session_token': None,
    }

    def create_client(self, *args, **kwargs):
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError:
            return original(self, *args, **kwargs)
        if bound.arguments.get('service_name') in ('dynamodb', 'dynamodbstreams'):
            for name, value in forced.items():
                if name in signature.parameters:
                    bound.arguments[name] = value
        return original(*bound.args, **bound.kwargs)

    botocore.session.Session.create_client = create_client


class Context:
    """The parts of the Lambda context object handlers use."""

    def __init__(self, req):
        self.function_name = req.get('function_name', '')
        self.function_version = '$LATEST'
        self.invoked_function_arn = req.get('function_arn', '')
        self.memory_limit_in_mb = '128'
        self.aws_request_id = req.get('request_id', '')
        self.log_group_name = '/aws/lambda/' + self.function_name
        self.log_stream_name = time.strftime('%Y/%m/%d') + '/[$LATEST]ddblocal'
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + req.get('remaining_ms', 3000) / 1000.0

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def error_text(exc):
    """'Type: message', the last line of the traceback."""
    lines = traceback.format_exception_only(type(exc), exc)
    return lines[-1].strip() if lines else type(exc).__name__


def load_handler(path, func_name):
    """(handler, None) or (None, 'Type: message')."""
    import importlib.machinery
    import importlib.util
    try:
        full = os.path.abspath(path)
        sys.path.insert(0, os.path.dirname(full))
        name = os.path.splitext(os.path.basename(full))[0] or 'handler'
        loader = importlib.machinery.SourceFileLoader(name, full)
        spec = importlib.util.spec_from_loader(name, loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loader.exec_module(module)
    except BaseException as exc:  # SyntaxError, ImportError, an exception at import time
        traceback.print_exc()
        return None, error_text(exc)
    handler = getattr(module, func_name, None)
    if not callable(handler):
        return None, "Runtime.HandlerNotFound: Handler '%s' missing on module '%s'" % (func_name, name)
    return handler, None


def main():
    path, func_name = sys.argv[1], sys.argv[2]
    requests = os.fdopen(3, 'rb')
    replies = os.fdopen(4, 'wb')
    sys.stdout = sys.stderr

    def reply(obj):
        replies.write(json.dumps(obj).encode() + b'\n')
        replies.flush()

    force_local_endpoint()
    handler, load_error = load_handler(path, func_name)
    reply({'ready': True})
    while True:
        line = requests.readline()
        if not line:
            return
        size = int(line)
        body = requests.read(size)
        if len(body) < size:
            return
        req = json.loads(body)
        os.environ['DDBLOCAL_REQUEST_ID'] = req.get('request_id', '')
        if load_error:
            reply({'ok': False, 'error': load_error})
            continue
        try:
            result = handler(req.get('event'), Context(req))
        except BaseException as exc:  # SystemExit too: Lambda reports it as a function error
            traceback.print_exc()
            sys.stderr.flush()
            reply({'ok': False, 'error': error_text(exc)})
            continue
        try:
            text = '' if result is None else json.dumps(result)
        except (TypeError, ValueError) as exc:
            reply({'ok': False, 'error': 'Runtime.MarshalError: Unable to marshal response: %s' % exc})
            continue
        sys.stderr.flush()
        reply({'ok': True, 'response': text})


main()
