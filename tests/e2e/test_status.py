"""get_setup_status at each stage of a real setup, the prompts, and teardown."""

import pytest

from conftest import CLUSTER, CLUSTER_PORT, PROJECT, REGION, boto, mcp_session, text_of
from conftest import call_ok
from conftest import HOST, point_alias_elsewhere, snapshot

pytestmark = pytest.mark.anyio

STEPS = ["cluster_ready", "endpoint_service", "vpc_endpoint", "zilliz_registration",
         "private_link_address", "hosted_zone", "alias_record", "security_group"]


async def status(s, world):
    out = await call_ok(s, "get_setup_status", cluster_id=CLUSTER, vpc_id=world.vpc)
    assert [x["step"] for x in out["steps"]] == STEPS
    return {x["step"]: x["status"] for x in out["steps"]}, out


async def apply(s, tool, **args):
    """Run the next action the way an assistant would: preview, then confirm."""
    preview = await call_ok(s, tool, **args)
    assert preview["applied"] is False
    return await call_ok(s, tool, **args, confirm=True)


async def test_status_at_each_stage_names_the_next_call(world, server_env):
    async with mcp_session(server_env) as s:
        steps, out = await status(s, world)
        assert steps == dict(zip(STEPS, ["done", "done"] + ["missing"] * 6))
        assert out["complete"] is False
        nxt = out["next_action"]
        assert nxt["tool"] == "create_vpc_endpoint"
        assert nxt["arguments"] == {"vpc_id": world.vpc, "cluster_id": CLUSTER,
                                    "subnet_ids": [world.subnets["a"], world.subnets["b"]]}

        made = await apply(s, nxt["tool"], **nxt["arguments"])
        endpoint_id = made["endpoint_id"]
        steps, out = await status(s, world)
        assert steps["vpc_endpoint"] == "done"
        assert steps["zilliz_registration"] == "missing"
        assert out["next_action"] == {"tool": "register_endpoint",
                                      "arguments": {"endpoint_id": endpoint_id, "cluster_id": CLUSTER}}

        await apply(s, **{"tool": out["next_action"]["tool"]}, **out["next_action"]["arguments"])
        steps, out = await status(s, world)
        assert steps["zilliz_registration"] == "done"
        assert steps["private_link_address"] == "done"  # the fake allocates it at once
        assert steps["hosted_zone"] == "missing"
        assert out["next_action"]["tool"] == "setup_private_dns"
        assert out["next_action"]["arguments"] == {"cluster_id": CLUSTER, "vpc_id": world.vpc,
                                                   "endpoint_id": endpoint_id}

        await apply(s, "setup_private_dns", **out["next_action"]["arguments"])
        steps, out = await status(s, world)
        assert (steps["hosted_zone"], steps["alias_record"]) == ("done", "done")
        # The dedicated group opens no port until the private link's is known: status asks
        # for the rule, on the private link's port.
        group_id = made["security_group_ids"][0]
        assert steps["security_group"] == "missing"
        assert out["next_action"] == {"tool": "allow_client_access", "arguments": {
            "cluster_id": CLUSTER, "endpoint_security_group_id": group_id,
            "source_cidr": "10.0.0.0/16"}}
        access = await apply(s, "allow_client_access", **out["next_action"]["arguments"])
        assert access["port"] == CLUSTER_PORT
        steps, out = await status(s, world)
        assert out["complete"] is True and out["next_action"] is None

        # Take the rule away: status finds it and proposes it again.
        world.ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": CLUSTER_PORT, "ToPort": CLUSTER_PORT,
            "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
        steps, out = await status(s, world)
        assert steps["security_group"] == "missing"
        assert out["next_action"]["tool"] == "allow_client_access"


async def test_a_failing_read_fails_only_its_steps(world, server_env, zilliz_server):
    async with mcp_session(server_env) as s:
        zilliz_server.projects[PROJECT]["plan"] = "Standard"  # the fake then refuses private endpoints
        steps, out = await status(s, world)
    assert steps["zilliz_registration"] == "failed"
    assert steps["vpc_endpoint"] == "missing"
    assert steps["cluster_ready"] == "done"


