"""probe_from_instance, end to end: the server sends the probe through the SDK to a fake SSM
(aws_extras.py) that runs the script on this machine with `sh`, as the agent would on the
instance, so the script and the reading of its output are both tested."""

import socket
import threading
from http.server import ThreadingHTTPServer

import pytest

from conftest import (CLUSTER, HOST, Answers400, call, call_err, call_ok, mcp_session,
                      text_of)

pytestmark = pytest.mark.anyio


def instance_in(world):
    return world.ec2.run_instances(ImageId="ami-03cf127a", MinCount=1, MaxCount=1,
                                   SubnetId=world.subnets["a"])["Instances"][0]["InstanceId"]


@pytest.fixture
def http_400():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answers400)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


async def test_the_preview_shows_the_script_and_runs_nothing(world, server_env, aws_extras):
    instance = instance_in(world)
    aws_extras.manage(instance)
    async with mcp_session(server_env) as s:
        preview = await call_ok(s, "probe_from_instance", address=f"https://{HOST}:19531",
                                client_instance_id=instance, region="us-west-2")
    assert preview["applied"] is False and preview["findings"] == []
    script = "\n".join(preview["script"])
    assert f"h='{HOST}'" in script and "p='19531'" in script
    assert aws_extras.sent == []


async def test_an_instance_side_dns_failure_is_reported_as_seen_from_the_instance(
        world, server_env, aws_extras, zilliz_server):
    """The host does not resolve on the 'instance' (this machine): a failing DNS finding that
    says where it was seen, with the fix."""
    instance = instance_in(world)
    aws_extras.manage(instance)
    async with mcp_session(server_env) as s:
        ran = await call_ok(s, "probe_from_instance", cluster_id=CLUSTER,
                            address=f"https://{HOST}:19531", client_instance_id=instance,
                            confirm=True)
    assert ran["applied"] is True and ran["healthy"] is False and ran["command_id"]
    [dns] = [f for f in ran["findings"] if f["check"] == "dns_resolution"]
    assert dns["status"] == "fail" and dns["detail"].startswith(f"from {instance}:")
    assert "does not resolve" in dns["detail"] and dns["fix"]
    [sent] = aws_extras.sent
    assert sent["DocumentName"] == "AWS-RunShellScript" and sent["InstanceIds"] == [instance]
    assert sent["Parameters"]["commands"] == ran["script"]


async def test_a_working_path_seen_from_the_instance(world, server_env, aws_extras, http_400):
    """localhost stands for the endpoint: the script resolves it, connects, gets no TLS answer
    from a plain HTTP server and falls back to HTTP, which answers 400: the path works."""
    instance = instance_in(world)
    aws_extras.manage(instance)
    async with mcp_session(server_env) as s:
        ran = await call_ok(s, "probe_from_instance", address=f"localhost:{http_400}",
                            client_instance_id=instance, region="us-west-2", confirm=True)
    checks = {f["check"]: f for f in ran["findings"]}
    assert checks["dns_resolution"]["status"] == "pass", ran["findings"]
    assert checks["tcp_connect"]["status"] == "pass"
    assert checks["http"]["status"] == "pass" and "HTTP 400" in checks["http"]["detail"]
    assert ran["healthy"] is True


async def test_an_address_that_is_not_the_endpoints_seen_from_the_instance(
        world, server_env, aws_extras, http_400):
    """With the cluster named, the instance's answer is read against the endpoint of its VPC:
    a name that resolves to another address (here the loopback) is not the private link."""
    from conftest import set_up_link
    instance = instance_in(world)
    aws_extras.manage(instance)
    async with mcp_session(server_env) as s:
        await set_up_link(s, world.ec2, world.vpc, [world.subnets["a"], world.subnets["b"]])
        ran = await call_ok(s, "probe_from_instance", cluster_id=CLUSTER,
                            address=f"localhost:{http_400}", client_instance_id=instance,
                            confirm=True)
    [dns] = [f for f in ran["findings"] if f["check"] == "dns_resolution"]
    assert dns["status"] == "warn" and "not to the endpoint's addresses" in dns["detail"], dns
    assert dns["detail"].startswith(f"from {instance}:")


