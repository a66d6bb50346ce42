"""Injected faults between the server and its clouds: throttling, 5xx, resets, slow answers
and lost answers. Every operation completes after retries or fails clearly, in bounded
time, and never leaves a duplicate behind."""

import time

import anyio
import pytest

from conftest import CLUSTER, PROJECT, REGION, boto, mcp_session, text_of
from fault_proxy import FaultProxy, Rule
from conftest import call_ok

pytestmark = pytest.mark.anyio


@pytest.fixture
def proxy(moto_url, server_env):
    p = FaultProxy(moto_url)
    server_env["AWS_ENDPOINT_URL"] = p.url
    yield p
    p.stop()


async def test_reads_survive_throttling_5xx_resets_and_slow_answers(world, server_env, proxy):
    proxy.rules = [Rule("DescribeVpcs", "throttle", 2), Rule("DescribeSubnets", "500"),
                   Rule("DescribeVpcAttribute", "slow"), Rule("DescribeVpcEndpointServices", "503"),
                   Rule("DescribeSecurityGroups", "reset_before")]
    async with mcp_session(server_env) as s:
        started = time.monotonic()
        vpcs = await call_ok(s, "list_vpcs")
        subnets = await call_ok(s, "list_subnets", vpc_id=world.vpc)
        groups = await call_ok(s, "list_security_groups", vpc_id=world.vpc)
        elapsed = time.monotonic() - started
    assert world.vpc in {v["vpc_id"] for v in vpcs["vpcs"]}
    assert subnets["total"] == 3 and subnets["service_availability_zones"]
    assert groups["total"] == 3
    faults = [f for _, f in proxy.seen if f]
    assert sorted(faults) == sorted(["throttle", "throttle", "500", "slow", "503", "reset_before"])
    assert elapsed < 30, elapsed


async def test_persistent_failure_is_a_clear_error_in_bounded_time(world, server_env, proxy):
    proxy.rules = [Rule("DescribeVpcs", "500", times=100)]
    async with mcp_session(server_env) as s:
        started = time.monotonic()
        result = await s.call_tool("list_vpcs", {})
        elapsed = time.monotonic() - started
        assert result.isError and "InternalError" in text_of(result)
        proxy.rules = []
        assert (await call_ok(s, "list_vpcs"))["vpcs"]
    assert elapsed < 30, elapsed


async def test_lost_answers_to_creates_leave_no_duplicates(world, server_env, proxy, moto_url,
                                                           zilliz_server):
    proxy.rules = [Rule("CreateSecurityGroup", "500_after"), Rule("CreateVpcEndpoint", "500_after"),
                   Rule("/hostedzone", "500_after", method="POST")]
    zilliz_server.fail_after = [("POST", 503)]
    ec2 = world.ec2
    async with mcp_session(server_env) as s:
        args = dict(vpc_id=world.vpc, subnet_ids=[world.subnets["a"], world.subnets["b"]],
                    cluster_id=CLUSTER, confirm=True)
        first = await s.call_tool("create_vpc_endpoint", args)
        if first.isError:  # a clear error is allowed; the next call must resume, not duplicate
            first = await s.call_tool("create_vpc_endpoint", args)
        assert not first.isError, text_of(first)
        endpoint_id = first.structuredContent["endpoint_id"]
        again = await call_ok(s, "create_vpc_endpoint", **args)
        assert again["endpoint_id"] == endpoint_id

        registered = await s.call_tool("register_endpoint", {"endpoint_id": endpoint_id,
                                                             "cluster_id": CLUSTER, "confirm": True})
        assert not registered.isError, text_of(registered)

        dns = await s.call_tool("setup_private_dns", {"cluster_id": CLUSTER, "vpc_id": world.vpc,
                                                      "confirm": True})
        if dns.isError:
            dns = await s.call_tool("setup_private_dns", {"cluster_id": CLUSTER, "vpc_id": world.vpc,
                                                          "confirm": True})
        assert not dns.isError, text_of(dns)

    assert all(r.times == 0 for r in proxy.rules), [(r.match, r.times) for r in proxy.rules]
    assert zilliz_server.fail_after == []
    endpoints = ec2.describe_vpc_endpoints()["VpcEndpoints"]
    assert [e["VpcEndpointId"] for e in endpoints] == [endpoint_id]
    dedicated = [g for g in ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [world.vpc]}])["SecurityGroups"]
        if g["GroupName"].startswith("zilliz-privatelink-")]
    assert len(dedicated) == 1
    assert [e["endpointId"] for e in zilliz_server.endpoints[PROJECT]] == [endpoint_id]
    zones = boto("route53", moto_url).list_hosted_zones()["HostedZones"]
    assert len([z for z in zones if z["Name"].startswith(CLUSTER)]) == 1


async def test_a_hundred_concurrent_calls_all_answer(world, server_env):
    calls = []
    for i in range(100):
        calls.append([("list_vpcs", {}), ("list_subnets", {"vpc_id": world.vpc}),
                      ("get_endpoint_service", {"region": REGION}),
                      ("list_subnets", {"vpc_id": "vpc-bad"})][i % 4])
    results = [None] * len(calls)
    async with mcp_session(server_env) as s:
        async def run(i, tool, args):
            results[i] = await s.call_tool(tool, args)

        async with anyio.create_task_group() as group:
            for i, (tool, args) in enumerate(calls):
                group.start_soon(run, i, tool, args)
    for (tool, args), result in zip(calls, results):
        if args.get("vpc_id") == "vpc-bad":
            assert result.isError and "vpc-bad" in text_of(result)
        elif tool == "list_vpcs":
            assert world.vpc in {v["vpc_id"] for v in result.structuredContent["vpcs"]}
        elif tool == "list_subnets":
            assert result.structuredContent["total"] == 3
        else:
            assert result.structuredContent["service_name"] == world.service_name


async def test_reads_throttled_past_the_retries_leave_the_diagnosis_unknown_never_healthy(
        world, server_env, proxy, moto_url):
    """The same link diagnosed with each of three of its reads throttled on every try: the
    report names the read and its error, says what it could not judge, and is never healthy
    (status is not complete where a step needs the read)."""
    from conftest import set_up_link
    async with mcp_session(server_env) as s:
        await set_up_link(s, world.ec2, world.vpc, [world.subnets["a"], world.subnets["b"]])
        healthy = await call_ok(s, "diagnose_private_link", cluster_id=CLUSTER, vpc_id=world.vpc,
                                probe=False)
        assert healthy["verdict"] == "healthy", healthy
        for action, check in (("DescribeSubnets", "endpoint_availability_zones"),
                              ("DescribeVpcAttribute", "vpc_dns_attributes")):
            proxy.rules = [Rule(action, "throttle", times=1000)]
            report = await call_ok(s, "diagnose_private_link", cluster_id=CLUSTER,
                                   vpc_id=world.vpc, probe=False)
            status = await call_ok(s, "get_setup_status", cluster_id=CLUSTER, vpc_id=world.vpc)
            proxy.rules = []
            assert report["healthy"] is False and report["verdict"] != "healthy", report
            [finding] = [f for f in report["findings"] if f["check"] == check]
            assert action in finding["detail"] and "RequestLimitExceeded" in finding["detail"]
            assert finding["status"] == "skip" and finding["unjudged"] and finding.get("fix"), finding
            if action == "DescribeVpcAttribute":
                assert status["complete"] is False and status["unknown"], status
