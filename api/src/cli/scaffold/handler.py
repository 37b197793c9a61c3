"""__NAME__: an external action handler for Praetor.

Praetor POSTs each step of the action `__NAME__` here, signed as Standard Webhooks: headers
`webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of
`id.timestamp.body` under the shared signing secret). This handler refuses a request whose
signature does not verify or whose timestamp is more than five minutes off (401), checks the
parameters against the action's schema (422 with the reason), and answers
`{"output": ..., "state": {merge patch}}`. A 4xx answer fails the step for good; a 5xx or 429
is retried by Praetor with the same `webhook-id`, so the work must be idempotent on it.

Run: PRAETOR_SIGNING_SECRET=... PORT=8080 python3 handler.py
"""

import base64
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300

# The action's parameters, as in action.yaml.
SCHEMA = {
    "type": "object",
    "required": ["item"],
    "additionalProperties": False,
    "properties": {
        "item": {"type": "string", "minLength": 1, "maxLength": 100},
        "count": {"type": "integer", "minimum": 0, "default": 1},
    },
}


class Refused(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def signature(secret, msg_id, timestamp, body):
    mac = hmac.new(secret, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def verify(headers, body, secret, now=None):
    msg_id = headers.get("webhook-id") or ""
    timestamp = headers.get("webhook-timestamp") or ""
    given = headers.get("webhook-signature") or ""
    if not msg_id or not timestamp.isdigit():
        raise Refused(401, "missing webhook-id or webhook-timestamp")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        raise Refused(401, "webhook-timestamp is too far from now")
    expected = signature(secret, msg_id, timestamp, body)
    if not any(hmac.compare_digest(expected, s) for s in given.split(" ") if s.startswith("v1,")):
        raise Refused(401, "the signature does not verify")


TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "object": dict, "array": list}


def check_params(params, schema=SCHEMA):
    """The parameters with defaults filled in, or Refused(422) saying what is wrong."""
    if not isinstance(params, dict):
        raise Refused(422, "params must be an object")
    props = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in params:
            raise Refused(422, f"params.{name} is required")
    if schema.get("additionalProperties") is False:
        for name in params:
            if name not in props:
                raise Refused(422, f"params.{name} is not a parameter of this action")
    out = dict(params)
    for name, spec in props.items():
        if name not in out:
            if "default" in spec:
                out[name] = spec["default"]
            continue
        value = out[name]
        kind = TYPES.get(spec.get("type"))
        if kind and (not isinstance(value, kind) or (spec.get("type") != "boolean" and isinstance(value, bool))):
            raise Refused(422, f"params.{name} must be of type {spec['type']}")
        if "enum" in spec and value not in spec["enum"]:
            raise Refused(422, f"params.{name} must be one of {spec['enum']}")
        if isinstance(value, str):
            if len(value) < spec.get("minLength", 0) or len(value) > spec.get("maxLength", len(value)):
                raise Refused(422, f"params.{name} has the wrong length")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if value < spec.get("minimum", value) or value > spec.get("maximum", value):
                raise Refused(422, f"params.{name} is out of range")
    return out


def run(request):
    """The work of one step. Replace with the integration's call; keep it idempotent on
    request["idempotencyKey"] (the same for every retry of the step)."""
    params = check_params(request.get("params"))
    item = params["item"]
    return {
        "output": {"item": item, "count": params["count"], "handledBy": "__NAME__"},
        "state": {"__SNAKE__": {item: params["count"]}},
    }


def handle(headers, body, secret, now=None):
    """(status, JSON answer) for one request."""
    try:
        verify(headers, body, secret, now)
        try:
            request = json.loads(body)
        except ValueError:
            raise Refused(400, "the body is not JSON")
        return 200, run(request)
    except Refused as r:
        return r.status, {"error": r.message}


class Handler(BaseHTTPRequestHandler):
    secret = b""

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        status, answer = handle(self.headers, body, self.secret)
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main():
    secret = os.environ.get("PRAETOR_SIGNING_SECRET", "")
    if len(secret) < 32:
        print("set PRAETOR_SIGNING_SECRET to Praetor's actions.signing_secret (32 characters or more)", file=sys.stderr)
        sys.exit(2)
    Handler.secret = secret.encode()
    port = int(os.environ.get("PORT", "8080"))
    server = ThreadingHTTPServer((os.environ.get("HOST", "0.0.0.0"), port), Handler)
    print(f"__NAME__ handler listening on port {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
