"""The discovery tools, end to end: the built binary, a real MCP client, moto, the fake."""

import json
import time

import jsonschema
import pytest
from mcp.shared.exceptions import McpError

from conftest import (API_KEY, AWS_SECRET, CLUSTER, CLUSTER_PORT, PROJECT, REGION, boto, call,
                      call_err, call_ok,
                      free_port, mcp_session, text_of)

pytestmark = pytest.mark.anyio

DISCOVERY = {"list_vpcs", "list_subnets", "list_security_groups", "list_zilliz_clusters",
             "get_endpoint_service"}


async def test_tools_are_listed_with_schemas_and_annotations(world, server_env):
    async with mcp_session(server_env) as s:
        tools = {t.name: t for t in (await s.list_tools()).tools}
        assert DISCOVERY <= set(tools)
        for name in DISCOVERY:
            tool = tools[name]
            assert tool.outputSchema and tool.outputSchema.get("type") == "object", name
            assert tool.inputSchema.get("type") == "object", name
            a = tool.annotations
            assert (a.readOnlyHint, a.destructiveHint, a.idempotentHint, a.openWorldHint) == (
                True, False, True, True), name
            assert len(tool.description) > 60, name


async def test_list_vpcs_answers_the_seeded_vpcs(world, server_env):
    async with mcp_session(server_env) as s:
        out = await call_ok(s, "list_vpcs", region=f"aws-{REGION}")
        tools = {t.name: t for t in (await s.list_tools()).tools}
        jsonschema.validate(out, tools["list_vpcs"].outputSchema)
    assert (out["region_id"], out["aws_region"]) == (f"aws-{REGION}", REGION)
    vpcs = {v["vpc_id"]: v for v in out["vpcs"]}
    app = vpcs[world.vpc]
    assert app["name"] == "app-vpc"
    assert app["cidr_blocks"] == ["10.0.0.0/16"]
    assert (app["dns_support"], app["dns_hostnames"]) == (True, True)
    assert app["is_default"] is False
    other = vpcs[world.other_vpc]
    assert other["cidr_blocks"] == ["172.16.0.0/16"]
    assert other["dns_hostnames"] is False


async def test_list_subnets_marks_the_zones_the_service_is_offered_in(world, server_env):
    async with mcp_session(server_env) as s:
        out = await call_ok(s, "list_subnets", vpc_id=world.vpc)
    assert out["total"] == 3 and "next_cursor" not in out
    assert out["service_availability_zones"] == [f"{REGION}a", f"{REGION}b"]
    by_az = {x["availability_zone"]: x for x in out["subnets"]}
    assert by_az[f"{REGION}a"]["subnet_id"] == world.subnets["a"]
    assert by_az[f"{REGION}a"]["cidr"] == "10.0.0.0/24"
    assert by_az[f"{REGION}a"]["name"] == "app-a"
    assert by_az[f"{REGION}a"]["service_supported"] is True
    assert by_az[f"{REGION}b"]["service_supported"] is True
    assert by_az[f"{REGION}c"]["service_supported"] is False


async def test_a_153_subnet_vpc_pages_completely_and_small(world, server_env, moto_url):
    ec2 = boto("ec2", moto_url)
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    made = set()
    for i in range(153):
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.50.{i}.0/24",
                                   AvailabilityZone=f"{REGION}{'abc'[i % 3]}")
        made.add(subnet["Subnet"]["SubnetId"])
    seen, cursor, pages = [], None, 0
    async with mcp_session(server_env) as s:
        while True:
            args = {"vpc_id": vpc} | ({"cursor": cursor} if cursor else {})
            result = await call(s, "list_subnets", **args)
            assert not result.isError, text_of(result)
            size = len(result.model_dump_json(by_alias=True, exclude_none=True))
            assert size < 32_000, size
            out = result.structuredContent
            assert out["total"] == 153
            seen += [x["subnet_id"] for x in out["subnets"]]
            pages += 1
            cursor = out.get("next_cursor")
            if not cursor:
                break
    assert pages == 2
    assert len(seen) == len(set(seen)) == 153
    assert set(seen) == made


