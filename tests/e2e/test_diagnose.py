"""diagnose_private_link and `doctor`, end to end: moto, the Zilliz fake, a local DNS
server and local TCP listeners (one answering HTTP 400, one silent, one closed)."""

import json
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from dnslib import QTYPE, RCODE, RR, A
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from conftest import (BINARY, PROJECT, REGION, Answers400, boto, call_ok, free_port,
                      mcp_session, point_alias_elsewhere)

pytestmark = pytest.mark.anyio

DIAG = "in01-d1a9000000000001"
HOST = f"{DIAG}-privatelink.aws-{REGION}.vectordb.zillizcloud.com"


class Records(BaseResolver):
    def __init__(self):
        self.a = {}

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        if name in self.a:
            if request.q.qtype in (QTYPE.A, QTYPE.ANY):
                for ip in self.a[name]:
                    reply.add_answer(RR(request.q.qname, QTYPE.A, rdata=A(ip), ttl=5))
        else:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


@pytest.fixture(scope="module")
def dns():
    records = Records()
    port = free_port()
    server = DNSServer(records, port=port, address="127.0.0.1", logger=DNSLogger(logf=lambda _: None))
    server.start_thread()
    records.addr = f"127.0.0.1:{port}"
    yield records
    server.stop()


@pytest.fixture(scope="module")
def listeners():
    http = ThreadingHTTPServer(("127.0.0.1", 0), Answers400)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # the kernel accepts; nobody ever answers
    closed = free_port()
    yield {"http": http.server_address[1], "silent": silent.getsockname()[1], "closed": closed}
    http.shutdown()
    silent.close()


async def link(s, world, zilliz_server, port, *, register=True, access=True, dns_setup=True,
               groups=None):
    """A private link made with the server's own tools, for a cluster listening on `port`."""
    zilliz_server.add_cluster(DIAG, PROJECT, f"aws-{REGION}", port=port)
    made = await call_ok(s, "create_vpc_endpoint", vpc_id=world.vpc,
                         subnet_ids=[world.subnets["a"], world.subnets["b"]],
                         security_group_ids=groups or [world.endpoint_sg], cluster_id=DIAG,
                         confirm=True)
    if register:
        await call_ok(s, "register_endpoint", endpoint_id=made["endpoint_id"], cluster_id=DIAG,
                      confirm=True)
    if register and dns_setup:
        await call_ok(s, "setup_private_dns", cluster_id=DIAG, vpc_id=world.vpc, confirm=True)
    if register and access:
        await call_ok(s, "allow_client_access", endpoint_security_group_id=made["security_group_ids"][0],
                      source_security_group_id=world.app_sg, cluster_id=DIAG, confirm=True)
    return made


async def diagnose(s, dns, **extra):
    args = {"cluster_id": DIAG, "vpc_id": world_vpc(extra), "client_security_group_id": extra.pop("sg"),
            "client_cidr": "10.0.0.0/24", "dns_server": dns.addr, "probe_timeout_ms": 2000}
    args.update(extra)
    report = await call_ok(s, "diagnose_private_link", **args)
    assert_every_problem_has_a_fix(report)
    return report


def assert_every_problem_has_a_fix(report):
    for f in report["findings"]:
        if f["status"] != "pass":
            assert f.get("fix"), f


def world_vpc(extra):
    return extra.pop("vpc")


def by_check(report):
    found = {}
    for f in report["findings"]:
        found.setdefault(f["check"], []).append(f)
    return found


def failing(report):
    return {f["check"] for f in report["findings"] if f["status"] == "fail"}


async def test_a_healthy_link_has_no_failing_finding(world, server_env, zilliz_server, dns, listeners):
    dns.a = {HOST: ["127.0.0.1"]}
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["http"])
        report = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
    assert failing(report) == set(), report["findings"]
    assert report["healthy"] is True
    checks = by_check(report)
    for check in ["cluster", "endpoint_service", "vpc_endpoint", "registration", "vpc_dns_attributes",
                  "hosted_zone", "alias_record", "security_group_inbound",
                  "security_group_outbound", "network_acl", "dns_resolution", "tcp_connect", "http"]:
        assert check in checks, check
    assert checks["http"][0]["status"] == "pass" and "HTTP 400" in checks["http"][0]["detail"]
    assert checks["security_group_inbound"][0]["status"] == "pass"
    assert report["port"] == listeners["http"] and report["host"] == HOST


async def test_no_zone_is_named_with_its_fix(world, server_env, zilliz_server, dns, listeners):
    dns.a = {HOST: ["127.0.0.1"]}
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["http"], dns_setup=False)
        report = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
    [zone] = by_check(report)["hosted_zone"]
    assert zone["status"] == "fail" and "no private zone" in zone["detail"]
    assert zone["fix"].startswith("setup_private_dns") and DIAG in zone["fix"]
    assert report["healthy"] is False


async def test_a_zone_tied_to_another_vpc(world, server_env, zilliz_server, dns, listeners, moto_url):
    from conftest import boto
    dns.a = {HOST: ["127.0.0.1"]}
    r53 = boto("route53", moto_url)
    zone = r53.create_hosted_zone(Name=HOST, CallerReference="elsewhere",
                                  VPC={"VPCRegion": REGION, "VPCId": world.other_vpc},
                                  HostedZoneConfig={"PrivateZone": True})["HostedZone"]["Id"]
    zone_id = zone.split("/")[-1]
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["http"], dns_setup=False)
        report = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
    [finding] = by_check(report)["hosted_zone"]
    assert finding["status"] == "fail"
    assert zone_id in finding["detail"] and world.other_vpc in finding["detail"]
    # The VPC has its own endpoint: tying it to another VPC's zone would make it resolve to
    # that VPC's endpoint. It gets a zone of its own.
    assert "associate" not in finding["fix"]
    assert finding["fix"].startswith("setup_private_dns") and world.vpc in finding["fix"]