async def test_a_closed_port_seen_from_the_instance(world, server_env, aws_extras):
    instance = instance_in(world)
    aws_extras.manage(instance)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    async with mcp_session(server_env) as s:
        ran = await call_ok(s, "probe_from_instance", address=f"localhost:{port}",
                            client_instance_id=instance, region="us-west-2", confirm=True)
    [tcp] = [f for f in ran["findings"] if f["check"] == "tcp_connect"]
    assert tcp["status"] == "fail" and "refused" in tcp["detail"] and tcp["fix"]


async def test_an_instance_ssm_does_not_manage_is_explained(world, server_env, aws_extras):
    instance = instance_in(world)
    async with mcp_session(server_env) as s:
        text = await call_err(s, "probe_from_instance", address=f"https://{HOST}:19531",
                              client_instance_id=instance, region="us-west-2", confirm=True)
        aws_extras.manage(instance, ping="ConnectionLost")
        lost = await call_err(s, "probe_from_instance", address=f"https://{HOST}:19531",
                              client_instance_id=instance, region="us-west-2")
    assert "AmazonSSMManagedInstanceCore" in text and instance in text
    assert "ConnectionLost" in lost
    assert aws_extras.sent == []


async def test_a_hostile_address_never_reaches_ssm(world, server_env, aws_extras):
    instance = instance_in(world)
    aws_extras.manage(instance)
    async with mcp_session(server_env) as s:
        text = await call_err(s, "probe_from_instance", address="https://a$(reboot).example.com:443",
                              client_instance_id=instance, region="us-west-2", confirm=True)
        assert "address" in text
        # The server keeps serving.
        await call_ok(s, "probe_from_instance", address=f"https://{HOST}:19531",
                      client_instance_id=instance, region="us-west-2")
    assert aws_extras.sent == []


async def test_declining_runs_nothing(world, server_env, aws_extras):
    from mcp.types import ElicitResult
    instance = instance_in(world)
    aws_extras.manage(instance)
    asked = []

    async def decline(context, params):
        asked.append(params.message)
        return ElicitResult(action="decline")

    async with mcp_session(server_env, elicitation_callback=decline) as s:
        answer = await call_ok(s, "probe_from_instance", address=f"https://{HOST}:19531",
                               client_instance_id=instance, region="us-west-2", confirm=True)
    assert answer["applied"] is False and aws_extras.sent == []
    assert instance in asked[0] and "getent" in asked[0]


async def test_read_only_hides_and_refuses_it(world, server_env, aws_extras):
    instance = instance_in(world)
    aws_extras.manage(instance)
    async with mcp_session(server_env, "--read-only") as s:
        names = {t.name for t in (await s.list_tools()).tools}
        assert "probe_from_instance" not in names
        result = await call(s, "probe_from_instance", address=f"https://{HOST}:19531",
                            client_instance_id=instance, region="us-west-2", confirm=True)
        assert result.isError and "read-only" in text_of(result)
    assert aws_extras.sent == []


async def test_a_proxy_on_the_instance_that_would_capture_the_host(world, server_env, aws_extras,
                                                                   http_400):
    """The SSM agent's environment sets https_proxy (an unreachable one, with credentials):
    the probe itself goes around it (curl --noproxy) and still reaches the listener, and the
    proxy is reported as a warning naming the variable and the no_proxy line, with no secret;
    once no_proxy holds the domain, it passes."""
    instance = instance_in(world)
    aws_extras.manage(instance)
    aws_extras.agent_env = {"https_proxy": "http://svc:hunter2@127.0.0.1:9",
                            "no_proxy": "169.254.169.254"}
    async with mcp_session(server_env) as s:
        captured = await call(s, "probe_from_instance", address=f"localhost:{http_400}",
                              client_instance_id=instance, region="us-west-2", confirm=True)
        aws_extras.agent_env["no_proxy"] = "169.254.169.254,localhost"
        exempt = await call_ok(s, "probe_from_instance", address=f"localhost:{http_400}",
                               client_instance_id=instance, region="us-west-2", confirm=True)
    assert "hunter2" not in str(captured.structuredContent) + text_of(captured)
    checks = {f["check"]: f for f in captured.structuredContent["findings"]}
    assert checks["http"]["status"] == "pass", checks
    assert checks["proxy"]["status"] == "warn" and "https_proxy=http://127.0.0.1:9" in checks["proxy"]["detail"]
    assert "no_proxy=169.254.169.254,.zillizcloud.com" in checks["proxy"]["fix"]
    checks = {f["check"]: f for f in exempt["findings"]}
    assert checks["proxy"]["status"] == "pass", checks["proxy"]


