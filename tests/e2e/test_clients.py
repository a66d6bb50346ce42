"""The application's side of a link: the status judged for the person's client (a rule for
another client is not theirs), and one call that lets a client in on the ports of several
clusters riding one endpoint."""

import pytest

from conftest import CLUSTER, CLUSTER_PORT, PROJECT, REGION, call_ok, mcp_session

pytestmark = pytest.mark.anyio

SECOND = "in01-5ec0d000000000b2"
SECOND_PORT = 19533


def group(ec2, vpc, name):
    return ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]


def inbound_ports(ec2, group_id, source_group):
    [g] = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    return sorted(p["FromPort"] for p in g["IpPermissions"]
                  if any(pair["GroupId"] == source_group for pair in p.get("UserIdGroupPairs", [])))


async def link_for_group(s, world, source_group):
    """The setup with the endpoint's group letting in one client group only."""
    made = await call_ok(s, "create_vpc_endpoint", vpc_id=world.vpc, cluster_id=CLUSTER,
                         subnet_ids=[world.subnets["a"], world.subnets["b"]], confirm=True)
    await call_ok(s, "register_endpoint", endpoint_id=made["endpoint_id"], cluster_id=CLUSTER,
                  confirm=True)
    await call_ok(s, "wait_for_endpoint", endpoint_id=made["endpoint_id"], timeout_seconds=30)
    await call_ok(s, "setup_private_dns", cluster_id=CLUSTER, vpc_id=world.vpc, confirm=True)
    await call_ok(s, "allow_client_access", cluster_id=CLUSTER, confirm=True,
                  endpoint_security_group_id=made["security_group_ids"][0],
                  source_security_group_id=source_group)
    return made


async def test_the_status_judged_for_a_client_proposes_its_own_rule(world, server_env):
    batch = group(world.ec2, world.vpc, "batch")
    orders = group(world.ec2, world.vpc, "orders-app")
    async with mcp_session(server_env) as s:
        made = await link_for_group(s, world, batch)
        endpoint_group = made["security_group_ids"][0]
        # Without a client, any rule on the port counts.
        plain = await call_ok(s, "get_setup_status", cluster_id=CLUSTER, vpc_id=world.vpc)
        assert plain["complete"] is True and "judged_for" not in plain

        # For the orders service, batch's rule is not theirs.
        status = await call_ok(s, "get_setup_status", cluster_id=CLUSTER, vpc_id=world.vpc,
                               client_security_group_id=orders)
        [step] = [x for x in status["steps"] if x["step"] == "security_group"]
        assert step["status"] == "missing" and orders in step["detail"], step
        assert status["complete"] is False and orders in status["judged_for"]
        assert status["next_action"] == {"tool": "allow_client_access", "arguments": {
            "cluster_id": CLUSTER, "endpoint_security_group_id": endpoint_group,
            "source_security_group_id": orders}}
        await call_ok(s, "allow_client_access", **status["next_action"]["arguments"], confirm=True)
        assert inbound_ports(world.ec2, endpoint_group, orders) == [CLUSTER_PORT]
        status = await call_ok(s, "get_setup_status", cluster_id=CLUSTER, vpc_id=world.vpc,
                               client_security_group_id=orders)
        assert status["complete"] is True, status

        # An instance of batch is judged by its groups; a network no rule covers is not let in.
        [instance] = world.ec2.run_instances(
            ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=world.subnets["a"],
            SecurityGroupIds=[batch])["Instances"]
        by_instance = await call_ok(s, "get_setup_status", cluster_id=CLUSTER, vpc_id=world.vpc,
                                    client_instance_id=instance["InstanceId"])
        assert by_instance["complete"] is True, by_instance
        assert instance["InstanceId"] in by_instance["judged_for"]
        by_cidr = await call_ok(s, "get_setup_status", cluster_id=CLUSTER, vpc_id=world.vpc,
                                client_cidr="10.0.9.0/24")
        assert by_cidr["next_action"]["arguments"]["source_cidr"] == "10.0.9.0/24"


