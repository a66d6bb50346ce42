"""Least privilege, proven: the server runs as an IAM user that holds only a shipped policy
document (iam/), against moto enforcing IAM (`INITIAL_NO_AUTH_ACTION_COUNT`: an administrator
is made in the first calls, the world is seeded as that administrator) and the fake of the
services moto lacks enforcing the same document. Under iam/read-only.json the read-only tools,
the audit, the export and the diagnosis with every read; under iam/full.json the whole flow,
setup to teardown and the instance probe. No call is denied, and every action of each
document is one the server called (read from the SDK's own log of its calls), so removing any
one would deny a call of these flows.

moto checks actions only; the documents' resources and conditions (tag on create, deletes of
tagged resources, records under vectordb.zillizcloud.com, the one SSM document) follow AWS's
documentation and are kept out of what moto is given."""

import json
import re

import pytest

import seed
from conftest import (API_KEY, CLUSTER, REGION, ROOT, call_ok, free_port, mcp_session,
                      plant_the_enterprise_reads, seed_world)

pytestmark = pytest.mark.anyio

# The SDK runs each call in a span `Service.Operation{rpc.service=…}`; IAM prefixes by service.
SERVICES = {"ec2": "ec2", "route53": "route53", "route53resolver": "route53resolver",
            "route53profiles": "route53profiles", "ssm": "ssm", "sts": "sts",
            "cloudwatchlogs": "logs"}


EAST = "us-east-1"


def cross_region_vpc(world, url):
    """Zilliz's service offered to us-east-1, and an application VPC there (as the admin)."""
    seed.boto("ec2", url).modify_vpc_endpoint_service_configuration(
        ServiceId=world.service_name.rsplit(".", 1)[-1], AddSupportedRegions=[EAST])
    vpc, _ = seed.add_app_vpc(seed.boto("ec2", url, EAST), "10.9", "east", region=EAST)
    return vpc


def east_subnets(url, vpc):
    return [s["SubnetId"] for s in seed.boto("ec2", url, EAST).describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]


def document(name):
    return json.loads((ROOT / "iam" / name).read_text())


def actions_of(doc):
    found = set()
    for statement in doc["Statement"]:
        listed = statement["Action"]
        found |= {listed} if isinstance(listed, str) else set(listed)
    return found


def as_moto_reads(doc):
    """moto evaluates actions only: each statement with its resources widened to `*` and its
    conditions dropped."""
    return {"Version": doc["Version"], "Statement": [
        {"Effect": s["Effect"], "Action": s["Action"], "Resource": "*"}
        for s in doc["Statement"]]}


def called(log):
    """The IAM actions of the AWS calls the server made, from the SDK's log."""
    found = set()
    for service, operation in re.findall(r"(Route 53|CloudWatch Logs|[A-Za-z0-9]+)\.([A-Za-z0-9]+)\{rpc\.service",
                                         log):
        prefix = SERVICES.get(service.lower().replace(" ", ""))
        assert prefix, f"unknown service in the SDK's log: {service}"
        found.add(f"{prefix}:{operation}")
    found.discard("sts:GetCallerIdentity")  # needs no permission
    return found


