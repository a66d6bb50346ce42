"""A client in a spoke VPC (peered to the endpoint's): the DNS side is judged where the
client's resolver asks, in its own VPC (its DHCP options, zone, Resolver rules), the network on
the endpoint's side, and the spoke gets the same findings whether it is named as `vpc_id` or
as `client_vpc_id` beside the endpoint's VPC."""

import pytest

from conftest import add_app_vpc, call_ok, main_route_table, mcp_session
from test_diagnose import DIAG, by_check, link, listeners  # noqa: F401 (fixture)
from test_status import AGREES, CHECK_OF

pytestmark = pytest.mark.anyio


def judged(report):
    return sorted((f["check"], f["status"], f["detail"], f.get("fix") or "")
                  for f in report["findings"])


async def test_a_spoke_client_is_judged_for_its_own_resolver_however_it_is_named(
        world, server_env, zilliz_server, listeners):
    ec2 = world.ec2
    spoke, _ = add_app_vpc(ec2, "10.2", "spoke-app")
    pcx = ec2.create_vpc_peering_connection(VpcId=spoke, PeerVpcId=world.vpc)[
        "VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.create_route(RouteTableId=main_route_table(ec2, spoke), DestinationCidrBlock="10.0.0.0/16",
                     VpcPeeringConnectionId=pcx)
    ec2.create_route(RouteTableId=main_route_table(ec2, world.vpc), DestinationCidrBlock="10.2.0.0/16",
                     VpcPeeringConnectionId=pcx)
    own_dns = ec2.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name-servers", "Values": ["10.2.0.53"]}])["DhcpOptions"]["DhcpOptionsId"]
    ec2.associate_dhcp_options(DhcpOptionsId=own_dns, VpcId=spoke)
    async with mcp_session(server_env) as s:
        made = await link(s, world, zilliz_server, listeners["http"])
        # Before the spoke has the zone: the status for the spoke's clients says so, as the
        # diagnosis does, and proposes the zone for the spoke, pointing at the hub's endpoint.
        no_zone = await call_ok(s, "get_setup_status", cluster_id=DIAG, vpc_id=world.vpc,
                                client_vpc_id=spoke)
        no_zone_report = await call_ok(s, "diagnose_private_link", cluster_id=DIAG,
                                       vpc_id=world.vpc, client_vpc_id=spoke, probe=False)
        await call_ok(s, "setup_private_dns", cluster_id=DIAG, vpc_id=spoke,
                      endpoint_id=made["endpoint_id"], confirm=True)
        await call_ok(s, "allow_client_access",
                      endpoint_security_group_id=made["security_group_ids"][0],
                      source_cidr="10.2.0.0/16", cluster_id=DIAG, confirm=True)
        beside = await call_ok(s, "diagnose_private_link", cluster_id=DIAG, vpc_id=world.vpc,
                               client_vpc_id=spoke, probe=False)
        status = await call_ok(s, "get_setup_status", cluster_id=DIAG, vpc_id=world.vpc,
                               client_vpc_id=spoke)
        as_vpc = await call_ok(s, "diagnose_private_link", cluster_id=DIAG, vpc_id=spoke,
                               probe=False)
        ec2.associate_dhcp_options(DhcpOptionsId="default", VpcId=spoke)
        amazon_dns = await call_ok(s, "diagnose_private_link", cluster_id=DIAG, vpc_id=spoke,
                                   probe=False)

    # The status judges the same steps the same way, for the spoke's clients.
    for steps, report in ((no_zone, no_zone_report), (status, beside)):
        findings = {f["check"]: f for f in report["findings"]}
        for step in steps["steps"]:
            finding = findings[CHECK_OF.get(step["step"], step["step"])]
            assert finding["status"] in AGREES[step["status"]], (step, finding)
    [zone_step] = [st for st in no_zone["steps"] if st["step"] == "hosted_zone"]
    assert zone_step["status"] == "missing", zone_step
    assert no_zone["next_action"]["tool"] == "setup_private_dns"
    assert no_zone["next_action"]["arguments"]["vpc_id"] == spoke
    assert no_zone["next_action"]["arguments"]["endpoint_id"] == made["endpoint_id"]
    assert status["complete"] is True, status["steps"]

    # The spoke's own DNS servers are what its instances ask: judged there, not in the
    # endpoint's VPC (whose own resolver would have passed).
    [servers] = by_check(beside)["dns_servers"]
    assert servers["status"] == "warn", servers
    assert "10.2.0.53" in servers["detail"] and spoke in servers["detail"], servers
    assert world.vpc not in servers["detail"]
    [zone] = by_check(beside)["hosted_zone"]
    assert zone["status"] == "pass" and spoke in zone["detail"], zone
    # The endpoint's side and the way between are judged too.
    for check in ("client_vpc_routes", "endpoint_vpc_routes", "security_group_inbound",
                  "network_acl"):
        assert [f["status"] for f in by_check(beside)[check]] == ["pass"], check

    # Named by the spoke alone: the same findings, judged from the hub.
    assert judged(as_vpc) == judged(beside)
    assert as_vpc["vpc_id"] == world.vpc and as_vpc["client_vpc_id"] == spoke
    assert beside["client_vpc_id"] == spoke

    [servers] = by_check(amazon_dns)["dns_servers"]
    assert servers["status"] == "pass" and spoke in servers["detail"], servers
    failing = [f for f in amazon_dns["findings"] if f["status"] == "fail"]
    assert failing == [], failing
    assert amazon_dns["healthy"] is True, amazon_dns["findings"]
