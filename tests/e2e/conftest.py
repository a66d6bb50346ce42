"""Fixtures for end-to-end tests: moto's server, the Zilliz fake, a seeded world, and the
built binary driven over stdio by the official Python MCP client."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest

from fake_zilliz import FakeZilliz

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("ZPL_BINARY", ROOT / "target" / "debug" / "zilliz-privatelink-mcp"))
REGION = "us-west-2"
API_KEY = "zk-test-key-9f8e7d6c5b4a"
AWS_SECRET = "moto-secret-key-0a1b2c3d4e5f"
PROJECT = "proj-4487580fcfe2c8a4391686"
CLUSTER = "in01-840ec44485bf25d"
CLUSTER_PORT = 19531
# The public address's port differs from the private link's, as in Zilliz's own examples.
PUBLIC_PORT = 19538


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def moto_url():
    port = free_port()
    exe = Path(sys.executable).parent / "moto_server"
    proc = subprocess.Popen(
        [str(exe), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            break
        except Exception:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("moto_server did not start")
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def zilliz_server():
    fake = FakeZilliz(API_KEY).start()
    yield fake
    fake.stop()


def boto(service, moto_url, region=REGION):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=moto_url,
        aws_access_key_id="AKIAMOTOTESTKEY00001",
        aws_secret_access_key=AWS_SECRET,
    )


class World:
    """What the seed made, by name."""


def add_app_vpc(ec2, cidr_prefix, name):
    """Another application VPC with DNS attributes on and subnets in the service's two
    zones: (vpc id, {zone letter: subnet id})."""
    vpc = ec2.create_vpc(CidrBlock=f"{cidr_prefix}.0.0/16",
                         TagSpecifications=[{"ResourceType": "vpc",
                                             "Tags": [{"Key": "Name", "Value": name}]}])["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnets = {az: ec2.create_subnet(VpcId=vpc, CidrBlock=f"{cidr_prefix}.{i}.0/24",
                                     AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
               for i, az in enumerate("ab")}
    return vpc, subnets


async def set_up_link(session, ec2, vpc, subnets):
    """The whole setup for one VPC, each step confirmed: the endpoint's answer."""
    made = await call_ok(session, "create_vpc_endpoint", vpc_id=vpc, subnet_ids=subnets,
                         cluster_id=CLUSTER, confirm=True)
    await call_ok(session, "register_endpoint", endpoint_id=made["endpoint_id"],
                  cluster_id=CLUSTER, confirm=True)
    await call_ok(session, "wait_for_endpoint", endpoint_id=made["endpoint_id"], timeout_seconds=30)
    await call_ok(session, "setup_private_dns", cluster_id=CLUSTER, vpc_id=vpc, confirm=True)
    cidr = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["CidrBlock"]
    await call_ok(session, "allow_client_access",
                  endpoint_security_group_id=made["security_group_ids"][0], source_cidr=cidr,
                  cluster_id=CLUSTER, confirm=True)
    return made


def seed_world(moto_url, fake):
    """A customer's world: Zilliz's endpoint service behind an NLB in two zones of a provider
    VPC, and a customer VPC with DNS attributes on, subnets in three zones, security groups."""
    ec2 = boto("ec2", moto_url)
    elb = boto("elbv2", moto_url)
    w = World()

    provider = ec2.create_vpc(CidrBlock="10.200.0.0/16")["Vpc"]["VpcId"]
    provider_subnets = [
        ec2.create_subnet(VpcId=provider, CidrBlock=f"10.200.{i}.0/24",
                          AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    nlb = elb.create_load_balancer(Name="zilliz-nlb", Subnets=provider_subnets,
                                   Scheme="internal", Type="network")
    nlb_arn = nlb["LoadBalancers"][0]["LoadBalancerArn"]
    service = ec2.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[nlb_arn], AcceptanceRequired=False)
    w.service_name = service["ServiceConfiguration"]["ServiceName"]

    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16",
                         TagSpecifications=[{"ResourceType": "vpc",
                                             "Tags": [{"Key": "Name", "Value": "app-vpc"}]}])
    w.vpc = vpc["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=w.vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=w.vpc, EnableDnsHostnames={"Value": True})
    w.subnets = {}
    for i, az in enumerate("abc"):
        subnet = ec2.create_subnet(
            VpcId=w.vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{az}",
            TagSpecifications=[{"ResourceType": "subnet",
                                "Tags": [{"Key": "Name", "Value": f"app-{az}"}]}])
        w.subnets[az] = subnet["Subnet"]["SubnetId"]
    w.app_sg = ec2.create_security_group(GroupName="app", Description="app servers",
                                         VpcId=w.vpc)["GroupId"]
    w.endpoint_sg = ec2.create_security_group(GroupName="zilliz-endpoint",
                                              Description="endpoint", VpcId=w.vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=w.endpoint_sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": CLUSTER_PORT, "ToPort": CLUSTER_PORT,
        "UserIdGroupPairs": [{"GroupId": w.app_sg, "Description": "app servers"}],
    }])

    w.other_vpc = ec2.create_vpc(CidrBlock="172.16.0.0/16")["Vpc"]["VpcId"]
    w.other_subnet = ec2.create_subnet(VpcId=w.other_vpc, CidrBlock="172.16.0.0/24",
                                       AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]

    fake.add_project(PROJECT)
    fake.add_cluster(CLUSTER, PROJECT, f"aws-{REGION}", port=CLUSTER_PORT, public_port=PUBLIC_PORT)
    fake.add_cluster("in01-0000000000aaaaa", "proj-0000000000000000000000", "gcp-us-west1",
                     name="elsewhere", plan="Standard")
    fake.add_service(f"aws-{REGION}", w.service_name)
    w.ec2 = ec2
    w.moto_url = moto_url
    return w


