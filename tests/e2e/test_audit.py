"""audit_private_links and export_terraform, end to end: links in two regions made with the
server's own tools, every drift planted in moto and the Zilliz fake, checked finding by
finding; the exported HCL parsed and checked resource by resource against moto's live values."""

import json
import re
import subprocess

import hcl2
import pytest

from conftest import (BINARY, CLUSTER, HOST, PROJECT, REGION, add_app_vpc, boto, call_err,
                      call_ok, mcp_session, set_up_link)
from fake_zilliz import registration
from fault_proxy import FaultProxy
from seed import add_service_region

pytestmark = pytest.mark.anyio

EAST = "us-east-1"
EAST_CLUSTER = "in01-ea57000000000001"
NEW_CLUSTER = "in01-0e50000000000002"
GONE_CLUSTER = "in01-90e0000000000003"
GONE_PROJECT = "proj-90e00000000000000000000"


async def link_in(s, ec2, vpc, subnets, cluster, region):
    """The whole setup of `cluster` in `vpc`, in `region`, through the server."""
    made = await call_ok(s, "create_vpc_endpoint", vpc_id=vpc, subnet_ids=subnets,
                         cluster_id=cluster, confirm=True)
    await call_ok(s, "register_endpoint", endpoint_id=made["endpoint_id"], cluster_id=cluster,
                  confirm=True)
    await call_ok(s, "wait_for_endpoint", endpoint_id=made["endpoint_id"], region=region,
                  timeout_seconds=30)
    await call_ok(s, "setup_private_dns", cluster_id=cluster, vpc_id=vpc, confirm=True)
    return made


@pytest.fixture
def fleet(world, moto_url, zilliz_server):
    """A second region with Zilliz's service, a cluster there and an application VPC."""
    add_service_region(moto_url, zilliz_server, EAST)
    zilliz_server.add_cluster(EAST_CLUSTER, PROJECT, f"aws-{EAST}", port=19532)
    east = boto("ec2", moto_url, EAST)
    world.east_ec2 = east
    world.east_vpc, world.east_subnets = add_app_vpc(east, "10.20", "east-app", region=EAST)
    return world


def findings_of(links):
    return [(link, f) for link in links for f in link["findings"]]


def failing(links):
    return [f["detail"] for _, f in findings_of(links) if f["status"] == "fail"]


async def all_links(s, **arguments):
    links, cursor = [], None
    while True:
        page = await call_ok(s, "audit_private_links", **arguments,
                             **({"cursor": cursor} if cursor else {}))
        links.extend(page["links"])
        cursor = page.get("next_cursor")
        if not cursor:
            return links, page