async def test_the_prompts_are_listed_and_filled_in(world, server_env):
    async with mcp_session(server_env) as s:
        prompts = {p.name: p for p in (await s.list_prompts()).prompts}
        assert set(prompts) >= {"setup_private_link", "troubleshoot_private_link"}
        assert {a.name for a in prompts["setup_private_link"].arguments} == {"cluster_id", "vpc_id"}
        got = await s.get_prompt("setup_private_link", {"cluster_id": CLUSTER, "vpc_id": world.vpc})
        text = got.messages[0].content.text
        assert f"`{CLUSTER}`" in text and f"`{world.vpc}`" in text
        for tool in ["get_setup_status", "create_vpc_endpoint", "register_endpoint",
                     "wait_for_endpoint", "setup_private_dns", "allow_client_access"]:
            assert tool in text
        assert "confirm: true" in text
        got = await s.get_prompt("troubleshoot_private_link", {})
        assert "list_zilliz_clusters" in got.messages[0].content.text


async def test_teardown_previews_removes_ours_keeps_theirs_and_repeats_quietly(
        world, server_env, moto_url, zilliz_server):
    async with mcp_session(server_env) as s:
        made = await call_ok(s, "create_vpc_endpoint", vpc_id=world.vpc,
                             subnet_ids=[world.subnets["a"], world.subnets["b"]],
                             cluster_id=CLUSTER, confirm=True)
        await call_ok(s, "register_endpoint", endpoint_id=made["endpoint_id"], cluster_id=CLUSTER,
                      confirm=True)
        await call_ok(s, "setup_private_dns", cluster_id=CLUSTER, vpc_id=world.vpc, confirm=True)
        await call_ok(s, "allow_client_access", endpoint_security_group_id=world.endpoint_sg,
                      source_security_group_id=world.app_sg, port=CLUSTER_PORT, confirm=True)

        before = snapshot(moto_url, world.vpc)
        zilliz_server.requests.clear()
        preview = await call_ok(s, "remove_private_link", cluster_id=CLUSTER, vpc_id=world.vpc)
        assert preview["applied"] is False and preview["removed"] == []
        assert len(preview["preview"]) == 5, preview["preview"]
        assert preview["preview"][0].startswith(f"delete the A record {HOST}, an alias to")
        assert "private hosted zone" in preview["preview"][1]
        assert "deregister" in preview["preview"][2]
        assert "delete VPC endpoint" in preview["preview"][3]
        assert "delete security group" in preview["preview"][4]
        assert snapshot(moto_url, world.vpc) == before
        assert zilliz_server.mutating_requests() == []

        done = await call_ok(s, "remove_private_link", cluster_id=CLUSTER, vpc_id=world.vpc,
                             confirm=True)
        assert done["applied"] is True and len(done["removed"]) == 5

        ec2, r53 = world.ec2, boto("route53", moto_url)
        live = [e for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]
                if e["State"].lower() not in ("deleted", "deleting")]
        assert live == []
        assert [z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == HOST + "."] == []
        assert zilliz_server.endpoints[PROJECT] == []
        groups = {g["GroupId"] for g in ec2.describe_security_groups(
            Filters=[{"Name": "vpc-id", "Values": [world.vpc]}])["SecurityGroups"]}
        assert {world.app_sg, world.endpoint_sg} <= groups  # the user's own groups stay
        assert made["security_group_ids"][0] not in groups

        again = await call_ok(s, "remove_private_link", cluster_id=CLUSTER, vpc_id=world.vpc,
                              confirm=True)
        assert again["applied"] is False and again["removed"] == [] and again["preview"] == []
        assert "Nothing to remove" in text_of(await s.call_tool(
            "remove_private_link", {"cluster_id": CLUSTER, "vpc_id": world.vpc}))


async def test_teardown_keeps_an_endpoint_the_user_made(world, server_env, zilliz_server):
    endpoint = world.ec2.create_vpc_endpoint(
        VpcEndpointType="Interface", VpcId=world.vpc, ServiceName=world.service_name,
        SubnetIds=[world.subnets["a"]], SecurityGroupIds=[world.endpoint_sg],
        PrivateDnsEnabled=False)["VpcEndpoint"]["VpcEndpointId"]
    async with mcp_session(server_env) as s:
        await call_ok(s, "register_endpoint", endpoint_id=endpoint, cluster_id=CLUSTER, confirm=True)
        out = await call_ok(s, "remove_private_link", cluster_id=CLUSTER, vpc_id=world.vpc,
                            confirm=True)
    assert out["removed"] == [] and out["applied"] is False
    assert any(endpoint in k and "made outside this tool" in k for k in out["kept"])
    assert [e["endpointId"] for e in zilliz_server.endpoints[PROJECT]] == [endpoint]
    assert world.ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"]