@pytest.fixture
def enforcing(tmp_path, zilliz_server, monkeypatch):
    """moto enforcing IAM, seeded by an administrator, and a user per shipped document.

    moto runs in this process so that its check of SigV4 signatures can be left out: it
    canonicalizes some of the Rust SDK's requests otherwise than AWS does and would refuse them
    as `AuthFailure`. Who calls, and so what IAM allows, is still read from the access key."""
    import urllib.request

    import boto3
    from aws_extras import AwsExtras
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.access_control import IAMRequest
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    from moto_real import teach
    teach()
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    urllib.request.urlopen(urllib.request.Request(url + "/moto-api/reset", method="POST"))
    monkeypatch.setattr(settings, "INITIAL_NO_AUTH_ACTION_COUNT", 3)
    monkeypatch.setattr(ActionAuthenticatorMixin, "request_count", 0)
    monkeypatch.setattr(IAMRequest, "check_signature", lambda self: None)
    saved = dict(seed.CREDENTIALS)
    extras = AwsExtras(url)
    from moto.iam.models import get_account_id_from
    from moto.route53.models import route53_backends
    extras.account_of = get_account_id_from
    extras.has_zone = lambda account, zone: zone in route53_backends[account]["aws"].zones
    try:
        iam = seed.boto("iam", url)
        iam.create_user(UserName="admin")
        iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        admin = iam.create_access_key(UserName="admin")["AccessKey"]
        seed.CREDENTIALS.update(aws_access_key_id=admin["AccessKeyId"],
                                aws_secret_access_key=admin["SecretAccessKey"])
        iam = seed.boto("iam", url)
        # The emulator enforces from here on: a key it does not know is refused.
        with pytest.raises(Exception):
            boto3.client("ec2", region_name=REGION, endpoint_url=url,
                         aws_access_key_id="AKIANOBODY0000000000",
                         aws_secret_access_key="x").describe_vpcs()
        zilliz_server.reset()
        world = seed_world(url, zilliz_server)
        extras.allowed = {admin["AccessKeyId"]: {"*"}}

        def user(name, document):
            """The environment of a server acting as a new IAM user holding `document`."""
            iam.create_user(UserName=name)
            iam.put_user_policy(UserName=name, PolicyName=name,
                                PolicyDocument=json.dumps(as_moto_reads(document)))
            key = iam.create_access_key(UserName=name)["AccessKey"]
            extras.allowed[key["AccessKeyId"]] = actions_of(document)
            return {
                "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                "AWS_ENDPOINT_URL": url,
                "AWS_ENDPOINT_URL_ROUTE53RESOLVER": extras.url,
                "AWS_ENDPOINT_URL_ROUTE53PROFILES": extras.url,
                "AWS_ENDPOINT_URL_SSM": extras.url,
                "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
                "AWS_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
                "ZILLIZ_CLOUD_API_KEY": API_KEY, "ZILLIZ_CLOUD_URI": zilliz_server.url,
                # Each SDK call runs in a span named `Service.Operation`.
                "RUST_LOG": "info,aws_smithy_runtime::client::orchestrator=debug,"
                            + ",".join(f"aws_sdk_{s}=debug" for s in SERVICES),
            }

        users = {name.removesuffix(".json"): user(name.removesuffix(".json"), document(name))
                 for name in ("read-only.json", "full.json")}
        users["make"] = user
        yield world, users, extras, url
    finally:
        seed.CREDENTIALS.clear()
        seed.CREDENTIALS.update(saved)
        extras.stop()
        server.stop()


class Users:
    """Which call of a flow used each IAM action: the actions the SDK logged while it ran."""

    def __init__(self, log):
        self.log = log
        self.seen = 0
        self.by_action = {}

    async def call(self, session, tool, **arguments):
        answer = await call_ok(session, tool, **arguments)
        text = self.log.read_text() if self.log.exists() else ""
        for action in called(text[self.seen:]):
            self.by_action.setdefault(action, f"{tool} {json.dumps(arguments, sort_keys=True)}")
        self.seen = len(text)
        return answer

    def table(self):
        return "\n".join(f"{a}: {u}" for a, u in sorted(self.by_action.items()))


def no_denial(answers):
    for answer in answers:
        text = json.dumps(answer)
        assert "AccessDenied" not in text and "UnauthorizedOperation" not in text \
            and "not authorized" not in text, text[:2000]
        for finding in answer.get("findings", []):
            assert finding["status"] != "skip" or "grant" not in (finding.get("fix") or ""), finding