async def test_a_healthy_fleet_then_every_drift(fleet, server_env, zilliz_server, moto_url):
    w = fleet
    async with mcp_session(server_env) as s:
        west = await set_up_link(s, w.ec2, w.vpc, [w.subnets["a"], w.subnets["b"]])
        east = await link_in(s, w.east_ec2, w.east_vpc, list(w.east_subnets.values()),
                             EAST_CLUSTER, EAST)
        healthy, page = await all_links(s)
        assert len(page["regions"]) == 2 and page["broken"] == 0
        steps = []

        async def on_progress(progress, total, message):
            steps.append((progress, total, message))

        await s.call_tool("audit_private_links", {}, progress_callback=on_progress)
        assert sorted(p for p, _, _ in steps) == [1.0, 2.0] and {t for _, t, _ in steps} == {2.0}
        assert {m.split(" ")[1] for _, _, m in steps} == {REGION, EAST}
        assert failing(healthy) == [], healthy
        by_endpoint = {l["endpoint_id"]: l for l in healthy}
        assert by_endpoint[west["endpoint_id"]]["cluster_ids"] == [CLUSTER]
        assert by_endpoint[west["endpoint_id"]]["status"] == "ok"
        assert by_endpoint[east["endpoint_id"]]["region_id"] == f"aws-{EAST}"

        # A cluster that is gone, with what this tool made for it (its own project).
        zilliz_server.add_project(GONE_PROJECT)
        zilliz_server.add_cluster(GONE_CLUSTER, GONE_PROJECT, f"aws-{REGION}", port=19533)
        gone_vpc, gone_subnets = add_app_vpc(w.ec2, "10.30", "retired-app")
        gone = await link_in(s, w.ec2, gone_vpc, list(gone_subnets.values()), GONE_CLUSTER,
                             REGION)
        del zilliz_server.clusters[GONE_CLUSTER]
        # A new cluster of the project, without a record in the VPC that has the endpoint.
        zilliz_server.add_cluster(NEW_CLUSTER, PROJECT, f"aws-{REGION}", port=19534)
        # A registration whose endpoint is not in this account.
        zilliz_server.endpoints[PROJECT].append(
            registration(f"aws-{EAST}", "x", "vpce-0a0b0c0d0e0f01234"))
        # An endpoint to the service that nobody registered.
        loose = w.ec2.create_vpc_endpoint(VpcId=w.other_vpc, ServiceName=w.service_name,
                                          VpcEndpointType="Interface",
                                          SubnetIds=[w.other_subnet])["VpcEndpoint"]["VpcEndpointId"]
        # The east record aliasing an endpoint that no longer exists.
        r53 = boto("route53", moto_url)
        east_host = f"{EAST_CLUSTER}-privatelink.aws-{EAST}.vectordb.zillizcloud.com"
        [east_zone] = [z for z in r53.list_hosted_zones()["HostedZones"]
                       if z["Name"] == east_host + "."]
        r53.change_resource_record_sets(HostedZoneId=east_zone["Id"], ChangeBatch={"Changes": [{
            "Action": "UPSERT", "ResourceRecordSet": {
                "Name": east_host, "Type": "A", "AliasTarget": {
                    "HostedZoneId": "Z1YSA3EXCYUU9Z",
                    "DNSName": "vpce-0000000000deleted-abcd1234.vpce-svc-0.us-east-1.vpce.amazonaws.com",
                    "EvaluateTargetHealth": False}}}]})

        # A rejected endpoint: moto cannot reject one, so a proxy shows it as AWS would.
        rejected_vpc, rejected_subnets = add_app_vpc(w.ec2, "10.40", "rejected-app")
        rejected = w.ec2.create_vpc_endpoint(
            VpcId=rejected_vpc, ServiceName=w.service_name, VpcEndpointType="Interface",
            SubnetIds=list(rejected_subnets.values()))["VpcEndpoint"]["VpcEndpointId"]
        zilliz_server.endpoints[PROJECT].append({
            "regionId": f"aws-{REGION}", "cloudId": "aws", "endpointService": w.service_name,
            "endpointServiceStatus": "rejected", "endpointId": rejected,
            "endpointStatus": "Rejected", "gcpProjectId": None})

    def reject(action, payload):
        if action != "DescribeVpcEndpoints":
            return payload
        return re.sub(rf"(<vpcEndpointId>{rejected}</vpcEndpointId>.*?<state>)available(</state>)",
                      r"\1rejected\2", payload.decode(), count=1, flags=re.S).encode()

    proxy = FaultProxy(moto_url, rewrite=reject)
    env = dict(server_env, AWS_ENDPOINT_URL=proxy.url)
    try:
        async with mcp_session(env) as s:
            drifted, page = await all_links(s, limit=2)
            project_only, _ = await all_links(s, project_id=PROJECT, regions=[REGION])
            refused = await call_err(s, "audit_private_links", cursor="o9999")
    finally:
        proxy.stop()
    assert page["total_links"] == len(drifted) and len(drifted) > 2

    fails = failing(drifted)
    expected = {
        "new cluster without a record": f"cluster {NEW_CLUSTER} has no private zone",
        "registration without endpoint": "vpce-0a0b0c0d0e0f01234 is registered with",
        "endpoint not registered": f"{loose} in {w.other_vpc} leads to Zilliz's service",
        "alias to a gone endpoint": "which is no endpoint of this account",
        "zone made for a gone cluster": f"was made by this tool for cluster {GONE_CLUSTER}",
        "endpoint made for a gone cluster": f"{gone['endpoint_id']} was made by this tool",
        "rejected endpoint": f"{rejected} is rejected",
    }
    for what, text in expected.items():
        assert any(text in f for f in fails), (what, fails)
    for _, f in findings_of(drifted):
        assert f["status"] == "pass" or f.get("fix"), f
    new_record = [f for _, f in findings_of(drifted) if f["check"] == f"record:{NEW_CLUSTER}"]
    assert "setup_private_dns" in new_record[0]["fix"] and w.vpc in new_record[0]["fix"]
    # The healthy west link still passes its own cluster's record.
    [west_link] = [l for l in drifted if l["endpoint_id"] == west["endpoint_id"]]
    assert any(f["check"] == f"record:{CLUSTER}" and f["status"] == "pass"
               for f in west_link["findings"])
    # Narrowed to one project and region.
    assert {l["region_id"] for l in project_only} == {f"aws-{REGION}"}
    assert all(l["project_id"] in (PROJECT, None) for l in project_only)
    assert "cursor" in refused