async def test_an_alias_to_the_wrong_target(world, server_env, zilliz_server, dns, listeners, moto_url):
    dns.a = {HOST: ["127.0.0.1"]}
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["http"])
        point_alias_elsewhere(moto_url, HOST)
        report = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
    [alias] = by_check(report)["alias_record"]
    assert alias["status"] == "fail" and "vpce-0000-elsewhere.example.com" in alias["detail"]
    assert alias["fix"].startswith("setup_private_dns")


async def test_no_security_group_rule(world, server_env, zilliz_server, dns, listeners):
    dns.a = {HOST: ["127.0.0.1"]}
    empty = world.ec2.create_security_group(GroupName="empty", Description="no rules",
                                            VpcId=world.vpc)["GroupId"]
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["http"], access=False, groups=[empty])
        report = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
    [inbound] = by_check(report)["security_group_inbound"]
    assert inbound["status"] == "fail" and world.app_sg in inbound["detail"]
    fix = inbound["fix"]
    assert fix.startswith("allow_client_access")
    args = json.loads(fix[len("allow_client_access "):fix.index(" (preview")])
    assert args == {"endpoint_security_group_id": empty, "cluster_id": DIAG,
                    "source_security_group_id": world.app_sg}


async def test_a_rule_on_the_wrong_port(world, server_env, zilliz_server, dns, listeners):
    dns.a = {HOST: ["127.0.0.1"]}
    async with mcp_session(server_env) as s:
        # The seeded endpoint group allows 19531 from the app servers; this cluster listens elsewhere.
        await link(s, world, zilliz_server, listeners["http"], access=False)
        report = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
    [inbound] = by_check(report)["security_group_inbound"]
    assert inbound["status"] == "fail"
    assert f"tcp {listeners['http']}" in inbound["detail"]


async def test_dns_hostnames_off(world, server_env, zilliz_server, dns, listeners):
    dns.a = {HOST: ["127.0.0.1"]}
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["http"])
        world.ec2.modify_vpc_attribute(VpcId=world.vpc, EnableDnsHostnames={"Value": False})
        report = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
    [attrs] = by_check(report)["vpc_dns_attributes"]
    assert attrs["status"] == "fail" and "enableDnsHostnames" in attrs["detail"]
    # setup_private_dns turns the attributes on: the remedy is its call.
    assert attrs["remedy"] == {"tool": "setup_private_dns",
                               "arguments": {"cluster_id": DIAG, "vpc_id": world.vpc}}
    assert attrs["fix"].startswith("setup_private_dns")


async def test_an_unregistered_endpoint(world, server_env, zilliz_server, dns, listeners):
    dns.a = {HOST: ["127.0.0.1"]}
    async with mcp_session(server_env) as s:
        made = await link(s, world, zilliz_server, listeners["http"], register=False)
        report = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
    [registration] = by_check(report)["registration"]
    assert registration["status"] == "fail" and made["endpoint_id"] in registration["detail"]
    assert registration["fix"].startswith("register_endpoint") and made["endpoint_id"] in registration["fix"]
    # The address follows registration: it is not a second failure of the same cause.
    [address] = by_check(report)["private_link_address"]
    assert address["status"] == "skip"


async def test_a_name_that_does_not_resolve(world, server_env, zilliz_server, dns, listeners):
    dns.a = {}
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["http"])
        report = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
    [resolution] = by_check(report)["dns_resolution"]
    assert resolution["status"] == "fail" and "does not resolve" in resolution["detail"]
    assert resolution["fix"].startswith("setup_private_dns")
    assert "tcp_connect" not in by_check(report)


async def test_a_silent_port_is_reported_within_the_probe_timeout(world, server_env, zilliz_server,
                                                                  dns, listeners):
    dns.a = {HOST: ["127.0.0.1"]}
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["silent"])
        started = time.monotonic()
        report = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg, probe_timeout_ms=2000)
        elapsed = time.monotonic() - started
    [http] = by_check(report)["http"]
    assert http["status"] == "fail" and "no HTTP answer" in http["detail"]
    assert by_check(report)["tcp_connect"][0]["status"] == "pass"
    assert elapsed < 3.0, elapsed


async def test_a_refused_port(world, server_env, zilliz_server, dns, listeners):
    dns.a = {HOST: ["127.0.0.1"]}
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["closed"])
        report = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
    [tcp] = by_check(report)["tcp_connect"]
    assert tcp["status"] == "fail" and "refused" in tcp["detail"]
    assert "http" not in by_check(report)