async def diagnose_every_way(s, world, call):
    answers = []
    for client in ({"client_security_group_id": world.app_sg},
                   {"client_cidr": "192.168.10.0/24"},
                   {"client_vpc_id": world.other_vpc},
                   {"client_instance_id": world.instance}):
        answers.append(await call(s, "diagnose_private_link", cluster_id=CLUSTER,
                                  vpc_id=world.vpc, probe=False, **client))
    return answers


async def test_the_read_only_document_is_exactly_enough(enforcing, tmp_path):
    world, users, extras, url = enforcing
    # A link made by the administrator, so that every read finds something to read.
    from conftest import set_up_link
    admin_env = dict(users["full"])
    plant_the_enterprise_reads(world, url, extras)
    async with mcp_session(admin_env) as s:
        await set_up_link(s, seed.boto("ec2", url), world.vpc,
                          [world.subnets["a"], world.subnets["b"]])
    log = tmp_path / "read-only.log"
    record = Users(log)
    answers = []
    async with mcp_session(users["read-only"], "--read-only", stderr_path=log) as s:
        answers.append(await record.call(s, "list_vpcs"))
        answers.append(await record.call(s, "list_subnets", vpc_id=world.vpc))
        answers.append(await record.call(s, "list_security_groups", vpc_id=world.vpc))
        answers.append(await record.call(s, "list_instances", vpc_id=world.vpc))
        answers.append(await record.call(s, "list_zilliz_clusters"))
        answers.append(await record.call(s, "get_endpoint_service", region=REGION))
        [endpoint] = seed.boto("ec2", url).describe_vpc_endpoints(Filters=[
            {"Name": "vpc-id", "Values": [world.vpc]}])["VpcEndpoints"]
        answers.append(await record.call(s, "wait_for_endpoint", endpoint_id=endpoint["VpcEndpointId"],
                                     timeout_seconds=5))
        answers.append(await record.call(s, "get_setup_status", cluster_id=CLUSTER, vpc_id=world.vpc))
        answers.extend(await diagnose_every_way(s, world, record.call))
        answers.append(await record.call(s, "audit_private_links"))
        answers.append(await record.call(s, "export_terraform", cluster_id=CLUSTER, vpc_id=world.vpc))
    no_denial(answers)
    # Without --read-only, a change this document does not grant is refused, and the error
    # names the action and the file that grants it.
    from conftest import call_err
    async with mcp_session(users["read-only"]) as s:
        refused = await call_err(s, "allow_client_access",
                                 endpoint_security_group_id=world.app_sg, source_cidr="10.9.0.0/16",
                                 port=19530, confirm=True)
    assert "ec2:AuthorizeSecurityGroupIngress" in refused and "iam/full.json" in refused, refused
    granted = actions_of(document("read-only.json"))
    used = called(log.read_text())
    assert used <= granted, f"called without a grant: {sorted(used - granted)}"
    assert granted <= used, f"granted and never called: {sorted(granted - used)}"
    # Each action's user: the call that needs it (so removing it fails that call).
    assert set(record.by_action) == used, record.table()
    print(record.table())


