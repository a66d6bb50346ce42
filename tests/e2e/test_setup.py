"""The setup tools, end to end: previews change nothing, confirms make exactly what was
previewed, second calls make nothing new, and read-only mode refuses by name."""

import pytest

from conftest import (CLUSTER, CLUSTER_PORT, PROJECT, PUBLIC_PORT, REGION, boto, mcp_session,
                      text_of)
from conftest import HOST, add_app_vpc, call, call_err, call_ok, snapshot
from strict_aws import StrictAws

pytestmark = pytest.mark.anyio

async def test_the_full_sequence_previews_applies_and_repeats(world, server_env, moto_url,
                                                              zilliz_server):
    ec2 = world.ec2
    subnets = [world.subnets["a"], world.subnets["b"], world.subnets["c"]]
    async with mcp_session(server_env) as s:
        # create_vpc_endpoint: the preview changes nothing.
        before = snapshot(moto_url, world.vpc)
        preview = await call_ok(s, "create_vpc_endpoint", vpc_id=world.vpc, subnet_ids=subnets,
                                cluster_id=CLUSTER)
        assert preview["applied"] is False and preview["endpoint_id"] is None
        assert snapshot(moto_url, world.vpc) == before
        assert preview["subnet_ids"] == [world.subnets["a"], world.subnets["b"]]
        assert any(world.subnets["c"] in w and "not offered" in w for w in preview["warnings"])
        # No port is known before the private link exists, so the dedicated group opens none.
        assert any("create security group" in p and "no inbound rule" in p
                   for p in preview["preview"])
        assert not any(str(PUBLIC_PORT) in p or str(CLUSTER_PORT) in p for p in preview["preview"])
        assert preview["account_id"] == "123456789012"

        made = await call_ok(s, "create_vpc_endpoint", vpc_id=world.vpc, subnet_ids=subnets,
                             cluster_id=CLUSTER, confirm=True)
        assert made["applied"] is True
        endpoint_id = made["endpoint_id"]
        endpoints = ec2.describe_vpc_endpoints()["VpcEndpoints"]
        assert [e["VpcEndpointId"] for e in endpoints] == [endpoint_id]
        endpoint = endpoints[0]
        assert endpoint["ServiceName"] == world.service_name
        assert endpoint["VpcEndpointType"] == "Interface"
        assert sorted(endpoint["SubnetIds"]) == sorted([world.subnets["a"], world.subnets["b"]])
        assert endpoint["PrivateDnsEnabled"] is False
        tags = {t["Key"]: t["Value"] for t in endpoint["Tags"]}
        assert tags["zilliz-privatelink-mcp:cluster-id"] == CLUSTER
        [group_id] = [g["GroupId"] for g in endpoint["Groups"]]
        group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
        assert group["VpcId"] == world.vpc
        assert group["IpPermissions"] == []
        assert made["dns_name"] == endpoint["DnsEntries"][0]["DnsName"]

        again = await call_ok(s, "create_vpc_endpoint", vpc_id=world.vpc, subnet_ids=subnets,
                              cluster_id=CLUSTER, confirm=True)
        assert again["applied"] is False and again["endpoint_id"] == endpoint_id
        assert len(ec2.describe_vpc_endpoints()["VpcEndpoints"]) == 1
        groups_now = ec2.describe_security_groups(
            Filters=[{"Name": "vpc-id", "Values": [world.vpc]}])["SecurityGroups"]
        assert len(groups_now) == 4  # default, app, zilliz-endpoint, and the one made

        waited = await call_ok(s, "wait_for_endpoint", endpoint_id=endpoint_id, timeout_seconds=30)
        assert waited["ready"] is True and waited["state"].lower() == "available"

        # Before registration the private link has no address: DNS says what to do.
        message = await call_err(s, "setup_private_dns", cluster_id=CLUSTER, vpc_id=world.vpc)
        assert "no private link address" in message and "register_endpoint" in message

        # register_endpoint: the preview sends nothing that changes Zilliz.
        zilliz_server.requests.clear()
        reg = await call_ok(s, "register_endpoint", endpoint_id=endpoint_id, cluster_id=CLUSTER)
        assert reg["applied"] is False and reg["registered"] is False
        assert zilliz_server.mutating_requests() == []
        assert zilliz_server.endpoints.get(PROJECT, []) == []
        reg = await call_ok(s, "register_endpoint", endpoint_id=endpoint_id, cluster_id=CLUSTER,
                            confirm=True)
        assert reg["applied"] is True and reg["registered"] is True
        assert [e["endpointId"] for e in zilliz_server.endpoints[PROJECT]] == [endpoint_id]
        assert zilliz_server.endpoints[PROJECT][0]["regionId"] == f"aws-{REGION}"
        reg = await call_ok(s, "register_endpoint", endpoint_id=endpoint_id, cluster_id=CLUSTER,
                            confirm=True)
        assert reg["applied"] is False and reg["registered"] is True
        assert len(zilliz_server.endpoints[PROJECT]) == 1

        # setup_private_dns, with DNS hostnames off so that it has to turn them on.
        ec2.modify_vpc_attribute(VpcId=world.vpc, EnableDnsHostnames={"Value": False})
        before = snapshot(moto_url, world.vpc)
        dns = await call_ok(s, "setup_private_dns", cluster_id=CLUSTER, vpc_id=world.vpc)
        assert dns["applied"] is False and dns["record_name"] == HOST
        assert any("enableDnsHostnames" in p for p in dns["preview"])
        assert snapshot(moto_url, world.vpc) == before
        dns = await call_ok(s, "setup_private_dns", cluster_id=CLUSTER, vpc_id=world.vpc,
                            confirm=True)
        assert dns["applied"] is True
        r53 = boto("route53", moto_url)
        zone = r53.get_hosted_zone(Id=dns["hosted_zone_id"])
        assert zone["HostedZone"]["Name"] == HOST + "."
        assert zone["HostedZone"]["Config"]["PrivateZone"] is True
        assert [v["VPCId"] for v in zone["VPCs"]] == [world.vpc]
        records = r53.list_resource_record_sets(HostedZoneId=dns["hosted_zone_id"])["ResourceRecordSets"]
        [alias] = [r for r in records if r["Type"] == "A"]
        assert alias["Name"] == HOST + "."
        assert alias["AliasTarget"]["DNSName"].rstrip(".") == endpoint["DnsEntries"][0]["DnsName"]
        assert alias["AliasTarget"]["HostedZoneId"] == endpoint["DnsEntries"][0]["HostedZoneId"]
        assert alias["AliasTarget"]["EvaluateTargetHealth"] is False
        assert ec2.describe_vpc_attribute(VpcId=world.vpc, Attribute="enableDnsHostnames")[
            "EnableDnsHostnames"]["Value"] is True
        zones_before = r53.list_hosted_zones()["HostedZones"]
        dns = await call_ok(s, "setup_private_dns", cluster_id=CLUSTER, vpc_id=world.vpc,
                            confirm=True)
        assert dns["applied"] is False and dns["preview"] == []
        assert r53.list_hosted_zones()["HostedZones"] == zones_before

        # allow_client_access on the cluster's real port, from the app servers' group.
        before = snapshot(moto_url, world.vpc)
        access = await call_ok(s, "allow_client_access", endpoint_security_group_id=group_id,
                               source_security_group_id=world.app_sg, cluster_id=CLUSTER)
        assert access["applied"] is False and access["port"] == CLUSTER_PORT
        assert snapshot(moto_url, world.vpc) == before
        access = await call_ok(s, "allow_client_access", endpoint_security_group_id=group_id,
                               source_security_group_id=world.app_sg, cluster_id=CLUSTER,
                               confirm=True)
        assert access["applied"] is True
        # Exactly one rule, on the private link's port; the public address's port is never opened.
        rules = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["IpPermissions"]
        assert [(r["IpProtocol"], r["FromPort"], r["ToPort"], [p["GroupId"] for p in r["UserIdGroupPairs"]])
                for r in rules] == [("tcp", CLUSTER_PORT, CLUSTER_PORT, [world.app_sg])]
        access = await call_ok(s, "allow_client_access", endpoint_security_group_id=group_id,
                               source_security_group_id=world.app_sg, cluster_id=CLUSTER,
                               confirm=True)
        assert access["applied"] is False and access["already_allowed_by"]
        # A client inside a block already allowed is covered by that block's rule.
        access = await call_ok(s, "allow_client_access", endpoint_security_group_id=group_id,
                               source_cidr="10.0.0.0/16", cluster_id=CLUSTER, confirm=True)
        assert access["applied"] is True
        access = await call_ok(s, "allow_client_access", endpoint_security_group_id=group_id,
                               source_cidr="10.0.2.15", cluster_id=CLUSTER, confirm=True)
        assert access["applied"] is False
        assert access["already_allowed_by"].startswith(f"tcp {CLUSTER_PORT} from 10.0.0.0/16")


