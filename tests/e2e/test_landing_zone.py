"""A landing zone: the endpoint and its private zone in a network account, a workload VPC in
another account (two accounts of one moto, the second reached by assuming a role in it, as
moto maps credentials to accounts). `setup_private_dns` with `endpoint_profile` ties the
workload VPC to the network account's zone in Route 53's two steps, which moto is taught
(fakes/moto_real.py): the zone's account authorizes, the VPC's account associates, the
authorization is deleted. No second endpoint is made, nor proposed by the status or the
diagnosis read from the workload account; with `endpoint_profile` they read the network
account's side there and judge the link whole."""

import pytest

from conftest import (PROJECT, REGION, add_app_vpc, boto, call_err, call_ok, main_route_table,
                      mcp_session, without_static_credentials, write_profiles)
from test_diagnose import DIAG, HOST

pytestmark = pytest.mark.anyio

HUB_ACCOUNT = "222222222222"


def hub_credentials(moto_url):
    """Credentials of the network account: a role assumed in it."""
    sts = boto("sts", moto_url)
    return sts.assume_role(RoleArn=f"arn:aws:iam::{HUB_ACCOUNT}:role/network-admin",
                           RoleSessionName="landing-zone")["Credentials"]


def client_in(service, moto_url, creds):
    import boto3
    return boto3.client(service, endpoint_url=moto_url, region_name=REGION,
                        aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])


def with_profiles(server_env, tmp_path, moto_url, creds):
    """The server's environment with two profiles: `default` (the workload account, the
    server's own) and `network` (the endpoint's account)."""
    write_profiles(tmp_path, {
        "default": (moto_url, "AKIAMOTOTESTKEY00001", server_env["AWS_SECRET_ACCESS_KEY"], None),
        "network": (moto_url, creds["AccessKeyId"], creds["SecretAccessKey"],
                    creds["SessionToken"]),
    })
    return without_static_credentials(server_env)


def network_hub(world, moto_url, creds, host=HOST):
    """The network account's hub as its team made it: a VPC, an endpoint to Zilliz's service,
    a private zone for the host tied to the hub VPC with its alias to the endpoint."""
    ec2 = client_in("ec2", moto_url, creds)
    r53 = client_in("route53", moto_url, creds)
    vpc = ec2.create_vpc(CidrBlock="10.100.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.100.1.0/24",
                               AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="zilliz-endpoint", Description="endpoint",
                                      VpcId=vpc)["GroupId"]
    endpoint = ec2.create_vpc_endpoint(VpcEndpointType="Interface", VpcId=vpc,
                                       ServiceName=world.service_name, SubnetIds=[subnet],
                                       SecurityGroupIds=[group],
                                       PrivateDnsEnabled=False)["VpcEndpoint"]
    name, zone_of_name = endpoint["DnsEntries"][0]["DnsName"], endpoint["DnsEntries"][0]["HostedZoneId"]
    zone = r53.create_hosted_zone(Name=host, CallerReference="network-team",
                                  VPC={"VPCRegion": REGION, "VPCId": vpc},
                                  HostedZoneConfig={"PrivateZone": True})["HostedZone"]["Id"].split("/")[-1]
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{
        "Action": "CREATE", "ResourceRecordSet": {
            "Name": host, "Type": "A", "AliasTarget": {
                "HostedZoneId": zone_of_name, "DNSName": name, "EvaluateTargetHealth": False}}}]})
    return vpc, endpoint["VpcEndpointId"], zone, r53


