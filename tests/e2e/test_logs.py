"""What AWS itself logged, in the diagnosis: VPC flow logs on the endpoint and Route 53
Resolver query logs of the VPC, kept by moto (flow log and query log configurations, CloudWatch
Logs) and written here in AWS's documented formats: flow logs version 2 (default), a custom
format with `${pkt-srcaddr}` and `${tcp-flags}`, query logs' JSON. moto is taught CloudWatch
Logs' filter patterns (fakes/moto_real.py), so what the server reads is what its pattern asks
for at the source."""

import json
import time

import pytest

from conftest import REGION, boto, call_ok, mcp_session
from test_diagnose import DIAG, HOST, dns, link, listeners  # noqa: F401 (fixtures)

pytestmark = pytest.mark.anyio

ACCOUNT = "123456789012"
PORT = 19541
FLOWS = "/zpl/flows"
QUERIES = "/zpl/dns"


def now_ms():
    return int(time.time() * 1000)


def client_instance(world, url, subnet="a"):
    ec2 = boto("ec2", url)
    [instance] = ec2.run_instances(ImageId="ami-03cf127a", MinCount=1, MaxCount=1,
                                   SubnetId=world.subnets[subnet],
                                   SecurityGroupIds=[world.app_sg])["Instances"]
    return instance["InstanceId"], instance["PrivateIpAddress"]


def endpoint_interfaces(url, endpoint_id):
    ec2 = boto("ec2", url)
    [endpoint] = ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"]
    enis = endpoint["NetworkInterfaceIds"]
    described = ec2.describe_network_interfaces(NetworkInterfaceIds=enis)["NetworkInterfaces"]
    return [(n["NetworkInterfaceId"], n["PrivateIpAddress"]) for n in described]


def flow_log(url, vpc, log_format=None, traffic="ALL"):
    boto("logs", url).create_log_group(logGroupName=FLOWS)
    args = dict(ResourceIds=[vpc], ResourceType="VPC", TrafficType=traffic,
                LogGroupName=FLOWS,
                DeliverLogsPermissionArn=f"arn:aws:iam::{ACCOUNT}:role/flow-logs")
    if log_format:
        args["LogFormat"] = log_format
    return boto("ec2", url).create_flow_logs(**args)["FlowLogIds"][0]


def query_logging(url, vpc, destination=None):
    resolver = boto("route53resolver", url)
    if destination is None:
        boto("logs", url).create_log_group(logGroupName=QUERIES)
        destination = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{QUERIES}"
    config = resolver.create_resolver_query_log_config(
        Name="vpc-dns", DestinationArn=destination,
        CreatorRequestId=str(time.time()))["ResolverQueryLogConfig"]["Id"]
    resolver.associate_resolver_query_log_config(ResolverQueryLogConfigId=config,
                                                 ResourceId=vpc)
    return config


def write(url, group, stream, messages):
    logs = boto("logs", url)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    at = now_ms() - 60_000
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
        {"timestamp": at + i, "message": m} for i, m in enumerate(messages)])


def v2(eni, src, dst, dport, action, sport=49761):
    """A default-format (version 2) record."""
    start = int(time.time()) - 120
    return (f"2 {ACCOUNT} {eni} {src} {dst} {sport} {dport} 6 5 300 {start} {start + 60} "
            f"{action} OK")


def query(vpc, instance, ip, rcode, answers=(), **extra):
    return json.dumps({**extra,
        "version": "1.100000", "account_id": ACCOUNT, "region": REGION, "vpc_id": vpc,
        "query_timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "query_name": f"{HOST}.", "query_type": "A", "query_class": "IN", "rcode": rcode,
        "answers": [{"Rdata": a, "Type": "A", "Class": "IN"} for a in answers],
        "srcaddr": ip, "srcport": "53211", "transport": "UDP",
        "srcids": {"instance": instance}})


def by_check(report):
    return {f["check"]: f for f in report["findings"]}


async def diagnose(s, world, instance, **extra):
    report = await call_ok(s, "diagnose_private_link", cluster_id=DIAG, vpc_id=world.vpc,
                           client_instance_id=instance, **{"probe": False, **extra})
    for f in report["findings"]:
        if f["status"] != "pass":
            assert f.get("fix"), f
    return report


