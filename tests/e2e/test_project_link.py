"""A private link is the project's: one VPC endpoint, registered once with the project in the
region, serves every cluster of the project there, each through its own name. Two clusters
share a VPC's endpoint; removing either one's link leaves the other working; the last one
takes the endpoint; the endpoint goes while another rides it only on the person's word; a
wildcard alias in a parent zone serves every cluster and is said to capture other names."""

import pytest

from conftest import (CLUSTER, HOST, PROJECT, REGION, boto, call_ok, mcp_session, set_up_link)

pytestmark = pytest.mark.anyio

SECOND = "in01-5ec0d000000000b2"
SECOND_HOST = f"{SECOND}-privatelink.aws-{REGION}.vectordb.zillizcloud.com"
REGION_DOMAIN = f"aws-{REGION}.vectordb.zillizcloud.com"


def live_endpoints(ec2):
    return [e for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]
            if e["State"].lower() not in ("deleted", "deleting")]


def registered(zilliz_server):
    return [e["endpointId"] for e in zilliz_server.endpoints.get(PROJECT, [])]


def zone_names(moto_url):
    return sorted(z["Name"].rstrip(".") for z in boto("route53", moto_url)
                  .list_hosted_zones()["HostedZones"])


def group_exists(ec2, group_id):
    return any(g["GroupId"] == group_id for g in ec2.describe_security_groups()["SecurityGroups"])


async def follow(s, cluster, vpc, limit=8):
    """Does what get_setup_status proposes, confirmed, until the setup is complete."""
    for _ in range(limit):
        status = await call_ok(s, "get_setup_status", cluster_id=cluster, vpc_id=vpc)
        if status["complete"]:
            return status
        action = status["next_action"]
        assert action, status
        arguments = dict(action["arguments"])
        if action["tool"] not in ("wait_for_endpoint",):
            arguments["confirm"] = True
        await call_ok(s, action["tool"], **arguments)
    raise AssertionError("setup did not complete")


async def both_clusters(s, world, zilliz_server):
    """The first cluster set up from the VPC with the server, then the second from nothing by
    following get_setup_status: the endpoint and the group made for the first."""
    zilliz_server.add_cluster(SECOND, PROJECT, f"aws-{REGION}", name="staging", port=19533)
    made = await set_up_link(s, world.ec2, world.vpc, [world.subnets["a"], world.subnets["b"]])
    return made


async def healthy(s, cluster, vpc):
    report = await call_ok(s, "diagnose_private_link", cluster_id=cluster, vpc_id=vpc, probe=False)
    failing = [f for f in report["findings"] if f["status"] == "fail"]
    assert not failing, failing
    return report


async def test_the_second_cluster_rides_the_first_ones_endpoint_and_outlives_its_removal(
        world, server_env, moto_url, zilliz_server):
    ec2 = world.ec2
    async with mcp_session(server_env) as s:
        made = await both_clusters(s, world, zilliz_server)
        endpoint, group = made["endpoint_id"], made["security_group_ids"][0]
        status = await follow(s, SECOND, world.vpc)
        # No second endpoint or registration: the project's link carries the second cluster.
        assert [e["VpcEndpointId"] for e in live_endpoints(ec2)] == [endpoint]
        assert registered(zilliz_server) == [endpoint]
        assert SECOND_HOST in zone_names(moto_url) and HOST in zone_names(moto_url)
        assert [r["cluster_id"] for r in status["shared_with"]] == [CLUSTER]
        assert "shared with " + CLUSTER in status_text(status)

        report = await healthy(s, SECOND, world.vpc)
        [vpc_endpoint] = [f for f in report["findings"] if f["check"] == "vpc_endpoint"]
        assert CLUSTER in vpc_endpoint["detail"] and "shared" in vpc_endpoint["detail"]

        audit = await call_ok(s, "audit_private_links")
        [link] = [lk for lk in audit["links"] if lk["endpoint_id"] == endpoint]
        assert sorted(link["cluster_ids"]) == sorted([CLUSTER, SECOND])
        assert link["status"] == "ok", link
        assert {f["check"] for f in link["findings"]} >= {f"record:{CLUSTER}", f"record:{SECOND}"}

        # Removing the first cluster's link (the one the endpoint was made for) keeps what the
        # second rides.
        preview = await call_ok(s, "remove_private_link", cluster_id=CLUSTER, vpc_id=world.vpc)
        assert not any(p.startswith(("delete VPC endpoint", "deregister", "delete security group"))
                       for p in preview["preview"]), preview["preview"]
        assert any(SECOND in k and endpoint in k for k in preview["kept"]), preview["kept"]
        assert [r["cluster_id"] for r in preview["shared_with"]] == [SECOND]
        done = await call_ok(s, "remove_private_link", cluster_id=CLUSTER, vpc_id=world.vpc,
                             confirm=True)
        assert done["applied"] is True
        assert [e["VpcEndpointId"] for e in live_endpoints(ec2)] == [endpoint]
        assert registered(zilliz_server) == [endpoint]
        assert group_exists(ec2, group)
        assert HOST not in zone_names(moto_url) and SECOND_HOST in zone_names(moto_url)
        await healthy(s, SECOND, world.vpc)
        again = await call_ok(s, "remove_private_link", cluster_id=CLUSTER, vpc_id=world.vpc)
        assert again["preview"] == []

        # The last cluster takes the endpoint, its registration and the group made for the first.
        last = await call_ok(s, "remove_private_link", cluster_id=SECOND, vpc_id=world.vpc,
                             confirm=True)
        assert last["applied"] is True and last["shared_with"] == []
        assert live_endpoints(ec2) == []
        assert registered(zilliz_server) == []
        assert not group_exists(ec2, group)
        assert SECOND_HOST not in zone_names(moto_url)