def peer_and_admit(world, hub_ec2, vpcs, endpoint_id, port=19540):
    """The workload VPC (10.7.0.0/16) and the hub VPC (10.100.0.0/16) peered across the
    accounts and routed both ways, and the hub endpoint's group admitting the workload's block
    on the cluster's port."""
    workload, hub_vpc = vpcs
    [hub_endpoint] = hub_ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"]
    hub_ec2.authorize_security_group_ingress(
        GroupId=hub_endpoint["Groups"][0]["GroupId"], IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": port, "ToPort": port,
            "IpRanges": [{"CidrIp": "10.7.0.0/16"}]}])
    pcx = world.ec2.create_vpc_peering_connection(
        VpcId=workload, PeerVpcId=hub_vpc, PeerOwnerId=HUB_ACCOUNT)[
        "VpcPeeringConnection"]["VpcPeeringConnectionId"]
    hub_ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    world.ec2.create_route(RouteTableId=main_route_table(world.ec2, workload),
                           DestinationCidrBlock="10.100.0.0/16", VpcPeeringConnectionId=pcx)
    hub_ec2.create_route(RouteTableId=main_route_table(hub_ec2, hub_vpc),
                         DestinationCidrBlock="10.7.0.0/16", VpcPeeringConnectionId=pcx)


async def test_a_workload_vpc_is_tied_to_the_network_accounts_zone(
        world, server_env, zilliz_server, moto_url, tmp_path):
    creds = hub_credentials(moto_url)
    hub_vpc, endpoint_id, zone, hub_r53 = network_hub(world, moto_url, creds)
    # The network team registered its endpoint with the project: the cluster has its address.
    zilliz_server.add_cluster(DIAG, PROJECT, f"aws-{REGION}", port=19540)
    zilliz_server.endpoints[PROJECT] = [{"endpointId": endpoint_id, "regionId": f"aws-{REGION}"}]
    workload, _ = add_app_vpc(world.ec2, "10.7", "orders-workload")
    spoke_r53 = boto("route53", moto_url)
    endpoints_before = world.ec2.describe_vpc_endpoints()["VpcEndpoints"]
    env = with_profiles(server_env, tmp_path, moto_url, creds)
    async with mcp_session(env) as s:
        args = dict(cluster_id=DIAG, vpc_id=workload, endpoint_id=endpoint_id,
                    endpoint_profile="network")
        preview = await call_ok(s, "setup_private_dns", **args)
        # The preview names each account's part, and changes nothing.
        assert preview["applied"] is False
        [authorize, tie, end] = preview["preview"]
        assert authorize.startswith(f"in account {HUB_ACCOUNT} (the endpoint's): authorize "
                                    f"{workload} of account 123456789012"), authorize
        assert zone in tie and workload in tie
        assert end.startswith(f"in account {HUB_ACCOUNT}") and "association stays" in end
        assert hub_r53.list_vpc_association_authorizations(HostedZoneId=zone)["VPCs"] == []
        done = await call_ok(s, "setup_private_dns", confirm=True, **args)
        assert done["applied"] is True and done["hosted_zone_id"] == zone
        again = await call_ok(s, "setup_private_dns", confirm=True, **args)
        other, _ = add_app_vpc(world.ec2, "10.8", "orders-other")
        wrong = await call_err(s, "setup_private_dns", cluster_id=DIAG, vpc_id=other,
                               endpoint_id=endpoint_id, endpoint_profile="nope")
        # Judged from the workload account alone, the endpoint is the network account's: the
        # person is asked for it, and no second endpoint is proposed.
        status = await call_ok(s, "get_setup_status", cluster_id=DIAG, vpc_id=workload)
        report = await call_ok(s, "diagnose_private_link", cluster_id=DIAG, vpc_id=workload,
                               probe=False)
        # With the network account's profile, its side is read there: the zone's alias, the
        # endpoint, its group. Without the rule for the workload's block, the group fails;
        # with it, the link is complete and healthy.
        across = dict(cluster_id=DIAG, vpc_id=workload, endpoint_profile="network")
        no_rule = await call_ok(s, "diagnose_private_link", probe=False, **across)
        peer_and_admit(world, client_in("ec2", moto_url, creds), (workload, hub_vpc),
                       endpoint_id)
        across_status = await call_ok(s, "get_setup_status", **across)
        across_report = await call_ok(s, "diagnose_private_link", probe=False, **across)
        exported = await call_ok(s, "export_terraform", cluster_id=DIAG, vpc_id=workload)
        # From the network account, the workload VPC rides its endpoint (the zone's
        # associations show it): its teardown keeps both, and its status names the rider.
        hub_teardown = await call_ok(s, "remove_private_link", cluster_id=DIAG, vpc_id=hub_vpc,
                                     profile="network", confirm=True)
        hub_status = await call_ok(s, "get_setup_status", cluster_id=DIAG, vpc_id=hub_vpc,
                                   profile="network")
        tied = spoke_r53.list_hosted_zones_by_vpc(VPCId=workload, VPCRegion=REGION)[
            "HostedZoneSummaries"]
        zone_vpcs = sorted(v["VPCId"] for v in hub_r53.get_hosted_zone(Id=zone)["VPCs"])
        authorizations = hub_r53.list_vpc_association_authorizations(HostedZoneId=zone)["VPCs"]
        gone = await call_ok(s, "remove_private_link", cluster_id=DIAG, vpc_id=workload,
                             confirm=True)
    # Tied in the workload's account, to the network account's zone; the authorization gone;
    # no endpoint made in the workload account.
    [listed] = [z for z in tied if z["HostedZoneId"] == zone]
    assert listed["Owner"]["OwningAccount"] == HUB_ACCOUNT
    assert zone_vpcs == sorted([hub_vpc, workload])
    assert authorizations == []
    assert world.ec2.describe_vpc_endpoints()["VpcEndpoints"] == endpoints_before
    assert again["applied"] is False and again["preview"] == [], again
    assert "nope" in wrong
    assert hub_teardown["preview"] == [] and hub_teardown["removed"] == [], hub_teardown
    assert any(workload in kept and zone in kept for kept in hub_teardown["kept"])
    assert [r["vpc_id"] for r in hub_status["shared_with"]] == [workload]
    assert status.get("next_action") is None, status
    assert status["persons_part"]["step"] == "vpc_endpoint", status
    assert HUB_ACCOUNT in status["persons_part"]["ask"], status["persons_part"]
    [endpoint_finding] = [f for f in report["findings"] if f["check"] == "vpc_endpoint"]
    assert HUB_ACCOUNT in endpoint_finding["detail"] and "remedy" not in endpoint_finding
    assert "create_vpc_endpoint" not in str(status) + str(report)
    assert report["healthy"] is False
    # The zone's records were not asked for with the workload account's credentials: the
    # alias is unjudged, naming the account that reads it.
    [alias] = [f for f in report["findings"] if f["check"] == "alias_record"]
    assert alias["status"] == "skip" and alias["unjudged"] and HUB_ACCOUNT in alias["detail"]
    assert report.get("not_read", []) == [], report["not_read"]
    [inbound] = [f for f in no_rule["findings"] if f["check"] == "security_group_inbound"]
    assert inbound["status"] == "fail" and "10.7.0.0/16" in inbound["detail"] + inbound["fix"], inbound
    # The path between the accounts' VPCs is judged too: no route yet.
    [routes] = [f for f in no_rule["findings"] if f["check"] == "client_vpc_routes"]
    assert routes["status"] == "fail" and workload in routes["detail"], routes
    assert no_rule["vpc_id"] == hub_vpc and no_rule["client_vpc_id"] == workload
    assert across_status["complete"] is True, across_status["steps"]
    failing = [f for f in across_report["findings"] if f["status"] == "fail"]
    assert failing == [], failing
    assert across_report["healthy"] is True, across_report["findings"]
    # The workload account's Terraform holds its association alone; the zone is the network
    # account's.
    assert 'resource "aws_route53_zone_association" "zilliz"' in exported["hcl"], exported
    assert f'id = "{zone}:{workload}"' in exported["hcl"]
    assert 'resource "aws_route53_zone" ' not in exported["hcl"]
    assert any(HUB_ACCOUNT in line for line in exported["left_out"]), exported["left_out"]
    for check in ("client_vpc_routes", "endpoint_vpc_routes"):
        assert [f["status"] for f in across_report["findings"] if f["check"] == check] == [
            "pass"], check
    [endpoint_step] = [f for f in across_report["findings"] if f["check"] == "vpc_endpoint"]
    assert endpoint_id in endpoint_step["detail"] and hub_vpc in endpoint_step["detail"]
    # The teardown of the workload VPC removed its association alone: the network account's
    # zone, its record and its hub VPC stay; its endpoint stays.
    assert gone["applied"] is True and len(gone["preview"]) == 1, gone["preview"]
    assert spoke_r53.list_hosted_zones_by_vpc(VPCId=workload, VPCRegion=REGION)[
        "HostedZoneSummaries"] == []
    assert [v["VPCId"] for v in hub_r53.get_hosted_zone(Id=zone)["VPCs"]] == [hub_vpc]
    assert any(r["Type"] == "A" for r in hub_r53.list_resource_record_sets(
        HostedZoneId=zone)["ResourceRecordSets"])
    hub_ec2 = client_in("ec2", moto_url, creds)
    assert [e["VpcEndpointId"] for e in hub_ec2.describe_vpc_endpoints()["VpcEndpoints"]] == [
        endpoint_id]


