"""Benchmarks of zilliz-privatelink-mcp, printed as a Markdown table.

Start-up (spawn -> initialize -> tools/list answered) and peak RSS against a Python MCP
server of the same kind; list_vpcs round trips against moto versus boto3 directly; the
diagnosis's wall time against a silent target; and the size of every tool's default answer
on a VPC with thousands of subnets and hundreds of security groups.
"""

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import boto3  # noqa: E402
from dnslib import QTYPE, RR, A  # noqa: E402
from dnslib.server import BaseResolver, DNSLogger, DNSServer  # noqa: E402

from conftest import (API_KEY, AWS_SECRET, CLUSTER, PROJECT, REGION, free_port,  # noqa: E402
                      mcp_session, seed_world)
from fake_zilliz import FakeZilliz  # noqa: E402
from seed import start_moto  # noqa: E402

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "bench", "version": "1"}}}


def handshake(command, env):
    """Seconds from spawn to the tools/list answer, and the process's peak RSS in MB."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env)

    def read_until(id_):
        while True:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"{command[0]} closed stdout")
            try:
                message = json.loads(line)
            except ValueError:
                continue  # a peer that prints banners on stdout
            if isinstance(message, dict) and message.get("id") == id_:
                return message

    proc.stdin.write((json.dumps(INIT) + "\n").encode())
    proc.stdin.flush()
    read_until(1)
    proc.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n'
                     b'{"jsonrpc":"2.0","id":2,"method":"tools/list"}\n')
    proc.stdin.flush()
    tools = read_until(2)["result"]["tools"]
    elapsed = time.perf_counter() - started
    # VmHWM is the peak since exec; wait4's ru_maxrss would count the forked copy of this
    # Python process from before the exec.
    with open(f"/proc/{proc.pid}/status") as status:
        peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    proc.kill()
    proc.wait()
    return elapsed, peak_kb / 1024, len(tools)


def startup(command, env, runs):
    handshake(command, env)  # warm the page cache
    samples = [handshake(command, env) for _ in range(runs)]
    times = sorted(s[0] for s in samples)
    return {"median_ms": statistics.median(times) * 1000,
            "p90_ms": times[int(0.9 * (len(times) - 1))] * 1000,
            "rss_mb": max(s[1] for s in samples), "tools": samples[0][2]}


def env_for(moto_url, zilliz_url, home):
    return {"PATH": os.environ["PATH"], "HOME": home, "AWS_ENDPOINT_URL": moto_url,
            "AWS_ACCESS_KEY_ID": "AKIAMOTOTESTKEY00001", "AWS_SECRET_ACCESS_KEY": AWS_SECRET,
            "AWS_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": f"{home}/none", "AWS_SHARED_CREDENTIALS_FILE": f"{home}/none",
            "ZILLIZ_CLOUD_API_KEY": API_KEY, "ZILLIZ_CLOUD_URI": zilliz_url, "RUST_LOG": "warn"}


def boto(service, url):
    return boto3.client(service, region_name=REGION, endpoint_url=url,
                        aws_access_key_id="AKIAMOTOTESTKEY00001", aws_secret_access_key=AWS_SECRET)


def timed(fn, runs):
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


async def overhead(env, moto_url, world, runs):
    async with mcp_session(env) as s:
        async def one():
            result = await s.call_tool("list_vpcs", {})
            assert not result.isError
        await one()
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            await one()
            samples.append(time.perf_counter() - started)
    ours = statistics.median(samples) * 1000
    ec2 = boto("ec2", moto_url)
    direct = timed(lambda: ec2.describe_vpcs(), runs)

    def same_work():
        for vpc in ec2.describe_vpcs()["Vpcs"]:
            ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute="enableDnsSupport")
            ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute="enableDnsHostnames")
    return ours, direct, timed(same_work, runs)


class Silent:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]


class Records(BaseResolver):
    def __init__(self, host):
        self.host = host

    def resolve(self, request, handler):
        reply = request.reply()
        if str(request.q.qname).rstrip(".") == self.host:
            reply.add_answer(RR(request.q.qname, QTYPE.A, rdata=A("127.0.0.1"), ttl=5))
        return reply


async def diagnosis(env, world, fake, runs, timeout_ms):
    silent = Silent()
    diag = "in01-be9c0000000000a1"
    fake.add_cluster(diag, PROJECT, f"aws-{REGION}", port=silent.port)
    host = f"{diag}-privatelink.aws-{REGION}.vectordb.zillizcloud.com"
    dns_port = free_port()
    server = DNSServer(Records(host), port=dns_port, address="127.0.0.1",
                       logger=DNSLogger(logf=lambda _: None))
    server.start_thread()
    samples = []
    async with mcp_session(env) as s:
        made = await s.call_tool("create_vpc_endpoint", {
            "vpc_id": world.vpc, "subnet_ids": [world.subnets["a"], world.subnets["b"]],
            "cluster_id": diag, "confirm": True})
        endpoint = made.structuredContent["endpoint_id"]
        await s.call_tool("register_endpoint", {"endpoint_id": endpoint, "cluster_id": diag, "confirm": True})
        await s.call_tool("setup_private_dns", {"cluster_id": diag, "vpc_id": world.vpc, "confirm": True})
        for _ in range(runs):
            started = time.perf_counter()
            result = await s.call_tool("diagnose_private_link", {
                "cluster_id": diag, "vpc_id": world.vpc, "client_security_group_id": world.app_sg,
                "dns_server": f"127.0.0.1:{dns_port}", "probe_timeout_ms": timeout_ms})
            samples.append(time.perf_counter() - started)
            failing = {f["check"] for f in result.structuredContent["findings"] if f["status"] == "fail"}
            assert "http" in failing, failing
        await s.call_tool("remove_private_link", {"cluster_id": diag, "vpc_id": world.vpc, "confirm": True})
    server.stop()
    return statistics.median(samples) * 1000, max(samples) * 1000


def big_vpc(moto_url, subnets, groups):
    ec2 = boto("ec2", moto_url)
    vpc = ec2.create_vpc(CidrBlock="10.64.0.0/16")["Vpc"]["VpcId"]
    for i in range(subnets):
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.64.{i // 16}.{(i % 16) * 16}/28",
                          AvailabilityZone=f"{REGION}{'abc'[i % 3]}",
                          TagSpecifications=[{"ResourceType": "subnet",
                                              "Tags": [{"Key": "Name", "Value": f"subnet-number-{i:05d}"}]}])
    for i in range(groups):
        group = ec2.create_security_group(GroupName=f"group-{i:04d}", Description=f"benchmark group {i}",
                                          VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 19530, "ToPort": 19539,
             "IpRanges": [{"CidrIp": "10.64.0.0/16", "Description": "clients"}]},
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    return vpc


async def sizes(env, vpc, world):
    calls = [
        ("list_vpcs", {}),
        ("list_subnets", {"vpc_id": vpc}),
        ("list_security_groups", {"vpc_id": vpc}),
        ("list_zilliz_clusters", {}),
        ("get_endpoint_service", {"region": REGION}),
        ("create_vpc_endpoint", {"vpc_id": world.vpc, "subnet_ids": list(world.subnets.values()),
                                 "cluster_id": CLUSTER}),
        ("get_setup_status", {"cluster_id": CLUSTER, "vpc_id": vpc}),
        ("diagnose_private_link", {"cluster_id": CLUSTER, "vpc_id": vpc, "probe": False}),
        ("remove_private_link", {"cluster_id": CLUSTER, "vpc_id": vpc}),
    ]
    found = []
    async with mcp_session(env) as s:
        for tool, args in calls:
            result = await s.call_tool(tool, args)
            found.append((tool, len(result.model_dump_json(by_alias=True, exclude_none=True)),
                          result.isError))
    return found


LATENCY = 0.2


class Rounds:
    """Adds LATENCY to every AWS and Zilliz call and counts the sequential rounds a tool call
    takes: a call is in round 1 + the highest round of the calls answered before it began."""

    def __init__(self):
        self.starts = []
        self.actions = []
        self.lock = threading.Lock()

    def delay(self, *request):
        with self.lock:
            self.starts.append(time.monotonic())
            self.actions.append((self.starts[-1], str(request[2] if len(request) > 2 else request[:1])[:60]))
        time.sleep(LATENCY)
        return None  # as a proxy's judge: forward the request

    def count(self):
        starts = sorted(self.starts)
        rounds = []
        for i, start in enumerate(starts):
            before = [rounds[j] for j in range(i) if starts[j] + LATENCY <= start]
            rounds.append(1 + max(before, default=0))
        return max(rounds, default=0), len(starts)


async def rounds_table(binary_env, moto_url, fake, world):
    """Rounds and milliseconds of status, diagnosis and each changing tool's planning, with
    LATENCY added to every remote call."""
    from conftest import add_app_vpc, call_ok, set_up_link
    from fault_proxy import FaultProxy
    from aws_extras import AwsExtras
    recorder = Rounds()
    # DNS Firewall, Route 53 Profiles and SSM come from the fake in front of moto, with a
    # rule group and a Profile planted so that their reads take all their rounds.
    extras = AwsExtras(moto_url)
    extras.block(world.vpc, ["*.malware.example"])
    extras.carry(world.vpc, "Z0000000000000000PROFILE", name="corp.example.internal")
    proxy = FaultProxy(moto_url, judge=recorder.delay)
    extra_proxy = FaultProxy(extras.url, judge=recorder.delay)
    env = dict(binary_env, AWS_ENDPOINT_URL=proxy.url,
               AWS_ENDPOINT_URL_ROUTE53RESOLVER=extra_proxy.url,
               AWS_ENDPOINT_URL_ROUTE53PROFILES=extra_proxy.url,
               AWS_ENDPOINT_URL_SSM=extra_proxy.url)
    rows = []
    try:
        async with mcp_session(env) as s:
            made = await set_up_link(s, world.ec2, world.vpc, [world.subnets["a"], world.subnets["b"]])
            vpc2, subnets2 = add_app_vpc(world.ec2, "10.7", "second")
            second = await call_ok(s, "create_vpc_endpoint", vpc_id=vpc2,
                                   subnet_ids=list(subnets2.values()), cluster_id=CLUSTER,
                                   confirm=True)
            vpc3, subnets3 = add_app_vpc(world.ec2, "10.8", "third")
            # A Profile that brings the host's own zone (another account's): its records are
            # read after the Profile's resources, one round more.
            host = f"{CLUSTER}-privatelink.aws-{REGION}.vectordb.zillizcloud.com"
            extras.carry(vpc2, "Z00000000000000HOSTZONE", profile_id="rp-0000000000000002",
                         owner="111111111111", name=host)
            calls = [
                ("get_setup_status", {"cluster_id": CLUSTER, "vpc_id": world.vpc}),
                ("get_setup_status (a Profile brings the host's zone)",
                 {"cluster_id": CLUSTER, "vpc_id": vpc2}),
                ("diagnose_private_link (probe: false)",
                 {"cluster_id": CLUSTER, "vpc_id": world.vpc, "probe": False}),
                ("diagnose_private_link (probe: false, client group)",
                 {"cluster_id": CLUSTER, "vpc_id": world.vpc, "probe": False,
                  "client_security_group_id": world.app_sg}),
                ("diagnose_private_link (probe: false, client on premises)",
                 {"cluster_id": CLUSTER, "vpc_id": world.vpc, "probe": False,
                  "client_cidr": "192.168.10.0/24"}),
                # The client's VPC is vpc2, whose Profile brings the host's zone: its facts take
                # that one round more.
                ("diagnose_private_link (probe: false, client in another VPC, a Profile brings "
                 "the host's zone there)",
                 {"cluster_id": CLUSTER, "vpc_id": world.vpc, "probe": False,
                  "client_vpc_id": vpc2}),
                ("create_vpc_endpoint (preview)",
                 {"vpc_id": vpc3, "subnet_ids": list(subnets3.values()), "cluster_id": CLUSTER}),
                ("register_endpoint (preview)",
                 {"endpoint_id": second["endpoint_id"], "cluster_id": CLUSTER}),
                # vpc2's Profile brings the host's zone: a zone of its own would take its place
                # there, so the setup refuses it; the link's own VPC is read whole instead.
                ("setup_private_dns (preview)", {"cluster_id": CLUSTER, "vpc_id": world.vpc}),
                ("allow_client_access (preview)",
                 {"endpoint_security_group_id": second["security_group_ids"][0],
                  "source_cidr": "10.7.0.0/16", "cluster_id": CLUSTER}),
                ("remove_private_link (preview)", {"cluster_id": CLUSTER, "vpc_id": world.vpc}),
            ]
            assert made["endpoint_id"]
            fake.on_request = recorder.delay

            async def measure(label, arguments, goal):
                recorder.starts.clear()
                recorder.actions.clear()
                started = time.perf_counter()
                await call_ok(s, label.split(" ")[0], **arguments)
                elapsed = (time.perf_counter() - started) * 1000
                rounds, calls_made = recorder.count()
                if os.environ.get("BENCH_DEBUG"):
                    t0 = min(t for t, _ in recorder.actions)
                    for t, a in sorted(recorder.actions):
                        print(f"  {label[:30]} {(t - t0) * 1000:7.0f} ms {a}", file=sys.stderr)
                recorder.actions.clear()
                rows.append((f"{label}: rounds of remote calls ({calls_made} calls, "
                             f"{LATENCY * 1000:.0f} ms added to each)",
                             f"{rounds} rounds, {elapsed:.0f} ms", goal))

            for label, arguments in calls:
                await measure(label, arguments,
                              "≤ 4 rounds" if "Profile brings" in label else "≤ 3 rounds")
            # The logs AWS keeps, in CloudWatch Logs: read in one round after the rest.
            plant_logs(moto_url, world.vpc)
            await measure("diagnose_private_link (probe: false, flow logs and query logs)",
                          {"cluster_id": CLUSTER, "vpc_id": world.vpc, "probe": False,
                           "client_security_group_id": world.app_sg},
                          "≤ 4 rounds (one more than without logs)")
    finally:
        fake.on_request = None
        proxy.stop()
        extra_proxy.stop()
        extras.stop()
    return rows


def plant_logs(moto_url, vpc):
    """A flow log on `vpc` and its Resolver query logging, both to CloudWatch Logs."""
    logs = boto("logs", moto_url)
    for group in ("/bench/flows", "/bench/dns"):
        logs.create_log_group(logGroupName=group)
    boto("ec2", moto_url).create_flow_logs(
        ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL", LogGroupName="/bench/flows",
        DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/flow-logs")
    resolver = boto("route53resolver", moto_url)
    config = resolver.create_resolver_query_log_config(
        Name="bench-dns", CreatorRequestId="bench-dns",
        DestinationArn=f"arn:aws:logs:{REGION}:123456789012:log-group:/bench/dns",
    )["ResolverQueryLogConfig"]["Id"]
    resolver.associate_resolver_query_log_config(ResolverQueryLogConfigId=config, ResourceId=vpc)


AUDIT_REGIONS = {REGION: 2, "us-east-1": 2, "eu-west-1": 1, "ap-southeast-2": 1}


def plant_link(moto_url, fake, region, service, cluster, index):
    """One private link made straight in moto and the fake: a VPC, an endpoint registered with
    the project, and the cluster's zone with its alias."""
    from seed import add_app_vpc, boto
    ec2 = boto("ec2", moto_url, region)
    vpc, subnets = add_app_vpc(ec2, f"10.{100 + index}", f"audit-{index}", region=region)
    endpoint = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=service, VpcEndpointType="Interface",
                                       SubnetIds=list(subnets.values()))["VpcEndpoint"]
    from fake_zilliz import registration
    fake.endpoints.setdefault(PROJECT, []).append(
        registration(f"aws-{region}", service, endpoint["VpcEndpointId"]))
    host = f"{cluster}-privatelink.aws-{region}.vectordb.zillizcloud.com"
    r53 = boto("route53", moto_url)
    zone = r53.create_hosted_zone(Name=host, CallerReference=f"audit-{index}",
                                  VPC={"VPCRegion": region, "VPCId": vpc},
                                  HostedZoneConfig={"PrivateZone": True})["HostedZone"]["Id"]
    entry = endpoint["DnsEntries"][0]
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{
        "Action": "CREATE", "ResourceRecordSet": {"Name": host, "Type": "A", "AliasTarget": {
            "HostedZoneId": entry["HostedZoneId"], "DNSName": entry["DnsName"],
            "EvaluateTargetHealth": False}}}]})


