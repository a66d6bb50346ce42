"""Bundles: `doctor --bundle FILE` writes everything a diagnosis read and its report;
`doctor --replay FILE` makes the same report and exit code again with the network unreachable
and no credentials; `--redact` leaves no account id, ARN, address, id or name of the original in
the file and replays into the same verdicts; `diagnose_private_link` with `bundle: true`
answers the bundle as a resource. With ZPL_UPDATE_BUNDLES=1 the cases are written to
tests/bundles/, the corpus the Rust tests replay (`bundle::tests`)."""

import json
import os
import re
import shutil
import subprocess

import jsonschema
import pytest

from conftest import (BINARY, PROJECT, REGION, ROOT, add_app_vpc, call_ok, main_route_table,
                      mcp_session)
from test_diagnose import DIAG, HOST, dns, link, listeners  # noqa: F401 (fixtures)

pytestmark = pytest.mark.anyio

CORPUS = ROOT / "tests" / "bundles"
SCHEMA = json.loads((ROOT / "docs" / "bundle.schema.json").read_text())
UNREACHABLE = "http://127.0.0.1:9"


def offline_env(tmp_path):
    """No credentials, no profile, every endpoint on a closed port: nothing can be read."""
    return {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
            "AWS_ENDPOINT_URL": UNREACHABLE, "ZILLIZ_CLOUD_URI": UNREACHABLE,
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": "us-west-2"}


def doctor(env, *args):
    return subprocess.run([str(BINARY), "doctor", *args], env=env, capture_output=True,
                          text=True, timeout=90, stdin=subprocess.DEVNULL)


def verdicts(report):
    return report["verdict"], sorted((f["check"], f["status"]) for f in report["findings"])


def bundle_of(env, tmp_path, name, args, redact=False):
    """A bundle written by doctor, with doctor's own JSON report and exit code."""
    path = tmp_path / f"{name}{'-redacted' if redact else ''}.json"
    run = doctor(env, *args, "--json", "--bundle", str(path), *(["--redact"] if redact else []))
    assert run.returncode in (0, 1, 3), run.stderr
    bundle = json.loads(path.read_text())
    jsonschema.validate(bundle, SCHEMA)
    return path, bundle, json.loads(run.stdout), run.returncode


def replay(tmp_path, path):
    run = doctor(offline_env(tmp_path), "--replay", str(path), "--json")
    assert run.returncode in (0, 1, 3), run.stderr
    return json.loads(run.stdout), run.returncode


def originals(bundle, world_names):
    """What must not survive redaction: every id, account id, ARN and address the original
    bundle holds, and the names the world was made with."""
    text = json.dumps(bundle)
    found = set(world_names)
    found |= set(re.findall(r"\b[a-z][a-z0-9]*(?:-[a-z]+)*-[0-9a-f]{8,40}\b", text))
    found |= set(re.findall(r"\barn:aws[^\s\"',;()]+", text))
    found |= set(re.findall(r"\b[0-9]{12}\b", text))
    found |= {ip for ip in re.findall(r"\b[0-9]{1,3}(?:\.[0-9]{1,3}){3}\b", text)
              if ip != "0.0.0.0"}
    return found


def keep(name, path):
    if os.environ.get("ZPL_UPDATE_BUNDLES"):
        CORPUS.mkdir(exist_ok=True)
        shutil.copy(path, CORPUS / f"{name}.json")


async def test_a_bundle_replays_offline_into_the_same_report_and_redacts_cleanly(
        world, server_env, zilliz_server, dns, listeners, tmp_path):
    dns.a = {HOST: ["127.0.0.1"]}
    env = dict(server_env, ZILLIZ_PRIVATELINK_DNS_SERVER=dns.addr)
    args = ["--cluster-id", DIAG, "--vpc-id", world.vpc, "--client-security-group-id",
            world.app_sg, "--probe-timeout-ms", "1500"]
    names = ["app-vpc", "app-a", "app-b", "zilliz-endpoint", "app servers"]
    async with mcp_session(server_env) as s:
        made = await link(s, world, zilliz_server, listeners["http"])
        healthy = bundle_of(env, tmp_path, "healthy", args)
        healthy_redacted = bundle_of(env, tmp_path, "healthy", args, redact=True)
        world.ec2.revoke_security_group_ingress(
            GroupId=made["security_group_ids"][0],
            IpPermissions=world.ec2.describe_security_groups(
                GroupIds=[made["security_group_ids"][0]])["SecurityGroups"][0]["IpPermissions"])
        broken = bundle_of(env, tmp_path, "rule-gone", args)
        broken_redacted = bundle_of(env, tmp_path, "rule-gone", args, redact=True)

        # The MCP side: the bundle as a resource beside the report.
        result = await s.call_tool("diagnose_private_link", {
            "cluster_id": DIAG, "vpc_id": world.vpc, "probe": False, "bundle": True,
            "redact": True})
        assert not result.isError, result.content
        [resource] = [c for c in result.content if c.type == "resource"]
        assert resource.resource.mimeType == "application/json"
        assert str(resource.resource.uri).startswith("bundle://zilliz-privatelink-mcp/diagnosis-")
        served = json.loads(resource.resource.text)
        jsonschema.validate(served, SCHEMA)
        assert served["redacted"] is True
        assert verdicts(served["report"]) == verdicts(result.structuredContent), (
            served["report"], result.structuredContent)

    assert healthy[3] == 0 and broken[3] == 1
    assert healthy[2]["healthy"] is True and broken[2]["healthy"] is False
    for name, (path, bundle, report, code), redacted_one in (
            ("healthy", healthy, healthy_redacted), ("rule-gone", broken, broken_redacted)):
        assert bundle["report"] == report
        again, again_code = replay(tmp_path, path)
        assert again == report and again_code == code, name
        keep(name, path)
        # Redacted: nothing of the original left, the same verdicts on replay.
        hidden, redacted, redacted_report, redacted_code = redacted_one
        text = hidden.read_text()
        left = sorted(o for o in originals(bundle, names) if o in text)
        assert left == [], left
        assert redacted["redacted"] is True
        assert verdicts(redacted["report"]) == verdicts(report)
        # The person who ran it is shown the original report; the file holds the redacted one.
        assert verdicts(redacted_report) == verdicts(report) and redacted_code == code
        assert redacted_report["vpc_id"] == world.vpc
        again, again_code = replay(tmp_path, hidden)
        assert verdicts(again) == verdicts(report) and again_code == code
        assert again == redacted["report"]


def test_a_bundle_of_another_format_or_no_bundle_is_refused_by_name(tmp_path):
    foreign = tmp_path / "old.json"
    foreign.write_text(json.dumps({
        "kind": "zilliz-privatelink-mcp diagnosis bundle", "format": 99,
        "server_version": "9.9.9", "written_at": "2030-01-01T00:00:00Z", "redacted": False,
        "reads": {}, "report": {}}))
    run = doctor(offline_env(tmp_path), "--replay", str(foreign))
    assert run.returncode == 1 and "9.9.9" in run.stderr and "format 99" in run.stderr, run.stderr
    missing = doctor(offline_env(tmp_path), "--replay", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "invalid replay" in missing.stderr, missing.stderr
    assert "No such file" in missing.stderr
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    run = doctor(offline_env(tmp_path), "--replay", str(junk))
    assert run.returncode == 1 and "does not parse" in run.stderr, run.stderr


async def test_the_corpus_cases(world, server_env, zilliz_server, listeners, aws_extras,
                                tmp_path):
    """The diagnosis cases the corpus holds, each replayed here as it is written: a zone
    missing, DNS hostnames off, an unregistered endpoint, a spoke client through a transit
    gateway without the route back, then with it but DNS servers of its own, and a DNS
    Firewall rule that blocks the host."""
    env = dict(server_env)
    ec2 = world.ec2
    base = ["--cluster-id", DIAG, "--vpc-id", world.vpc, "--no-probe"]
    cases = []
    async with mcp_session(server_env) as s:
        written = []

        def case(name, args):
            cases.append((name, args))
            written.append(bundle_of(env, tmp_path, name, args))

        made = await link(s, world, zilliz_server, listeners["http"], dns_setup=False)
        case("no-zone", base)
        await call_ok(s, "setup_private_dns", cluster_id=DIAG, vpc_id=world.vpc, confirm=True)
        ec2.modify_vpc_attribute(VpcId=world.vpc, EnableDnsHostnames={"Value": False})
        case("dns-hostnames-off", base)
        ec2.modify_vpc_attribute(VpcId=world.vpc, EnableDnsHostnames={"Value": True})
        zilliz_server.endpoints[PROJECT] = []
        case("unregistered", base)
        await call_ok(s, "register_endpoint", endpoint_id=made["endpoint_id"], cluster_id=DIAG,
                      confirm=True)
        spoke, spoke_subnets = add_app_vpc(ec2, "10.5", "spoke-app")
        tgw = ec2.create_transit_gateway(Options={"DefaultRouteTablePropagation": "disable"})[
            "TransitGateway"]
        hub_attachment = ec2.create_transit_gateway_vpc_attachment(
            TransitGatewayId=tgw["TransitGatewayId"], VpcId=world.vpc,
            SubnetIds=[world.subnets["a"], world.subnets["b"]])["TransitGatewayVpcAttachment"]
        spoke_attachment = ec2.create_transit_gateway_vpc_attachment(
            TransitGatewayId=tgw["TransitGatewayId"], VpcId=spoke,
            SubnetIds=[spoke_subnets["a"]])["TransitGatewayVpcAttachment"]
        ec2.enable_transit_gateway_route_table_propagation(
            TransitGatewayRouteTableId=tgw["Options"]["AssociationDefaultRouteTableId"],
            TransitGatewayAttachmentId=hub_attachment["TransitGatewayAttachmentId"])
        for vpc, block in ((spoke, "10.0.0.0/16"), (world.vpc, "10.5.0.0/16")):
            ec2.create_route(RouteTableId=main_route_table(ec2, vpc), DestinationCidrBlock=block,
                             TransitGatewayId=tgw["TransitGatewayId"])
        await call_ok(s, "setup_private_dns", cluster_id=DIAG, vpc_id=spoke,
                      endpoint_id=made["endpoint_id"], confirm=True)
        await call_ok(s, "allow_client_access",
                      endpoint_security_group_id=made["security_group_ids"][0],
                      source_cidr="10.5.0.0/16", cluster_id=DIAG, confirm=True)
        case("transit-gateway-no-way-back", ["--cluster-id", DIAG, "--vpc-id", spoke, "--no-probe"])
        own_dns = ec2.create_dhcp_options(DhcpConfigurations=[
            {"Key": "domain-name-servers", "Values": ["10.5.0.53"]}])["DhcpOptions"]
        ec2.associate_dhcp_options(DhcpOptionsId=own_dns["DhcpOptionsId"], VpcId=spoke)
        ec2.enable_transit_gateway_route_table_propagation(
            TransitGatewayRouteTableId=tgw["Options"]["AssociationDefaultRouteTableId"],
            TransitGatewayAttachmentId=spoke_attachment["TransitGatewayAttachmentId"])
        case("spoke-with-its-own-dns-servers",
             ["--cluster-id", DIAG, "--vpc-id", world.vpc, "--client-vpc-id", spoke, "--no-probe"])
        aws_extras.block(world.vpc, [f"*.aws-{REGION}.vectordb.zillizcloud.com"])
        case("dns-firewall-block", base)
    for (name, _), (path, bundle, report, code) in zip(cases, written):
        again, again_code = replay(tmp_path, path)
        assert again == report and again_code == code, name
        keep(name, path)
    statuses = {name: dict((c, st) for c, st in verdicts(b[1]["report"])[1])
                for (name, _), b in zip(cases, written)}
    assert statuses["no-zone"]["hosted_zone"] == "fail"
    assert statuses["dns-hostnames-off"]["vpc_dns_attributes"] == "fail"
    assert statuses["unregistered"]["registration"] == "fail"
    assert statuses["transit-gateway-no-way-back"]["transit_gateway_back"] == "fail"
    assert statuses["spoke-with-its-own-dns-servers"]["transit_gateway_back"] == "pass"
    assert statuses["spoke-with-its-own-dns-servers"]["dns_servers"] == "warn"
    assert statuses["dns-firewall-block"]["dns_firewall"] == "fail"