async def test_rejected_flows_name_the_client_and_port_and_agree_with_the_missing_rule(
        world, server_env, moto_url, zilliz_server):
    instance, ip = client_instance(world, moto_url)
    flow_log(moto_url, world.vpc)
    async with mcp_session(server_env) as s:
        # The endpoint's group admits nothing on the link's port.
        made = await link(s, world, zilliz_server, PORT, access=False)
        [(eni, address), *_] = endpoint_interfaces(moto_url, made["endpoint_id"])
        write(moto_url, FLOWS, f"{eni}-all", [
            v2(eni, ip, address, PORT, "REJECT"),
            v2(eni, ip, address, PORT, "REJECT", sport=49762),
            # Read by nobody: another port, another interface.
            v2(eni, ip, address, 22, "ACCEPT"),
            v2("eni-0ffffffffffffffff", ip, "10.0.9.9", PORT, "ACCEPT"),
        ])
        report = await diagnose(s, world, instance)
    found = by_check(report)
    assert found["security_group_inbound"]["status"] == "fail", found["security_group_inbound"]
    flow = found["flow_log"]
    assert flow["status"] == "fail", flow
    assert f"from {ip}: 2 rejected" in flow["detail"], flow
    assert f"port {PORT}" in flow["detail"]
    assert "agrees with security_group_inbound" in flow["detail"], flow
    assert flow["fix"] == found["security_group_inbound"]["fix"]
    # Filtered at the source: the two other records were never read.
    assert "2 event(s) read" in flow["detail"], flow
    assert report["verdict"] == "broken"


async def test_accepted_flows_with_a_failing_probe_point_away_from_the_network(
        world, server_env, moto_url, zilliz_server, dns, listeners):
    instance, ip = client_instance(world, moto_url)
    # A custom format: the packet's own source (a client behind a NAT) and the TCP flags.
    fmt = ("${version} ${interface-id} ${srcaddr} ${pkt-srcaddr} ${dstaddr} ${dstport} "
           "${tcp-flags} ${action} ${start} ${end}")
    flow_log(moto_url, world.vpc, log_format=fmt)
    # The cluster listens on a port where nothing answers here: the connection probe fails.
    port = listeners["closed"]
    async with mcp_session(server_env) as s:
        made = await link(s, world, zilliz_server, port)
        eni, address = endpoint_interfaces(moto_url, made["endpoint_id"])[0]
        start = int(time.time()) - 120
        write(moto_url, FLOWS, f"{eni}-all", [
            f"5 {eni} 10.0.0.250 {ip} {address} {port} 2 ACCEPT {start} {start + 60}",
            f"5 {eni} 10.0.0.250 {ip} {address} {port} 18 ACCEPT {start + 60} {start + 120}",
        ])
        dns.a[HOST.lower()] = ["127.0.0.1"]
        try:
            report = await diagnose(s, world, instance, probe=True, dns_server=dns.addr,
                                    probe_timeout_ms=1000)
        finally:
            dns.a.pop(HOST.lower(), None)
    found = by_check(report)
    assert found["tcp_connect"]["status"] == "fail", found["tcp_connect"]
    flow = found["flow_log"]
    assert flow["status"] == "pass", flow
    assert f"from {ip}: 2 accepted" in flow["detail"], flow
    assert "points away from the network" in flow["detail"], flow
    assert "10.0.0.250" not in flow["detail"], "the packet's own source is the client"


async def test_answers_rejected_on_the_way_back_agree_with_the_endpoint_subnets_acl(
        world, server_env, moto_url, zilliz_server):
    # The client in another subnet than the endpoint's, so that its answers cross an ACL.
    instance, ip = client_instance(world, moto_url, subnet="c")
    flow_log(moto_url, world.vpc)
    ec2 = boto("ec2", moto_url)
    async with mcp_session(server_env) as s:
        made = await link(s, world, zilliz_server, PORT)
        interfaces = endpoint_interfaces(moto_url, made["endpoint_id"])
        # The endpoint subnets' ACL lets everything in and drops the answers to the client's
        # subnet (its ephemeral ports).
        acl = ec2.create_network_acl(VpcId=world.vpc)["NetworkAcl"]["NetworkAclId"]
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6",
                                     RuleAction="deny", Egress=True, CidrBlock="10.0.2.0/24",
                                     PortRange={"From": 1024, "To": 65535})
        for egress in (False, True):
            ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=200, Protocol="-1",
                                         RuleAction="allow", Egress=egress,
                                         CidrBlock="0.0.0.0/0")
        for subnet in (world.subnets["a"], world.subnets["b"]):
            [current] = ec2.describe_network_acls(Filters=[
                {"Name": "association.subnet-id", "Values": [subnet]}])["NetworkAcls"]
            association = next(a["NetworkAclAssociationId"] for a in current["Associations"]
                               if a["SubnetId"] == subnet)
            ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)
        eni, address = interfaces[0]
        write(moto_url, FLOWS, f"{eni}-all", [
            v2(eni, ip, address, PORT, "ACCEPT", sport=50001),
            # The answer: from the endpoint's port back to the client's.
            v2(eni, address, ip, 50001, "REJECT", sport=PORT),
        ])
        report = await diagnose(s, world, instance)
    found = by_check(report)
    assert found["network_acl"]["status"] == "fail", found["network_acl"]
    flow = found["flow_log"]
    assert flow["status"] == "fail", flow
    assert "rejected on the way back" in flow["detail"], flow
    assert f"from {ip}: 1 accepted" in flow["detail"], flow
    assert "its answers back: 1 rejected" in flow["detail"], flow
    assert "agrees with network_acl" in flow["detail"], flow
    assert flow["fix"] == found["network_acl"]["fix"]