def test_doctor_prints_the_same_report_and_fails_with_exit_1(world, server_env, zilliz_server, dns,
                                                            listeners):
    zilliz_server.add_cluster(DIAG, PROJECT, f"aws-{REGION}", port=listeners["http"])
    env = dict(server_env, ZILLIZ_PRIVATELINK_DNS_SERVER=dns.addr)
    args = [str(BINARY), "doctor", "--cluster-id", DIAG, "--vpc-id", world.vpc,
            "--probe-timeout-ms", "1000"]
    human = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    assert human.returncode == 1, human.stderr
    assert "[FAIL] vpc_endpoint" in human.stdout and "has no endpoint" in human.stdout
    assert "check(s) failed" in human.stdout
    machine = subprocess.run(args + ["--json"], env=env, capture_output=True, text=True, timeout=60)
    assert machine.returncode == 1
    report = json.loads(machine.stdout)
    assert report["healthy"] is False
    assert "vpc_endpoint" in failing(report)
    bad = subprocess.run([str(BINARY), "doctor", "--cluster-id", DIAG, "--vpc-id", "vpc-nope"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "vpc-nope" in bad.stderr
    # A missing argument is an argument error too.
    missing = subprocess.run([str(BINARY), "doctor", "--vpc-id", world.vpc], env=env,
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "cluster_id" in missing.stderr, missing.stderr


def test_a_cluster_endpoint_in_zilliz_cloud_uri_is_a_clear_start_up_error(server_env):
    endpoint = "https://in01-840ec44485bf25d.aws-us-west-2.vectordb.zillizcloud.com:19538"
    env = dict(server_env, ZILLIZ_CLOUD_URI=endpoint)
    for args in ([], ["doctor", "--cluster-id", DIAG]):
        run = subprocess.run([str(BINARY), *args], env=env, capture_output=True, text=True,
                             timeout=30, stdin=subprocess.DEVNULL)
        assert run.returncode == 2 and run.stdout == ""
        assert endpoint in run.stderr and "https://api.cloud.zilliz.com" in run.stderr, run.stderr


async def test_a_network_acl_that_drops_the_port(world, server_env, zilliz_server, dns, listeners):
    dns.a = {HOST: ["127.0.0.1"]}
    ec2 = world.ec2
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["http"])
        # A new ACL has only the default deny; allow everything but the private link's port.
        acl = ec2.create_network_acl(VpcId=world.vpc)["NetworkAcl"]["NetworkAclId"]
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="deny",
                                     Egress=False, CidrBlock="0.0.0.0/0",
                                     PortRange={"From": listeners["http"], "To": listeners["http"]})
        for egress in (False, True):
            ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=200, Protocol="-1",
                                         RuleAction="allow", Egress=egress, CidrBlock="0.0.0.0/0")
        [current] = ec2.describe_network_acls(Filters=[
            {"Name": "association.subnet-id", "Values": [world.subnets["a"]]}])["NetworkAcls"]
        association = next(a["NetworkAclAssociationId"] for a in current["Associations"]
                           if a["SubnetId"] == world.subnets["a"])
        ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)
        report = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
        # With only the client's security group (no address), the VPC's blocks are judged:
        # a deny for every source is still found.
        by_group = await call_ok(s, "diagnose_private_link", cluster_id=DIAG, vpc_id=world.vpc,
                                 client_security_group_id=world.app_sg, probe=False)
        no_client = await call_ok(s, "diagnose_private_link", cluster_id=DIAG, vpc_id=world.vpc,
                                  probe=False)
    problems = [f for f in by_check(report)["network_acl"] if f["status"] == "fail"]
    assert len(problems) == 1, by_check(report)["network_acl"]
    assert acl in problems[0]["detail"] and "denies tcp" in problems[0]["detail"]
    assert "(rule 100)" in problems[0]["detail"]
    assert problems[0]["fix"].startswith(f"aws ec2 create-network-acl-entry --network-acl-id {acl} --ingress")
    for other in (by_group, no_client):
        assert_every_problem_has_a_fix(other)
        [problem] = [f for f in by_check(other)["network_acl"] if f["status"] == "fail"]
        assert acl in problem["detail"] and "every client in the VPC (10.0.0.0/16)" in problem["detail"]
        assert other["healthy"] is False


async def test_a_network_acl_that_drops_part_of_the_vpc_warns(world, server_env, zilliz_server,
                                                              dns, listeners):
    ec2 = world.ec2
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["http"])
        [current] = ec2.describe_network_acls(Filters=[
            {"Name": "association.subnet-id", "Values": [world.subnets["a"]]}])["NetworkAcls"]
        ec2.create_network_acl_entry(NetworkAclId=current["NetworkAclId"], RuleNumber=50,
                                     Protocol="6", RuleAction="deny", Egress=False,
                                     CidrBlock="10.0.7.0/24",
                                     PortRange={"From": listeners["http"], "To": listeners["http"]})
        report = await call_ok(s, "diagnose_private_link", cluster_id=DIAG, vpc_id=world.vpc,
                               client_security_group_id=world.app_sg, probe=False)
    assert_every_problem_has_a_fix(report)
    [warning] = [f for f in by_check(report)["network_acl"] if f["status"] == "warn"]
    assert "10.0.7.0/24 (rule 50)" in warning["detail"]
    assert report["healthy"] is True


class Metadata(BaseHTTPRequestHandler):
    """IMDSv2 as EC2 serves it: a token by PUT, then metadata with the token."""
    instance = vpc = None

    def log_message(self, *args):
        pass

    def _answer(self, status, body, headers=()):
        data = body.encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        if self.path == "/latest/api/token":
            ttl = self.headers.get("x-aws-ec2-metadata-token-ttl-seconds", "21600")
            return self._answer(200, "token-1", [("x-aws-ec2-metadata-token-ttl-seconds", ttl)])
        self._answer(404, "")

    def do_GET(self):
        if self.headers.get("x-aws-ec2-metadata-token") != "token-1":
            return self._answer(401, "")
        answers = {
            "/latest/meta-data/instance-id": self.instance,
            "/latest/meta-data/mac": "0a:00:00:00:00:01",
            "/latest/meta-data/network/interfaces/macs/0a:00:00:00:00:01/vpc-id": self.vpc,
        }
        if self.path in answers:
            return self._answer(200, answers[self.path])
        self._answer(404, "")