async def test_a_bad_client_is_refused_by_name_before_any_call(world, server_env):
    async with mcp_session(server_env) as s:
        result = await s.call_tool("get_setup_status", {
            "cluster_id": CLUSTER, "vpc_id": world.vpc, "client_security_group_id": "orders-app;"})
        assert result.isError and "orders-app;" in result.content[0].text
        result = await s.call_tool("get_setup_status", {
            "cluster_id": CLUSTER, "vpc_id": world.vpc, "client_instance_id": "i-0000000000000dead"})
        assert result.isError and "i-0000000000000dead" in result.content[0].text


async def test_one_call_lets_a_group_in_on_two_clusters_ports(world, server_env, zilliz_server):
    zilliz_server.add_cluster(SECOND, PROJECT, f"aws-{REGION}", name="staging", port=SECOND_PORT)
    batch = group(world.ec2, world.vpc, "batch")
    orders = group(world.ec2, world.vpc, "orders-app")
    async with mcp_session(server_env) as s:
        made = await link_for_group(s, world, batch)
        endpoint_group = made["security_group_ids"][0]
        await call_ok(s, "setup_private_dns", cluster_id=SECOND, vpc_id=world.vpc, confirm=True)

        # The status for the first cluster says the second rides the endpoint on its own port.
        await call_ok(s, "allow_client_access", cluster_id=CLUSTER, confirm=True,
                      endpoint_security_group_id=endpoint_group, source_security_group_id=orders)
        status = await call_ok(s, "get_setup_status", cluster_id=CLUSTER, vpc_id=world.vpc,
                               client_security_group_id=orders)
        [step] = [x for x in status["steps"] if x["step"] == "security_group"]
        assert step["status"] == "done"
        assert f"{SECOND} (tcp {SECOND_PORT})" in step["detail"], step["detail"]

        args = dict(endpoint_security_group_id=endpoint_group, source_security_group_id=batch,
                    cluster_ids=[CLUSTER, SECOND])
        preview = await call_ok(s, "allow_client_access", **args)
        # batch already has the first port: only the second's rule is previewed.
        assert preview["applied"] is False
        [line] = preview["preview"]
        assert line.startswith(f"add an inbound rule to {endpoint_group}") and line.endswith(
            f"tcp {SECOND_PORT} from {batch}"), line
        assert [(r["port"], r["cluster_ids"], r["already_allowed_by"] is not None)
                for r in preview["rules"]] == [(CLUSTER_PORT, [CLUSTER], True),
                                               (SECOND_PORT, [SECOND], False)]
        assert inbound_ports(world.ec2, endpoint_group, batch) == [CLUSTER_PORT], "a preview"

        # orders has neither of the second's: one call, both ports, each rule previewed.
        args["source_security_group_id"] = orders
        done = await call_ok(s, "allow_client_access", **args, confirm=True)
        assert done["applied"] is True
        assert inbound_ports(world.ec2, endpoint_group, orders) == [CLUSTER_PORT, SECOND_PORT]
        again = await call_ok(s, "allow_client_access", **args, confirm=True)
        assert again["applied"] is False and again["preview"] == []
        for cluster in (CLUSTER, SECOND):
            status = await call_ok(s, "get_setup_status", cluster_id=cluster, vpc_id=world.vpc,
                                   client_security_group_id=orders)
            [step] = [x for x in status["steps"] if x["step"] == "security_group"]
            assert step["status"] == "done" and "not on the port" not in step["detail"], step


async def test_clusters_of_two_regions_are_refused_in_one_call(world, server_env, zilliz_server):
    other = "in01-0e1500000000000c"
    zilliz_server.add_cluster(other, PROJECT, "aws-eu-central-1", name="eu", port=19530)
    async with mcp_session(server_env) as s:
        result = await s.call_tool("allow_client_access", {
            "endpoint_security_group_id": "sg-0123456789abcdef0", "source_cidr": "10.0.0.0/16",
            "cluster_ids": [CLUSTER, other]})
        assert result.isError and other in result.content[0].text, result.content[0].text


