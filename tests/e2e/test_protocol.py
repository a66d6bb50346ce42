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