async def test_doctor_on_an_instance_in_the_vpc_fails_a_name_that_does_not_resolve(
        world, server_env, zilliz_server, dns, listeners):
    """The metadata service says doctor runs in the VPC: a name that does not resolve is then
    a failure with the DNS fix (exit 1), not "outside the VPC"; the instance is the client."""
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["http"])
    instance = world.ec2.run_instances(ImageId="ami-03cf127a", MinCount=1, MaxCount=1,
                                       SubnetId=world.subnets["a"],
                                       SecurityGroupIds=[world.app_sg])["Instances"][0]["InstanceId"]
    handler = type("ThisInstance", (Metadata,), {"instance": instance, "vpc": world.vpc})
    imds = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=imds.serve_forever, daemon=True).start()
    dns.a = {}
    env = dict(server_env, ZILLIZ_PRIVATELINK_DNS_SERVER=dns.addr,
               AWS_EC2_METADATA_SERVICE_ENDPOINT=f"http://127.0.0.1:{imds.server_address[1]}")
    env.pop("AWS_EC2_METADATA_DISABLED")
    try:
        # Neither --vpc-id nor --client-instance-id: the metadata gives both.
        run = subprocess.run([str(BINARY), "doctor", "--cluster-id", DIAG, "--json",
                              "--probe-timeout-ms", "1000"],
                             env=env, capture_output=True, text=True, timeout=60)
    finally:
        imds.shutdown()
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    assert report["vpc_id"] == world.vpc
    assert report["ran_inside_vpc"] is True
    assert_every_problem_has_a_fix(report)
    [resolution] = by_check(report)["dns_resolution"]
    assert resolution["status"] == "fail" and "inside the VPC" in resolution["detail"]
    assert resolution["fix"].startswith("setup_private_dns")
    # The instance was taken as the client: its group is what the inbound rule admits.
    [inbound] = by_check(report)["security_group_inbound"]
    assert inbound["status"] == "pass" and instance in inbound["detail"]


async def test_an_address_alone_runs_the_probes(server_env, dns, listeners, zilliz_server):
    host = "adhoc-privatelink.aws-us-west-2.vectordb.zillizcloud.com"
    dns.a = {host: ["127.0.0.1"]}
    zilliz_server.requests.clear()
    async with mcp_session(server_env) as s:
        report = await call_ok(s, "diagnose_private_link", address=f"https://{host}:{listeners['http']}",
                               dns_server=dns.addr, probe_timeout_ms=2000)
    checks = by_check(report)
    assert set(checks) == {"dns_resolution", "tcp_connect", "http"}, checks
    assert report["healthy"] is True and checks["http"][0]["status"] == "pass"
    assert zilliz_server.requests == []  # no cluster, no control-plane call


async def test_the_dns_path_as_resolver_answers_it(world, server_env, zilliz_server, dns,
                                                   listeners, moto_url):
    """A forwarding rule for zillizcloud.com leaves the zone named for the host in charge (no
    false alarm); one for the host itself takes the query away (a failure naming the rule);
    custom DHCP DNS servers are named with the resolver to forward to."""
    dns.a = {HOST: ["127.0.0.1"]}
    resolver = boto("route53resolver", moto_url)

    def forward(domain, name):
        rule = resolver.create_resolver_rule(
            CreatorRequestId=name, Name=name, RuleType="FORWARD", DomainName=domain,
            TargetIps=[{"Ip": "10.99.0.2", "Port": 53}])["ResolverRule"]["Id"]
        # (moto sorts associations by name and fails on two without one: name them)
        resolver.associate_resolver_rule(ResolverRuleId=rule, VPCId=world.vpc, Name=name)
        return rule

    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["http"])
        parent = forward("zillizcloud.com", "corp-dns")
        healthy = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
        host_rule = forward(HOST, "shadow-it")
        broken = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
        options = world.ec2.create_dhcp_options(DhcpConfigurations=[
            {"Key": "domain-name-servers", "Values": ["10.0.5.10", "10.0.6.10"]}])
        world.ec2.associate_dhcp_options(
            DhcpOptionsId=options["DhcpOptions"]["DhcpOptionsId"], VpcId=world.vpc)
        custom = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
    [rules] = by_check(healthy)["resolver_rules"]
    assert rules["status"] == "pass" and parent in rules["detail"]
    assert failing(healthy) == set(), healthy["findings"]
    [rules] = by_check(broken)["resolver_rules"]
    assert rules["status"] == "fail" and host_rule in rules["detail"]
    assert "disassociate-resolver-rule" in rules["fix"] and world.vpc in rules["fix"]
    [servers] = by_check(custom)["dns_servers"]
    assert servers["status"] == "warn" and "10.0.5.10, 10.0.6.10" in servers["detail"]
    assert "10.0.0.2" in servers["fix"]


async def test_a_parent_zone_shadows_the_host(world, server_env, zilliz_server, dns, listeners,
                                              moto_url):
    """Without a zone named for the host, a parent zone tied to the VPC answers for it: with
    nothing (NXDOMAIN) or with a wildcard's value. Both are named, with the fix."""
    dns.a = {HOST: ["127.0.0.1"]}
    r53 = boto("route53", moto_url)
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["http"], dns_setup=False)
        parent = r53.create_hosted_zone(
            Name="vectordb.zillizcloud.com", CallerReference="corp",
            VPC={"VPCRegion": REGION, "VPCId": world.vpc},
            HostedZoneConfig={"PrivateZone": True})["HostedZone"]["Id"].split("/")[-1]
        empty = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
        r53.change_resource_record_sets(HostedZoneId=parent, ChangeBatch={"Changes": [{
            "Action": "CREATE", "ResourceRecordSet": {
                "Name": f"*.aws-{REGION}.vectordb.zillizcloud.com", "Type": "A", "TTL": 60,
                "ResourceRecords": [{"Value": "10.9.9.9"}]}}]})
        wildcard = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
    [nx] = by_check(empty)["zone_shadowing"]
    assert nx["status"] == "fail" and parent in nx["detail"] and "NXDOMAIN" in nx["detail"]
    [wc] = by_check(wildcard)["zone_shadowing"]
    assert wc["status"] == "fail" and f"*.aws-{REGION}.vectordb.zillizcloud.com" in wc["detail"]
    assert wc["fix"].startswith("setup_private_dns")


