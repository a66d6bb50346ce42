"""Enterprise DNS designs, end to end, both ways: Route 53 Profiles owned by a networking
account (their zones, Resolver rules and DNS Firewall rule groups), judged as Resolver answers
them. The other account is a second moto account (reached by assuming a role into it), so its
zone's records are out of this account's reach as they are on AWS."""

import boto3
import pytest

from conftest import PROJECT, REGION, boto, call_ok, mcp_session
from test_diagnose import DIAG, HOST, by_check, diagnose, dns, failing, link, listeners  # noqa: F401

pytestmark = pytest.mark.anyio

NETWORKING = "111111111111"


def networking_account(moto_url, service):
    """A client of `service` acting in the networking account."""
    creds = boto("sts", moto_url).assume_role(
        RoleArn=f"arn:aws:iam::{NETWORKING}:role/network-admin",
        RoleSessionName="zilliz-tests")["Credentials"]
    return boto3.client(service, region_name=REGION, endpoint_url=moto_url,
                        aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])


def alias_to(endpoint):
    regional = endpoint["DnsEntries"][0]
    return {"Name": HOST, "Type": "A", "AliasTarget": {
        "HostedZoneId": regional["HostedZoneId"], "DNSName": regional["DnsName"],
        "EvaluateTargetHealth": False}}


def no_fix_proposes_a_local_zone(report, status=None):
    for f in report["findings"]:
        assert "setup_private_dns" not in (f.get("fix") or ""), f
    if status is not None:
        assert (status.get("next_action") or {}).get("tool") != "setup_private_dns", status


async def test_a_networking_accounts_profile_zone_serves_the_host(
        world, server_env, zilliz_server, dns, listeners, moto_url, aws_extras):
    """The usual design: the networking account owns the Profile and the zone named for the
    host (with the alias to this VPC's endpoint). This account cannot read the zone's records:
    the zone counts through the Profile, the record is left to the probes, and no local zone is
    proposed. Without the Profile, the zone is missing again."""
    dns.a = {HOST: ["127.0.0.1"]}
    async with mcp_session(server_env) as s:
        made = await link(s, world, zilliz_server, listeners["http"], dns_setup=False)
        [endpoint] = world.ec2.describe_vpc_endpoints(
            VpcEndpointIds=[made["endpoint_id"]])["VpcEndpoints"]
        hub_vpc = networking_account(moto_url, "ec2").create_vpc(
            CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
        r53 = networking_account(moto_url, "route53")
        zone = r53.create_hosted_zone(
            Name=HOST, CallerReference="shared-zilliz",
            VPC={"VPCRegion": REGION, "VPCId": hub_vpc},
            HostedZoneConfig={"PrivateZone": True})["HostedZone"]["Id"].split("/")[-1]
        r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
            {"Action": "CREATE", "ResourceRecordSet": alias_to(endpoint)}]})
        without = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
        profile = aws_extras.carry(world.vpc, zone, owner=NETWORKING, name=HOST)
        shared = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
        status = await call_ok(s, "get_setup_status", cluster_id=DIAG, vpc_id=world.vpc)
    assert by_check(without)["hosted_zone"][0]["status"] == "fail"
    assert failing(shared) == set(), shared["findings"]
    [found] = by_check(shared)["hosted_zone"]
    assert found["status"] == "pass" and profile in found["detail"] and NETWORKING in found["detail"]
    [record] = by_check(shared)["alias_record"]
    assert record["status"] == "pass" and "cannot be read" in record["detail"], record
    assert "probes" in record["detail"]
    no_fix_proposes_a_local_zone(shared, status)
    steps = {step["step"]: step for step in status["steps"]}
    assert steps["hosted_zone"]["status"] == "done" and steps["alias_record"]["status"] == "done"
    assert status["complete"] is True and status.get("next_action") is None


async def test_a_profile_zone_without_the_record_names_its_owner(
        world, server_env, zilliz_server, dns, listeners, moto_url, aws_extras):
    """A Profile's zone named for the host that lacks its record: the fix is the record to add,
    in the Profile owner's account, never a local zone that would shadow the Profile's."""
    dns.a = {HOST: ["127.0.0.1"]}
    r53 = boto("route53", moto_url)
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["http"], dns_setup=False)
        other_vpc = world.other_vpc
        zone = r53.create_hosted_zone(
            Name=HOST, CallerReference="profile-no-record",
            VPC={"VPCRegion": REGION, "VPCId": other_vpc},
            HostedZoneConfig={"PrivateZone": True})["HostedZone"]["Id"].split("/")[-1]
        profile = aws_extras.carry(world.vpc, zone, owner="123456789012", name=HOST)
        report = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
        status = await call_ok(s, "get_setup_status", cluster_id=DIAG, vpc_id=world.vpc)
    assert by_check(report)["hosted_zone"][0]["status"] == "pass"
    [record] = by_check(report)["alias_record"]
    assert record["status"] == "fail", record
    assert profile in record["fix"] and zone in record["fix"] and "UPSERT" in record["fix"]
    no_fix_proposes_a_local_zone(report, status)