async def test_teardown_keeps_a_zone_that_holds_other_records(world, server_env, moto_url):
    r53 = boto("route53", moto_url)
    async with mcp_session(server_env) as s:
        made = await call_ok(s, "create_vpc_endpoint", vpc_id=world.vpc,
                             subnet_ids=[world.subnets["a"], world.subnets["b"]],
                             cluster_id=CLUSTER, confirm=True)
        await call_ok(s, "register_endpoint", endpoint_id=made["endpoint_id"], cluster_id=CLUSTER,
                      confirm=True)
        dns = await call_ok(s, "setup_private_dns", cluster_id=CLUSTER, vpc_id=world.vpc, confirm=True)
        r53.change_resource_record_sets(HostedZoneId=dns["hosted_zone_id"], ChangeBatch={"Changes": [{
            "Action": "CREATE", "ResourceRecordSet": {
                "Name": f"note.{HOST}", "Type": "TXT", "TTL": 60,
                "ResourceRecords": [{"Value": '"kept by the user"'}]}}]})
        out = await call_ok(s, "remove_private_link", cluster_id=CLUSTER, vpc_id=world.vpc,
                            confirm=True)
    assert any(dns["hosted_zone_id"] in k and "other records" in k for k in out["kept"]), out["kept"]
    records = r53.list_resource_record_sets(HostedZoneId=dns["hosted_zone_id"])["ResourceRecordSets"]
    assert [r["Type"] for r in records if r["Name"] == HOST + "."] in (["NS", "SOA"], ["SOA", "NS"])
    assert any(r["Type"] == "TXT" for r in records)
    live = [e for e in world.ec2.describe_vpc_endpoints()["VpcEndpoints"]
            if e["State"].lower() not in ("deleted", "deleting")]
    assert live == []


CHECK_OF = {"cluster_ready": "cluster", "zilliz_registration": "registration",
            "security_group": "security_group_inbound"}
AGREES = {"done": {"pass"}, "pending": {"warn", "skip"}, "missing": {"fail", "skip"},
          "failed": {"fail", "skip"}}


async def assert_status_and_diagnosis_agree(s, world):
    steps, _ = await status(s, world)
    report = await call_ok(s, "diagnose_private_link", cluster_id=CLUSTER, vpc_id=world.vpc,
                           probe=False)
    findings = {f["check"]: f for f in report["findings"]}
    for step, state in steps.items():
        finding = findings[CHECK_OF.get(step, step)]
        assert finding["status"] in AGREES[state], (step, state, finding)
        if finding["status"] != "pass":
            assert finding.get("fix"), finding
    return steps


async def test_status_and_diagnosis_agree_at_every_stage(world, server_env, zilliz_server):
    async with mcp_session(server_env) as s:
        seen = [await assert_status_and_diagnosis_agree(s, world)]
        made = await call_ok(s, "create_vpc_endpoint", vpc_id=world.vpc,
                             subnet_ids=[world.subnets["a"], world.subnets["b"]],
                             cluster_id=CLUSTER, confirm=True)
        seen.append(await assert_status_and_diagnosis_agree(s, world))
        await call_ok(s, "register_endpoint", endpoint_id=made["endpoint_id"], cluster_id=CLUSTER,
                      confirm=True)
        seen.append(await assert_status_and_diagnosis_agree(s, world))
        await call_ok(s, "setup_private_dns", cluster_id=CLUSTER, vpc_id=world.vpc, confirm=True)
        seen.append(await assert_status_and_diagnosis_agree(s, world))
        await call_ok(s, "allow_client_access", endpoint_security_group_id=made["security_group_ids"][0],
                      source_cidr="10.0.0.0/16", cluster_id=CLUSTER, confirm=True)
        seen.append(await assert_status_and_diagnosis_agree(s, world))
        # Broken states too: a cluster that is not running, an alias pointing elsewhere.
        zilliz_server.clusters[CLUSTER]["status"] = "SUSPENDED"
        seen.append(await assert_status_and_diagnosis_agree(s, world))
        zilliz_server.clusters[CLUSTER]["status"] = "RUNNING"
        point_alias_elsewhere(world.moto_url, HOST)
        seen.append(await assert_status_and_diagnosis_agree(s, world))
    # The walk went through every state a step can be in.
    assert {state for steps in seen for state in steps.values()} >= {"done", "pending", "missing", "failed"}