async def test_a_client_in_a_peered_vpc(world, server_env, zilliz_server, dns, listeners):
    """client_vpc_id: the client's VPC must be tied to the zone and route the endpoint's
    subnets across the peering; its CIDR is the client the security group must admit."""
    from conftest import add_app_vpc
    ec2 = world.ec2
    client_vpc, client_subnets = add_app_vpc(ec2, "10.3", "peered-app")
    async with mcp_session(server_env) as s:
        made = await link(s, world, zilliz_server, listeners["http"])
        args = dict(cluster_id=DIAG, vpc_id=world.vpc, client_vpc_id=client_vpc, probe=False)
        before = await call_ok(s, "diagnose_private_link", **args)
        pcx = ec2.create_vpc_peering_connection(VpcId=client_vpc, PeerVpcId=world.vpc)[
            "VpcPeeringConnection"]["VpcPeeringConnectionId"]
        [main] = ec2.describe_route_tables(Filters=[
            {"Name": "vpc-id", "Values": [client_vpc]},
            {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
        ec2.create_route(RouteTableId=main["RouteTableId"], DestinationCidrBlock="10.0.0.0/16",
                         VpcPeeringConnectionId=pcx)
        await call_ok(s, "setup_private_dns", cluster_id=DIAG, vpc_id=client_vpc,
                      endpoint_id=made["endpoint_id"], confirm=True)
        no_way_back = await call_ok(s, "diagnose_private_link", **args)
        [hub_main] = ec2.describe_route_tables(Filters=[
            {"Name": "vpc-id", "Values": [world.vpc]},
            {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
        ec2.create_route(RouteTableId=hub_main["RouteTableId"], DestinationCidrBlock="10.3.0.0/16",
                         VpcPeeringConnectionId=pcx)
        after = await call_ok(s, "diagnose_private_link", **args)
        # The client named by its instance alone: its VPC is read from the instance.
        instance = ec2.run_instances(ImageId="ami-03cf127a", MinCount=1, MaxCount=1,
                                     SubnetId=client_subnets["a"])["Instances"][0]["InstanceId"]
        by_instance = await call_ok(s, "diagnose_private_link", cluster_id=DIAG, vpc_id=world.vpc,
                                    client_instance_id=instance, probe=False)
        # ... or by its address alone: the VPC whose block holds it.
        by_address = await call_ok(s, "diagnose_private_link", cluster_id=DIAG, vpc_id=world.vpc,
                                   client_cidr="10.3.1.0/24", probe=False)
        client_group = ec2.create_security_group(GroupName="peered-app", Description="app",
                                                 VpcId=client_vpc)["GroupId"]
        await call_ok(s, "allow_client_access",
                      endpoint_security_group_id=made["security_group_ids"][0],
                      source_security_group_id=client_group, cluster_id=DIAG, confirm=True)
        grouped = dict(args, client_security_group_id=client_group)
        by_group = await call_ok(s, "diagnose_private_link", **grouped)
        # The endpoint subnets' ACL denying the peered block: judged for the client's own
        # block, named by its VPC and its group as by its VPC alone.
        [acl] = ec2.describe_network_acls(Filters=[
            {"Name": "vpc-id", "Values": [world.vpc]},
            {"Name": "default", "Values": ["true"]}])["NetworkAcls"]
        ec2.create_network_acl_entry(NetworkAclId=acl["NetworkAclId"], RuleNumber=5, Protocol="6",
                                     RuleAction="deny", Egress=False, CidrBlock="10.3.0.0/16",
                                     PortRange={"From": 0, "To": 65535})
        denied_by_group = await call_ok(s, "diagnose_private_link", **grouped)
        denied_by_vpc = await call_ok(s, "diagnose_private_link", **args)
        ec2.delete_network_acl_entry(NetworkAclId=acl["NetworkAclId"], RuleNumber=5, Egress=False)
        tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
        ec2.replace_route(RouteTableId=main["RouteTableId"], DestinationCidrBlock="10.0.0.0/16",
                          TransitGatewayId=tgw)
        over_tgw = await call_ok(s, "diagnose_private_link", **grouped)
    for report in (before, after):
        assert_every_problem_has_a_fix(report)
    # The zone is judged where the client's resolver asks: in its own VPC.
    [zone] = by_check(before)["hosted_zone"]
    assert zone["status"] == "fail" and client_vpc in zone["detail"], zone
    assert made["endpoint_id"] in zone["fix"] and client_vpc in zone["fix"]
    assert "client_vpc_zone" not in by_check(before)
    [routes] = by_check(before)["client_vpc_routes"]
    assert routes["status"] == "fail" and main["RouteTableId"] in routes["fix"]
    [inbound] = by_check(before)["security_group_inbound"]
    assert inbound["status"] == "fail" and "10.3.0.0/16" in inbound["fix"]
    assert by_check(after)["hosted_zone"][0]["status"] == "pass"
    assert by_check(after)["client_vpc_routes"][0]["status"] == "pass"
    [back] = by_check(no_way_back)["endpoint_vpc_routes"]
    assert back["status"] == "fail" and hub_main["RouteTableId"] in back["fix"]
    assert "10.3.0.0/16" in back["fix"]
    assert by_check(after)["endpoint_vpc_routes"][0]["status"] == "pass"
    for check in ("hosted_zone", "client_vpc_routes", "endpoint_vpc_routes"):
        assert by_check(by_instance)[check][0]["status"] == "pass", by_instance["findings"]
        assert by_check(by_address)[check][0]["status"] == "pass", by_address["findings"]
    assert "on_premises_dns" not in by_check(by_address)
    # Admitted by its group: a peering resolves the reference, a transit gateway only with
    # security group referencing on.
    [reference] = by_check(by_group)["security_group_reference"]
    assert reference["status"] == "pass" and client_group in reference["detail"]
    for denied in (denied_by_group, denied_by_vpc):
        acl_findings = [f for f in by_check(denied)["network_acl"] if f["status"] == "fail"]
        assert acl_findings and "10.3.0.0/16" in acl_findings[0]["detail"], denied["findings"]
        assert denied["healthy"] is False
    [reference] = by_check(over_tgw)["security_group_reference"]
    assert reference["status"] == "warn" and tgw in reference["fix"]
    assert "10.3.0.0/16" in reference["fix"]


async def test_a_client_on_premises(world, server_env, zilliz_server, dns, listeners, moto_url):
    """A client network outside every VPC of the region needs an inbound Resolver endpoint
    where the zone answers (and a conditional forwarder on its DNS), and a way back through a
    virtual private gateway or transit gateway."""
    ec2 = world.ec2
    resolver = boto("route53resolver", moto_url)
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["http"])
        args = dict(cluster_id=DIAG, vpc_id=world.vpc, client_cidr="192.168.10.0/24", probe=False)
        before = await call_ok(s, "diagnose_private_link", **args)
        inbound = resolver.create_resolver_endpoint(
            CreatorRequestId="corp-inbound", Name="corp-inbound", Direction="INBOUND",
            SecurityGroupIds=[world.app_sg],
            IpAddresses=[{"SubnetId": world.subnets["a"]}, {"SubnetId": world.subnets["b"]}],
        )["ResolverEndpoint"]["Id"]
        vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
        ec2.attach_vpn_gateway(VpcId=world.vpc, VpnGatewayId=vgw)
        [main] = ec2.describe_route_tables(Filters=[
            {"Name": "vpc-id", "Values": [world.vpc]},
            {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
        ec2.create_route(RouteTableId=main["RouteTableId"], DestinationCidrBlock="192.168.0.0/16",
                         GatewayId=vgw)
        after = await call_ok(s, "diagnose_private_link", **args)
    assert_every_problem_has_a_fix(before)
    [onprem] = by_check(before)["on_premises_dns"]
    assert onprem["status"] == "fail" and "--direction INBOUND" in onprem["fix"]
    [back] = by_check(before)["endpoint_vpc_routes"]
    assert back["status"] == "fail" and "vgw-" in back["fix"]
    [onprem] = by_check(after)["on_premises_dns"]
    assert onprem["status"] == "pass" and inbound in onprem["detail"] and HOST in onprem["detail"]
    assert by_check(after)["endpoint_vpc_routes"][0]["status"] == "pass"


async def test_a_dns_firewall_block_is_named_and_an_allow_before_it_clears_it(
        world, server_env, zilliz_server, dns, listeners, aws_extras):
    """DNS Firewall (a fake speaking Route 53 Resolver's protocol; moto has none): a walled
    garden that blocks `*` fails naming rule and entry; an ALLOW for Zilliz at a lower priority
    number in the same group, or a block of other names only, is healthy."""
    dns.a = {HOST: ["127.0.0.1"]}
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["http"])
        none = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
        aws_extras.block(world.vpc, ["*.malware.example"], priority=10)
        other = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
        garden = aws_extras.block(world.vpc, ["*"], priority=200)
        blocked = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
        # An account with many domain lists: only those the rules use are read, after them.
        for i in range(25):
            aws_extras.domain_lists[f"rslvr-fdl-unused{i:08d}"] = [f"*.team{i}.example"]
        many_lists = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
        aws_extras.block(world.vpc, ["*.zillizcloud.com"], action="ALLOW", priority=100)
        allowed = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
    for report in (none, other, allowed):
        [fw] = by_check(report)["dns_firewall"]
        assert fw["status"] == "pass", fw
        assert failing(report) == set(), report["findings"]
    for report in (blocked, many_lists):
        [fw] = by_check(report)["dns_firewall"]
        assert fw["status"] == "fail" and garden in fw["detail"] and "`*`" in fw["detail"]
    assert "--action ALLOW" in fw["fix"] and "below 200" in fw["fix"]


async def test_a_block_rolled_out_in_alert_mode_lets_the_host_through(
        world, server_env, zilliz_server, dns, listeners, aws_extras):
    """AWS: an ALERT rule that matches stops inspection and lets the query through, so an
    `ALERT *` before a `BLOCK *` lets every name through; a rule for AAAA queries alone does not
    decide the A query; `*zillizcloud.com` (a star without a dot) covers the host. The block
    decides once the alert is gone."""
    dns.a = {HOST: ["127.0.0.1"]}
    async with mcp_session(server_env) as s:
        await link(s, world, zilliz_server, listeners["http"])
        aws_extras.block(world.vpc, ["*"], action="ALLOW", priority=10, qtype="AAAA")
        alert = aws_extras.block(world.vpc, ["*"], action="ALERT", priority=50)
        block = aws_extras.block(world.vpc, ["*zillizcloud.com"], priority=200)
        alerting = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
        rules = aws_extras.firewall_rules["rslvr-frg-0000000000000001"]
        rules[:] = [r for r in rules if r["FirewallDomainListId"] != alert]
        blocking = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
    [fw] = by_check(alerting)["dns_firewall"]
    assert fw["status"] == "pass" and "only alerts" in fw["detail"], fw
    assert failing(alerting) == set(), alerting["findings"]
    [fw] = by_check(blocking)["dns_firewall"]
    assert fw["status"] == "fail" and block in fw["detail"] and "`*zillizcloud.com`" in fw["detail"]


async def test_a_zone_reached_only_through_a_route53_profile(world, server_env, zilliz_server,
                                                             dns, listeners, moto_url,
                                                             aws_extras):
    """ListHostedZonesByVPC does not show a zone a Route 53 Profile carries, yet Resolver
    answers from it: with the Profile, the zone and its alias count (status and diagnosis
    agree); without it, the zone is tied elsewhere and the step is missing."""
    from conftest import add_app_vpc
    dns.a = {HOST: ["127.0.0.1"]}
    r53 = boto("route53", moto_url)
    other_vpc, _ = add_app_vpc(world.ec2, "10.4", "dns-hub")
    async with mcp_session(server_env) as s:
        made = await link(s, world, zilliz_server, listeners["http"], dns_setup=False)
        [endpoint] = world.ec2.describe_vpc_endpoints(
            VpcEndpointIds=[made["endpoint_id"]])["VpcEndpoints"]
        regional = endpoint["DnsEntries"][0]
        zone = r53.create_hosted_zone(
            Name=HOST, CallerReference="profile-zone",
            VPC={"VPCRegion": REGION, "VPCId": other_vpc},
            HostedZoneConfig={"PrivateZone": True})["HostedZone"]["Id"].split("/")[-1]
        r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{
            "Action": "CREATE", "ResourceRecordSet": {
                "Name": HOST, "Type": "A", "AliasTarget": {
                    "HostedZoneId": regional["HostedZoneId"], "DNSName": regional["DnsName"],
                    "EvaluateTargetHealth": False}}}]})
        without = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
        profile = aws_extras.carry(world.vpc, zone)
        carried = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
        status = await call_ok(s, "get_setup_status", cluster_id=DIAG, vpc_id=world.vpc)
    [missing] = by_check(without)["hosted_zone"]
    assert missing["status"] == "fail" and other_vpc in missing["detail"]
    [found] = by_check(carried)["hosted_zone"]
    assert found["status"] == "pass" and profile in found["detail"] and zone in found["detail"]
    assert by_check(carried)["alias_record"][0]["status"] == "pass"
    assert failing(carried) == set(), carried["findings"]
    steps = {step["step"]: step for step in status["steps"]}
    assert steps["hosted_zone"]["status"] == "done" and profile in steps["hosted_zone"]["detail"]
    assert steps["alias_record"]["status"] == "done"


async def link_beside_a_parent_zone(s, world, zilliz_server, listeners, r53, reference):
    """A link without the server's own zone, and an empty private `vectordb.zillizcloud.com`
    tied to the VPC: the endpoint's regional DNS entry and the parent zone's id."""
    made = await link(s, world, zilliz_server, listeners["http"], dns_setup=False)
    [endpoint] = world.ec2.describe_vpc_endpoints(
        VpcEndpointIds=[made["endpoint_id"]])["VpcEndpoints"]
    parent = r53.create_hosted_zone(
        Name="vectordb.zillizcloud.com", CallerReference=reference,
        VPC={"VPCRegion": REGION, "VPCId": world.vpc},
        HostedZoneConfig={"PrivateZone": True})["HostedZone"]["Id"].split("/")[-1]
    return endpoint["DnsEntries"][0], parent


async def test_a_parent_zone_that_holds_the_hosts_record(world, server_env, zilliz_server, dns,
                                                         listeners, moto_url):
    """A company that keeps cluster records in a parent zone: an alias (or a CNAME) at the host
    to the endpoint works and raises nothing; a CNAME to anything else fails naming it."""
    dns.a = {HOST: ["127.0.0.1"]}
    r53 = boto("route53", moto_url)
    async with mcp_session(server_env) as s:
        regional, parent = await link_beside_a_parent_zone(s, world, zilliz_server, listeners,
                                                           r53, "corp-records")

        def put(record):
            r53.change_resource_record_sets(HostedZoneId=parent, ChangeBatch={"Changes": [
                {"Action": "UPSERT", "ResourceRecordSet": record}]})

        def drop(record):
            r53.change_resource_record_sets(HostedZoneId=parent, ChangeBatch={"Changes": [
                {"Action": "DELETE", "ResourceRecordSet": record}]})

        alias = {"Name": HOST, "Type": "A", "AliasTarget": {
            "HostedZoneId": regional["HostedZoneId"], "DNSName": regional["DnsName"],
            "EvaluateTargetHealth": False}}
        put(alias)
        aliased = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
        drop(alias)
        cname = {"Name": HOST, "Type": "CNAME", "TTL": 60,
                 "ResourceRecords": [{"Value": regional["DnsName"]}]}
        put(cname)
        cnamed = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
        drop(cname)
        put({"Name": HOST, "Type": "CNAME", "TTL": 60,
             "ResourceRecords": [{"Value": "public-lb.example.com"}]})
        wrong = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
    for report in (aliased, cnamed):
        assert failing(report) == set(), report["findings"]
        [zone] = by_check(report)["hosted_zone"]
        assert zone["status"] == "pass" and "vectordb.zillizcloud.com" in zone["detail"]
        assert "zone_shadowing" not in by_check(report)
    [record] = by_check(wrong)["alias_record"]
    assert record["status"] == "fail" and "public-lb.example.com" in record["detail"]
    assert record["fix"].startswith("setup_private_dns")


async def test_a_parent_zone_of_300_records_finds_the_hosts_alias(world, server_env, zilliz_server,
                                                                 dns, listeners, moto_url):
    """A parent zone that holds an alias per cluster: the host's own record sorts after 300
    others, and is read from its own name, not from the zone's first page."""
    dns.a = {HOST: ["127.0.0.1"]}
    r53 = boto("route53", moto_url)
    async with mcp_session(server_env) as s:
        regional, parent = await link_beside_a_parent_zone(s, world, zilliz_server, listeners,
                                                           r53, "fleet-records")
        fleet = [{"Action": "CREATE", "ResourceRecordSet": {
            "Name": f"in01-a{i:03d}-privatelink.aws-{REGION}.vectordb.zillizcloud.com",
            "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": f"10.9.{i // 250}.{i % 250}"}]}}
            for i in range(300)]
        fleet.append({"Action": "CREATE", "ResourceRecordSet": {
            "Name": HOST, "Type": "A", "AliasTarget": {
                "HostedZoneId": regional["HostedZoneId"], "DNSName": regional["DnsName"],
                "EvaluateTargetHealth": False}}})
        r53.change_resource_record_sets(HostedZoneId=parent, ChangeBatch={"Changes": fleet})
        found = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
    assert failing(found) == set(), found["findings"]
    [zone] = by_check(found)["hosted_zone"]
    assert zone["status"] == "pass" and parent in zone["detail"]
    assert by_check(found)["alias_record"][0]["status"] == "pass"


async def test_plain_a_records_are_judged_by_what_they_answer(world, server_env, zilliz_server,
                                                             dns, listeners, moto_url):
    """A zone holding plain A records: the endpoint's current addresses answer right (a warning:
    they break when the interfaces change, the alias is the fix); a stale address fails, named."""
    dns.a = {HOST: ["127.0.0.1"]}
    r53 = boto("route53", moto_url)
    async with mcp_session(server_env) as s:
        made = await link(s, world, zilliz_server, listeners["http"])
        [endpoint] = world.ec2.describe_vpc_endpoints(
            VpcEndpointIds=[made["endpoint_id"]])["VpcEndpoints"]
        interfaces = world.ec2.describe_network_interfaces(
            NetworkInterfaceIds=endpoint["NetworkInterfaceIds"])["NetworkInterfaces"]
        current = sorted(i["PrivateIpAddress"] for i in interfaces)
        assert current, "moto gives the endpoint interfaces with addresses"
        [zone] = [z["Id"].split("/")[-1] for z in r53.list_hosted_zones()["HostedZones"]
                  if z["Name"].rstrip(".") == HOST]
        [alias] = [r for r in r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
                   if r["Type"] == "A"]

        def plain(addresses):
            return {"Name": HOST, "Type": "A", "TTL": 60,
                    "ResourceRecords": [{"Value": a} for a in addresses]}

        r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
            {"Action": "DELETE", "ResourceRecordSet": alias},
            {"Action": "CREATE", "ResourceRecordSet": plain(current)}]})
        fresh = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
        status = await call_ok(s, "get_setup_status", cluster_id=DIAG, vpc_id=world.vpc)
        r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
            {"Action": "UPSERT", "ResourceRecordSet": plain(current[:1] + ["10.0.250.7"])}]})
        stale = await diagnose(s, dns, vpc=world.vpc, sg=world.app_sg)
    assert failing(fresh) == set(), fresh["findings"]
    [record] = by_check(fresh)["alias_record"]
    assert record["status"] == "warn" and "current addresses" in record["detail"], record
    assert record["fix"].startswith("setup_private_dns")
    assert {st["step"]: st for st in status["steps"]}["alias_record"]["status"] == "done"
    [record] = by_check(stale)["alias_record"]
    assert record["status"] == "fail" and "10.0.250.7" in record["detail"], record
    assert record["fix"].startswith("setup_private_dns")