async def audit_table(binary_env, moto_url, fake, world):
    """The audit's time and rounds over one region and over four (6 links), with LATENCY added
    to every call, and its page size for an account with 50 links."""
    from fault_proxy import FaultProxy
    from seed import add_service_region
    index = 0
    for region, links in AUDIT_REGIONS.items():
        service = world.service_name if region == REGION else add_service_region(moto_url, fake, region)
        cluster = CLUSTER if region == REGION else f"in01-a0d17{index:011d}"
        if region != REGION:
            fake.add_cluster(cluster, PROJECT, f"aws-{region}", port=19531)
        for _ in range(links):
            index += 1
            plant_link(moto_url, fake, region, service, cluster, index)
    recorder = Rounds()
    proxy = FaultProxy(moto_url, judge=recorder.delay)
    env = dict(binary_env, AWS_ENDPOINT_URL=proxy.url)
    rows = []
    timings = {}
    try:
        async with mcp_session(env) as s:
            fake.on_request = recorder.delay
            for label, arguments in (("one region", {"regions": [REGION]}),
                                     ("four regions", {})):
                recorder.starts.clear()
                recorder.actions.clear()
                started = time.perf_counter()
                result = await s.call_tool("audit_private_links", arguments)
                elapsed = (time.perf_counter() - started) * 1000
                assert not result.isError, result.content
                rounds, calls = recorder.count()
                if os.environ.get("BENCH_DEBUG"):
                    t0 = min(t for t, _ in recorder.actions)
                    for t, a in sorted(recorder.actions):
                        print(f"  audit {label} {(t - t0) * 1000:7.0f} ms {a}", file=sys.stderr)
                timings[label] = elapsed
                links = result.structuredContent["total_links"]
                # Zones are read four at a time (Route 53 allows about five requests a second
                # an account), so more zones than that add a round.
                rows.append((f"audit_private_links, {label} ({links} links, {calls} calls, "
                             f"{LATENCY * 1000:.0f} ms added to each)",
                             f"{rounds} rounds, {elapsed:.0f} ms",
                             "3 rounds + 1 for every 4 zones past the first 4"))
            rows.append(("audit_private_links: four regions / one region",
                         f"{timings['four regions'] / timings['one region']:.2f}×", "≤ 2×"))
            fake.on_request = None
            # 50 links: 44 more endpoints in one region's VPCs.
            for _ in range(50 - sum(AUDIT_REGIONS.values())):
                index += 1
                plant_link(moto_url, fake, REGION, world.service_name, CLUSTER, index)
            for limit in (None, 50):
                result = await s.call_tool("audit_private_links",
                                           {"regions": [REGION], **({"limit": limit} if limit else {})})
                size = len(json.dumps(result.structuredContent)) + sum(
                    len(c.text) for c in result.content if getattr(c, "type", "") == "text")
                shown = len(result.structuredContent["links"])
                rows.append((f"answer size: audit_private_links, 50 links, "
                             f"{'default page' if limit is None else 'limit 50, the most a page holds'} "
                             f"({shown} links)",
                             f"{size / 1024:.1f} KB", "≤ 32 KB"))
    finally:
        fake.on_request = None
        proxy.stop()
    return rows


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", action="store_true",
                        help="only the rounds of remote calls (any build of the binary will do)")
    args = parser.parse_args()
    binary = str(Path(args.binary).resolve())
    runs = 10 if args.quick else 50
    home = str(Path("/tmp") / f"zpl-bench-{os.getpid()}")
    os.makedirs(home, exist_ok=True)

    rows = []
    if args.rounds:
        moto, moto_url = start_moto(free_port())
        fake = FakeZilliz(API_KEY).start()
        try:
            world = seed_world(moto_url, fake)
            rows = await rounds_table(env_for(moto_url, fake.url, home), moto_url, fake, world)
            rows.extend(await audit_table(env_for(moto_url, fake.url, home), moto_url, fake, world))
        finally:
            moto.terminate()
            fake.stop()
        print_table(rows, 1)
        return
    dead = f"http://127.0.0.1:{free_port()}"
    ours = startup([binary], env_for(dead, dead, home), runs)
    rows.append(("start-up: spawn → initialize → tools/list (median / p90)",
                 f"{ours['median_ms']:.1f} ms / {ours['p90_ms']:.1f} ms", "≤ 10 ms"))
    rows.append(("start-up: peak RSS", f"{ours['rss_mb']:.1f} MB", "≤ 15 MB"))
    peer_exe = shutil.which("zilliz-mcp-server", path=str(Path(sys.executable).parent))
    if peer_exe:
        peer_env = dict(env_for(dead, dead, home), ZILLIZ_CLOUD_TOKEN="bench",
                        ZILLIZ_CLOUD_URI=dead)
        try:
            peer = startup([peer_exe], peer_env, max(3, runs // 5))
            rows.append(("start-up: zilliz-mcp-server 1.0.0 (Python), median / peak RSS",
                         f"{peer['median_ms']:.0f} ms / {peer['rss_mb']:.0f} MB", ""))
            rows.append(("start-up: speed-up over the Python peer",
                         f"{peer['median_ms'] / ours['median_ms']:.0f}×", "≥ 50×"))
        except Exception as error:  # the peer is someone else's program: report, do not stop
            rows.append(("start-up: zilliz-mcp-server 1.0.0 (Python)", f"did not start: {error}", ""))

    moto, moto_url = start_moto(free_port())
    fake = FakeZilliz(API_KEY).start()
    try:
        world = seed_world(moto_url, fake)
        env = env_for(moto_url, fake.url, home)
        mine, direct, same = await overhead(env, moto_url, world, runs)
        rows.append(("list_vpcs round trip via MCP, against moto (median)", f"{mine:.1f} ms", ""))
        rows.append(("boto3 DescribeVpcs alone / with the DNS attributes list_vpcs also reads",
                     f"{direct:.1f} ms / {same:.1f} ms", ""))
        median, worst = await diagnosis(env, world, fake, 3 if args.quick else 5, 2000)
        rows.append(("diagnose_private_link, silent target, 2 s probe timeout (median / max)",
                     f"{median:.0f} ms / {worst:.0f} ms", "≤ 2500 ms"))
        rows.extend(await rounds_table(env, moto_url, fake, world))
        rows.extend(await audit_table(env, moto_url, fake, world))
        n_subnets, n_groups = (300, 50) if args.quick else (3000, 500)
        started = time.perf_counter()
        vpc = big_vpc(moto_url, n_subnets, n_groups)
        seeded = time.perf_counter() - started
        largest = 0
        for tool, size, is_error in await sizes(env, vpc, world):
            largest = max(largest, size)
            rows.append((f"answer size: {tool}{' (error)' if is_error else ''}", f"{size / 1024:.1f} KB", "≤ 32 KB"))
        rows.append((f"(VPC with {n_subnets} subnets and {n_groups} security groups, seeded in {seeded:.0f} s)",
                     f"largest {largest / 1024:.1f} KB", ""))
    finally:
        moto.terminate()
        fake.stop()

    print_table(rows, runs)


def print_table(rows, runs):
    print(f"Measured on {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
          f"{platform.release()}, {time.strftime('%Y-%m-%d')}; {runs} runs per timing.\n")
    print("| measure | result | goal |")
    print("|---|---|---|")
    for measure, result, goal in rows:
        print(f"| {measure} | {result} | {goal} |")


if __name__ == "__main__":
    asyncio.run(main())