async def test_a_subnet_of_another_vpc_is_refused_by_name(world, server_env, moto_url):
    async with mcp_session(server_env) as s:
        before = snapshot(moto_url, world.vpc)
        message = await call_err(s, "create_vpc_endpoint", vpc_id=world.vpc,
                                 subnet_ids=[world.subnets["a"], world.other_subnet],
                                 cluster_id=CLUSTER, confirm=True)
        assert world.other_subnet in message and world.other_vpc in message
        message = await call_err(s, "create_vpc_endpoint", vpc_id=world.vpc,
                                 subnet_ids=[world.subnets["c"]], cluster_id=CLUSTER, confirm=True)
        assert "service_supported" in message
        message = await call_err(s, "create_vpc_endpoint", vpc_id=world.vpc,
                                 subnet_ids=[world.subnets["a"]],
                                 security_group_ids=["sg-0123456789abcdef0"], cluster_id=CLUSTER,
                                 confirm=True)
        assert "sg-0123456789abcdef0" in message
        assert snapshot(moto_url, world.vpc) == before


async def test_read_only_hides_and_refuses_changing_tools(world, server_env, moto_url, zilliz_server):
    server_env["ZILLIZ_PRIVATELINK_READ_ONLY"] = "1"
    changing = {"create_vpc_endpoint", "register_endpoint", "setup_private_dns",
                "allow_client_access", "remove_private_link"}
    async with mcp_session(server_env) as s:
        names = {t.name for t in (await s.list_tools()).tools}
        assert not names & changing
        assert {"list_vpcs", "wait_for_endpoint"} <= names
        before = snapshot(moto_url, world.vpc)
        zilliz_server.requests.clear()
        for tool, args in [
            ("create_vpc_endpoint", {"vpc_id": world.vpc, "subnet_ids": [world.subnets["a"]],
                                     "cluster_id": CLUSTER, "confirm": True}),
            ("allow_client_access", {"endpoint_security_group_id": world.endpoint_sg,
                                     "source_cidr": "10.0.0.0/16", "port": 19530, "confirm": True}),
            ("remove_private_link", {"cluster_id": CLUSTER, "vpc_id": world.vpc, "confirm": True}),
        ]:
            message = await call_err(s, tool, **args)
            assert f"`{tool}`" in message and "read-only" in message
        assert snapshot(moto_url, world.vpc) == before
        assert zilliz_server.requests == []
        assert (await call_ok(s, "list_vpcs"))["vpcs"]