async def test_nxdomain_in_the_query_log_names_the_client_and_agrees_with_the_missing_zone(
        world, server_env, moto_url, zilliz_server):
    instance, ip = client_instance(world, moto_url)
    query_logging(moto_url, world.vpc)
    write(moto_url, QUERIES, f"{world.vpc}_dns", [
        query(world.vpc, instance, ip, "NXDOMAIN"),
        # Another VPC's query for the host, and this VPC's for another name: not read.
        query("vpc-0aaaaaaaaaaaaaaaa", "i-0ffffffffffffffff", "10.9.0.1", "NXDOMAIN"),
        query(world.vpc, instance, ip, "NOERROR", ["10.0.0.9"]).replace(HOST, "other.example"),
    ])
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, PORT, dns_setup=False)
        report = await diagnose(s, world, instance)
    found = by_check(report)
    assert found["hosted_zone"]["status"] == "fail"
    q = found["query_log"]
    assert q["status"] == "fail", q
    assert f"{instance} ({ip}) asked 1 time(s)" in q["detail"] and "NXDOMAIN" in q["detail"], q
    assert "agrees with hosted_zone" in q["detail"], q
    assert q["remedy"] == found["hosted_zone"]["remedy"]
    assert "1 event(s) read" in q["detail"], q
    # No flow log: the flows' line is not there, and no advice line either (query logs exist).
    assert "flow_log" not in found and "logs" not in found


async def test_a_firewall_block_in_the_query_log_agrees_with_the_blocking_rule(
        world, server_env, moto_url, zilliz_server, aws_extras):
    instance, ip = client_instance(world, moto_url)
    query_logging(moto_url, world.vpc)
    aws_extras.block(world.vpc, ["*.vectordb.zillizcloud.com"])
    write(moto_url, QUERIES, f"{world.vpc}_dns", [
        query(world.vpc, instance, ip, "NXDOMAIN", firewall_rule_action="BLOCK",
              firewall_rule_group_id="rslvr-frg-0000000000000001",
              firewall_domain_list_id="rslvr-fdl-1")])
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, PORT)
        report = await diagnose(s, world, instance)
    found = by_check(report)
    assert found["dns_firewall"]["status"] == "fail", found["dns_firewall"]
    q = found["query_log"]
    assert q["status"] == "fail", q
    assert "blocked by DNS Firewall rule group rslvr-frg-0000000000000001" in q["detail"], q
    assert instance in q["detail"] and "agrees with dns_firewall" in q["detail"], q
    assert q["fix"] == found["dns_firewall"]["fix"]


async def test_a_public_answer_in_the_query_log_contradicts_a_zone_that_answers_now(
        world, server_env, moto_url, zilliz_server):
    instance, ip = client_instance(world, moto_url)
    query_logging(moto_url, world.vpc)
    write(moto_url, QUERIES, f"{world.vpc}_dns",
          [query(world.vpc, instance, ip, "NOERROR", ["52.12.34.56"])])
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, PORT)
        report = await diagnose(s, world, instance)
    found = by_check(report)
    assert found["hosted_zone"]["status"] == "pass"
    q = found["query_log"]
    assert q["status"] == "warn", q
    assert instance in q["detail"] and "52.12.34.56 (a public address)" in q["detail"], q
    assert "contradicts" in q["detail"], q