async def test_groups_are_found_by_their_name_tags(world, server_env):
    """The person says `orders-app` (the group's Name tag, what the console shows): the rule is
    made for that group, and its instances are listed by it; a name no group has, or that two
    groups share, is refused naming it."""
    ec2 = world.ec2
    orders = ec2.create_security_group(
        GroupName="app-7", Description="orders", VpcId=world.vpc, TagSpecifications=[{
            "ResourceType": "security-group", "Tags": [{"Key": "Name", "Value": "orders-app"}]}]
    )["GroupId"]
    [instance] = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1,
                                   SubnetId=world.subnets["a"],
                                   SecurityGroupIds=[orders])["Instances"]
    async with mcp_session(server_env) as s:
        made = await link_for_group(s, world, orders)
        endpoint_group = made["security_group_ids"][0]
        listed = await call_ok(s, "list_instances", vpc_id=world.vpc,
                               security_group_id="orders-app")
        assert [i["instance_id"] for i in listed["instances"]] == [instance["InstanceId"]]
        batch = group(ec2, world.vpc, "batch")
        done = await call_ok(s, "allow_client_access", cluster_id=CLUSTER, confirm=True,
                             endpoint_security_group_id=endpoint_group,
                             source_security_group_id="batch")  # its GroupName
        assert done["applied"] is True and batch in done["rule"]
        assert inbound_ports(ec2, endpoint_group, batch) == [CLUSTER_PORT]
        for name in ["../../etc/passwd", "vpc-ünïcödé0"]:
            result = await s.call_tool("allow_client_access", {
                "cluster_id": CLUSTER, "endpoint_security_group_id": endpoint_group,
                "source_security_group_id": name})
            assert result.isError and name in result.content[0].text, result.content[0].text
        group(ec2, world.vpc, "twin-a")
        ec2.create_tags(Resources=[group(ec2, world.vpc, "twin-b"), batch],
                        Tags=[{"Key": "Name", "Value": "twin"}])
        result = await s.call_tool("allow_client_access", {
            "cluster_id": CLUSTER, "endpoint_security_group_id": endpoint_group,
            "source_security_group_id": "twin"})
        assert result.isError and "2 groups" in result.content[0].text, result.content[0].text


async def test_the_vpc_and_the_client_group_are_found_by_their_name_tags(world, server_env):
    """The person says "the orders VPC" and "the orders-app group" by the Name tags the console
    shows: the setup is made in that VPC, and the status and the diagnosis judge that group,
    answering with the ids; a Name tag no VPC has is refused naming it."""
    ec2 = world.ec2
    ec2.create_tags(Resources=[world.vpc], Tags=[{"Key": "Name", "Value": "orders vpc"}])
    orders = ec2.create_security_group(
        GroupName="app-9", Description="orders", VpcId=world.vpc, TagSpecifications=[{
            "ResourceType": "security-group", "Tags": [{"Key": "Name", "Value": "orders-app"}]}]
    )["GroupId"]
    async with mcp_session(server_env) as s:
        subnets = await call_ok(s, "list_subnets", vpc_id="orders vpc")
        assert subnets["vpc_id"] == world.vpc
        made = await call_ok(s, "create_vpc_endpoint", vpc_id="orders vpc", cluster_id=CLUSTER,
                             subnet_ids=[world.subnets["a"], world.subnets["b"]], confirm=True)
        [endpoint] = ec2.describe_vpc_endpoints(VpcEndpointIds=[made["endpoint_id"]])["VpcEndpoints"]
        assert endpoint["VpcId"] == world.vpc
        await call_ok(s, "register_endpoint", endpoint_id=made["endpoint_id"], cluster_id=CLUSTER,
                      confirm=True)
        await call_ok(s, "wait_for_endpoint", endpoint_id=made["endpoint_id"], timeout_seconds=30)
        await call_ok(s, "setup_private_dns", cluster_id=CLUSTER, vpc_id="orders vpc", confirm=True)

        status = await call_ok(s, "get_setup_status", cluster_id=CLUSTER, vpc_id="orders vpc",
                               client_security_group_id="orders-app")
        assert status["vpc_id"] == world.vpc and orders in status["judged_for"], status
        assert status["next_action"]["arguments"]["source_security_group_id"] == orders

        report = await call_ok(s, "diagnose_private_link", cluster_id=CLUSTER, probe=False,
                               vpc_id="orders vpc", client_security_group_id="orders-app")
        assert report["vpc_id"] == world.vpc
        [rule] = [f for f in report["findings"] if f["check"] == "security_group_inbound"]
        assert rule["status"] == "fail" and orders in rule["detail"], rule

        result = await s.call_tool("get_setup_status", {"cluster_id": CLUSTER,
                                                        "vpc_id": "payments vpc"})
        assert result.isError and "payments vpc" in result.content[0].text, result.content[0].text