async def test_a_profile_that_brings_a_forwarding_rule_for_the_host(
        world, server_env, zilliz_server, dns, listeners, moto_url, aws_extras):
    """A forwarding rule for the host that reaches the VPC only through a Profile takes the
    query away from the zone: it fails naming the rule and the Profile. A rule the Profile
    brings for a parent domain leaves the zone in charge."""
    dns.a = {HOST: ["127.0.0.1"]}
    resolver = boto("route53resolver", moto_url)

    def rule(domain, name):
        return resolver.create_resolver_rule(
            CreatorRequestId=name, Name=name, RuleType="FORWARD", DomainName=domain,
            TargetIps=[{"Ip": "10.99.0.2", "Port": 53}])["ResolverRule"]["Id"]

    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["http"])
        parent = rule("zillizcloud.com", "corp-forward")
        aws_extras.carry_rule(world.vpc, parent, owner=NETWORKING)
        healthy = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
        host_rule = rule(HOST, "shadow-forward")
        profile = aws_extras.carry_rule(world.vpc, host_rule, owner=NETWORKING)
        broken = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
    assert failing(healthy) == set(), healthy["findings"]
    [rules] = by_check(broken)["resolver_rules"]
    assert rules["status"] == "fail" and host_rule in rules["detail"] and profile in rules["detail"]
    assert "disassociate-resource-from-profile" in rules["fix"] and "SYSTEM" in rules["fix"]


async def test_a_profiles_firewall_rule_group_is_judged_with_the_vpcs(
        world, server_env, zilliz_server, dns, listeners, aws_extras):
    """A DNS Firewall rule group that reaches the VPC through a Profile blocks like the VPC's
    own: named with its Profile; an ALLOW in a VPC group of a lower priority number decides
    first."""
    dns.a = {HOST: ["127.0.0.1"]}
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["http"])
        aws_extras.carry_firewall(world.vpc, ["*"], group_priority=200, owner=NETWORKING)
        blocked = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
        aws_extras.block(world.vpc, ["*.zillizcloud.com"], action="ALLOW", group_priority=150)
        allowed = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
    [fw] = by_check(blocked)["dns_firewall"]
    assert fw["status"] == "fail" and "rp-0000000000000001" in fw["detail"], fw
    assert NETWORKING in fw["fix"]
    assert failing(allowed) == set(), allowed["findings"]


async def test_premises_resolve_through_a_central_dns_vpcs_inbound_endpoint(
        world, server_env, zilliz_server, dns, listeners, moto_url):
    """The central design: the inbound Resolver endpoints live in a shared DNS VPC. They answer
    from the zones that VPC sees: once the host's zone is tied to it, the premises resolve the
    host (pass, naming the hub's endpoint and its addresses); before, they cannot."""
    from conftest import add_app_vpc
    ec2 = world.ec2
    resolver = boto("route53resolver", moto_url)
    r53 = boto("route53", moto_url)
    hub_vpc, hub_subnets = add_app_vpc(ec2, "10.60", "dns-hub")
    hub_sg = ec2.create_security_group(GroupName="dns", Description="dns",
                                       VpcId=hub_vpc)["GroupId"]
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["http"])
        inbound = resolver.create_resolver_endpoint(
            CreatorRequestId="hub-inbound", Name="hub-inbound", Direction="INBOUND",
            SecurityGroupIds=[hub_sg],
            IpAddresses=[{"SubnetId": subnet} for subnet in list(hub_subnets.values())[:2]],
        )["ResolverEndpoint"]["Id"]
        args = dict(cluster_id=DIAG, vpc_id=world.vpc, client_cidr="192.168.10.0/24", probe=False)
        untied = await call_ok(s, "diagnose_private_link", **args)
        [zone] = [z["Id"].split("/")[-1] for z in r53.list_hosted_zones()["HostedZones"]
                  if z["Name"].rstrip(".") == HOST]
        r53.associate_vpc_with_hosted_zone(HostedZoneId=zone,
                                           VPC={"VPCRegion": REGION, "VPCId": hub_vpc})
        tied = await call_ok(s, "diagnose_private_link", **args)
    [onprem] = by_check(untied)["on_premises_dns"]
    assert onprem["status"] == "fail" and inbound in onprem["detail"], onprem
    [onprem] = by_check(tied)["on_premises_dns"]
    assert onprem["status"] == "pass" and inbound in onprem["detail"] and hub_vpc in onprem["detail"]