async def test_the_full_document_is_exactly_enough(enforcing, tmp_path):
    world, users, extras, url = enforcing
    plant_the_enterprise_reads(world, url, extras)
    log = tmp_path / "full.log"
    record = Users(log)
    answers = []
    ec2 = seed.boto("ec2", url)
    instance = world.instance
    extras.manage(instance)
    async with mcp_session(users["full"], stderr_path=log) as s:
        answers.append(await record.call(s, "list_vpcs"))
        answers.append(await record.call(s, "list_subnets", vpc_id=world.vpc))
        answers.append(await record.call(s, "list_security_groups", vpc_id=world.vpc))
        answers.append(await record.call(s, "list_zilliz_clusters"))
        answers.append(await record.call(s, "get_endpoint_service", region=REGION))
        made = await record.call(s, "create_vpc_endpoint", vpc_id=world.vpc,
                             subnet_ids=[world.subnets["a"], world.subnets["b"]],
                             cluster_id=CLUSTER, confirm=True)
        answers.append(made)
        answers.append(await record.call(s, "register_endpoint", endpoint_id=made["endpoint_id"],
                                     cluster_id=CLUSTER, confirm=True))
        answers.append(await record.call(s, "wait_for_endpoint", endpoint_id=made["endpoint_id"],
                                     timeout_seconds=30))
        # DNS hostnames off first, so that setup turns them on.
        ec2.modify_vpc_attribute(VpcId=world.vpc, EnableDnsHostnames={"Value": False})
        answers.append(await record.call(s, "setup_private_dns", cluster_id=CLUSTER, vpc_id=world.vpc,
                                     confirm=True))
        answers.append(await record.call(s, "allow_client_access",
                                     endpoint_security_group_id=made["security_group_ids"][0],
                                     source_cidr="10.0.0.0/16", cluster_id=CLUSTER, confirm=True))
        answers.append(await record.call(s, "get_setup_status", cluster_id=CLUSTER, vpc_id=world.vpc))
        answers.extend(await diagnose_every_way(s, world, record.call))
        answers.append(await record.call(s, "audit_private_links"))
        answers.append(await record.call(s, "export_terraform", cluster_id=CLUSTER, vpc_id=world.vpc))
        answers.append(await record.call(s, "probe_from_instance", cluster_id=CLUSTER,
                                     client_instance_id=instance, confirm=True))
        # Hub and spoke: a second VPC tied to the zone, then untied by its teardown.
        answers.append(await record.call(s, "setup_private_dns", cluster_id=CLUSTER,
                                     vpc_id=world.other_vpc, endpoint_id=made["endpoint_id"],
                                     confirm=True))
        answers.append(await record.call(s, "remove_private_link", cluster_id=CLUSTER,
                                     vpc_id=world.other_vpc, confirm=True))
        answers.append(await record.call(s, "remove_private_link", cluster_id=CLUSTER,
                                     vpc_id=world.vpc, confirm=True))
        # Across regions: an endpoint in us-east-1 to the service in us-west-2, which needs
        # vpce:AllowMultiRegion (the emulator asks for it, moto_real.py), then its teardown.
        east_vpc = cross_region_vpc(world, url)
        east = await record.call(s, "create_vpc_endpoint", vpc_id=east_vpc, cluster_id=CLUSTER,
                                 region=EAST, subnet_ids=east_subnets(url, east_vpc),
                                 confirm=True)
        answers.append(east)
        answers.append(await record.call(s, "remove_private_link", cluster_id=CLUSTER,
                                         vpc_id=east_vpc, region=EAST, confirm=True))
    no_denial(answers)
    assert east["applied"] is True and east["endpoint_id"], east
    assert answers[-1]["applied"] is True
    granted = actions_of(document("full.json"))
    used = called(log.read_text())
    # Tags are set at creation (TagSpecifications), which AWS authorizes as ec2:CreateTags.
    used |= {"ec2:CreateTags"} if "ec2:CreateVpcEndpoint" in used else set()
    # A cross-region endpoint is authorized as vpce:AllowMultiRegion too (a permission-only
    # action: no call of its own in the SDK's log).
    used |= {"vpce:AllowMultiRegion"}
    assert used <= granted, f"called without a grant: {sorted(used - granted)}"
    assert granted <= used, f"granted and never called: {sorted(granted - used)}"
    # Each action's user: the call that needs it (ec2:CreateTags is create_vpc_endpoint's).
    assert set(record.by_action) | {"ec2:CreateTags", "vpce:AllowMultiRegion"} >= used, \
        record.table()
    print(record.table())


# Reads that decide nothing on this link, so a denial of them is rightly quiet: the prefix
# lists (no rule of the endpoint's group names one).
DECIDES_NOTHING_HERE = {"ec2:DescribeManagedPrefixLists", "ec2:GetManagedPrefixListEntries"}


