"""The playground: an AWS emulator (moto) and the Zilliz control-plane fake, seeded like a real
account, for holding the whole conversation (setup and diagnosis) without an AWS account or a
Zilliz key. Prints how to point an MCP client at it, then runs until stopped.

The account: a cluster on the Enterprise plan in aws-us-west-2; an application VPC (`app-vpc`)
with subnets in three zones, of which Zilliz's endpoint service offers two, and security
groups; and a second VPC (`legacy-app`) whose private link is set up but broken (its
endpoint's security group lets nothing in), for the diagnosis.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import sys
import threading
from pathlib import Path

from fake_zilliz import FakeZilliz, registration
from seed import (API_KEY, AWS_SECRET, CLUSTER, PROJECT, REGION, add_app_vpc, boto, seed_world,
                  start_moto)

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def break_a_link(world, fake):
    """`legacy-app`: endpoint registered, private zone and alias in place, and an endpoint
    security group with no inbound rule, as a hand-made setup often ends."""
    ec2 = world.ec2
    vpc, subnets = add_app_vpc(ec2, "10.1", "legacy-app")
    group = ec2.create_security_group(GroupName="legacy-zilliz-endpoint",
                                      Description="Zilliz endpoint (made by hand)",
                                      VpcId=vpc)["GroupId"]
    endpoint = ec2.create_vpc_endpoint(
        VpcEndpointType="Interface", VpcId=vpc, ServiceName=world.service_name,
        SubnetIds=list(subnets.values()), SecurityGroupIds=[group],
        PrivateDnsEnabled=False)["VpcEndpoint"]
    fake.endpoints.setdefault(PROJECT, []).append(
        registration(f"aws-{REGION}", world.service_name, endpoint["VpcEndpointId"]))
    host = f"{CLUSTER}-privatelink.aws-{REGION}.vectordb.zillizcloud.com"
    r53 = boto("route53", world.moto_url)
    zone = r53.create_hosted_zone(Name=host, CallerReference="legacy",
                                  VPC={"VPCRegion": REGION, "VPCId": vpc},
                                  HostedZoneConfig={"PrivateZone": True})["HostedZone"]["Id"]
    entry = endpoint["DnsEntries"][0]
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{
        "Action": "CREATE", "ResourceRecordSet": {
            "Name": host, "Type": "A", "AliasTarget": {
                "HostedZoneId": entry["HostedZoneId"], "DNSName": entry["DnsName"],
                "EvaluateTargetHealth": True}}}]})
    return vpc


def server_env(moto_url, zilliz_url):
    return {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "AKIAPLAYGROUND000001",
        "AWS_SECRET_ACCESS_KEY": AWS_SECRET,
        "AWS_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "ZILLIZ_CLOUD_API_KEY": API_KEY,
        "ZILLIZ_CLOUD_URI": zilliz_url,
    }


def binary_path(given):
    if given:
        return str(Path(given).resolve())
    name = "zilliz-privatelink-mcp" + (".exe" if sys.platform.startswith("win") else "")
    for candidate in (ROOT / "target" / "release" / name, ROOT / "target" / "debug" / name):
        if candidate.exists():
            return str(candidate)
    return shutil.which("zilliz-privatelink-mcp") or "zilliz-privatelink-mcp"


def desktop_config_path(system=None):
    """Where Claude Desktop keeps its configuration on this system, written as the system
    writes paths."""
    system = system or sys.platform
    if system == "darwin":
        return "~/Library/Application Support/Claude/claude_desktop_config.json"
    if system.startswith("win"):
        return r"%APPDATA%\Claude\claude_desktop_config.json"
    return "~/.config/Claude/claude_desktop_config.json"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", help="the server binary (default: target/release, "
                                         "target/debug, or zilliz-privatelink-mcp on PATH)")
    parser.add_argument("--ready-file", help="write the server's environment here as JSON "
                                             "once the playground is up (for scripts)")
    args = parser.parse_args()

    moto, moto_url = start_moto(free_port())
    fake = FakeZilliz(API_KEY).start()
    try:
        world = seed_world(moto_url, fake)
        legacy = break_a_link(world, fake)
        env = server_env(moto_url, fake.url)
        binary = binary_path(args.binary)
        entry = {"command": binary, "args": [], "env": env}
        desktop = json.dumps({"mcpServers": {"zilliz-privatelink-playground": entry}}, indent=2)
        print(f"""The playground is up: AWS (moto) at {moto_url}, Zilliz's control plane at {fake.url}.

Cluster {CLUSTER} (Enterprise, aws-{REGION}); application VPC {world.vpc} (app-vpc: subnets
in us-west-2a, b and c; the endpoint service is offered in a and b); VPC {legacy} (legacy-app)
has a private link that does not work.

Claude Desktop: paste this as {desktop_config_path()} (or, where the file has other
servers, add the entry inside its "mcpServers"):
{desktop}

Claude Code:
  claude mcp add-json zilliz-privatelink-playground '{json.dumps(entry)}'

MCP Inspector:
  npx @modelcontextprotocol/inspector {" ".join(f"-e {k}={v}" for k, v in env.items())} {binary}

Try: "Set up a private link from app-vpc to my Zilliz cluster", then "Why can't legacy-app
reach the cluster?". Stop with Ctrl-C.""", flush=True)
        if args.ready_file:
            Path(args.ready_file).write_text(json.dumps({"env": env, "vpc": world.vpc,
                                                         "legacy_vpc": legacy}))
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        stop.wait()
    finally:
        moto.terminate()
        fake.stop()


if __name__ == "__main__":
    sys.exit(main())