async def test_a_rule_from_the_vpcs_block_admits_a_client_known_by_its_group(
        world, server_env, zilliz_server, dns, listeners):
    """Every member of a security group of the VPC has an address in the VPC's block, so the
    most common rule of all (the port from the VPC's CIDR) admits a client given by its group;
    a rule from a narrower block does not."""
    dns.a = {HOST: ["127.0.0.1"]}
    async with mcp_session(server_env) as s:
        made = await link(s, world, zilliz_server, listeners["http"], access=False)
        endpoint_sg = made["security_group_ids"][0]
        await call_ok(s, "allow_client_access", endpoint_security_group_id=endpoint_sg,
                      source_cidr="10.0.1.0/24", cluster_id=DIAG, confirm=True)
        args = {"cluster_id": DIAG, "vpc_id": world.vpc, "client_security_group_id": world.app_sg,
                "dns_server": dns.addr, "probe_timeout_ms": 2000}
        narrow = await call_ok(s, "diagnose_private_link", **args)
        await call_ok(s, "allow_client_access", endpoint_security_group_id=endpoint_sg,
                      source_cidr="10.0.0.0/16", cluster_id=DIAG, confirm=True)
        whole = await call_ok(s, "diagnose_private_link", **args)
    [inbound] = by_check(narrow)["security_group_inbound"]
    assert inbound["status"] == "fail", inbound
    [inbound] = by_check(whole)["security_group_inbound"]
    assert inbound["status"] == "pass" and "10.0.0.0/16" in inbound["detail"], inbound
    assert failing(whole) == set(), whole["findings"]


