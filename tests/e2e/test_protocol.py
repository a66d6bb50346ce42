"""Protocol reach: the server speaks each revision a client asks for (the Python client
sends its latest, 2025-11-25; older clients send 2025-06-18 or 2025-03-26)."""

import contextlib

import pytest
from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client

from conftest import BINARY, REGION

pytestmark = pytest.mark.anyio


@contextlib.asynccontextmanager
async def session_speaking(env, version, monkeypatch):
    monkeypatch.setattr(types, "LATEST_PROTOCOL_VERSION", version)
    params = StdioServerParameters(command=str(BINARY), args=[], env=env)
    with open("/dev/null", "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                init = await session.initialize()
                yield session, init


@pytest.mark.parametrize("version", ["2025-11-25", "2025-06-18", "2025-03-26"])
async def test_each_revision_lists_and_calls_tools(world, server_env, monkeypatch, version):
    async with session_speaking(server_env, version, monkeypatch) as (s, init):
        assert init.protocolVersion == version
        assert init.serverInfo.name == "zilliz-privatelink-mcp"
        assert init.instructions and "create_vpc_endpoint" in init.instructions
        tools = {t.name: t for t in (await s.list_tools()).tools}
        assert tools["list_vpcs"].outputSchema
        result = await s.call_tool("list_vpcs", {"region": REGION})
        assert not result.isError
        assert world.vpc in {v["vpc_id"] for v in result.structuredContent["vpcs"]}
        prompts = (await s.list_prompts()).prompts
        assert {p.name for p in prompts} >= {"setup_private_link", "troubleshoot_private_link"}


def start_and_stop(env):
    """The server's stderr over a whole session: initialize, tools/list, then end of input."""
    import json
    import subprocess
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                    "clientInfo": {"name": "log-test", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
    ]
    done = subprocess.run([str(BINARY)], input="".join(json.dumps(m) + "\n" for m in messages),
                          capture_output=True, text=True, env=env, timeout=30)
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a.get("id") for a in answers] == [1, 2], done.stdout
    return [line for line in done.stderr.splitlines() if line.strip()]


def test_start_up_logs_one_line_and_rust_log_asks_for_more(server_env):
    quiet = dict(server_env)
    quiet.pop("RUST_LOG", None)
    lines = start_and_stop(quiet)
    assert len(lines) == 1 and "serving MCP over stdio" in lines[0], lines
    assert "log-test" not in lines[0]
    chatty = start_and_stop(dict(quiet, RUST_LOG="debug"))
    assert len(chatty) > 1