async def test_whitelist_first_where_the_region_requires_it(world, server_env, moto_url,
                                                            zilliz_server):
    """The service is invisible to the account until Zilliz whitelists it, as on AWS: the
    endpoint can only be made after the whitelist call, and the flow completes."""
    zilliz_server.add_service(f"aws-{REGION}", world.service_name, whitelist_required=True)
    account = "123456789012"
    strict = StrictAws(moto_url, boto("route53", moto_url), hidden_service=world.service_name,
                       whitelisted=lambda: any(w[2] == account for w in zilliz_server.whitelist))
    server_env["AWS_ENDPOINT_URL"] = strict.url
    subnets = [world.subnets["a"], world.subnets["b"]]
    try:
        async with mcp_session(server_env) as s:
            preview = await call_ok(s, "create_vpc_endpoint", vpc_id=world.vpc,
                                    subnet_ids=subnets, cluster_id=CLUSTER)
            assert "whitelist" in preview["preview"][0] and account in preview["preview"][0]
            assert any("zones are unknown" in w for w in preview["warnings"])
            assert zilliz_server.whitelist == []
            made = await call_ok(s, "create_vpc_endpoint", vpc_id=world.vpc, subnet_ids=subnets,
                                 cluster_id=CLUSTER, confirm=True)
            assert made["applied"] is True
            assert zilliz_server.whitelist == [(PROJECT, f"aws-{REGION}", account)]
            reg = await call_ok(s, "register_endpoint", endpoint_id=made["endpoint_id"],
                                cluster_id=CLUSTER)
            assert not any("whitelist" in p for p in reg["preview"])
            await call_ok(s, "register_endpoint", endpoint_id=made["endpoint_id"],
                          cluster_id=CLUSTER, confirm=True)
            waited = await call_ok(s, "wait_for_endpoint", endpoint_id=made["endpoint_id"],
                                   timeout_seconds=30)
            assert waited["ready"] is True
            # A second VPC's endpoint whitelists again; "already whitelisted" is success.
            vpc2, subnets2 = add_app_vpc(world.ec2, "10.9", "second")
            second = await call_ok(s, "create_vpc_endpoint", vpc_id=vpc2,
                                   subnet_ids=list(subnets2.values()), cluster_id=CLUSTER,
                                   confirm=True)
            assert second["applied"] is True and second["endpoint_id"] != made["endpoint_id"]
            assert len(zilliz_server.whitelist) == 1
            # Zilliz has no call to remove a whitelist entry: teardown says it stays.
            teardown = await call_ok(s, "remove_private_link", cluster_id=CLUSTER, vpc_id=vpc2)
            assert any("whitelist" in k and account in k for k in teardown["kept"]), teardown
    finally:
        strict.stop()
    # Before the whitelist the proxy hid the service; the creation went through after it.
    assert ("DescribeVpcEndpointServices", world.service_name) in strict.refused
    assert ("CreateVpcEndpoint", world.service_name) not in strict.refused
    posts = [r[1] for r in zilliz_server.mutating_requests()]
    assert posts == [f"/v2/projects/{PROJECT}/privateEndpointWhitelist",
                     f"/v2/projects/{PROJECT}/privateEndpoints",
                     f"/v2/projects/{PROJECT}/privateEndpointWhitelist"]


