"""list_instances, end to end: the application's instances found by their Name tags and
their group, with their groups' Name tags and whether SSM can run a probe there (the fake
SSM of aws_extras.py), paged; list_security_groups shows the Name tags too."""

import pytest

from conftest import call_err, call_ok, mcp_session

pytestmark = pytest.mark.anyio


def plant_the_application(world, aws_extras):
    """The order service as a person names it: the group `orders-app` by its Name tag (its
    GroupName is `app-sg`), two instances `orders-1` (managed by SSM) and `orders-2`, and a
    batch instance outside the group; one terminated order instance that must not show."""
    ec2 = world.ec2
    group = ec2.create_security_group(
        GroupName="app-sg", Description="the order service", VpcId=world.vpc,
        TagSpecifications=[{"ResourceType": "security-group",
                            "Tags": [{"Key": "Name", "Value": "orders-app"}]}])["GroupId"]

    def run(name, groups):
        return ec2.run_instances(
            ImageId="ami-03cf127a", MinCount=1, MaxCount=1, SubnetId=world.subnets["a"],
            SecurityGroupIds=groups,
            TagSpecifications=[{"ResourceType": "instance",
                                "Tags": [{"Key": "Name", "Value": name}]}],
        )["Instances"][0]

    orders = [run("orders-1", [group]), run("orders-2", [group])]
    batch = run("batch", [])
    gone = run("orders-old", [group])
    ec2.terminate_instances(InstanceIds=[gone["InstanceId"]])
    aws_extras.manage(orders[0]["InstanceId"])
    return group, orders, batch


async def test_the_persons_instances_are_found_by_their_name_tags_and_group(world, server_env,
                                                                            aws_extras):
    group, orders, batch = plant_the_application(world, aws_extras)
    async with mcp_session(server_env) as s:
        by_name = await call_ok(s, "list_instances", vpc_id=world.vpc, name="orders-*")
        by_group = await call_ok(s, "list_instances", vpc_id=world.vpc, security_group_id=group)
        everything = await call_ok(s, "list_instances", vpc_id=world.vpc)
        groups = await call_ok(s, "list_security_groups", vpc_id=world.vpc)
    wanted = sorted(i["InstanceId"] for i in orders)
    assert [i["instance_id"] for i in by_name["instances"]] == wanted
    assert [i["instance_id"] for i in by_group["instances"]] == wanted
    assert by_name["total"] == 2
    listed = {i["instance_id"]: i for i in everything["instances"]}
    assert batch["InstanceId"] in listed and not any(
        i["name"] == "orders-old" for i in everything["instances"])
    first = {i["instance_id"]: i for i in by_name["instances"]}[orders[0]["InstanceId"]]
    assert first["name"] == "orders-1" and first["state"] == "running"
    assert first["private_ips"][0] == orders[0]["PrivateIpAddress"]
    assert first["subnet_id"] == world.subnets["a"]
    assert first["availability_zone"] == orders[0]["Placement"]["AvailabilityZone"]
    assert first["security_groups"] == [{"group_id": group, "name": "app-sg",
                                         "name_tag": "orders-app"}]
    assert first["ssm_managed"] is True and first["ssm_ping_status"] == "Online"
    second = {i["instance_id"]: i for i in by_name["instances"]}[orders[1]["InstanceId"]]
    assert second["ssm_managed"] is False and "ssm_ping_status" not in second
    [shown] = [g for g in groups["security_groups"] if g["group_id"] == group]
    assert shown["name"] == "app-sg" and shown["name_tag"] == "orders-app"


async def test_instances_page_completely_and_bad_filters_are_refused_by_name(world, server_env,
                                                                            aws_extras):
    plant_the_application(world, aws_extras)
    async with mcp_session(server_env) as s:
        seen, cursor = [], None
        while True:
            arguments = {"vpc_id": world.vpc, "limit": 1}
            if cursor:
                arguments["cursor"] = cursor
            page = await call_ok(s, "list_instances", **arguments)
            assert len(page["instances"]) <= 1
            seen.extend(i["instance_id"] for i in page["instances"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
        whole = await call_ok(s, "list_instances", vpc_id=world.vpc)
        assert seen == [i["instance_id"] for i in whole["instances"]]
        assert len(seen) == whole["total"] >= 3
        assert "name" in await call_err(s, "list_instances", vpc_id=world.vpc, name="a\nb")
        assert "security_group_id" in await call_err(s, "list_instances", vpc_id=world.vpc,
                                                      security_group_id="orders;app")
        assert "limit" in await call_err(s, "list_instances", vpc_id=world.vpc, limit=0)
        # The server keeps serving.
        assert (await call_ok(s, "list_instances", vpc_id=world.vpc))["total"] == len(seen)
