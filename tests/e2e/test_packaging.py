"""The ways in that are cheap to check: the Claude Desktop bundle's manifest and the MCP
Registry entry describe this server as it is (its version, tools, prompts, variables and
secrets), and the playground comes up and serves a conversation. Building the wheel and the
bundle themselves is scripts/package's work."""

import json
import re
import subprocess
import sys
import time
import tomllib

import pytest

from conftest import BINARY, CLUSTER, ROOT, boto, call_ok, mcp_session, set_up_link

pytestmark = pytest.mark.anyio

VERSION = tomllib.loads((ROOT / "Cargo.toml").read_text())["package"]["version"]
# What the server reads from its environment (README, Configuration).
SERVER_VARIABLES = {"AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
                    "ZILLIZ_CLOUD_API_KEY", "ZILLIZ_CLOUD_TOKEN", "ZILLIZ_CLOUD_URI",
                    "ZILLIZ_PRIVATELINK_READ_ONLY", "ZILLIZ_PRIVATELINK_DNS_SERVER",
                    "ZILLIZ_PRIVATELINK_CONSENT", "RUST_LOG"}
SECRETS = {"ZILLIZ_CLOUD_API_KEY", "ZILLIZ_CLOUD_TOKEN"}


async def listed(server_env):
    async with mcp_session(server_env) as s:
        tools = {t.name for t in (await s.list_tools()).tools}
        prompts = {p.name for p in (await s.list_prompts()).prompts}
    return tools, prompts


async def test_the_bundle_manifest_describes_this_server(server_env):
    manifest = json.loads((ROOT / "packaging" / "manifest.json").read_text())
    for field in ("manifest_version", "name", "version", "description", "author", "server"):
        assert manifest.get(field), field
    assert manifest["version"] == VERSION
    server = manifest["server"]
    assert server["type"] == "binary"
    assert server["entry_point"] == "server/zilliz-privatelink-mcp"
    assert server["mcp_config"]["command"] == "${__dirname}/" + server["entry_point"]
    env = server["mcp_config"]["env"]
    assert set(env) <= SERVER_VARIABLES
    config = manifest["user_config"]
    for variable, value in env.items():
        [key] = re.fullmatch(r"\$\{user_config\.(\w+)\}", value).groups()
        assert key in config, (variable, key)
        assert config[key].get("sensitive", False) == (variable in SECRETS), variable
    tools, prompts = await listed(server_env)
    assert {t["name"] for t in manifest["tools"]} == tools
    assert {p["name"] for p in manifest["prompts"]} == prompts


def test_the_registry_entry_describes_this_server():
    entry = json.loads((ROOT / "server.json").read_text())
    assert entry["$schema"].startswith("https://static.modelcontextprotocol.io/schemas/")
    assert re.fullmatch(r"[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+", entry["name"])
    assert 0 < len(entry["description"]) <= 100
    assert entry["version"] == VERSION
    [package] = entry["packages"]
    assert package["registryType"] == "pypi" and package["version"] == VERSION
    assert package["transport"] == {"type": "stdio"}
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert package["identifier"] == pyproject["project"]["name"]
    assert pyproject["tool"]["maturin"]["bindings"] == "bin"
    for variable in package["environmentVariables"]:
        assert variable["name"] in SERVER_VARIABLES, variable
        assert variable["isSecret"] == (variable["name"] in SECRETS), variable


async def test_the_playground_comes_up_and_serves_a_conversation(tmp_path):
    ready = tmp_path / "ready.json"
    playground = subprocess.Popen(
        [sys.executable, str(ROOT / "fakes" / "playground.py"), "--binary", str(BINARY),
         "--ready-file", str(ready)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 60
        while not ready.exists():
            assert playground.poll() is None, playground.stdout.read()
            assert time.time() < deadline, "the playground did not come up"
            time.sleep(0.2)
        up = json.loads(ready.read_text())
        # The block a person pastes into claude_desktop_config.json, taken as printed.
        printed = []
        while not printed or not printed[-1].startswith("Try:"):
            printed.append(playground.stdout.readline())
            assert printed[-1], "".join(printed)
        start = printed.index("{\n")
        end = start + printed[start:].index("}\n")
        config = json.loads("".join(printed[start:end + 1]))
        [(name, server)] = config["mcpServers"].items()
        assert name == "zilliz-privatelink-playground" and server["env"] == up["env"]
        [add_json] = [line for line in printed if "claude mcp add-json" in line]
        assert json.loads(add_json.split("'")[1]) == server
        env = dict(server["env"], PATH="/usr/bin:/bin", HOME=str(tmp_path))
        ec2 = boto("ec2", up["env"]["AWS_ENDPOINT_URL"])
        subnets = [s["SubnetId"] for s in ec2.describe_subnets(
            Filters=[{"Name": "vpc-id", "Values": [up["vpc"]]}])["Subnets"]]
        async with mcp_session(env, *server["args"], command=server["command"]) as s:
            clusters = await call_ok(s, "list_zilliz_clusters")
            report = await call_ok(s, "diagnose_private_link", cluster_id=CLUSTER,
                                   vpc_id=up["legacy_vpc"], probe=False)
            # The whole setup from app-vpc, as a person would hold it.
            await set_up_link(s, ec2, up["vpc"], subnets)
            status = await call_ok(s, "get_setup_status", cluster_id=CLUSTER, vpc_id=up["vpc"])
    finally:
        playground.terminate()
        playground.communicate(timeout=30)
    assert CLUSTER in [c["cluster_id"] for c in clusters["clusters"]]
    [inbound] = [f for f in report["findings"] if f["check"] == "security_group_inbound"]
    assert inbound["status"] == "fail" and inbound["fix"].startswith("allow_client_access")
    assert "npx @modelcontextprotocol/inspector" in "".join(printed)
    assert status["complete"] is True, status["steps"]
    # The configuration file's place, as this system writes it.
    assert "~/.config/Claude/claude_desktop_config.json" in "".join(printed)


def test_the_desktop_configuration_is_named_where_each_system_keeps_it():
    sys.path.insert(0, str(ROOT / "fakes"))
    from playground import desktop_config_path
    assert desktop_config_path("darwin") == \
        "~/Library/Application Support/Claude/claude_desktop_config.json"
    assert desktop_config_path("win32") == "%APPDATA%\\Claude\\claude_desktop_config.json"
    assert desktop_config_path("linux") == "~/.config/Claude/claude_desktop_config.json"