async def test_access_uses_the_clusters_own_port(world, server_env, zilliz_server):
    zilliz_server.add_cluster("in01-4430000000000aa", PROJECT, f"aws-{REGION}", port=443)
    zilliz_server.endpoints[PROJECT] = [{"regionId": f"aws-{REGION}", "endpointId": "vpce-0123456789abcdef0"}]
    async with mcp_session(server_env) as s:
        out = await call_ok(s, "allow_client_access", endpoint_security_group_id=world.endpoint_sg,
                            source_cidr="10.0.0.0/16", cluster_id="in01-4430000000000aa",
                            confirm=True)
    assert out["applied"] is True and out["rule"] == "tcp 443 from 10.0.0.0/16"
    rules = world.ec2.describe_security_groups(GroupIds=[world.endpoint_sg])["SecurityGroups"][0]["IpPermissions"]
    assert any(r["FromPort"] == 443 and r["IpRanges"] and r["IpRanges"][0]["CidrIp"] == "10.0.0.0/16"
               for r in rules)


async def test_bad_setup_input_is_named_before_any_call(world, server_env, zilliz_server):
    async with mcp_session(server_env) as s:
        zilliz_server.requests.clear()
        cases = [
            ("create_vpc_endpoint", {"vpc_id": world.vpc, "subnet_ids": []}, "subnet_ids"),
            ("create_vpc_endpoint", {"vpc_id": world.vpc, "subnet_ids": ["subnet-1; rm -rf /"]}, "subnet_ids"),
            ("create_vpc_endpoint", {"vpc_id": world.vpc, "subnet_ids": [world.subnets["a"]]}, "cluster_id"),
            ("register_endpoint", {"endpoint_id": "vpc-0123456789abcdef0", "cluster_id": CLUSTER}, "endpoint_id"),
            ("setup_private_dns", {"cluster_id": "IN01/../x", "vpc_id": world.vpc}, "cluster_id"),
            ("allow_client_access", {"endpoint_security_group_id": world.endpoint_sg,
                                     "source_cidr": "10.0.0.0/33", "port": 1}, "source_cidr"),
            ("allow_client_access", {"endpoint_security_group_id": world.endpoint_sg,
                                     "source_cidr": "10.0.0.0/16", "port": 70000}, "port"),
            ("wait_for_endpoint", {"endpoint_id": "vpce-zz"}, "endpoint_id"),
        ]
        for tool, args, field in cases:
            message = await call_err(s, tool, **args)
            assert field in message, (tool, message)
        assert zilliz_server.requests == []
