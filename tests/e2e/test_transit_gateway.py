"""A client VPC reached through a transit gateway, judged in the gateway's own route tables
(fakes/moto_real.py teaches moto the propagated routes AWS lists): a table without the route
to the endpoint's VPC fails naming that table and the propagation that fixes it, the way back
is judged on its own, and a gateway that routes both ways passes."""

import pytest

from conftest import add_app_vpc, call_ok, main_route_table, mcp_session
from test_diagnose import DIAG, by_check, link, listeners  # noqa: F401 (fixture)

pytestmark = pytest.mark.anyio


async def test_a_client_through_a_transit_gateway(world, server_env, zilliz_server, listeners):
    ec2 = world.ec2
    client_vpc, client_subnets = add_app_vpc(ec2, "10.4", "spoke-app")
    tgw = ec2.create_transit_gateway(Options={"DefaultRouteTablePropagation": "disable"})[
        "TransitGateway"]
    tgw_id = tgw["TransitGatewayId"]
    table = tgw["Options"]["AssociationDefaultRouteTableId"]
    client_attachment = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw_id, VpcId=client_vpc, SubnetIds=[client_subnets["a"]])[
        "TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    hub_attachment = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw_id, VpcId=world.vpc,
        SubnetIds=[world.subnets["a"], world.subnets["b"]])[
        "TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    ec2.create_route(RouteTableId=main_route_table(ec2, client_vpc), DestinationCidrBlock="10.0.0.0/16",
                     TransitGatewayId=tgw_id)
    ec2.create_route(RouteTableId=main_route_table(ec2, world.vpc), DestinationCidrBlock="10.4.0.0/16",
                     TransitGatewayId=tgw_id)
    instance = ec2.run_instances(ImageId="ami-03cf127a", MinCount=1, MaxCount=1,
                                 SubnetId=client_subnets["a"])["Instances"][0]["InstanceId"]
    async with mcp_session(server_env) as s:
        made = await link(s, world, zilliz_server, listeners["http"])
        await call_ok(s, "setup_private_dns", cluster_id=DIAG, vpc_id=client_vpc,
                      endpoint_id=made["endpoint_id"], confirm=True)
        await call_ok(s, "allow_client_access",
                      endpoint_security_group_id=made["security_group_ids"][0],
                      source_cidr="10.4.0.0/16", cluster_id=DIAG, confirm=True)
        args = dict(cluster_id=DIAG, vpc_id=world.vpc, client_vpc_id=client_vpc, probe=False)
        nothing_propagated = await call_ok(s, "diagnose_private_link", **args)
        ec2.enable_transit_gateway_route_table_propagation(
            TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=hub_attachment)
        one_way = await call_ok(s, "diagnose_private_link", **args)
        ec2.enable_transit_gateway_route_table_propagation(
            TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=client_attachment)
        both_ways = await call_ok(s, "diagnose_private_link", **args)
        by_instance = await call_ok(s, "diagnose_private_link", cluster_id=DIAG,
                                    vpc_id=world.vpc, client_instance_id=instance, probe=False)
        ec2.create_transit_gateway_route(TransitGatewayRouteTableId=table,
                                         DestinationCidrBlock="10.0.1.0/24", Blackhole=True)
        blackholed = await call_ok(s, "diagnose_private_link", **args)

    [there] = by_check(nothing_propagated)["transit_gateway"]
    assert there["status"] == "fail" and table in there["detail"], there
    assert f"--transit-gateway-route-table-id {table}" in there["fix"]
    assert f"--transit-gateway-attachment-id {hub_attachment}" in there["fix"]
    assert nothing_propagated["healthy"] is False

    [there] = by_check(one_way)["transit_gateway"]
    assert there["status"] == "pass" and hub_attachment in there["detail"], there
    [back] = by_check(one_way)["transit_gateway_back"]
    assert back["status"] == "fail" and "10.4.0.0/16" in back["detail"], back
    assert f"--transit-gateway-attachment-id {client_attachment}" in back["fix"]
    assert one_way["healthy"] is False

    for report in (both_ways, by_instance):
        transit = by_check(report)
        assert [f["status"] for f in transit["transit_gateway"]] == ["pass"], transit
        assert [f["status"] for f in transit["transit_gateway_back"]] == ["pass"], transit
        failing = [f for f in report["findings"] if f["status"] == "fail"]
        assert failing == [], failing
        assert report["healthy"] is True, report["findings"]

    [hole] = by_check(blackholed)["transit_gateway"]
    assert hole["status"] == "fail" and "blackhole" in hole["detail"] and "10.0.1.0/24" in hole["detail"]
