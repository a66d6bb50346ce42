"""The person's own yes: where the client can ask (MCP elicitation), a confirmed change is
put to the person first, naming account, region and every change; a no changes nothing.
`--consent` decides what happens with clients that cannot ask."""

import pytest
from mcp import types

from conftest import (CLUSTER, PROJECT, REGION, boto, call_err, call_ok, mcp_session, snapshot,
                      without_static_credentials, write_profiles)

pytestmark = pytest.mark.anyio


class Person:
    """Answers the server's questions as told, and remembers them."""

    def __init__(self, action="accept", confirm=True):
        self.action, self.confirm = action, confirm
        self.questions = []

    async def __call__(self, context, params):
        self.questions.append(params)
        if self.action == "accept":
            return types.ElicitResult(action="accept", content={"confirm": self.confirm})
        return types.ElicitResult(action=self.action)


def endpoint_args(world, confirm=True):
    return dict(vpc_id=world.vpc, subnet_ids=[world.subnets["a"], world.subnets["b"]],
                cluster_id=CLUSTER, confirm=confirm)


@pytest.mark.parametrize("answer", [("decline", True), ("cancel", True), ("accept", False)])
async def test_a_no_changes_nothing(world, server_env, moto_url, zilliz_server, answer):
    person = Person(*answer)
    before = snapshot(moto_url, world.vpc)
    zilliz_server.requests.clear()
    async with mcp_session(server_env, elicitation_callback=person) as s:
        out = await call_ok(s, "create_vpc_endpoint", **endpoint_args(world))
    assert out["applied"] is False and out["endpoint_id"] is None
    assert "nothing was changed" in out["message"]
    assert len(person.questions) == 1
    assert snapshot(moto_url, world.vpc) == before
    assert zilliz_server.mutating_requests() == []


async def test_a_yes_applies_once_and_the_question_names_who_where_and_what(
        world, server_env, moto_url, zilliz_server):
    person = Person()
    async with mcp_session(server_env, elicitation_callback=person) as s:
        preview = await call_ok(s, "create_vpc_endpoint", **endpoint_args(world, confirm=False))
        assert person.questions == []  # a preview asks nothing
        made = await call_ok(s, "create_vpc_endpoint", **endpoint_args(world))
        again = await call_ok(s, "create_vpc_endpoint", **endpoint_args(world))
    assert made["applied"] is True and again["applied"] is False
    assert len(world.ec2.describe_vpc_endpoints()["VpcEndpoints"]) == 1
    [question] = person.questions  # the repeat had nothing to change, so nothing to ask
    text = question.message
    for part in ["123456789012", "arn:aws:", REGION, world.vpc, CLUSTER, *preview["preview"]]:
        assert part in text, (part, text)
    assert list(question.requestedSchema["properties"]) == ["confirm"]
    assert question.requestedSchema["properties"]["confirm"]["type"] == "boolean"
    assert preview["identity"]["account_id"] == "123456789012"
    assert preview["identity"]["caller_arn"].startswith("arn:aws:")


async def test_teardown_asks_too_and_a_decline_keeps_everything(world, server_env, moto_url,
                                                                zilliz_server):
    async with mcp_session(server_env) as s:  # set up without being asked
        made = await call_ok(s, "create_vpc_endpoint", **endpoint_args(world))
        await call_ok(s, "register_endpoint", endpoint_id=made["endpoint_id"], cluster_id=CLUSTER,
                      confirm=True)
    person = Person("decline")
    before = snapshot(moto_url, world.vpc)
    async with mcp_session(server_env, elicitation_callback=person) as s:
        out = await call_ok(s, "remove_private_link", cluster_id=CLUSTER, vpc_id=world.vpc,
                            confirm=True)
    assert out["applied"] is False and out["removed"] == []
    assert "delete VPC endpoint" in person.questions[0].message
    assert snapshot(moto_url, world.vpc) == before
    assert [e["endpointId"] for e in zilliz_server.endpoints[PROJECT]] == [made["endpoint_id"]]


async def test_consent_elicit_refuses_a_client_that_cannot_ask(world, server_env, moto_url):
    before = snapshot(moto_url, world.vpc)
    async with mcp_session(server_env, "--consent", "elicit") as s:
        message = await call_err(s, "create_vpc_endpoint", **endpoint_args(world))
        preview = await call_ok(s, "create_vpc_endpoint", **endpoint_args(world, confirm=False))
    assert "--consent elicit" in message and "elicitation" in message
    assert preview["preview"]  # previews still work
    assert snapshot(moto_url, world.vpc) == before


async def test_consent_confirm_never_asks(world, server_env):
    person = Person("decline")
    server_env["ZILLIZ_PRIVATELINK_CONSENT"] = "confirm"
    async with mcp_session(server_env, elicitation_callback=person) as s:
        made = await call_ok(s, "create_vpc_endpoint", **endpoint_args(world))
    assert made["applied"] is True and person.questions == []


async def test_a_change_in_another_region_than_the_last_preview_says_so(world, server_env,
                                                                         moto_url):
    east = boto("ec2", moto_url, region="us-east-1")
    vpc = east.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    group = east.create_security_group(GroupName="e", Description="e", VpcId=vpc)["GroupId"]
    async with mcp_session(server_env) as s:
        first = await call_ok(s, "create_vpc_endpoint", **endpoint_args(world, confirm=False))
        assert not any("ATTENTION" in w for w in first["warnings"])
        other = await call_ok(s, "allow_client_access", endpoint_security_group_id=group,
                              source_cidr="10.50.0.0/16", port=19530, region="us-east-1")
    [warning] = [w for w in other["warnings"] if "ATTENTION" in w]
    assert "us-east-1" in warning and REGION in warning


async def test_profiles_switch_per_call(world, server_env, moto_url, tmp_path):
    """Two profiles of the AWS config reach two emulators (each through the profile's own
    endpoint_url): one session lists each one's VPCs, and names the profiles it knows."""
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    from conftest import free_port
    port = free_port()
    exe = Path(sys.executable).parent / "moto_server"
    second = subprocess.Popen([str(exe), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    second_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(second_url + "/moto-api/", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        other_vpc = boto("ec2", second_url).create_vpc(CidrBlock="192.168.0.0/16")["Vpc"]["VpcId"]
        secret = server_env["AWS_SECRET_ACCESS_KEY"]
        write_profiles(tmp_path, {
            "default": (moto_url, "AKIAMOTOTESTKEY00001", secret, None),
            "second": (second_url, "AKIAMOTOTESTKEY00002", secret, None),
        })
        env = without_static_credentials(server_env)
        async with mcp_session(env) as s:
            first = {v["vpc_id"] for v in (await call_ok(s, "list_vpcs"))["vpcs"]}
            other = {v["vpc_id"] for v in (await call_ok(s, "list_vpcs", profile="second"))["vpcs"]}
            again = {v["vpc_id"] for v in (await call_ok(s, "list_vpcs"))["vpcs"]}
            message = await call_err(s, "list_vpcs", profile="nope")
        assert world.vpc in first and other_vpc not in first
        assert other_vpc in other and world.vpc not in other
        assert again == first
        assert "nope" in message and "default, second" in message
    finally:
        second.terminate()
        second.wait(timeout=10)