async def test_a_network_accounts_transit_gateway_is_judged_with_its_profile(
        world, server_env, zilliz_server, moto_url, tmp_path):
    """The workload VPC reaches the hub through the network account's transit gateway (shared
    with the workload account; moto taught cross-account attachments): from the workload
    account alone its route tables cannot be read, so the way is not judged; with
    `endpoint_profile` they are read there, and a table without the workload's block fails
    naming it, then passes once the workload's attachment propagates into it."""
    creds = hub_credentials(moto_url)
    hub_vpc, endpoint_id, zone, _ = network_hub(world, moto_url, creds)
    zilliz_server.add_cluster(DIAG, PROJECT, f"aws-{REGION}", port=19540)
    zilliz_server.endpoints[PROJECT] = [{"endpointId": endpoint_id, "regionId": f"aws-{REGION}"}]
    workload, workload_subnets = add_app_vpc(world.ec2, "10.7", "orders-workload")
    hub_ec2 = client_in("ec2", moto_url, creds)
    tgw = hub_ec2.create_transit_gateway(Options={"DefaultRouteTablePropagation": "disable"})[
        "TransitGateway"]
    table = tgw["Options"]["AssociationDefaultRouteTableId"]
    [hub_subnet] = [s["SubnetId"] for s in hub_ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [hub_vpc]}])["Subnets"]]
    hub_attachment = hub_ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw["TransitGatewayId"], VpcId=hub_vpc, SubnetIds=[hub_subnet])[
        "TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    workload_attachment = world.ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw["TransitGatewayId"], VpcId=workload,
        SubnetIds=[workload_subnets["a"]])["TransitGatewayVpcAttachment"][
        "TransitGatewayAttachmentId"]
    hub_ec2.enable_transit_gateway_route_table_propagation(
        TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=hub_attachment)
    world.ec2.create_route(RouteTableId=main_route_table(world.ec2, workload),
                           DestinationCidrBlock="10.100.0.0/16",
                           TransitGatewayId=tgw["TransitGatewayId"])
    hub_ec2.create_route(RouteTableId=main_route_table(hub_ec2, hub_vpc),
                         DestinationCidrBlock="10.7.0.0/16",
                         TransitGatewayId=tgw["TransitGatewayId"])
    env = with_profiles(server_env, tmp_path, moto_url, creds)
    async with mcp_session(env) as s:
        await call_ok(s, "setup_private_dns", cluster_id=DIAG, vpc_id=workload,
                      endpoint_id=endpoint_id, endpoint_profile="network", confirm=True)
        across = dict(cluster_id=DIAG, vpc_id=workload, endpoint_profile="network", probe=False)
        one_way = await call_ok(s, "diagnose_private_link", **across)
        hub_ec2.enable_transit_gateway_route_table_propagation(
            TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=workload_attachment)
        both_ways = await call_ok(s, "diagnose_private_link", **across)

    def transit(report):
        return {f["check"]: f for f in report["findings"] if f["check"].startswith("transit")}

    there, back = transit(one_way)["transit_gateway"], transit(one_way)["transit_gateway_back"]
    assert there["status"] == "pass" and hub_attachment in there["detail"], there
    assert back["status"] == "fail" and table in back["detail"], back
    assert workload_attachment in back["fix"]
    for finding in transit(both_ways).values():
        assert finding["status"] == "pass", finding
    assert both_ways.get("not_read", []) == [], both_ways["not_read"]