@pytest.fixture
def world(moto_url, zilliz_server):
    urllib.request.urlopen(urllib.request.Request(moto_url + "/moto-api/reset", method="POST"))
    zilliz_server.reset()
    return seed_world(moto_url, zilliz_server)


@pytest.fixture
def server_env(moto_url, zilliz_server, tmp_path):
    """The environment of a server pointed at moto and the fake, and nothing of the host's."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "AKIAMOTOTESTKEY00001",
        "AWS_SECRET_ACCESS_KEY": AWS_SECRET,
        "AWS_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
        "ZILLIZ_CLOUD_API_KEY": API_KEY,
        "ZILLIZ_CLOUD_URI": zilliz_server.url,
        "RUST_LOG": "debug",
    }
    return env


@contextlib.asynccontextmanager
async def mcp_session(env, *args, stderr_path=None, elicitation_callback=None):
    """A real MCP client session with the built binary over stdio. With an
    `elicitation_callback` the client declares that it can ask the person."""
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    assert BINARY.exists(), f"build the binary first: {BINARY}"
    params = StdioServerParameters(command=str(BINARY), args=list(args), env=env)
    errlog = open(stderr_path, "w") if stderr_path else open(os.devnull, "w")
    try:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write,
                                     elicitation_callback=elicitation_callback) as session:
                await session.initialize()
                yield session
    finally:
        errlog.close()


@pytest.fixture
def anyio_backend():
    return "asyncio"


def text_of(result):
    return "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")


async def call(session, tool, **arguments):
    result = await session.call_tool(tool, arguments)
    return result


async def call_ok(session, tool, **arguments):
    result = await call(session, tool, **arguments)
    assert not result.isError, text_of(result)
    assert result.structuredContent is not None
    assert len(result.content) == 1 and text_of(result)
    return result.structuredContent


async def call_err(session, tool, **arguments):
    result = await call(session, tool, **arguments)
    assert result.isError, result
    return text_of(result)


HOST = f"{CLUSTER}-privatelink.aws-{REGION}.vectordb.zillizcloud.com"


def snapshot(moto_url, vpc):
    """Everything a setup step could change, read straight from the emulator."""
    ec2 = boto("ec2", moto_url)
    r53 = boto("route53", moto_url)
    endpoints = ec2.describe_vpc_endpoints()["VpcEndpoints"]
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    zones = r53.list_hosted_zones()["HostedZones"]
    records = {z["Id"]: r53.list_resource_record_sets(HostedZoneId=z["Id"])["ResourceRecordSets"]
               for z in zones}
    attributes = [ec2.describe_vpc_attribute(VpcId=vpc, Attribute=a)
                  for a in ("enableDnsSupport", "enableDnsHostnames")]
    for a in attributes:
        a.pop("ResponseMetadata", None)
    return {
        "endpoints": sorted((e["VpcEndpointId"], e["State"]) for e in endpoints),
        "groups": sorted((g["GroupId"], repr(g["IpPermissions"])) for g in groups["SecurityGroups"]),
        "zones": sorted(z["Id"] for z in zones),
        "records": repr(records),
        "attributes": repr(attributes),
    }


def point_alias_elsewhere(moto_url, host):
    """Makes the host's alias point at a name that is no endpoint's, as a stale record would."""
    r53 = boto("route53", moto_url)
    [zone] = [z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == host + "."]
    r53.change_resource_record_sets(HostedZoneId=zone["Id"], ChangeBatch={"Changes": [{
        "Action": "UPSERT", "ResourceRecordSet": {
            "Name": host, "Type": "A", "AliasTarget": {
                "HostedZoneId": "Z1YSA3EXCYUU9Z", "DNSName": "vpce-0000-elsewhere.example.com",
                "EvaluateTargetHealth": False}}}]})