def without(doc, action):
    """The document less one action (and a statement left with none)."""
    kept = [dict(st, Action=[a for a in st["Action"] if a != action]) for st in doc["Statement"]]
    return {"Version": doc["Version"], "Statement": [st for st in kept if st["Action"]]}


def outcome(answer):
    """What an answer concludes: each step's or finding's status, and the verdict."""
    if "steps" in answer:
        return ("status", answer["complete"], tuple((s["step"], s["status"]) for s in answer["steps"]))
    return ("diagnosis", answer["healthy"],
            tuple(sorted((f["check"], f["status"]) for f in answer["findings"])))


async def test_a_denied_read_is_named_and_never_judged_healthy(enforcing, tmp_path):
    """Once for each read of iam/read-only.json, status and diagnosis as a user holding that
    document less that one action: every answer names the denied action, or did not need it
    (it concludes exactly what the full document's does); one that names it is neither
    healthy nor complete."""
    world, users, extras, url = enforcing
    from conftest import set_up_link
    plant_the_enterprise_reads(world, url, extras)
    async with mcp_session(dict(users["full"])) as s:
        await set_up_link(s, seed.boto("ec2", url), world.vpc,
                          [world.subnets["a"], world.subnets["b"]])

    async def answers(env, log):
        """Status and diagnosis, each with the IAM actions it tried (from the SDK's log)."""
        record = Users(log)
        async with mcp_session(env, "--read-only", stderr_path=log) as s:
            status = await record.call(s, "get_setup_status", cluster_id=CLUSTER,
                                       vpc_id=world.vpc)
            status_tried = set(record.by_action)
            record.by_action.clear()
            report = await record.call(s, "diagnose_private_link", cluster_id=CLUSTER,
                                       vpc_id=world.vpc, client_instance_id=world.instance,
                                       probe=False)
            return (status, status_tried), (report, set(record.by_action))

    baseline = [answer for answer, _ in await answers(users["read-only"], tmp_path / "all.log")]
    assert baseline[0]["complete"] is True and baseline[1]["healthy"] is True, baseline
    assert baseline[1]["verdict"] == "healthy" and baseline[1]["unknown"] == []
    wrong = []
    reads = sorted(actions_of(document("read-only.json")))
    table = []
    for i, action in enumerate(reads):
        env = users["make"](f"less-{i}", without(document("read-only.json"), action))
        log = tmp_path / f"less-{i}.log"
        for (answer, tried), base in zip(await answers(env, log), baseline):
            kind = outcome(answer)[0]
            judged = answer.get("complete", answer.get("healthy"))
            # Named where it is judged (a step, a finding, `unknown`), or only as a read that
            # decided nothing (`not_read`).
            judging = {k: v for k, v in answer.items() if k != "not_read"}
            named_judging = action in json.dumps(judging)
            named_aside = action in json.dumps(answer.get("not_read", []))
            table.append(f"{action} {kind}: tried={action in tried} judging={named_judging} "
                         f"aside={named_aside} judged={judged}")
            if named_judging:
                if judged is True:
                    wrong.append(f"{action} ({kind}): named where judged, yet {judged}")
                if kind == "diagnosis" and answer["verdict"] == "healthy":
                    wrong.append(f"{action} ({kind}): named where judged, yet verdict healthy")
            elif named_aside:
                if outcome(answer) != outcome(base):
                    wrong.append(f"{action} ({kind}): said to decide nothing, yet "
                                 f"{outcome(answer)} != {outcome(base)}")
            elif action in tried and action not in DECIDES_NOTHING_HERE:
                wrong.append(f"{action} ({kind}): tried and denied, and not named")
            elif outcome(answer) != outcome(base):
                wrong.append(f"{action} ({kind}): not named, and {outcome(answer)} != "
                             f"{outcome(base)}")
    print("\n".join(table))
    assert not wrong, "\n".join(wrong)


NETWORK_ACCOUNT = "222222222222"