async def test_a_workload_vpc_on_the_network_accounts_profile_gets_the_zone_through_it(
        world, server_env, zilliz_server, moto_url, tmp_path, aws_extras):
    """The workload VPCs take their DNS from a Route 53 Profile of the network account (shared
    through RAM; the fake of Route 53 Profiles lets only the owner change it, with a zone of
    its own). `setup_private_dns` with `endpoint_profile` adds the zone to that Profile: one
    change, in the network account, for every VPC using it; no association, no authorization.
    From the workload account alone the status asks for the network account instead of a
    second endpoint; with `endpoint_profile` the zone is read there and the link is whole. The
    teardown of the workload VPC leaves the Profile alone: it serves the other VPCs."""
    creds = hub_credentials(moto_url)
    hub_vpc, endpoint_id, zone, hub_r53 = network_hub(world, moto_url, creds)
    zilliz_server.add_cluster(DIAG, PROJECT, f"aws-{REGION}", port=19540)
    zilliz_server.endpoints[PROJECT] = [{"endpointId": endpoint_id, "regionId": f"aws-{REGION}"}]
    workload, _ = add_app_vpc(world.ec2, "10.7", "orders-workload")
    other, _ = add_app_vpc(world.ec2, "10.8", "billing-workload")
    profile = "rp-0networkprofile1"
    for vpc in (workload, other):
        aws_extras.share_profile(vpc, profile, HUB_ACCOUNT)
    spoke_r53 = boto("route53", moto_url)
    peer_and_admit(world, client_in("ec2", moto_url, creds), (workload, hub_vpc), endpoint_id)
    env = with_profiles(server_env, tmp_path, moto_url, creds)
    async with mcp_session(env) as s:
        args = dict(cluster_id=DIAG, vpc_id=workload, endpoint_id=endpoint_id,
                    endpoint_profile="network")
        preview = await call_ok(s, "setup_private_dns", **args)
        carried_before = list(aws_extras.profile_resources[profile])
        done = await call_ok(s, "setup_private_dns", confirm=True, **args)
        again = await call_ok(s, "setup_private_dns", **args)
        alone = await call_ok(s, "get_setup_status", cluster_id=DIAG, vpc_id=workload)
        across = dict(cluster_id=DIAG, vpc_id=workload, endpoint_profile="network")
        status = await call_ok(s, "get_setup_status", **across)
        report = await call_ok(s, "diagnose_private_link", probe=False, **across)
        exported = await call_ok(s, "export_terraform", cluster_id=DIAG, vpc_id=workload)
        # From the network account, the workload VPCs ride its endpoint through its Profile.
        hub_status = await call_ok(s, "get_setup_status", cluster_id=DIAG, vpc_id=hub_vpc,
                                   profile="network")
        # The network account's teardown of its hub VPC: its Profile carries the zone to the
        # workload VPCs, so the zone, its record and the endpoint stay.
        hub_teardown = await call_ok(s, "remove_private_link", cluster_id=DIAG, vpc_id=hub_vpc,
                                     profile="network", confirm=True)
        gone = await call_ok(s, "remove_private_link", cluster_id=DIAG, vpc_id=workload,
                             confirm=True)
    riders = sorted((r["vpc_id"], r.get("via_profile")) for r in hub_status["shared_with"])
    assert riders == sorted([(workload, profile), (other, profile)]), hub_status["shared_with"]
    assert not any("zone" in line or "record" in line for line in hub_teardown["preview"]), \
        hub_teardown["preview"]
    assert any(profile in kept and workload in kept for kept in hub_teardown["kept"]), \
        hub_teardown["kept"]
    assert any(r["Type"] == "A" for r in hub_r53.list_resource_record_sets(
        HostedZoneId=zone)["ResourceRecordSets"])
    # The workload account's Terraform holds no zone: the Profile's is the network account's.
    assert "aws_route53_zone" not in exported["hcl"], exported["hcl"]
    assert any(profile in line and zone in line for line in exported["left_out"]), exported
    # One change, in the network account, naming the Profile, both VPCs and why.
    [line] = preview["preview"]
    assert line.startswith(f"in account {HUB_ACCOUNT} (the endpoint's): add the private zone "
                           f"{zone}"), line
    assert profile in line and workload in line and other in line and "Chosen over" in line
    assert preview["applied"] is False and carried_before == []
    # Made: the zone is in the Profile, as the network account's; the workload VPC is tied
    # to nothing, no authorization is left, no endpoint made in the workload account.
    assert done["applied"] is True and done["hosted_zone_id"] == zone, done
    [carried] = aws_extras.profile_resources[profile]
    assert carried["arn"] == f"arn:aws:route53:::hostedzone/{zone}"
    assert carried["owner"] == HUB_ACCOUNT and "." not in carried["name"]
    assert again["applied"] is False and again["preview"] == [], again
    assert [z["HostedZoneId"] for z in spoke_r53.list_hosted_zones_by_vpc(
        VPCId=workload, VPCRegion=REGION)["HostedZoneSummaries"]] == []
    assert hub_r53.list_vpc_association_authorizations(HostedZoneId=zone)["VPCs"] == []
    assert [e["VpcEndpointId"] for e in world.ec2.describe_vpc_endpoints()["VpcEndpoints"]
            if e["VpcId"] in (workload, other)] == []
    # From the workload account alone: the person is asked, no second endpoint proposed.
    assert alone.get("next_action") is None, alone
    assert alone["persons_part"]["step"] == "vpc_endpoint", alone["persons_part"]
    assert HUB_ACCOUNT in alone["persons_part"]["ask"] and profile in str(alone)
    assert "create_vpc_endpoint" not in str(alone)
    # With the network account's profile: the zone is read there, the link whole.
    assert status["complete"] is True, status["steps"]
    [zone_step] = [st for st in status["steps"] if st["step"] == "hosted_zone"]
    assert profile in zone_step["detail"], zone_step
    failing = [f for f in report["findings"] if f["status"] == "fail"]
    assert failing == [] and report["healthy"] is True, report["findings"]
    [endpoint_finding] = [f for f in report["findings"] if f["check"] == "vpc_endpoint"]
    assert endpoint_id in endpoint_finding["detail"], endpoint_finding
    # The teardown of the workload VPC removes nothing the Profile's other VPCs use.
    assert gone["preview"] == [] and gone["removed"] == [], gone
    assert any(profile in kept and zone in kept and "left as it is" in kept
               for kept in gone["kept"]), gone["kept"]
    assert [r["arn"] for r in aws_extras.profile_resources[profile]] == [carried["arn"]]


