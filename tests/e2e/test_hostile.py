"""Hostile input: random and malformed JSON-RPC frames on stdin, and every tool called with
a corpus of bad arguments. The server never dies, answers each request, and makes no cloud
call for input that fails validation."""

import json
import os
import random
import select
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import BINARY, mcp_session, text_of

pytestmark = pytest.mark.anyio


class RawSession:
    """The binary on raw pipes, for frames no well-behaved client would send."""

    def __init__(self, env):
        self.proc = subprocess.Popen([str(BINARY)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env)
        self.buffer = b""

    def send(self, frame: bytes):
        self.proc.stdin.write(frame + b"\n")
        self.proc.stdin.flush()

    def request(self, id_, method, params=None):
        message = {"jsonrpc": "2.0", "id": id_, "method": method}
        if params is not None:
            message["params"] = params
        self.send(json.dumps(message).encode())

    def wait_for(self, id_, timeout=10):
        """Reads messages until the one answering `id_`; returns it and the ids seen before."""
        seen = []
        deadline = time.time() + timeout
        while time.time() < deadline:
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                message = json.loads(line)  # stdout carries nothing but JSON-RPC
                assert message.get("jsonrpc") == "2.0", message
                if message.get("id") == id_:
                    return message, seen
                seen.append(message.get("id"))
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
                assert chunk, f"the server closed stdout (exit {self.proc.poll()})"
                self.buffer += chunk
        raise AssertionError(f"no answer to {id_}")

    def close(self):
        self.proc.kill()
        self.proc.wait()


def random_json(rng, depth=0):
    kinds = ["null", "bool", "int", "float", "str", "list", "dict"] if depth < 3 else ["int", "str"]
    kind = rng.choice(kinds)
    if kind == "null":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "int":
        return rng.choice([0, -1, 2**63, rng.randint(-10**6, 10**6)])
    if kind == "float":
        return rng.choice([1e308, -0.0, 3.14])
    if kind == "str":
        return rng.choice(["", "tools/call", "ü\u0000\u202e", "x" * rng.randint(0, 300), "vpc-1; rm -rf /"])
    if kind == "list":
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(["jsonrpc", "id", "method", "params", "name", "arguments", "x"]):
            random_json(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def bad_frames(rng):
    methods = ["tools/call", "tools/list", "prompts/get", "no/such/method", "initialize", "", "ping",
               "resources/list", "completion/complete"]
    yield b"not json at all"
    yield b"{"
    yield b"[]"
    yield b"\xff\xfe\x00garbage"
    yield b"x" * (2 * 1024 * 1024)
    yield json.dumps({"jsonrpc": "1.0", "id": "v1", "method": "tools/list"}).encode()
    for _ in range(150):
        roll = rng.random()
        if roll < 0.3:
            yield bytes(rng.randint(0, 255) for _ in range(rng.randint(1, 200))).replace(b"\n", b" ")
        elif roll < 0.6:
            yield json.dumps(random_json(rng)).encode()
        else:
            frame = {"jsonrpc": "2.0", "id": rng.choice([rng.randint(1000, 9999), "s", None, [1], 1.5]),
                     "method": rng.choice(methods), "params": random_json(rng)}
            if rng.random() < 0.5:
                frame["params"] = {"name": rng.choice(["list_vpcs", "create_vpc_endpoint", "nope", 5]),
                                   "arguments": random_json(rng)}
            yield json.dumps(frame).encode()


def fuzz_session(tmp_path):
    """The binary on raw pipes, initialized, with every cloud pointed at a closed port."""
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "ZILLIZ_CLOUD_URI": "http://127.0.0.1:9",
           "AWS_ACCESS_KEY_ID": "AKIAFUZZ", "AWS_SECRET_ACCESS_KEY": "fuzz", "AWS_REGION": "us-west-2"}
    session = RawSession(env)
    session.request("init", "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                           "clientInfo": {"name": "fuzz", "version": "1"}})
    session.wait_for("init")
    session.send(b'{"jsonrpc":"2.0","method":"notifications/initialized"}')
    return session


def test_random_and_malformed_frames_never_kill_the_server(tmp_path):
    session = fuzz_session(tmp_path)
    try:
        rng = random.Random(20261126)
        frames = list(bad_frames(rng))
        for batch in range(0, len(frames), 20):
            for frame in frames[batch:batch + 20]:
                session.send(frame)
            probe_id = f"probe-{batch}"
            session.request(probe_id, "tools/list")
            answer, _ = session.wait_for(probe_id, timeout=30)
            assert len(answer["result"]["tools"]) >= 5
            assert session.proc.poll() is None
        # A well-formed request with an unknown method gets a JSON-RPC error, by id.
        session.request("unknown", "no/such/method")
        answer, _ = session.wait_for("unknown")
        assert answer["error"]["code"] == -32601
        # An unknown tool is a protocol error; bad arguments are a tool result with isError.
        session.request("tool", "tools/call", {"name": "no_such_tool", "arguments": {}})
        assert "error" in session.wait_for("tool")[0]
        session.request("args", "tools/call", {"name": "list_subnets", "arguments": {"vpc_id": 7}})
        result = session.wait_for("args")[0]["result"]
        assert result["isError"] is True
    finally:
        session.close()


def fuzz_frames(rng, count):
    """`count` hostile frames, each request with an id of its own: (frame, id or None), where
    the id is the one an answer must carry (None: no answer is owed, or it carries null)."""
    methods = ["tools/call", "tools/list", "prompts/get", "no/such/method", "initialize", "", "ping",
               "resources/list", "completion/complete", "logging/setLevel", "prompts/list"]
    for n in range(count):
        roll = rng.random()
        id_ = rng.choice([n, f"f{n}"])
        if roll < 0.15:  # junk that does not parse: answered with a null id
            yield bytes(rng.randint(0, 255) for _ in range(rng.randint(1, 120))).replace(b"\n", b" "), None
        elif roll < 0.25:  # nested past the parser's limit, the id at the top level
            depth = rng.randint(130, 2000)
            frame = (f'{{"jsonrpc":"2.0","id":{json.dumps(id_)},"method":"tools/call","params":'
                     f'{{"name":"list_vpcs","arguments":{{"x":{"[" * depth}1{"]" * depth}}}}}}}')
            yield frame.encode(), id_
        elif roll < 0.35:  # any JSON at all
            yield json.dumps(random_json(rng)).encode(), None
        else:
            frame = {"jsonrpc": rng.choice(["2.0", "2.0", "2.0", "1.0", 2]), "id": id_,
                     "method": rng.choice(methods)}
            if rng.random() < 0.8:
                frame["params"] = random_json(rng)
            if frame["method"] == "tools/call" and rng.random() < 0.5:
                frame["params"] = {"name": rng.choice(["nope", 5, "list_subnets"]),
                                   "arguments": random_json(rng)}
            yield json.dumps(frame).encode(), id_


def test_ten_thousand_hostile_frames_get_an_answer_for_every_request(tmp_path):
    """Every frame that carries a readable id is answered with that id; the server stays up."""
    session = fuzz_session(tmp_path)
    try:
        frames = list(fuzz_frames(random.Random(20261202), 10_000))
        owed = {json.dumps(id_) for _, id_ in frames if id_ is not None}
        answered = set()
        for batch in range(0, len(frames), 500):
            for frame, _ in frames[batch:batch + 500]:
                session.send(frame)
            probe = f"probe-{batch}"
            session.request(probe, "ping")
            _, seen = session.wait_for(probe, timeout=60)
            answered |= {json.dumps(i) for i in seen}
            assert session.proc.poll() is None
        # Whatever is still on its way (a slow tool call) comes before this last probe's answer
        # or soon after.
        deadline = time.time() + 60
        while owed - answered and time.time() < deadline:
            session.request("last", "ping")
            _, seen = session.wait_for("last", timeout=60)
            answered |= {json.dumps(i) for i in seen}
        missing = owed - answered
        assert not missing, f"{len(missing)} of {len(owed)} requests got no answer: {sorted(missing)[:20]}"
    finally:
        session.close()


class CountingAws:
    """Stands where AWS would be: any request reaching it is a cloud call that should not have been made."""

    def __init__(self):
        self.hits = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                outer.hits.append(self.path)
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST
            do_DELETE = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


LONG = "a" * 100_000
BAD_STRINGS = [12345, ["vpc-0123456789abcdef0"], {"id": 1}, "", LONG, "vpc-ünïcödé0", "; rm -rf / #",
               "../../etc/passwd", "$(reboot)", "\u202evpc-0123456789abcdef0"]
BAD_IDS = BAD_STRINGS + ["sg-0123456789abcdef0"]  # a real id of the wrong kind
# A group may be named by its Name tag: a path-like or non-ASCII name is a legal one (looked up,
# and not found, in test_clients.py), so only what no id or name can be stays here.
BAD_GROUP_IDS = [b for b in BAD_STRINGS if b not in ("../../etc/passwd", "vpc-ünïcödé0")] + [
    "vpc-0123456789abcdef0"]
# So may a VPC; `vpc-…` is always checked as an id.
BAD_VPC_IDS = [b for b in BAD_STRINGS if b != "../../etc/passwd"] + ["sg-0123456789abcdef0"]

GOOD = {
    "vpc_id": "vpc-0123456789abcdef0",
    "subnet_ids": ["subnet-0123456789abcdef0"],
    "security_group_ids": ["sg-0123456789abcdef0"],
    "cluster_id": "in01-840ec44485bf25d",
    "endpoint_id": "vpce-0123456789abcdef0",
    "endpoint_security_group_id": "sg-0123456789abcdef0",
    "source_security_group_id": "sg-0123456789abcdef1",
    "region": "us-west-2",
    "project_id": "proj-4487580fcfe2c8a4391686",
}

# For each tool: the arguments to spoil one at a time, with the other arguments valid.
CASES = {
    "list_vpcs": {"region": BAD_STRINGS, "limit": [-1, "ten", 0, 1.5], "cursor": [12, "bogus"]},
    "list_subnets": {"vpc_id": BAD_VPC_IDS, "region": BAD_STRINGS, "limit": [-1, "ten", 0, 1.5]},
    "list_security_groups": {"vpc_id": BAD_VPC_IDS, "limit": [-5, "x"], "cursor": [12, "bogus"]},
    "list_instances": {"vpc_id": BAD_VPC_IDS, "security_group_id": BAD_GROUP_IDS, "name": ["", "a\nb"],
                       "limit": [0, -1, "x"], "cursor": [12, "bogus"]},
    "list_zilliz_clusters": {"project_id": BAD_STRINGS, "limit": [-1, "x", 0]},
    "get_endpoint_service": {"region": BAD_STRINGS},
    "create_vpc_endpoint": {"vpc_id": BAD_VPC_IDS, "subnet_ids": [[], "subnet-0123456789abcdef0",
                                                              [LONG], ["vpc-0123456789abcdef0"], [1]],
                            "security_group_ids": [["sg-1"], "sg", [None]],
                            "cluster_id": BAD_STRINGS, "confirm": ["yes", 1, None]},
    "register_endpoint": {"endpoint_id": BAD_IDS, "cluster_id": BAD_STRINGS, "confirm": ["true"]},
    "wait_for_endpoint": {"endpoint_id": BAD_IDS, "timeout_seconds": [-1, 0, "60", 1e99],
                          "region": BAD_STRINGS},
    "setup_private_dns": {"cluster_id": BAD_STRINGS, "vpc_id": BAD_VPC_IDS, "endpoint_id": BAD_IDS},
    "allow_client_access": {"endpoint_security_group_id": BAD_GROUP_IDS,
                            "source_security_group_id": BAD_GROUP_IDS,
                            "port": [0, 70000, -1, "19530", 1.5]},
    "get_setup_status": {"cluster_id": BAD_STRINGS, "vpc_id": BAD_VPC_IDS,
                         "client_security_group_id": BAD_GROUP_IDS, "client_vpc_id": BAD_VPC_IDS},
    "diagnose_private_link": {"cluster_id": BAD_STRINGS, "vpc_id": BAD_VPC_IDS,
                              "client_instance_id": BAD_IDS,
                              "client_vpc_id": BAD_VPC_IDS,
                              "client_security_group_id": BAD_GROUP_IDS, "client_cidr": BAD_STRINGS[1:] + ["10.0.0.0/33"],
                              "dns_server": [12345, ["10.0.0.2"], LONG, "not-an-ip", "1.2.3.4:99999", "; rm"],
                              "probe_timeout_ms": [0, 10**9, "fast"]},
    "remove_private_link": {"cluster_id": BAD_STRINGS, "vpc_id": BAD_VPC_IDS,
                            "remove_shared_endpoint": ["yes", 1, None]},
    "audit_private_links": {"regions": [["mars-1"], "us-west-2", [LONG], [1], ["gcp-us-west1"]],
                            "project_id": BAD_STRINGS, "cursor": [12, "bogus", LONG],
                            "limit": [0, -1, "ten"]},
    "export_terraform": {"cluster_id": BAD_STRINGS, "vpc_id": BAD_VPC_IDS},
    "probe_from_instance": {"client_instance_id": BAD_IDS, "region": BAD_STRINGS,
                            "cluster_id": BAD_STRINGS,
                            "address": ["https://a$(id).example.com:443", "host-without-port",
                                        "https://a'b.example.com:443", "https://A;reboot:1", LONG]},
}

BASE = {
    "list_vpcs": {},
    "list_subnets": {"vpc_id": GOOD["vpc_id"]},
    "list_security_groups": {"vpc_id": GOOD["vpc_id"]},
    "list_instances": {"vpc_id": GOOD["vpc_id"]},
    "list_zilliz_clusters": {},
    "get_endpoint_service": {"region": GOOD["region"]},
    "create_vpc_endpoint": {k: GOOD[k] for k in ("vpc_id", "subnet_ids", "cluster_id")},
    "register_endpoint": {k: GOOD[k] for k in ("endpoint_id", "cluster_id")},
    "wait_for_endpoint": {"endpoint_id": GOOD["endpoint_id"]},
    "setup_private_dns": {k: GOOD[k] for k in ("cluster_id", "vpc_id")},
    "allow_client_access": {"endpoint_security_group_id": GOOD["endpoint_security_group_id"],
                            "source_security_group_id": GOOD["source_security_group_id"], "port": 19530},
    "get_setup_status": {k: GOOD[k] for k in ("cluster_id", "vpc_id")},
    "diagnose_private_link": {k: GOOD[k] for k in ("cluster_id", "vpc_id")},
    "remove_private_link": {k: GOOD[k] for k in ("cluster_id", "vpc_id")},
    "audit_private_links": {},
    "export_terraform": {k: GOOD[k] for k in ("cluster_id", "vpc_id")},
    "probe_from_instance": {"client_instance_id": "i-0123456789abcdef0", "region": "us-west-2",
                            "address": "https://in01-0123456789abcdef-privatelink.aws-us-west-2"
                                       ".vectordb.zillizcloud.com:19531", "confirm": True},
}


async def test_every_tool_refuses_bad_arguments_before_any_cloud_call(server_env, zilliz_server):
    aws = CountingAws()
    for variable in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ROUTE53RESOLVER",
                     "AWS_ENDPOINT_URL_ROUTE53PROFILES", "AWS_ENDPOINT_URL_SSM"):
        server_env[variable] = aws.url
    zilliz_server.reset()
    calls = 0
    offenders = []
    async with mcp_session(server_env) as s:
        listed = {t.name for t in (await s.list_tools()).tools}
        assert listed == set(CASES), listed ^ set(CASES)
        for tool, fields in CASES.items():
            for field, values in fields.items():
                for value in values:
                    arguments = dict(BASE[tool], **{field: value})
                    before = len(aws.hits) + len(zilliz_server.requests)
                    result = await s.call_tool(tool, arguments)
                    calls += 1
                    if len(aws.hits) + len(zilliz_server.requests) != before:
                        offenders.append((tool, field, repr(value)[:40]))
                    message = text_of(result)
                    assert result.isError, (tool, field, repr(value)[:80], message[:300])
                    assert 0 < len(message) < 2000, (tool, field, len(message))
                    assert LONG not in message
        assert offenders == [], offenders
        assert aws.hits == [] and zilliz_server.requests == [], (aws.hits, zilliz_server.requests)
        # The session still serves, and a valid call does reach the cloud.
        result = await s.call_tool("list_zilliz_clusters", {})
        assert not result.isError and zilliz_server.requests
    assert calls > 150
    aws.server.shutdown()
