"""wait_for_endpoint against states moto cannot show (it makes endpoints available at once):
a small EC2 fake over real HTTP answers DescribeVpcEndpoints with the state a test sets."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import anyio
import pytest
from mcp import types

from conftest import mcp_session
from conftest import call_ok

pytestmark = pytest.mark.anyio

ENDPOINT = "vpce-0123456789abcdef0"


class FakeEc2:
    def __init__(self):
        self.state = "pendingAcceptance"
        self.polls = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                assert body["Action"] == ["DescribeVpcEndpoints"], body
                fake.polls += 1
                xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<DescribeVpcEndpointsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r-1</requestId>
  <vpcEndpointSet><item>
    <vpcEndpointId>{ENDPOINT}</vpcEndpointId>
    <vpcEndpointType>Interface</vpcEndpointType>
    <vpcId>vpc-0123456789abcdef0</vpcId>
    <serviceName>com.amazonaws.vpce.us-west-2.vpce-svc-0123456789abcdef0</serviceName>
    <state>{fake.state}</state>
  </item></vpcEndpointSet>
</DescribeVpcEndpointsResponse>""".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(xml)))
                self.end_headers()
                self.wfile.write(xml)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def ec2_fake(server_env):
    fake = FakeEc2()
    server_env["AWS_ENDPOINT_URL"] = fake.url
    yield fake
    fake.server.shutdown()


async def test_a_pending_endpoint_times_out_with_progress(ec2_fake, server_env):
    steps = []

    async def on_progress(progress, total, message):
        steps.append((progress, total, message))

    async with mcp_session(server_env) as s:
        started = time.monotonic()
        result = await s.call_tool("wait_for_endpoint", {"endpoint_id": ENDPOINT, "timeout_seconds": 3},
                                   progress_callback=on_progress)
        elapsed = time.monotonic() - started
    out = result.structuredContent
    assert not result.isError
    assert (out["ready"], out["timed_out"], out["state"]) == (False, True, "pendingAcceptance")
    assert "register_endpoint" in out["message"]
    assert elapsed < 6
    assert ec2_fake.polls >= 2
    assert steps, "no progress notification"
    assert all(total == 3.0 for _, total, _ in steps)
    assert [p for p, _, _ in steps] == sorted(p for p, _, _ in steps)
    assert "pendingAcceptance" in steps[0][2]


async def test_a_rejected_endpoint_ends_the_wait_with_what_to_do(ec2_fake, server_env):
    ec2_fake.state = "rejected"
    async with mcp_session(server_env) as s:
        out = await call_ok(s, "wait_for_endpoint", endpoint_id=ENDPOINT)
    assert (out["ready"], out["timed_out"], out["state"]) == (False, False, "rejected")
    assert "whitelisted" in out["message"]
    assert ec2_fake.polls == 1


async def test_cancellation_stops_the_polling(ec2_fake, server_env):
    async with mcp_session(server_env) as s:
        request_id = s._request_id  # the id the next request will carry
        async with anyio.create_task_group() as group:
            group.start_soon(s.call_tool, "wait_for_endpoint",
                             {"endpoint_id": ENDPOINT, "timeout_seconds": 120})
            await anyio.sleep(1.0)
            await s.send_notification(types.ClientNotification(types.CancelledNotification(
                params=types.CancelledNotificationParams(requestId=request_id, reason="user"))))
            await anyio.sleep(0.5)
            polls_at_cancel = ec2_fake.polls
            await anyio.sleep(5)
            assert ec2_fake.polls == polls_at_cancel, "the server kept polling after cancel"
            group.cancel_scope.cancel()
        ec2_fake.state = "available"
        out = await call_ok(s, "wait_for_endpoint", endpoint_id=ENDPOINT)
        assert out["ready"] is True


async def test_a_client_that_gives_up_gets_an_answer_and_waits_across_calls(ec2_fake, server_env):
    """Claude Desktop gives up on a call after about 60 s; the server's default call runs 40 s.
    Scaled down tenfold (the call budget at 4 s, a client that gives up at 6 s, an endpoint
    pending for 9 s): each call with the defaults answers inside the client's patience, says
    the endpoint is still on its way and proposes itself again, and a later call reports it
    ready."""
    from datetime import timedelta
    from conftest import assert_calls_are_valid
    server_env["ZILLIZ_PRIVATELINK_CALL_SECONDS"] = "4"
    became_available = time.monotonic() + 9
    threading.Timer(9, lambda: setattr(ec2_fake, "state", "available")).start()
    answers = []
    async with mcp_session(server_env) as s:
        while True:
            started = time.monotonic()
            result = await s.call_tool("wait_for_endpoint", {"endpoint_id": ENDPOINT},
                                       read_timeout_seconds=timedelta(seconds=6))
            elapsed = time.monotonic() - started
            assert not result.isError, result
            out = result.structuredContent
            await assert_calls_are_valid(s, out)
            answers.append((out["ready"], round(elapsed, 1)))
            assert elapsed < 5, answers
            if out["ready"]:
                break
            assert out["timed_out"] and "again" in out["message"], out
            assert out["next_action"] == {"tool": "wait_for_endpoint",
                                          "arguments": {"endpoint_id": ENDPOINT}}
            assert time.monotonic() < became_available + 5, answers
    assert len(answers) >= 3 and answers[-1][0] is True, answers
    assert time.monotonic() >= became_available
