"""One cluster reached from several VPCs: each VPC with its own endpoint resolves to it, a
spoke resolves through its hub, and tearing one VPC down leaves the others exactly as they
were. Record deletes go through a proxy that enforces Route 53's exact-match rule."""

import pytest

from conftest import (CLUSTER, HOST, PROJECT, REGION, add_app_vpc, boto, call_ok, mcp_session,
                      set_up_link)
from strict_aws import StrictAws

pytestmark = pytest.mark.anyio


def dns_of(moto_url, vpc):
    """The zone named for the host tied to `vpc`: (zone id, tied VPCs, alias target record)."""
    r53 = boto("route53", moto_url)
    zones = [z for z in r53.list_hosted_zones_by_vpc(VPCId=vpc, VPCRegion=REGION)["HostedZoneSummaries"]
             if z["Name"] == HOST + "."]
    if not zones:
        return None
    zone_id = zones[0]["HostedZoneId"].split("/")[-1]
    tied = sorted(v["VPCId"] for v in r53.get_hosted_zone(Id=zone_id)["VPCs"])
    [record] = [r for r in r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
                if r["Type"] == "A" and r["Name"] == HOST + "."]
    return zone_id, tied, record


def regional_name(ec2, endpoint_id):
    endpoint = ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]
    return endpoint["DnsEntries"][0]["DnsName"]


def everything_of(moto_url, zilliz_server, vpc, endpoint_id):
    """What a working link of `vpc` consists of, read from the emulator and the fake."""
    ec2 = boto("ec2", moto_url)
    endpoint = ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]
    groups = ec2.describe_security_groups(
        GroupIds=[g["GroupId"] for g in endpoint["Groups"]])["SecurityGroups"]
    return {
        "endpoint": (endpoint["State"], endpoint["VpcId"], sorted(endpoint["SubnetIds"])),
        "groups": sorted((g["GroupId"], repr(g["IpPermissions"])) for g in groups),
        "registered": [e["endpointId"] for e in zilliz_server.endpoints.get(PROJECT, [])
                       if e["endpointId"] == endpoint_id],
        "dns": dns_of(moto_url, vpc),
    }


async def status_of(s, vpc):
    out = await call_ok(s, "get_setup_status", cluster_id=CLUSTER, vpc_id=vpc)
    return out["complete"], {x["step"]: x["status"] for x in out["steps"]}


async def test_two_vpcs_each_resolve_to_their_own_endpoint_and_teardown_leaves_the_other(
        world, server_env, moto_url, zilliz_server):
    ec2 = world.ec2
    vpc_b, subnets_b = add_app_vpc(ec2, "10.1", "app-b")
    async with mcp_session(server_env) as s:
        a = await set_up_link(s, ec2, world.vpc, [world.subnets["a"], world.subnets["b"]])
        b = await set_up_link(s, ec2, vpc_b, list(subnets_b.values()))

        zone_a, tied_a, record_a = dns_of(moto_url, world.vpc)
        zone_b, tied_b, record_b = dns_of(moto_url, vpc_b)
        assert zone_a != zone_b
        assert (tied_a, tied_b) == ([world.vpc], [vpc_b])
        assert record_a["AliasTarget"]["DNSName"].rstrip(".") == regional_name(ec2, a["endpoint_id"])
        assert record_b["AliasTarget"]["DNSName"].rstrip(".") == regional_name(ec2, b["endpoint_id"])
        assert (await status_of(s, world.vpc))[0] is True
        assert (await status_of(s, vpc_b))[0] is True

        # A second setup_private_dns for B changes nothing anywhere.
        again = await call_ok(s, "setup_private_dns", cluster_id=CLUSTER, vpc_id=vpc_b)
        assert again["preview"] == []

        before_a = everything_of(moto_url, zilliz_server, world.vpc, a["endpoint_id"])
        preview = await call_ok(s, "remove_private_link", cluster_id=CLUSTER, vpc_id=vpc_b)
        assert not any(world.vpc in p or a["endpoint_id"] in p or zone_a in p
                       for p in preview["preview"]), preview["preview"]
        done = await call_ok(s, "remove_private_link", cluster_id=CLUSTER, vpc_id=vpc_b,
                             confirm=True)
        assert done["applied"] is True
        assert everything_of(moto_url, zilliz_server, world.vpc, a["endpoint_id"]) == before_a
        assert dns_of(moto_url, vpc_b) is None
        assert (await status_of(s, world.vpc))[0] is True