async def test_a_window_without_the_clients_records_says_so(
        world, server_env, moto_url, zilliz_server):
    instance, ip = client_instance(world, moto_url)
    flow_log(moto_url, world.vpc)
    query_logging(moto_url, world.vpc)
    async with mcp_session(server_env) as s:
        made = await link(s, world, zilliz_server, PORT)
        [(eni, address), *_] = endpoint_interfaces(moto_url, made["endpoint_id"])
        write(moto_url, FLOWS, f"{eni}-all", [v2(eni, "10.0.2.200", address, PORT, "ACCEPT")])
        report = await diagnose(s, world, instance, log_minutes=60)
    found = by_check(report)
    flow, q = found["flow_log"], found["query_log"]
    assert flow["status"] == "skip" and not flow.get("unjudged"), flow
    assert f"no flow from {instance} ({ip})" in flow["detail"], flow
    assert "in the last 60 minutes (1 from other clients)" in flow["detail"], flow
    assert q["status"] == "skip" and "no query from" in q["detail"], q
    assert "may not use this VPC's resolver" in q["detail"], q
    assert report["verdict"] == "healthy", report["unknown"]


async def test_logs_delivered_to_s3_are_named_and_not_read(
        world, server_env, moto_url, zilliz_server, tmp_path):
    instance, _ = client_instance(world, moto_url)
    boto("s3", moto_url).create_bucket(
        Bucket="corp-logs", CreateBucketConfiguration={"LocationConstraint": REGION})
    boto("ec2", moto_url).create_flow_logs(
        ResourceIds=[world.vpc], ResourceType="VPC", TrafficType="ALL",
        LogDestinationType="s3", LogDestination="arn:aws:s3:::corp-logs")
    query_logging(moto_url, world.vpc, destination="arn:aws:s3:::corp-logs")
    log = tmp_path / "server.log"
    async with mcp_session(server_env, stderr_path=log) as s:
        await link(s, world, zilliz_server, PORT)
        report = await diagnose(s, world, instance)
    found = by_check(report)
    flow, q = found["flow_log"], found["query_log"]
    assert flow["status"] == "skip" and "s3://corp-logs/AWSLogs/" in flow["detail"], flow
    assert "not read here" in flow["detail"]
    assert q["status"] == "skip" and "s3://corp-logs/AWSLogs/" in q["detail"], q
    assert "CloudWatch Logs.FilterLogEvents" not in log.read_text()
    assert report["verdict"] == "healthy"


async def test_no_logging_is_one_line_of_advice_and_no_proposed_change(
        world, server_env, moto_url, zilliz_server):
    instance, _ = client_instance(world, moto_url)
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, PORT)
        report = await diagnose(s, world, instance)
    about_logs = [f for f in report["findings"] if "log" in f["check"]]
    assert [f["check"] for f in about_logs] == ["logs"], about_logs
    [advice] = about_logs
    assert advice["status"] == "skip" and "remedy" not in advice, advice
    assert "only if the person asks" in advice["fix"]
    assert report["verdict"] == "healthy"


async def test_a_window_out_of_bounds_is_refused_by_name_and_the_server_keeps_serving(
        world, server_env):
    from conftest import call_err
    async with mcp_session(server_env) as s:
        for bad in (0, 1441):
            error = await call_err(s, "diagnose_private_link", cluster_id=DIAG,
                                   vpc_id=world.vpc, log_minutes=bad)
            assert "log_minutes" in error and str(bad) in error, error
        # The server keeps serving.
        assert (await call_ok(s, "diagnose_private_link", cluster_id=DIAG, vpc_id=world.vpc,
                              probe=False, log_minutes=1440))["findings"]


async def test_the_clients_still_on_the_public_address_are_named_with_the_address_to_use(
        world, server_env, moto_url, zilliz_server):
    """One instance resolved the cluster's public host, another the private link host: the
    diagnosis names each, says the uri to use, and leaves public access on until all moved."""
    old, old_ip = client_instance(world, moto_url)
    new, new_ip = client_instance(world, moto_url, subnet="b")
    query_logging(moto_url, world.vpc)
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, PORT)
        public = zilliz_server.clusters[DIAG]["connectAddress"]
        public_host = public.split("//")[1].rsplit(":", 1)[0]
        write(moto_url, QUERIES, f"{world.vpc}_dns", [
            query(world.vpc, old, old_ip, "NOERROR", ["52.12.34.56"]).replace(
                f"{HOST}.", f"{public_host}."),
            query(world.vpc, new, new_ip, "NOERROR", ["10.0.1.10"])])
        report = await call_ok(s, "diagnose_private_link", cluster_id=DIAG, vpc_id=world.vpc,
                               probe=False)
        moved = by_check(report)["public_address"]
        assert moved["status"] == "warn", moved
        assert old in moved["detail"] and "52.12.34.56" in moved["detail"], moved
        assert f"private link host was resolved by {new}" in moved["detail"], moved
        private = zilliz_server.clusters[DIAG]["privateLinkAddress"]
        assert f"uri to {private}" in moved["fix"] and public in moved["fix"], moved
        assert "console" in moved["fix"]
