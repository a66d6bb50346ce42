"""Known secret values in the environment never appear in any result, log line or output,
whatever the tool and whatever the log level."""

import subprocess

import pytest

from conftest import API_KEY, BINARY, CLUSTER, CLUSTER_PORT, REGION, mcp_session

pytestmark = pytest.mark.anyio

SESSION_TOKEN = "FwoGZXIvYXdzEJr-session-token-5ecret-0000"


async def test_no_tool_reveals_a_secret(world, server_env, tmp_path, aws_extras):
    server_env["AWS_SESSION_TOKEN"] = SESSION_TOKEN
    server_env["RUST_LOG"] = "trace"
    secrets = [API_KEY, server_env["AWS_SECRET_ACCESS_KEY"], SESSION_TOKEN]
    log = tmp_path / "stderr.log"
    outputs = []
    ran = set()
    async with mcp_session(server_env, stderr_path=log) as s:
        outputs.append((await s.list_tools()).model_dump_json())
        outputs.append((await s.list_prompts()).model_dump_json())

        async def run(tool, **args):
            ran.add(tool)
            result = await s.call_tool(tool, args)
            outputs.append(result.model_dump_json())
            return result.structuredContent or {}

        await run("list_vpcs")
        await run("list_subnets", vpc_id=world.vpc)
        await run("list_security_groups", vpc_id=world.vpc)
        await run("list_instances", vpc_id=world.vpc)
        await run("list_zilliz_clusters")
        await run("get_endpoint_service", region=REGION)
        made = await run("create_vpc_endpoint", vpc_id=world.vpc,
                         subnet_ids=[world.subnets["a"], world.subnets["b"]], cluster_id=CLUSTER,
                         confirm=True)
        await run("wait_for_endpoint", endpoint_id=made["endpoint_id"], timeout_seconds=10)
        await run("register_endpoint", endpoint_id=made["endpoint_id"], cluster_id=CLUSTER, confirm=True)
        await run("setup_private_dns", cluster_id=CLUSTER, vpc_id=world.vpc, confirm=True)
        await run("allow_client_access", endpoint_security_group_id=made["security_group_ids"][0],
                  source_security_group_id=world.app_sg, port=CLUSTER_PORT, confirm=True)
        await run("get_setup_status", cluster_id=CLUSTER, vpc_id=world.vpc)
        await run("diagnose_private_link", cluster_id=CLUSTER, vpc_id=world.vpc, probe=False)
        # A bundle holds every read's answer: the same rule holds for it.
        await run("diagnose_private_link", cluster_id=CLUSTER, vpc_id=world.vpc, probe=False,
                  bundle=True)
        await run("audit_private_links")
        await run("export_terraform", cluster_id=CLUSTER, vpc_id=world.vpc)
        instance = world.ec2.run_instances(ImageId="ami-03cf127a", MinCount=1, MaxCount=1,
                                           SubnetId=world.subnets["a"])["Instances"][0]["InstanceId"]
        aws_extras.manage(instance)
        await run("probe_from_instance", cluster_id=CLUSTER, client_instance_id=instance,
                  confirm=True)
        await run("remove_private_link", cluster_id=CLUSTER, vpc_id=world.vpc, confirm=True)
        await run("list_subnets", vpc_id="not-a-vpc")
        listed = {tool.name for tool in (await s.list_tools()).tools}
    bundle = tmp_path / "bundle.json"
    doctor = subprocess.run([str(BINARY), "doctor", "--cluster-id", CLUSTER, "--vpc-id", world.vpc,
                             "--no-probe", "--json", "--bundle", str(bundle)], env=server_env,
                            capture_output=True, text=True, timeout=60)
    outputs += [doctor.stdout, doctor.stderr, bundle.read_text()]
    for command in (["audit", "--json"], ["export-terraform", "--cluster-id", CLUSTER,
                                          "--vpc-id", world.vpc]):
        done = subprocess.run([str(BINARY), *command], env=server_env, capture_output=True,
                              text=True, timeout=60)
        outputs += [done.stdout, done.stderr]
    logs = log.read_text()
    assert "TRACE" in logs and len(logs) > 10_000  # the log was captured, at trace level
    # Every tool the server lists was called, and every command run.
    assert ran == listed, listed - ran
    assert len(outputs) == 2 + 19 + 3 + 4
    for secret in secrets:
        assert secret not in logs
        for output in outputs:
            assert secret not in output