async def test_a_cluster_whose_service_is_not_offered_to_the_vpcs_region_is_the_persons_part(
        world, server_env, zilliz_server):
    """A VPC of the server's region (us-west-2) and a cluster in us-east-1 whose service AWS
    does not offer to us-west-2: a cross-region endpoint cannot reach it yet, so the status and
    the diagnosis name the person's part (Zilliz support) and no tool call; both regions named."""
    cluster = "in01-e2e0000000000001"
    zilliz_server.add_cluster(cluster, PROJECT, "aws-us-east-1")
    zilliz_server.add_service("aws-us-east-1",
                              "com.amazonaws.vpce.us-east-1.vpce-svc-0e2e0000000000001")
    async with mcp_session(server_env) as s:
        report = await call_ok(s, "diagnose_private_link", cluster_id=cluster, vpc_id=world.vpc,
                               client_security_group_id=world.app_sg, probe=False)
        status = await call_ok(s, "get_setup_status", cluster_id=cluster, vpc_id=world.vpc)
    [service] = [f for f in report["findings"] if f["check"] == "endpoint_service"]
    assert service["status"] == "fail", report["findings"]
    assert "us-east-1" in service["detail"] and "us-west-2" in service["detail"]
    assert "Zilliz support" in service["fix"] and "remedy" not in service
    for f in report["findings"]:
        assert "subnet_ids" not in (f.get("fix") or ""), f
    assert status.get("next_action") is None and status["complete"] is False
    assert status["persons_part"]["step"] == "endpoint_service"
    assert status["vpc_region"] == "us-west-2" and status["aws_region"] == "us-east-1"


async def test_a_client_across_an_inter_region_peering_is_admitted_by_its_addresses(
        world, server_env, zilliz_server, dns, listeners, moto_url):
    """A client VPC in us-east-1 peered with the endpoint's VPC in us-west-2: this server
    cannot read it, the peering tells its region and block. AWS does not resolve a reference
    to its security group across regions, so naming the client by its group warns, and the fix
    for the closed port is the VPC's block, never the group; once that block is admitted, the
    rule passes."""
    east = boto("ec2", moto_url, region="us-east-1")
    client_vpc = east.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    client_sg = east.create_security_group(GroupName="app-east", Description="app",
                                           VpcId=client_vpc)["GroupId"]
    pcx = world.ec2.create_vpc_peering_connection(
        VpcId=world.vpc, PeerVpcId=client_vpc, PeerRegion="us-east-1",
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    async with mcp_session(server_env) as s:
        made = await link(s, world, zilliz_server, listeners["http"], access=False)
        args = dict(cluster_id=DIAG, vpc_id=world.vpc, client_vpc_id=client_vpc,
                    client_security_group_id=client_sg, probe=False)
        closed = await call_ok(s, "diagnose_private_link", **args)
        await call_ok(s, "allow_client_access",
                      endpoint_security_group_id=made["security_group_ids"][0],
                      source_cidr="10.8.0.0/16", cluster_id=DIAG, confirm=True)
        opened = await call_ok(s, "diagnose_private_link", **args)
    checks = by_check(closed)
    [vpc] = checks["client_vpc"]
    assert vpc["status"] == "warn" and "us-east-1" in vpc["detail"] and pcx in vpc["detail"], vpc
    [reference] = checks["security_group_reference"]
    assert reference["status"] == "warn" and "across regions" in reference["detail"], reference
    assert "10.8.0.0/16" in reference["fix"]
    [inbound] = checks["security_group_inbound"]
    assert inbound["status"] == "fail" and '"source_cidr":"10.8.0.0/16"' in inbound["fix"], inbound
    assert "source_security_group_id" not in inbound["fix"]
    assert "client" not in failing(closed)
    [inbound] = by_check(opened)["security_group_inbound"]
    assert inbound["status"] == "pass", inbound