async def test_the_audit_reads_the_network_accounts_side_with_its_profile(
        world, server_env, zilliz_server, moto_url, tmp_path):
    """From the workload account alone, the network account's endpoint registered with the
    project is one the audit cannot find (and says it cannot tell why); with
    `endpoint_profile` that account's endpoints and zones are read there: the endpoint is
    judged (of that account), the workload VPC tied to its zone is a spoke that resolves to
    it, and the project's other cluster, for which the hub has no zone yet, fails with the fix
    made with the network account's profile."""
    creds = hub_credentials(moto_url)
    hub_vpc, endpoint_id, zone, _ = network_hub(world, moto_url, creds)
    zilliz_server.add_cluster(DIAG, PROJECT, f"aws-{REGION}", port=19540)
    zilliz_server.endpoints[PROJECT] = [{"endpointId": endpoint_id, "regionId": f"aws-{REGION}"}]
    workload, _ = add_app_vpc(world.ec2, "10.7", "orders-workload")
    env = with_profiles(server_env, tmp_path, moto_url, creds)
    async with mcp_session(env) as s:
        # Before anything: the workload account has no endpoint to the service, the project
        # one registered; the person is asked whether it is a hub serving the VPC.
        fresh = await call_ok(s, "get_setup_status", cluster_id=DIAG, vpc_id=workload)
        await call_ok(s, "setup_private_dns", cluster_id=DIAG, vpc_id=workload,
                      endpoint_id=endpoint_id, endpoint_profile="network", confirm=True)
        alone = await call_ok(s, "audit_private_links", regions=[REGION])
        whole = await call_ok(s, "audit_private_links", regions=[REGION],
                              endpoint_profile="network")

    def of(audit, **match):
        return [link for link in audit["links"]
                if all(link.get(k) == v for k, v in match.items())]

    assert fresh.get("next_action") is None, fresh
    assert fresh["persons_part"]["step"] == "vpc_endpoint", fresh
    assert endpoint_id in fresh["persons_part"]["ask"] and "endpoint_profile" in fresh[
        "persons_part"]["ask"]
    [unknown] = of(alone, endpoint_id=endpoint_id)
    assert unknown["status"] == "broken" and "cannot tell which" in str(unknown["findings"])
    [hub] = of(whole, endpoint_id=endpoint_id)
    assert hub["account"] == HUB_ACCOUNT and hub["vpc_id"] == hub_vpc, hub
    statuses = {f["check"]: f["status"] for f in hub["findings"]}
    assert statuses["endpoint"] == statuses["registration"] == "pass", hub["findings"]
    assert statuses[f"record:{DIAG}"] == "pass", hub["findings"]
    others = [f for f in hub["findings"] if f["status"] != "pass"]
    assert others and all(f["remedy"]["arguments"]["profile"] == "network"
                          and f["remedy"]["arguments"]["vpc_id"] == hub_vpc for f in others), others
    [spoke] = of(whole, vpc_id=workload)
    assert spoke["status"] == "ok" and endpoint_id in spoke["findings"][0]["detail"], spoke
    assert spoke["account"] == HUB_ACCOUNT and zone not in str(alone)


