"""Fixtures for end-to-end tests: moto's server, the Zilliz fake, a seeded world, and the
built binary driven over stdio by the official Python MCP client. The fakes and the seeded
world live in fakes/, which the playground shares."""

import contextlib
import os
import socket
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "fakes"))

from fake_zilliz import FakeZilliz  # noqa: E402
from seed import (API_KEY, AWS_SECRET, CLUSTER, CLUSTER_PORT, PROJECT, PUBLIC_PORT,  # noqa: E402,F401
                  REGION, World, add_app_vpc, boto, seed_world, start_moto)

BINARY = Path(os.environ.get("ZPL_BINARY", ROOT / "target" / "debug" / "zilliz-privatelink-mcp"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def moto_url():
    proc, url = start_moto(free_port())
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def aws_extras(moto_url):
    """DNS Firewall, Route 53 Profiles and SSM Run Command, which moto lacks (aws_extras.py)."""
    from aws_extras import AwsExtras
    extras = AwsExtras(moto_url)
    yield extras
    extras.stop()


@pytest.fixture(scope="session")
def zilliz_server():
    fake = FakeZilliz(API_KEY).start()
    yield fake
    fake.stop()


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


@pytest.fixture
def world(moto_url, zilliz_server, aws_extras):
    urllib.request.urlopen(urllib.request.Request(moto_url + "/moto-api/reset", method="POST"))
    zilliz_server.reset()
    aws_extras.reset()
    return seed_world(moto_url, zilliz_server)


@pytest.fixture
def server_env(moto_url, zilliz_server, aws_extras, tmp_path):
    """The environment of a server pointed at moto and the fakes, and nothing of the host's."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_ENDPOINT_URL": moto_url,
        # The services and calls moto lacks go to the fake in front of it.
        "AWS_ENDPOINT_URL_ROUTE53RESOLVER": aws_extras.url,
        "AWS_ENDPOINT_URL_ROUTE53PROFILES": aws_extras.url,
        "AWS_ENDPOINT_URL_SSM": aws_extras.url,
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
async def mcp_session(env, *args, stderr_path=None, elicitation_callback=None, command=None):
    """A real MCP client session with the built binary (or `command`) over stdio. With an
    `elicitation_callback` the client declares that it can ask the person."""
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    assert BINARY.exists(), f"build the binary first: {BINARY}"
    if not stderr_path:
        # Nobody reads this log: formatting the SDK's debug spans would cost more CPU than the
        # calls themselves. A test that reads the log passes stderr_path and keeps its level.
        env = {**env, "RUST_LOG": "warn"}
    params = StdioServerParameters(command=command or str(BINARY), args=list(args), env=env)
    errlog = open(stderr_path, "w") if stderr_path else open(os.devnull, "w")
    try:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write,
                                     elicitation_callback=elicitation_callback) as session:
                await session.initialize()
                yield session
    finally:
        errlog.close()


class Answers400(BaseHTTPRequestHandler):
    """What Zilliz's private link answers to a bare request: HTTP 400."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(400)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def anyio_backend():
    return "asyncio"


def text_of(result):
    return "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")


async def call(session, tool, **arguments):
    """A tool call that, like a host, gives up after 45 s: no tool's run may take longer."""
    from datetime import timedelta
    result = await session.call_tool(tool, arguments, read_timeout_seconds=timedelta(seconds=45))
    return result


def calls_in(value):
    """Every `{tool, arguments}` value in an answer: findings' remedies, next_action."""
    if isinstance(value, dict):
        if set(value) == {"tool", "arguments"} and isinstance(value["arguments"], dict):
            yield value
        for item in value.values():
            yield from calls_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from calls_in(item)


async def assert_calls_are_valid(session, answer):
    """An assistant follows a remedy or next_action literally: each names a tool this server
    lists, with arguments its input schema accepts."""
    from jsonschema import Draft202012Validator
    found = list(calls_in(answer))
    if not found:
        return
    tools = getattr(session, "_zpl_tools", None)
    if tools is None:
        tools = {t.name: t.inputSchema for t in (await session.list_tools()).tools}
        session._zpl_tools = tools
    for found_call in found:
        assert found_call["tool"] in tools, f"a remedy names no tool of this server: {found_call}"
        errors = list(Draft202012Validator(tools[found_call["tool"]]).iter_errors(
            found_call["arguments"]))
        assert not errors, f"{found_call} fails {found_call['tool']}'s schema: {errors[0].message}"


async def call_ok(session, tool, **arguments):
    # The slot is taken before the call: a test's sessions at once race for the last ones.
    slot = bundle_slot() if tool == "diagnose_private_link" else None
    if slot:
        arguments = dict(arguments, bundle=True)
    result = await call(session, tool, **arguments)
    assert not result.isError, text_of(result)
    if slot:
        keep_bundle(result, slot)
    assert result.structuredContent is not None
    assert len(result.content) == 1 and text_of(result)
    await assert_calls_are_valid(session, result.structuredContent)
    return result.structuredContent


# Enough of each test's diagnoses for the corpus, few enough to keep it small.
BUNDLES_A_TEST = 2


def bundle_slot():
    """With ZPL_UPDATE_BUNDLES=1, where the next diagnosis of this test is kept in
    tests/bundles/ (its first BUNDLES_A_TEST ones, under the test's name): the corpus the Rust
    tests replay offline (`bundle::tests`). Remove tests/bundles/e2e-* first."""
    import re
    if not os.environ.get("ZPL_UPDATE_BUNDLES"):
        return None
    test = os.environ.get("PYTEST_CURRENT_TEST", "unknown").split(" ")[0]
    name = re.sub(r"[^A-Za-z0-9]+", "-", test.split("::")[-1]).strip("-")
    corpus = ROOT / "tests" / "bundles"
    corpus.mkdir(exist_ok=True)
    number = len(list(corpus.glob(f"e2e-{name}-*.json")))
    return None if number >= BUNDLES_A_TEST else corpus / f"e2e-{name}-{number}.json"


def keep_bundle(result, slot):
    """The diagnosis's bundle (asked with `bundle: true`) saved as compact JSON, and taken out
    of the answer, which the test then reads as it would without it."""
    import json
    [resource] = [c for c in result.content if getattr(c, "type", "") == "resource"]
    result.content.remove(resource)
    bundle = json.loads(resource.resource.text)
    slot.write_text(json.dumps(bundle, separators=(",", ":"), sort_keys=True) + "\n")


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


def write_profiles(tmp_path, profiles):
    """The AWS config and credentials files of `profiles`: name -> (endpoint url, access key,
    secret key, session token or None), in tmp_path where the server's environment points."""
    config, credentials = [], []
    for name, (url, key, secret, token) in profiles.items():
        config.append(f"[{'default' if name == 'default' else 'profile ' + name}]\n"
                      f"region = {REGION}\nendpoint_url = {url}\n")
        credentials.append(f"[{name}]\naws_access_key_id = {key}\n"
                           f"aws_secret_access_key = {secret}\n"
                           + (f"aws_session_token = {token}\n" if token else ""))
    (tmp_path / "aws-config").write_text("\n".join(config))
    (tmp_path / "aws-credentials").write_text("\n".join(credentials))


def without_static_credentials(env):
    """A server environment that takes its credentials from the profiles."""
    return {k: v for k, v in env.items()
            if k not in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}


def main_route_table(ec2, vpc):
    """The id of a VPC's main route table."""
    [table] = ec2.describe_route_tables(Filters=[
        {"Name": "vpc-id", "Values": [vpc]},
        {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
    return table["RouteTableId"]


def point_alias_elsewhere(moto_url, host):
    """Makes the host's alias point at a name that is no endpoint's, as a stale record would."""
    r53 = boto("route53", moto_url)
    [zone] = [z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == host + "."]
    r53.change_resource_record_sets(HostedZoneId=zone["Id"], ChangeBatch={"Changes": [{
        "Action": "UPSERT", "ResourceRecordSet": {
            "Name": host, "Type": "A", "AliasTarget": {
                "HostedZoneId": "Z1YSA3EXCYUU9Z", "DNSName": "vpce-0000-elsewhere.example.com",
                "EvaluateTargetHealth": False}}}]})


def plant_the_enterprise_reads(world, url, extras):
    """What makes the diagnosis read everything: a DNS Firewall group, a Profile bringing a
    Resolver rule and a zone, an inbound Resolver endpoint, a prefix list, a peering, a transit
    gateway both VPCs are attached to, a flow log and query logging to CloudWatch Logs."""
    resolver = boto("route53resolver", url)
    rule = resolver.create_resolver_rule(
        CreatorRequestId="corp", Name="corp", RuleType="FORWARD", DomainName="corp.example",
        TargetIps=[{"Ip": "10.99.0.2", "Port": 53}])["ResolverRule"]["Id"]
    extras.block(world.vpc, ["*.malware.example"])
    extras.carry_rule(world.vpc, rule)
    resolver.create_resolver_endpoint(
        CreatorRequestId="inbound", Name="inbound", Direction="INBOUND",
        SecurityGroupIds=[world.app_sg],
        IpAddresses=[{"SubnetId": world.subnets["a"]}, {"SubnetId": world.subnets["b"]}])
    ec2 = boto("ec2", url)
    ec2.create_managed_prefix_list(PrefixListName="office", MaxEntries=5, AddressFamily="IPv4",
                                   Entries=[{"Cidr": "192.168.50.0/24"}])
    ec2.create_vpc_peering_connection(VpcId=world.vpc, PeerVpcId=world.other_vpc)
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    for vpc, subnet in ((world.vpc, world.subnets["a"]), (world.other_vpc, world.other_subnet)):
        ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw, VpcId=vpc,
                                                  SubnetIds=[subnet])
    options = ec2.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS"]}])
    ec2.associate_dhcp_options(DhcpOptionsId=options["DhcpOptions"]["DhcpOptionsId"],
                               VpcId=world.vpc)
    # The logs AWS keeps: a flow log on the VPC and its Resolver query logging, both to
    # CloudWatch Logs.
    logs = boto("logs", url)
    for group in ("/corp/flows", "/corp/dns"):
        logs.create_log_group(logGroupName=group)
    ec2.create_flow_logs(ResourceIds=[world.vpc], ResourceType="VPC", TrafficType="ALL",
                         LogGroupName="/corp/flows",
                         DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/flow-logs")
    config = resolver.create_resolver_query_log_config(
        Name="corp-dns", CreatorRequestId="corp-dns",
        DestinationArn=f"arn:aws:logs:{REGION}:123456789012:log-group:/corp/dns",
    )["ResolverQueryLogConfig"]["Id"]
    resolver.associate_resolver_query_log_config(ResolverQueryLogConfigId=config,
                                                 ResourceId=world.vpc)
    world.instance = ec2.run_instances(ImageId="ami-03cf127a", MinCount=1, MaxCount=1,
                                       SubnetId=world.subnets["a"])["Instances"][0]["InstanceId"]