def test_the_terminal_audit_prints_a_table_and_fails_on_a_broken_link(fleet, server_env,
                                                                       zilliz_server):
    w = fleet
    # An endpoint nobody registered: a broken link.
    loose = w.ec2.create_vpc_endpoint(VpcId=w.other_vpc, ServiceName=w.service_name,
                                      VpcEndpointType="Interface",
                                      SubnetIds=[w.other_subnet])["VpcEndpoint"]["VpcEndpointId"]
    table = subprocess.run([str(BINARY), "audit"], env=server_env, capture_output=True,
                           text=True, timeout=60)
    assert table.returncode == 1, table.stderr
    assert loose in table.stdout and "broken" in table.stdout
    as_json = subprocess.run([str(BINARY), "audit", "--json", "--regions", REGION],
                             env=server_env, capture_output=True, text=True, timeout=60)
    assert as_json.returncode == 1
    links = json.loads(as_json.stdout)["links"]
    assert [l["endpoint_id"] for l in links] == [loose]
    bad = subprocess.run([str(BINARY), "audit", "--regions", "mars-1"], env=server_env,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "mars-1" in bad.stderr


def block(parsed, kind, name):
    [found] = [b[kind][name] for b in parsed["resource"] if kind in b and name in b[kind]]
    return found


def as_provider_reads(permissions, group_id):
    """The inline rules the AWS provider reads back from a group's permissions: one per
    protocol, ports and description, with every source of that description; the group itself
    as `self`; TCP and UDP without ports as 0-65535, all traffic as 0-0."""
    rules = {}
    for p in permissions:
        protocol = p["IpProtocol"]
        ports = (p.get("FromPort"), p.get("ToPort"))
        if protocol == "-1":
            ports = (0, 0)
        elif ports == (None, None) or ports == (-1, -1) and protocol in ("tcp", "udp"):
            ports = (0, 65535)
        sources = ([("cidr_blocks", r["CidrIp"], r.get("Description")) for r in p.get("IpRanges", [])]
                   + [("self" if u["GroupId"] == group_id else "security_groups", u["GroupId"],
                       u.get("Description")) for u in p.get("UserIdGroupPairs", [])])
        for kind, value, description in sources:
            rule = rules.setdefault((protocol, *ports, description or ""), {})
            if kind == "self":
                rule["self"] = True
            else:
                rule.setdefault(kind, set()).add(value)
    return rules


def as_written(blocks):
    written = {}
    for b in blocks:
        rule = written.setdefault((b["protocol"], b["from_port"], b["to_port"],
                                   b.get("description", "")), {})
        for kind in ("cidr_blocks", "security_groups"):
            if kind in b:
                rule[kind] = set(b[kind])
        if b.get("self"):
            rule["self"] = True
    return written


async def test_the_export_matches_the_live_resources(world, server_env, moto_url):
    w = world
    async with mcp_session(server_env) as s:
        made = await set_up_link(s, w.ec2, w.vpc, [w.subnets["a"], w.subnets["b"]])
        # What people add beside the tool's rule: a second client on the port with the same
        # description, the group admitting itself, and TCP over every port.
        [group_id] = made["security_group_ids"]
        [first] = w.ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0][
            "IpPermissions"]
        description = first["IpRanges"][0].get("Description", "")
        w.ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": first["FromPort"], "ToPort": first["ToPort"],
             "IpRanges": [{"CidrIp": "10.77.0.0/16", "Description": description}]},
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
             "UserIdGroupPairs": [{"GroupId": group_id, "Description": "peers"}]},
            {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535,
             "IpRanges": [{"CidrIp": "10.88.0.0/16"}]},
        ])
        export = await call_ok(s, "export_terraform", cluster_id=CLUSTER, vpc_id=w.vpc)
    parsed = hcl2.loads(export["hcl"])
    imports = {i["to"].strip("${}"): i["id"] for i in parsed["import"]}
    [endpoint] = w.ec2.describe_vpc_endpoints(VpcEndpointIds=[made["endpoint_id"]])["VpcEndpoints"]
    assert imports["aws_vpc_endpoint.zilliz"] == endpoint["VpcEndpointId"]
    e = block(parsed, "aws_vpc_endpoint", "zilliz")
    assert e["vpc_id"] == w.vpc and e["service_name"] == endpoint["ServiceName"]
    assert sorted(e["subnet_ids"]) == sorted(endpoint["SubnetIds"])
    assert sorted(e["security_group_ids"]) == sorted(g["GroupId"] for g in endpoint["Groups"])
    assert e["private_dns_enabled"] is False
    assert e["tags"] == {t["Key"]: t["Value"] for t in endpoint["Tags"]}

    [group_id] = made["security_group_ids"]
    [group] = w.ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    assert imports["aws_security_group.zilliz_endpoint"] == group_id
    g = block(parsed, "aws_security_group", "zilliz_endpoint")
    assert g["name"] == group["GroupName"] and g["description"] == group["Description"]
    assert as_written(g["ingress"]) == as_provider_reads(group["IpPermissions"], group_id)

    r53 = boto("route53", moto_url)
    [zone] = [z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == HOST + "."]
    zone_id = zone["Id"].split("/")[-1]
    assert imports["aws_route53_zone.zilliz"] == zone_id
    z = block(parsed, "aws_route53_zone", "zilliz")
    assert z["name"] == HOST and z["comment"] == zone["Config"].get("Comment", "")
    live_vpcs = r53.get_hosted_zone(Id=zone_id)["VPCs"]
    assert [(v["vpc_id"], v["vpc_region"]) for v in z["vpc"]] == [
        (v["VPCId"], v["VPCRegion"]) for v in live_vpcs]
    [record] = [r for r in r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
                if r["Type"] == "A"]
    assert imports["aws_route53_record.zilliz"] == f"{zone_id}_{HOST}_A"
    r = block(parsed, "aws_route53_record", "zilliz")
    [alias] = r["alias"]
    assert alias["name"] == record["AliasTarget"]["DNSName"].rstrip(".")
    assert alias["zone_id"] == record["AliasTarget"]["HostedZoneId"]
    assert alias["evaluate_target_health"] == record["AliasTarget"]["EvaluateTargetHealth"]

    z_endpoint = block(parsed, "zillizcloud_private_endpoint", "zilliz")
    assert z_endpoint["project_id"] == PROJECT and z_endpoint["region_id"] == f"aws-{REGION}"
    assert "zillizcloud_private_endpoint.zilliz" not in imports
    # Off until the person lets Terraform make it: the first apply cannot fail on Zilliz.
    assert z_endpoint["count"] == "${var.zilliz_manage_registration ? 1 : 0}"
    [variable] = [v["zilliz_manage_registration"] for v in parsed["variable"]
                  if "zilliz_manage_registration" in v]
    assert variable["default"] is False
    assert any("cannot import a registration" in l for l in export["left_out"])
    zilliz = [b for b in parsed["terraform"][0]["required_providers"]
              if "zillizcloud" in b][0]["zillizcloud"]
    assert zilliz["version"] == ">= 0.6.35"
    assert {p for b in parsed["terraform"] for p in b["required_providers"][0]} >= {
        "aws", "zillizcloud"}
    assert "api_key" not in export["hcl"] and server_env["ZILLIZ_CLOUD_API_KEY"] not in export["hcl"]

    # The terminal face writes the same HCL.
    out = subprocess.run([str(BINARY), "export-terraform", "--cluster-id", CLUSTER,
                          "--vpc-id", w.vpc], env=server_env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout == export["hcl"] and "left out:" in out.stderr