async def test_another_accounts_profile_zone_for_the_host_is_never_taken_over(
        world, server_env, zilliz_server, moto_url, tmp_path, aws_extras):
    """The workload VPC takes its DNS from a Profile of a third account that carries a zone
    named for the host: tying it to the network account's zone would take that zone's place
    in the VPC, so nothing is planned, the error names the Profile and its zone, and no
    authorization is made."""
    creds = hub_credentials(moto_url)
    _, endpoint_id, zone, hub_r53 = network_hub(world, moto_url, creds)
    zilliz_server.add_cluster(DIAG, PROJECT, f"aws-{REGION}", port=19540)
    zilliz_server.endpoints[PROJECT] = [{"endpointId": endpoint_id, "regionId": f"aws-{REGION}"}]
    workload, _ = add_app_vpc(world.ec2, "10.7", "orders-workload")
    aws_extras.carry(workload, "ZDNSTEAM0000000000001", profile_id="rp-0dnsteam00000001",
                     owner="333333333333", name=HOST)
    env = with_profiles(server_env, tmp_path, moto_url, creds)
    async with mcp_session(env) as s:
        refused = await call_err(s, "setup_private_dns", cluster_id=DIAG, vpc_id=workload,
                                 endpoint_id=endpoint_id, endpoint_profile="network",
                                 confirm=True)
    assert "rp-0dnsteam00000001" in refused and "ZDNSTEAM0000000000001" in refused, refused
    assert hub_r53.list_vpc_association_authorizations(HostedZoneId=zone)["VPCs"] == []
    assert boto("route53", moto_url).list_hosted_zones_by_vpc(
        VPCId=workload, VPCRegion=REGION)["HostedZoneSummaries"] == []