async def test_a_prefix_list_is_judged_by_the_blocks_it_holds(world, server_env, zilliz_server,
                                                             dns, listeners):
    """A managed prefix list on the endpoint's group: holding the client's block, it admits the
    client (named with the list); holding other blocks only, the client is refused."""
    dns.a = {HOST: ["127.0.0.1"]}
    ec2 = world.ec2
    async with mcp_session(server_env) as s:
        made = await link(s, world, zilliz_server, listeners["http"], access=False)
        endpoint_sg = made["security_group_ids"][0]
        office = ec2.create_managed_prefix_list(
            PrefixListName="office", MaxEntries=5, AddressFamily="IPv4",
            Entries=[{"Cidr": "192.168.50.0/24"}])["PrefixList"]["PrefixListId"]
        ec2.authorize_security_group_ingress(GroupId=endpoint_sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": listeners["http"], "ToPort": listeners["http"],
            "PrefixListIds": [{"PrefixListId": office, "Description": "office"}]}])
        args = {"cluster_id": DIAG, "vpc_id": world.vpc, "client_cidr": "10.0.0.0/24",
                "dns_server": dns.addr, "probe_timeout_ms": 2000}
        outside = await call_ok(s, "diagnose_private_link", **args)
        version = ec2.describe_managed_prefix_lists(
            PrefixListIds=[office])["PrefixLists"][0]["Version"]
        ec2.modify_managed_prefix_list(PrefixListId=office, CurrentVersion=version,
                                       AddEntries=[{"Cidr": "10.0.0.0/16"}])
        inside = await call_ok(s, "diagnose_private_link", **args)
    [inbound] = by_check(outside)["security_group_inbound"]
    assert inbound["status"] == "fail", inbound
    [inbound] = by_check(inside)["security_group_inbound"]
    assert inbound["status"] == "pass" and office in inbound["detail"], inbound
