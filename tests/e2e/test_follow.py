"""Follow the server and arrive: an assistant that does nothing but what the server says.
Setting up, it follows `next_action` (a changing tool previewed, then called again with
`confirm: true`; any other tool called as given); repairing, it follows the `remedy` of the
first failing finding of the diagnosis. Every call is checked against the tool's input
schema (conftest.call_ok) and none may be answered with an error."""

import pytest

from conftest import CLUSTER, HOST, REGION, boto, call_ok, mcp_session, point_alias_elsewhere

pytestmark = pytest.mark.anyio

CHANGING = {"create_vpc_endpoint", "register_endpoint", "setup_private_dns",
            "allow_client_access", "remove_private_link", "probe_from_instance"}


async def follow(s, call):
    """Make a call the server proposed, as an assistant following it literally would."""
    tool, arguments = call["tool"], call["arguments"]
    if tool in CHANGING:
        preview = await call_ok(s, tool, **arguments)
        assert preview["applied"] is False, preview
        return await call_ok(s, tool, **arguments, confirm=True)
    return await call_ok(s, tool, **arguments)


async def set_up_by_following(s, vpc):
    made = []
    for _ in range(10):
        status = await call_ok(s, "get_setup_status", cluster_id=CLUSTER, vpc_id=vpc)
        if status["complete"]:
            return status, made
        assert "persons_part" not in status, status
        made.append(status["next_action"]["tool"])
        await follow(s, status["next_action"])
    raise AssertionError(f"no complete setup after {made}")


async def repair_by_following(s, vpc):
    followed = []
    for _ in range(8):
        report = await call_ok(s, "diagnose_private_link", cluster_id=CLUSTER, vpc_id=vpc,
                               probe=False)
        failing = [f for f in report["findings"] if f["status"] == "fail"]
        if not failing:
            return report, followed
        first = failing[0]
        assert "remedy" in first, f"a failing finding without a call to follow: {first}"
        followed.append((first["check"], first["remedy"]["tool"]))
        await follow(s, first["remedy"])
    raise AssertionError(f"still failing after {followed}")


async def test_from_nothing_to_a_complete_setup(world, server_env):
    async with mcp_session(server_env) as s:
        status, made = await set_up_by_following(s, world.vpc)
    assert made == ["create_vpc_endpoint", "register_endpoint", "setup_private_dns",
                    "allow_client_access"], made
    assert status.get("next_action") is None


async def test_from_each_broken_state_to_a_healthy_link(world, server_env, moto_url,
                                                       zilliz_server):
    ec2 = world.ec2
    r53 = boto("route53", moto_url)
    async with mcp_session(server_env) as s:
        await set_up_by_following(s, world.vpc)
        [endpoint] = ec2.describe_vpc_endpoints(Filters=[
            {"Name": "vpc-id", "Values": [world.vpc]}])["VpcEndpoints"]
        [group] = endpoint["Groups"]
        breakages = {
            "dns hostnames off": lambda: ec2.modify_vpc_attribute(
                VpcId=world.vpc, EnableDnsHostnames={"Value": False}),
            "alias elsewhere": lambda: point_alias_elsewhere(moto_url, HOST),
            "rule gone": lambda: ec2.revoke_security_group_ingress(
                GroupId=group["GroupId"],
                IpPermissions=ec2.describe_security_groups(
                    GroupIds=[group["GroupId"]])["SecurityGroups"][0]["IpPermissions"]),
            "zone untied": lambda: untie_zone(r53, world),
            "registration gone": lambda: zilliz_server.endpoints.clear(),
            "rule on another port": lambda: move_rule(ec2, group["GroupId"]),
        }
        for name, breakage in breakages.items():
            breakage()
            broken = await call_ok(s, "diagnose_private_link", cluster_id=CLUSTER,
                                   vpc_id=world.vpc, probe=False)
            assert any(f["status"] == "fail" for f in broken["findings"]), name
            healed, followed = await repair_by_following(s, world.vpc)
            assert followed, name
            status = await call_ok(s, "get_setup_status", cluster_id=CLUSTER, vpc_id=world.vpc)
            assert status["complete"] is True, (name, followed, status["steps"])


def untie_zone(r53, world):
    """The zone is left tied to another VPC only, as when someone re-ties it by hand."""
    host_zones = [z for z in r53.list_hosted_zones()["HostedZones"]
                  if z["Name"].rstrip(".").endswith("vectordb.zillizcloud.com")]
    for zone in host_zones:
        zone_id = zone["Id"].split("/")[-1]
        r53.associate_vpc_with_hosted_zone(
            HostedZoneId=zone_id, VPC={"VPCRegion": REGION, "VPCId": world.other_vpc})
        r53.disassociate_vpc_from_hosted_zone(
            HostedZoneId=zone_id, VPC={"VPCRegion": REGION, "VPCId": world.vpc})


def move_rule(ec2, group_id):
    """The rule that admits the clients now opens another port, as after a hand edit."""
    [permission] = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0][
        "IpPermissions"]
    ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[permission])
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
        dict(permission, FromPort=443, ToPort=443)])