def status_text(status):
    return "The endpoint is the project's private link, shared with " + ", ".join(
        r["cluster_id"] for r in status["shared_with"])


async def test_removing_the_second_keeps_the_first_and_the_whole_link_goes_only_when_asked(
        world, server_env, moto_url, zilliz_server):
    ec2 = world.ec2
    async with mcp_session(server_env) as s:
        made = await both_clusters(s, world, zilliz_server)
        endpoint = made["endpoint_id"]
        await follow(s, SECOND, world.vpc)
        done = await call_ok(s, "remove_private_link", cluster_id=SECOND, vpc_id=world.vpc,
                             confirm=True)
        assert any(CLUSTER in k for k in done["kept"]), done["kept"]
        assert [e["VpcEndpointId"] for e in live_endpoints(ec2)] == [endpoint]
        assert registered(zilliz_server) == [endpoint]
        assert SECOND_HOST not in zone_names(moto_url)
        await healthy(s, CLUSTER, world.vpc)

        # Set the second up again, then take the whole link on the person's word.
        await follow(s, SECOND, world.vpc)
        asked = await call_ok(s, "remove_private_link", cluster_id=SECOND, vpc_id=world.vpc,
                              remove_shared_endpoint=True)
        assert f"delete VPC endpoint {endpoint}" in asked["preview"], asked["preview"]
        assert any("cuts" in w and CLUSTER in w for w in asked["warnings"]), asked["warnings"]
        assert [e["VpcEndpointId"] for e in live_endpoints(ec2)] == [endpoint], "a preview"
        await call_ok(s, "remove_private_link", cluster_id=SECOND, vpc_id=world.vpc,
                      remove_shared_endpoint=True, confirm=True)
        assert live_endpoints(ec2) == [] and registered(zilliz_server) == []
        report = await call_ok(s, "diagnose_private_link", cluster_id=CLUSTER, vpc_id=world.vpc,
                               probe=False)
        assert "vpc_endpoint" in {f["check"] for f in report["findings"] if f["status"] == "fail"}


async def test_a_wildcard_alias_in_a_parent_zone_serves_every_cluster_with_a_warning(
        world, server_env, moto_url, zilliz_server):
    ec2, r53 = world.ec2, boto("route53", moto_url)
    zilliz_server.add_cluster(SECOND, PROJECT, f"aws-{REGION}", name="staging", port=19533)
    async with mcp_session(server_env) as s:
        made = await call_ok(s, "create_vpc_endpoint", vpc_id=world.vpc,
                             subnet_ids=[world.subnets["a"], world.subnets["b"]],
                             cluster_id=CLUSTER, confirm=True)
        endpoint = made["endpoint_id"]
        await call_ok(s, "register_endpoint", endpoint_id=endpoint, cluster_id=CLUSTER,
                      confirm=True)
        cidr = ec2.describe_vpcs(VpcIds=[world.vpc])["Vpcs"][0]["CidrBlock"]
        for cluster in (CLUSTER, SECOND):
            await call_ok(s, "allow_client_access",
                          endpoint_security_group_id=made["security_group_ids"][0],
                          source_cidr=cidr, cluster_id=cluster, confirm=True)
        # One wildcard for every cluster of the region, aliasing the endpoint, as a platform
        # team might write it.
        entry = ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0][
            "DnsEntries"][0]
        parent = r53.create_hosted_zone(
            Name=REGION_DOMAIN, CallerReference="platform",
            VPC={"VPCRegion": REGION, "VPCId": world.vpc},
            HostedZoneConfig={"PrivateZone": True})["HostedZone"]["Id"].split("/")[-1]
        r53.change_resource_record_sets(HostedZoneId=parent, ChangeBatch={"Changes": [{
            "Action": "CREATE", "ResourceRecordSet": {
                "Name": f"*.{REGION_DOMAIN}", "Type": "A", "AliasTarget": {
                    "HostedZoneId": entry["HostedZoneId"], "DNSName": entry["DnsName"],
                    "EvaluateTargetHealth": False}}}]})
        for cluster in (CLUSTER, SECOND):
            report = await healthy(s, cluster, world.vpc)
            checks = {f["check"]: f for f in report["findings"]}
            assert "zone_shadowing" not in checks
            zone = checks["hosted_zone"]
            assert zone["status"] == "warn", zone
            assert f"*.{REGION_DOMAIN}" in zone["detail"]
            # The public names it captures, the other cluster's among them.
            assert f"{SECOND}.{REGION_DOMAIN}" in zone["detail"]
            assert zone["remedy"]["tool"] == "setup_private_dns"
            status = await call_ok(s, "get_setup_status", cluster_id=cluster, vpc_id=world.vpc)
            assert status["complete"] is True, status["steps"]

        # Teardown of one cluster keeps the endpoint the other rides through the wildcard, and
        # never touches the platform team's zone.
        before = r53.list_resource_record_sets(HostedZoneId=parent)["ResourceRecordSets"]
        done = await call_ok(s, "remove_private_link", cluster_id=CLUSTER, vpc_id=world.vpc,
                             confirm=True)
        assert [r["cluster_id"] for r in done["shared_with"]] == [SECOND]
        assert [e["VpcEndpointId"] for e in live_endpoints(ec2)] == [endpoint]
        assert registered(zilliz_server) == [endpoint]
        assert r53.list_resource_record_sets(HostedZoneId=parent)["ResourceRecordSets"] == before
