"""A fault-injecting HTTP proxy for tests: forwards to an upstream (moto) and, for requests
that match a rule, answers a throttling error or a 5xx, resets the connection before or
after forwarding, or answers slowly."""

import re
import socket
import struct
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

THROTTLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r-throttle</RequestID></Response>"""
SERVER_ERROR = b"""<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InternalError</Code><Message>An internal error has occurred</Message></Error></Errors><RequestID>r-500</RequestID></Response>"""


class Rule:
    """`fault` is one of throttle, 500, 503, reset_before, reset_after, 500_after, slow; it fires for
    requests whose action (EC2 `Action=`, or the path) contains `match`, `times` times."""

    def __init__(self, match, fault, times=1, method=None, pattern=None):
        self.match, self.fault, self.times, self.method = match, fault, times, method
        # A regular expression the whole action must match, instead of `match` (Route 53's
        # REST paths nest: `/hostedzone/Z1` and `/hostedzone/Z1/rrset`).
        self.pattern = re.compile(pattern) if pattern else None

    def applies(self, method, action):
        matches = self.pattern.fullmatch(action) if self.pattern else self.match in action
        return self.times > 0 and bool(matches) and self.method in (None, method)


class FaultProxy:
    @property
    def caller(self):
        return getattr(self._local, "caller", "")

    @caller.setter
    def caller(self, value):
        self._local.caller = value

    def __init__(self, upstream, judge=None, rewrite=None):
        self.upstream = upstream.rstrip("/")
        # rewrite(action, payload) -> payload: changes a forwarded answer, as when AWS shows a
        # state the emulator cannot reach.
        self.rewrite = rewrite
        # judge(method, path, action, body) -> None, or (status, payload) to answer instead of
        # forwarding: how a stricter-than-moto rule of AWS is taught (see strict_aws.py).
        self.judge = judge
        self.rules = []
        self.seen = []  # (action, fault or None)
        self.lock = threading.Lock()
        # The request's Authorization header, per handler thread: requests arrive at once.
        self._local = threading.local()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _reset(self):
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True

            def _forward(self, method, body):
                request = urllib.request.Request(self.upstream_url(), data=body if body else None,
                                                 method=method)
                for key, value in self.headers.items():
                    if key.lower() not in ("host", "content-length", "connection"):
                        request.add_header(key, value)
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        return response.status, response.read(), response.headers
                except urllib.error.HTTPError as error:
                    return error.code, error.read(), error.headers

            def upstream_url(self):
                return proxy.upstream + self.path

            def _answer(self, status, payload, headers=None):
                self.send_response(status)
                content_type = (headers or {}).get("Content-Type", "text/xml")
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _handle(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                form = parse_qs(body.decode(errors="replace"))
                # Query protocols name the action in the form, JSON ones in a header.
                action = form.get("Action", [self.headers.get("X-Amz-Target")
                                             or self.path.split("?")[0]])[0]
                with proxy.lock:
                    rule = next((r for r in proxy.rules if r.applies(method, action)), None)
                    if rule:
                        rule.times -= 1
                    proxy.seen.append((action, rule.fault if rule else None))
                fault = rule.fault if rule else None
                proxy.caller = self.headers.get("Authorization", "")
                verdict = proxy.judge and proxy.judge(method, self.path, action, body)
                if verdict:
                    return self._answer(*verdict)
                if fault == "throttle":
                    return self._answer(503, THROTTLE)
                if fault in ("500", "503"):
                    return self._answer(int(fault), SERVER_ERROR)
                if fault == "reset_before":
                    return self._reset()
                if fault == "slow":
                    time.sleep(1.5)
                status, payload, headers = self._forward(method, body)
                if fault == "reset_after":
                    return self._reset()
                if fault == "500_after":  # carried out, but the answer is an error
                    return self._answer(500, SERVER_ERROR)
                if proxy.rewrite:
                    payload = proxy.rewrite(action, payload)
                self._answer(status, payload, headers)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def do_DELETE(self):
                self._handle("DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