def network_role(url, name, document, extras=None):
    """Credentials of a session in a role of the network account holding `document`. The role
    is seeded straight into moto's IAM of that account, as its administrator would make it;
    the fake of the services moto lacks (`extras`) enforces the same document."""
    from moto.iam.models import iam_backends
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    iam = iam_backends[NETWORK_ACCOUNT]["aws"]
    iam.create_role(name, json.dumps(trust), "/", None, "", [], None)
    iam.put_role_policy(name, name, json.dumps(as_moto_reads(document)))
    creds = seed.boto("sts", url).assume_role(
        RoleArn=f"arn:aws:iam::{NETWORK_ACCOUNT}:role/{name}",
        RoleSessionName="network")["Credentials"]
    if extras is not None:
        extras.allowed[creds["AccessKeyId"]] = actions_of(document)
    return creds


def across_accounts_env(users, tmp_path, url, network):
    """The full document's user as the default profile (the workload account) and a session of
    the network account as `network`."""
    from conftest import without_static_credentials, write_profiles
    full = users["full"]
    write_profiles(tmp_path, {
        "default": (url, full["AWS_ACCESS_KEY_ID"], full["AWS_SECRET_ACCESS_KEY"], None),
        "network": (url, network["AccessKeyId"], network["SecretAccessKey"],
                    network["SessionToken"]),
    })
    return without_static_credentials(full)


async def test_the_endpoint_accounts_document_is_exactly_enough(enforcing, tmp_path,
                                                                zilliz_server):
    """A landing zone under IAM: the workload account holds iam/full.json, the network account
    a role holding only iam/endpoint-account.json. setup_private_dns with endpoint_profile is
    never denied, whether it ties the workload VPC to the zone or adds the zone to the network
    account's Route 53 Profile the VPC uses; with any one action of the network account's
    document taken away, it is (the Profile's actions on the Profile's way, the others on the
    association's), and the error names that action: each is needed."""
    from conftest import call, text_of
    from test_landing_zone import network_hub
    world, users, extras, url = enforcing
    admin = network_role(url, "network-admin", {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    host = f"{CLUSTER}-privatelink.aws-{REGION}.vectordb.zillizcloud.com"
    _, endpoint_id, zone, _ = network_hub(world, url, admin, host)
    zilliz_server.endpoints[seed.PROJECT] = [{"endpointId": endpoint_id,
                                              "regionId": f"aws-{REGION}"}]
    granted = document("endpoint-account.json")

    async def tie(creds, number, through_profile=False):
        workload, _ = seed.add_app_vpc(seed.boto("ec2", url), f"10.{60 + number}",
                                       f"workload-{number}")
        if through_profile:
            extras.share_profile(workload, f"rp-network{number:04d}", NETWORK_ACCOUNT)
        env = across_accounts_env(users, tmp_path, url, creds)
        async with mcp_session(env) as s:
            args = dict(cluster_id=CLUSTER, vpc_id=workload, endpoint_id=endpoint_id,
                        endpoint_profile="network", confirm=True)
            result = await call(s, "setup_private_dns", **args)
            return text_of(result) if result.isError else result.structuredContent

    done = await tie(network_role(url, "network", granted, extras), 0)
    shared = await tie(network_role(url, "network-profile", granted, extras), 1,
                       through_profile=True)
    for made in (done, shared):
        assert isinstance(made, dict), made
        assert made["applied"] is True and made["hosted_zone_id"] == zone, made
    no_denial([done, shared])
    assert any("Route 53 Profile" in line for line in shared["preview"]), shared["preview"]
    wrong = []
    for i, action in enumerate(sorted(actions_of(granted))):
        answer = await tie(network_role(url, f"less-{i}", without(granted, action), extras),
                           i + 2, through_profile=action.startswith("route53profiles:"))
        if not isinstance(answer, str) or action not in answer:
            wrong.append(f"{action}: not needed? {str(answer)[:300]}")
    assert not wrong, "\n".join(wrong)
