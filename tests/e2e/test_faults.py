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


# Each read of iam/read-only.json as the fault proxy recognizes its request: EC2's form
# `Action`, Route 53's REST path, Route 53 Resolver's and CloudWatch Logs' `X-Amz-Target`,
# Route 53 Profiles' path.
R53 = "/2013-04-01"
READS = {
    "route53:GetHostedZone": ("aws", rf"{R53}/hostedzone/[^/]+"),
    "route53:ListHostedZones": ("aws", rf"{R53}/hostedzone"),
    "route53:ListHostedZonesByName": ("aws", rf"{R53}/hostedzonesbyname"),
    "route53:ListHostedZonesByVPC": ("aws", rf"{R53}/hostedzonesbyvpc"),
    "route53:ListResourceRecordSets": ("aws", rf"{R53}/hostedzone/[^/]+/rrset/?"),
    "route53:ListTagsForResource": ("aws", rf"{R53}/tags/hostedzone/[^/]+"),
    "route53:ListTagsForResources": ("aws", rf"{R53}/tags/hostedzone"),
    "route53profiles:ListProfileAssociations": ("extras", r"/profileassociations"),
    "route53profiles:ListProfileResourceAssociations": ("extras", r"/profileresourceassociations/.*"),
}


def throttled_read(action):
    """(which proxy, the rule that throttles `action` on every try)."""
    service, name = action.split(":")
    if action in READS:
        where, pattern = READS[action]
    elif service == "ec2":
        where, pattern = "aws", name
    elif service == "logs":
        where, pattern = "aws", rf"Logs_20140328\.{name}"
    else:
        where, pattern = "extras", rf"Route53Resolver\.{name}"
    return where, Rule(None, "throttle", times=10_000, pattern=pattern)


async def test_each_read_throttled_past_the_retries_is_named_and_never_healthy(
        world, server_env, moto_url, aws_extras, tmp_path):
    """Once for each read of iam/read-only.json, that read throttled on every try (each in a
    session of its own, all at once): an answer that tried it names it and is neither healthy
    nor complete where it judges by it, or, naming it only as a read that decided nothing,
    concludes what the unthrottled answer does."""
    import json as json_
    from conftest import call_ok, plant_the_enterprise_reads, set_up_link
    from test_iam import DECIDES_NOTHING_HERE, actions_of, document, outcome
    plant_the_enterprise_reads(world, moto_url, aws_extras)
    async with mcp_session(server_env) as s:
        await set_up_link(s, world.ec2, world.vpc, [world.subnets["a"], world.subnets["b"]])

    async def answers(env, rule=None):
        """Status and diagnosis, each with whether it tried the throttled read."""
        left = lambda: rule.times if rule else 0  # noqa: E731
        async with mcp_session(env, "--read-only") as s:
            before = left()
            status = await call_ok(s, "get_setup_status", cluster_id=CLUSTER, vpc_id=world.vpc)
            between = left()
            report = await call_ok(s, "diagnose_private_link", cluster_id=CLUSTER,
                                   vpc_id=world.vpc, client_instance_id=world.instance,
                                   probe=False)
            return (status, between < before), (report, left() < between)

    baseline = [answer for answer, _ in await answers(server_env)]
    assert baseline[1]["verdict"] == "healthy", baseline[1]
    wrong, proxies, throttled = [], [], []

    # At most 16 sessions at once: each is a server of its own, and on two cores 32 at
    # once can starve one past the diagnosis's deadline, which then names no read at all.
    at_once = anyio.Semaphore(16)

    async def one(action):
        async with at_once:
            await throttled_once(action)

    async def throttled_once(action):
        where, rule = throttled_read(action)
        aws, extras = FaultProxy(moto_url), FaultProxy(aws_extras.url)
        proxies.extend([aws, extras])
        (aws if where == "aws" else extras).rules = [rule]
        env = dict(server_env, AWS_ENDPOINT_URL=aws.url,
                   AWS_ENDPOINT_URL_ROUTE53RESOLVER=extras.url,
                   AWS_ENDPOINT_URL_ROUTE53PROFILES=extras.url)
        got = await answers(env, rule)
        for (answer, tried), base in zip(got, baseline):
            judging = {k: v for k, v in answer.items() if k != "not_read"}
            judged = answer.get("complete", answer.get("healthy"))
            if action in json_.dumps(judging):
                if judged is True:
                    wrong.append(f"{action}: named where judged, yet {judged}")
            elif action in json_.dumps(answer.get("not_read", [])):
                if outcome(answer) != outcome(base):
                    wrong.append(f"{action}: said to decide nothing, yet {outcome(answer)}")
            elif tried and action not in DECIDES_NOTHING_HERE:
                wrong.append(f"{action}: throttled, and not named: {outcome(answer)[:2]}")
        if rule.times < 10_000:
            throttled.append(action)
        # What a throttled read leaves: the check that needs it unjudged, naming the error.
        checks = {"ec2:DescribeSubnets": "endpoint_availability_zones",
                  "ec2:DescribeVpcAttribute": "vpc_dns_attributes"}
        if action in checks:
            report = got[1][0]
            [found] = [f for f in report["findings"] if f["check"] == checks[action]]
            if not (found["unjudged"] and "RequestLimitExceeded" in found["detail"]
                    and report["verdict"] == "unknown"):
                wrong.append(f"{action}: {found} in a {report['verdict']} report")

    try:
        async with anyio.create_task_group() as group:
            for action in sorted(actions_of(document("read-only.json"))):
                group.start_soon(one, action)
    finally:
        for p in proxies:
            p.stop()
    assert not wrong, "\n".join(wrong)
    # The link reads nearly every action, so nearly every one was throttled (the rest are
    # reads of other flows: the audit's, an on-premises client's, a peered VPC's).
    assert len(throttled) >= 24, sorted(throttled)