async def test_a_complete_setup_leads_to_a_probe_on_the_applications_instance(
        world, server_env, aws_extras):
    """get_setup_status for the person's group, once the setup is complete, proposes the probe
    on a managed instance of that group; what the probe saw shows in the next diagnosis (read
    back from SSM's history), and the status keeps proposing it until a probe there passes."""
    from conftest import set_up_link
    ec2 = world.ec2
    orders = ec2.create_security_group(GroupName="orders", Description="orders", VpcId=world.vpc,
                                       TagSpecifications=[{"ResourceType": "security-group",
                                       "Tags": [{"Key": "Name", "Value": "orders-app"}]}])["GroupId"]
    elsewhere = instance_in(world)  # managed, but not the application's
    [app] = [i["InstanceId"] for i in ec2.run_instances(
        ImageId="ami-03cf127a", MinCount=1, MaxCount=1, SubnetId=world.subnets["b"],
        SecurityGroupIds=[orders])["Instances"]]
    aws_extras.manage(elsewhere)
    async with mcp_session(server_env) as s:
        await set_up_link(s, ec2, world.vpc, [world.subnets["a"], world.subnets["b"]])
        ask = dict(cluster_id=CLUSTER, vpc_id=world.vpc, client_security_group_id=orders)
        # No instance of the group is managed: complete, and nothing to run.
        status = await call_ok(s, "get_setup_status", **ask)
        assert status["complete"] is True and status["next_action"] is None, status

        aws_extras.manage(app)
        status = await call_ok(s, "get_setup_status", **ask)
        assert status["complete"] is True
        assert status["next_action"] == {"tool": "probe_from_instance", "arguments": {
            "cluster_id": CLUSTER, "client_instance_id": app}}
        before = await call_ok(s, "diagnose_private_link", cluster_id=CLUSTER, vpc_id=world.vpc,
                               client_security_group_id=orders, probe=False)
        [none] = [f for f in before["findings"] if f["check"] == "application_probe"]
        assert none["status"] == "skip" and "no probe_from_instance ran" in none["detail"]
        assert none["remedy"]["tool"] == "list_instances"

        preview = await call_ok(s, "probe_from_instance", **status["next_action"]["arguments"])
        assert preview["applied"] is False and aws_extras.sent == []
        ran = await call_ok(s, "probe_from_instance", **status["next_action"]["arguments"],
                            confirm=True)
        # The host does not resolve on this machine, the "instance": broken there.
        assert ran["applied"] is True and ran["healthy"] is False

        after = await call_ok(s, "diagnose_private_link", cluster_id=CLUSTER, vpc_id=world.vpc,
                              client_security_group_id=orders, probe=False)
        [seen] = [f for f in after["findings"] if f["check"] == "application_probe"]
        assert seen["status"] == "warn", seen
        assert app in seen["detail"] and ran["command_id"] in seen["detail"]
        assert "does not resolve" in seen["detail"]
        assert seen["remedy"] == status["next_action"]
        # A probe on another instance is not where the application runs.
        other = await call_ok(s, "diagnose_private_link", cluster_id=CLUSTER, vpc_id=world.vpc,
                              client_instance_id=elsewhere, probe=False)
        [not_there] = [f for f in other["findings"] if f["check"] == "application_probe"]
        assert not_there["status"] == "skip" and elsewhere in not_there["detail"]

        again = await call_ok(s, "get_setup_status", **ask)
        assert again["next_action"] == status["next_action"]
        assert ran["command_id"] in again["application_probe"]
