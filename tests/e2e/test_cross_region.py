"""A VPC in another region than the cluster (AWS's cross-region PrivateLink): the application's
VPC in us-east-1, the cluster and Zilliz's endpoint service in us-west-2. moto is taught
(fakes/moto_real.py) that a provider's service is described and reachable from the regions
it is offered to, and from no other."""

import pytest

from conftest import CLUSTER, CLUSTER_PORT, PROJECT, REGION, add_app_vpc, boto, call_ok, mcp_session
from test_follow import follow

pytestmark = pytest.mark.anyio

EAST = "us-east-1"
HOST = f"{CLUSTER}-privatelink.aws-{REGION}.vectordb.zillizcloud.com"


def offer_to(world, region):
    """Zilliz enables its service for the consumer's region (what its support does on a ticket)."""
    service_id = world.service_name.rsplit(".", 1)[-1]
    world.ec2.modify_vpc_endpoint_service_configuration(ServiceId=service_id,
                                                        AddSupportedRegions=[region])


def east_state(east, r53, vpc):
    """What exists of a link in the east VPC: its endpoints, its non-default groups, its zones."""
    endpoints = [e["VpcEndpointId"] for e in east.describe_vpc_endpoints(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"]
        if e["State"].lower() not in ("deleted", "deleting")]
    groups = sorted(g["GroupId"] for g in east.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"]
        if g["GroupName"] != "default")
    zones = sorted(z["HostedZoneId"] for z in r53.list_hosted_zones_by_vpc(
        VPCId=vpc, VPCRegion=EAST)["HostedZoneSummaries"])
    return endpoints, groups, zones


async def test_following_next_action_sets_up_a_cross_region_link_and_teardown_undoes_it(
        world, server_env, moto_url, zilliz_server):
    offer_to(world, EAST)
    east = boto("ec2", moto_url, region=EAST)
    r53 = boto("route53", moto_url)
    vpc, _ = add_app_vpc(east, "10.1", "orders-east", region=EAST)
    before = east_state(east, r53, vpc)
    west_endpoints = world.ec2.describe_vpc_endpoints()["VpcEndpoints"]
    async with mcp_session(server_env) as s:
        made = []
        for _ in range(8):
            status = await call_ok(s, "get_setup_status", cluster_id=CLUSTER, vpc_id=vpc,
                                   region=EAST)
            if status["complete"]:
                break
            assert "persons_part" not in status, status
            made.append(status["next_action"]["tool"])
            assert status["next_action"]["arguments"].get("region") == EAST, status["next_action"]
            await follow(s, status["next_action"])
        assert made == ["create_vpc_endpoint", "register_endpoint", "setup_private_dns",
                        "allow_client_access"], made
        assert status["vpc_region"] == EAST and status["aws_region"] == REGION

        # One endpoint in us-east-1 to the service in us-west-2, none in us-west-2.
        [endpoint] = east.describe_vpc_endpoints(
            Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"]
        assert endpoint["ServiceName"] == world.service_name
        assert endpoint["ServiceRegion"] == REGION
        assert world.ec2.describe_vpc_endpoints()["VpcEndpoints"] == west_endpoints
        # Registered with the project in the cluster's region.
        assert [(e["endpointId"], e["regionId"]) for e in zilliz_server.endpoints[PROJECT]] == [
            (endpoint["VpcEndpointId"], f"aws-{REGION}")]
        # The zone is tied to the VPC in its own region, its alias the endpoint's name.
        [zone] = [z for z in r53.list_hosted_zones_by_vpc(VPCId=vpc, VPCRegion=EAST)[
            "HostedZoneSummaries"] if z["Name"] == HOST + "."]
        records = r53.list_resource_record_sets(HostedZoneId=zone["HostedZoneId"])[
            "ResourceRecordSets"]
        [alias] = [r for r in records if r["Type"] == "A"]
        assert alias["AliasTarget"]["DNSName"].rstrip(".") == endpoint["DnsEntries"][0]["DnsName"]
        [group] = endpoint["Groups"]
        [rule] = east.describe_security_groups(GroupIds=[group["GroupId"]])["SecurityGroups"][0][
            "IpPermissions"]
        assert rule["FromPort"] == CLUSTER_PORT

        report = await call_ok(s, "diagnose_private_link", cluster_id=CLUSTER, vpc_id=vpc,
                               region=EAST, probe=False)
        failing = [f for f in report["findings"] if f["status"] == "fail"]
        assert failing == [], failing
        assert report["vpc_region"] == EAST
        assert report["healthy"] is True, report["findings"]

        # The diagnosis's own remedies are calls about the VPC in its region too.
        east.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": False})
        report = await call_ok(s, "diagnose_private_link", cluster_id=CLUSTER, vpc_id=vpc,
                               region=EAST, probe=False)
        [off] = [f for f in report["findings"] if f["status"] == "fail"]
        assert off["check"] == "vpc_dns_attributes" and off["remedy"]["arguments"]["region"] == EAST
        await follow(s, off["remedy"])
        assert east.describe_vpc_attribute(VpcId=vpc, Attribute="enableDnsHostnames")[
            "EnableDnsHostnames"]["Value"] is True

        # The audit finds the endpoint where it is once it reads that region, and says which
        # regions it read where it does not.
        audit = await call_ok(s, "audit_private_links", regions=[REGION, EAST])
        [link] = [l for l in audit["links"] if l.get("endpoint_id") == endpoint["VpcEndpointId"]]
        assert link["status"] == "ok" and link["region_id"] == f"aws-{REGION}", link["findings"]
        narrow = await call_ok(s, "audit_private_links", regions=[REGION])
        [unseen] = [l for l in narrow["links"] if l.get("endpoint_id") == endpoint["VpcEndpointId"]]
        [finding] = [f for f in unseen["findings"] if f["status"] == "fail"]
        assert "regions read (us-west-2)" in finding["detail"] and "regions" in finding["fix"]

        gone = await call_ok(s, "remove_private_link", cluster_id=CLUSTER, vpc_id=vpc,
                             region=EAST, confirm=True)
        assert gone["applied"] is True
    assert east_state(east, r53, vpc) == before
    assert zilliz_server.endpoints.get(PROJECT, []) == []
    assert world.ec2.describe_vpc_endpoints()["VpcEndpoints"] == west_endpoints


async def test_a_service_not_offered_to_the_vpcs_region_is_the_persons_part_and_nothing_is_made(
        world, server_env, moto_url, zilliz_server):
    east = boto("ec2", moto_url, region=EAST)
    r53 = boto("route53", moto_url)
    vpc, subnets = add_app_vpc(east, "10.1", "orders-east", region=EAST)
    before = east_state(east, r53, vpc)
    async with mcp_session(server_env) as s:
        status = await call_ok(s, "get_setup_status", cluster_id=CLUSTER, vpc_id=vpc, region=EAST)
        assert status.get("next_action") is None, status
        assert status["persons_part"]["step"] == "endpoint_service", status
        assert "Zilliz support" in status["persons_part"]["ask"]
        assert EAST in status["persons_part"]["ask"]
        result = await s.call_tool("create_vpc_endpoint", {
            "vpc_id": vpc, "subnet_ids": list(subnets.values()), "cluster_id": CLUSTER,
            "region": EAST, "confirm": True})
        assert result.isError and "Zilliz support" in result.content[0].text, result.content
    assert east_state(east, r53, vpc) == before
    assert zilliz_server.mutating_requests() == []


async def test_the_vpc_is_found_in_the_servers_region_without_region(
        world, server_env, moto_url):
    """Without `region`, a VPC that is not in the cluster's region is looked for in the
    server's own (AWS_REGION): there, the link is judged across regions."""
    offer_to(world, EAST)
    east = boto("ec2", moto_url, region=EAST)
    vpc, _ = add_app_vpc(east, "10.1", "orders-east", region=EAST)
    async with mcp_session(dict(server_env, AWS_REGION=EAST)) as s:
        status = await call_ok(s, "get_setup_status", cluster_id=CLUSTER, vpc_id=vpc)
    assert status["vpc_region"] == EAST
    assert status["next_action"]["tool"] == "create_vpc_endpoint"
    assert status["next_action"]["arguments"]["region"] == EAST