async def test_list_vpcs_pages_completely_and_reads_only_the_pages_attributes(
        world, server_env, moto_url):
    ec2 = boto("ec2", moto_url)
    for i in range(60):
        ec2.create_vpc(CidrBlock=f"10.{100 + i}.0.0/16")
    every = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
    seen, cursor, pages = [], None, 0
    async with mcp_session(server_env) as s:
        while True:
            out = await call_ok(s, "list_vpcs", limit=25, **({"cursor": cursor} if cursor else {}))
            assert out["total"] == len(every)
            assert len(out["vpcs"]) <= 25
            assert all(v["dns_support"] is not None for v in out["vpcs"])
            seen += [v["vpc_id"] for v in out["vpcs"]]
            pages += 1
            cursor = out.get("next_cursor")
            if not cursor:
                break
        bad = await call(s, "list_vpcs", cursor="not-a-cursor")
        assert bad.isError and "not-a-cursor" in text_of(bad)
        first = await call_ok(s, "list_vpcs")
    assert pages == -(-len(every) // 25)
    assert len(seen) == len(set(seen)) and set(seen) == every
    assert seen == sorted(seen), "a stable order, so cursors hold across calls"
    assert len(first["vpcs"]) == 50 and first["next_cursor"]


async def test_list_security_groups_summarises_rules(world, server_env):
    async with mcp_session(server_env) as s:
        out = await call_ok(s, "list_security_groups", vpc_id=world.vpc)
    groups = {g["group_id"]: g for g in out["security_groups"]}
    endpoint = groups[world.endpoint_sg]
    assert endpoint["name"] == "zilliz-endpoint"
    assert endpoint["inbound"] == [f"tcp {CLUSTER_PORT} from {world.app_sg} (app servers)"]
    assert endpoint["outbound"] == ["all traffic to 0.0.0.0/0"]
    assert groups[world.app_sg]["description"] == "app servers"
    assert out["total"] == len(groups) == 3  # with the VPC's default group


async def test_list_zilliz_clusters_parses_the_private_link(world, server_env, zilliz_server):
    zilliz_server.endpoints[PROJECT] = [{"regionId": f"aws-{REGION}", "endpointId": "vpce-0123456789abcdef0"}]
    async with mcp_session(server_env) as s:
        out = await call_ok(s, "list_zilliz_clusters")
        only = await call_ok(s, "list_zilliz_clusters", project_id=PROJECT)
    clusters = {c["cluster_id"]: c for c in out["clusters"]}
    c = clusters[CLUSTER]
    assert (c["region_id"], c["aws_region"], c["plan"], c["status"]) == (
        f"aws-{REGION}", REGION, "Enterprise", "RUNNING")
    assert c["private_link_host"] == f"{CLUSTER}-privatelink.aws-{REGION}.vectordb.zillizcloud.com"
    assert c["private_link_port"] == CLUSTER_PORT
    assert clusters["in01-0000000000aaaaa"]["aws_region"] is None
    assert [c["cluster_id"] for c in only["clusters"]] == [CLUSTER]


async def test_get_endpoint_service_has_the_service_and_its_zones(world, server_env):
    async with mcp_session(server_env) as s:
        out = await call_ok(s, "get_endpoint_service", region=REGION)
    assert out["service_name"] == world.service_name
    assert out["availability_zones"] == [f"{REGION}a", f"{REGION}b"]
    assert out["availability_zones_known"] is True
    assert out["whitelist_required"] is False
    assert (out["region_id"], out["aws_region"]) == (f"aws-{REGION}", REGION)


async def test_bad_input_is_named_and_the_server_keeps_serving(world, server_env, zilliz_server):
    async with mcp_session(server_env) as s:
        zilliz_server.requests.clear()
        message = await call_err(s, "list_subnets", vpc_id="vpc-XYZ")
        assert "vpc_id" in message and "`vpc-XYZ`" in message
        message = await call_err(s, "get_endpoint_service", region="mars-1")
        assert "`mars-1`" in message
        message = await call_err(s, "list_zilliz_clusters", project_id="../etc/passwd")
        assert "project_id" in message
        message = await call_err(s, "list_subnets", vpc_id=world.vpc, colour="blue")
        assert "colour" in message
        # Nothing was asked of Zilliz for input that failed validation.
        assert zilliz_server.requests == []
        message = await call_err(s, "list_subnets", vpc_id="vpc-0123456789abcdef0")
        assert "vpc-0123456789abcdef0" in message and "not found" in message
        message = await call_err(s, "list_subnets", vpc_id=world.vpc, cursor="bogus")
        assert "cursor" in message
        out = await call_ok(s, "list_subnets", vpc_id=world.vpc)
        assert out["total"] == 3


async def test_unknown_tool_is_a_protocol_error(world, server_env):
    async with mcp_session(server_env) as s:
        with pytest.raises(McpError):
            await s.call_tool("no_such_tool", {})
        assert (await call_ok(s, "list_vpcs"))["vpcs"]


async def test_a_missing_key_names_the_variable_and_aws_still_works(world, server_env):
    del server_env["ZILLIZ_CLOUD_API_KEY"]
    async with mcp_session(server_env) as s:
        message = await call_err(s, "list_zilliz_clusters")
        assert "ZILLIZ_CLOUD_API_KEY" in message
        out = await call_ok(s, "list_subnets", vpc_id=world.vpc)
        assert out["subnets"][0]["service_supported"] is None
        assert "ZILLIZ_CLOUD_API_KEY" in out["note"]


async def test_a_rejected_key_says_so(world, server_env):
    server_env["ZILLIZ_CLOUD_API_KEY"] = "zk-wrong-key"
    async with mcp_session(server_env) as s:
        message = await call_err(s, "list_zilliz_clusters")
        assert "21119" in message and "ZILLIZ_CLOUD_API_KEY" in message
        assert "requestid" in message
        assert (await call_ok(s, "list_vpcs"))["vpcs"]


async def test_a_503_is_retried(world, server_env, zilliz_server):
    zilliz_server.fail_next = [(503, {"message": "busy"}), (503, {"message": "busy"})]
    async with mcp_session(server_env) as s:
        out = await call_ok(s, "list_zilliz_clusters")
    assert out["total"] == 2
    assert [r[1] for r in zilliz_server.requests].count("/v2/clusters") == 3


async def test_no_secret_appears_in_results_or_logs(world, server_env, tmp_path):
    log = tmp_path / "stderr.log"
    outputs = []
    async with mcp_session(server_env, stderr_path=log) as s:
        outputs.append((await s.list_tools()).model_dump_json())
        for tool, args in [("list_vpcs", {}), ("list_subnets", {"vpc_id": world.vpc}),
                           ("list_security_groups", {"vpc_id": world.vpc}),
                           ("list_zilliz_clusters", {}), ("get_endpoint_service", {"region": REGION}),
                           ("list_subnets", {"vpc_id": "bad"})]:
            outputs.append((await s.call_tool(tool, args)).model_dump_json())
    server_env["ZILLIZ_CLOUD_API_KEY"] = "zk-wrong-key-5566"
    async with mcp_session(server_env, stderr_path=tmp_path / "stderr2.log") as s:
        outputs.append((await s.call_tool("list_zilliz_clusters", {})).model_dump_json())
    logs = log.read_text() + (tmp_path / "stderr2.log").read_text()
    assert "serving MCP over stdio" in logs  # the log was captured at all
    for secret in (API_KEY, AWS_SECRET, "zk-wrong-key-5566"):
        assert secret not in logs
        assert all(secret not in o for o in outputs)


async def test_startup_touches_no_network(server_env):
    dead = f"http://127.0.0.1:{free_port()}"
    server_env["AWS_ENDPOINT_URL"] = dead
    server_env["ZILLIZ_CLOUD_URI"] = dead
    started = time.monotonic()
    async with mcp_session(server_env) as s:
        tools = (await s.list_tools()).tools
        elapsed = time.monotonic() - started
        assert len(tools) >= 5
        message = await call_err(s, "list_vpcs")
        assert "could not be reached" in message
    assert elapsed < 1.0, elapsed