async def test_a_second_vpc_leaves_a_zone_it_shares_and_gets_its_own(
        world, server_env, moto_url, zilliz_server):
    """A zone someone tied to both VPCs keeps answering for the first; the second VPC, which
    has its own endpoint, is untied from it and gets a zone of its own."""
    ec2 = world.ec2
    r53 = boto("route53", moto_url)
    vpc_b, subnets_b = add_app_vpc(ec2, "10.1", "app-b")
    async with mcp_session(server_env) as s:
        a = await set_up_link(s, ec2, world.vpc, [world.subnets["a"], world.subnets["b"]])
        zone_a, _, record_a = dns_of(moto_url, world.vpc)
        r53.associate_vpc_with_hosted_zone(HostedZoneId=zone_a,
                                           VPC={"VPCRegion": REGION, "VPCId": vpc_b})
        b = await call_ok(s, "create_vpc_endpoint", vpc_id=vpc_b,
                          subnet_ids=list(subnets_b.values()), cluster_id=CLUSTER, confirm=True)
        preview = await call_ok(s, "setup_private_dns", cluster_id=CLUSTER, vpc_id=vpc_b)
        assert preview["preview"][0].startswith(f"untie {vpc_b} from the private zone {zone_a}")
        assert world.vpc in preview["preview"][0]
        assert any(world.vpc in w for w in preview["warnings"])
        await call_ok(s, "setup_private_dns", cluster_id=CLUSTER, vpc_id=vpc_b, confirm=True)

    assert dns_of(moto_url, world.vpc) == (zone_a, [world.vpc], record_a)
    zone_b, tied_b, record_b = dns_of(moto_url, vpc_b)
    assert zone_b != zone_a and tied_b == [vpc_b]
    assert record_b["AliasTarget"]["DNSName"].rstrip(".") == regional_name(ec2, b["endpoint_id"])
    assert a["endpoint_id"] != b["endpoint_id"]


async def test_hub_and_spoke_ties_the_spoke_and_its_teardown_only_unties(
        world, server_env, moto_url, zilliz_server):
    ec2 = world.ec2
    spoke, _ = add_app_vpc(ec2, "10.2", "spoke")
    async with mcp_session(server_env) as s:
        hub = await set_up_link(s, ec2, world.vpc, [world.subnets["a"], world.subnets["b"]])
        zone, _, record = dns_of(moto_url, world.vpc)

        preview = await call_ok(s, "setup_private_dns", cluster_id=CLUSTER, vpc_id=spoke,
                                endpoint_id=hub["endpoint_id"])
        [line] = preview["preview"]
        assert line.startswith(f"tie the private zone {zone}") and "no record changes" in line
        assert world.vpc in line
        await call_ok(s, "setup_private_dns", cluster_id=CLUSTER, vpc_id=spoke,
                      endpoint_id=hub["endpoint_id"], confirm=True)
        assert dns_of(moto_url, spoke) == (zone, sorted([world.vpc, spoke]), record)
        # The spoke's status follows the hub's endpoint.
        complete, steps = await status_of(s, spoke)
        assert complete is True, steps

        # The hub's teardown keeps what the spoke resolves through.
        hub_before = everything_of(moto_url, zilliz_server, world.vpc, hub["endpoint_id"])
        kept = await call_ok(s, "remove_private_link", cluster_id=CLUSTER, vpc_id=world.vpc,
                             confirm=True)
        assert any(spoke in k and hub["endpoint_id"] in k for k in kept["kept"]), kept
        after = everything_of(moto_url, zilliz_server, world.vpc, hub["endpoint_id"])
        assert after["endpoint"] == hub_before["endpoint"]
        assert after["registered"] == hub_before["registered"] and after["dns"] == hub_before["dns"]

        # The spoke's teardown unties it and nothing else.
        preview = await call_ok(s, "remove_private_link", cluster_id=CLUSTER, vpc_id=spoke)
        assert [p.split(" from ")[0] for p in preview["preview"]] == [f"untie {spoke}"]
        await call_ok(s, "remove_private_link", cluster_id=CLUSTER, vpc_id=spoke, confirm=True)
    assert dns_of(moto_url, spoke) is None
    assert dns_of(moto_url, world.vpc) == (zone, [world.vpc], record)
    assert everything_of(moto_url, zilliz_server, world.vpc, hub["endpoint_id"])["endpoint"] \
        == hub_before["endpoint"]


async def test_teardown_deletes_a_console_made_record_exactly(world, server_env, moto_url,
                                                            zilliz_server):
    """The console's alias to a VPC endpoint says EvaluateTargetHealth: true; Route 53 refuses
    a delete that does not repeat it (the proxy enforces that rule, which moto lacks)."""
    r53 = boto("route53", moto_url)
    strict = StrictAws(moto_url, r53)
    server_env["AWS_ENDPOINT_URL"] = strict.url
    try:
        async with mcp_session(server_env) as s:
            made = await set_up_link(s, world.ec2, world.vpc,
                                     [world.subnets["a"], world.subnets["b"]])
            zone_id, _, record = dns_of(moto_url, world.vpc)
            record["AliasTarget"]["EvaluateTargetHealth"] = True
            r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
                {"Action": "UPSERT", "ResourceRecordSet": record}]})

            # The proxy is strict: a delete rebuilt with false is refused.
            rebuilt = dict(record, AliasTarget=dict(record["AliasTarget"], EvaluateTargetHealth=False))
            through_proxy = boto("route53", strict.url)
            with pytest.raises(through_proxy.exceptions.InvalidChangeBatch):
                through_proxy.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={
                    "Changes": [{"Action": "DELETE", "ResourceRecordSet": rebuilt}]})
            strict.refused.clear()

            done = await call_ok(s, "remove_private_link", cluster_id=CLUSTER, vpc_id=world.vpc,
                                 confirm=True)
    finally:
        strict.stop()
    assert strict.refused == []
    assert done["applied"] is True and made["endpoint_id"]
    assert [z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == HOST + "."] == []
