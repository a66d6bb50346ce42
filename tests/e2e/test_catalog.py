"""What the model reads, under review: a snapshot of tools/list and prompts/list lives in
tests/catalog.json and every change to a name, description, schema or annotation shows in its
diff (`scripts/catalog` rewrites it). Every tool name and argument that the descriptions, the
instructions and the prompts mention is one this server has."""

import json
import os
import re

import pytest

from conftest import ROOT, mcp_session

pytestmark = pytest.mark.anyio

CATALOG = ROOT / "tests" / "catalog.json"
# Snake-case words the texts use that are neither tools nor fields: AWS's and Zilliz's own
# names, and values.
NOT_OURS = {"dns_support", "dns_hostnames", "read_only", "zilliz_privatelink",
            "private_dns_enabled", "default_region", "aws_region",
            # The setup's step names, values of get_setup_status's `step`.
            "cluster_ready", "endpoint_service", "vpc_endpoint", "zilliz_registration",
            "private_link_address", "hosted_zone", "alias_record", "security_group",
            # Terraform resource types the export writes.
            "zillizcloud_private_endpoint", "aws_vpc_endpoint", "aws_security_group",
            "aws_route53_zone", "aws_route53_record"}


async def catalog_of(server_env):
    async with mcp_session(server_env) as s:
        tools = (await s.list_tools()).tools
        prompts = (await s.list_prompts()).prompts
        texts = []
        for p in prompts:
            arguments = {a.name: "x" for a in (p.arguments or []) if a.required}
            got = await s.get_prompt(p.name, arguments)
            texts.extend(m.content.text for m in got.messages if hasattr(m.content, "text"))
    catalog = {
        "tools": [{"name": t.name, "description": t.description,
                   "annotations": t.annotations.model_dump(exclude_none=True) if t.annotations else None,
                   "inputSchema": t.inputSchema, "outputSchema": t.outputSchema}
                  for t in sorted(tools, key=lambda t: t.name)],
        "prompts": [{"name": p.name, "description": p.description,
                     "arguments": [a.model_dump(exclude_none=True) for a in (p.arguments or [])]}
                    for p in sorted(prompts, key=lambda p: p.name)],
    }
    return catalog, texts


def unordered_required(schema):
    """A schema with its `required` lists sorted: JSON Schema reads them as sets, and their
    order follows the Rust fields' (a flattened shared part comes in one piece), not the wire."""
    if isinstance(schema, dict):
        return {key: sorted(value) if key == "required" and isinstance(value, list)
                else unordered_required(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [unordered_required(item) for item in schema]
    return schema


async def test_the_catalog_is_the_snapshot(server_env):
    catalog, _ = await catalog_of(server_env)
    if os.environ.get("ZPL_UPDATE_CATALOG"):
        CATALOG.write_text(json.dumps(unordered_required(catalog), indent=2, sort_keys=True) + "\n")
    assert CATALOG.exists(), "no snapshot yet: run scripts/catalog"
    assert unordered_required(json.loads(CATALOG.read_text())) == unordered_required(catalog), (
        "what the model reads changed: review the difference, then run scripts/catalog")


def property_names(schema):
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                yield from value
            yield from property_names(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from property_names(item)


async def test_every_tool_and_argument_the_texts_mention_exists(server_env):
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client
    from conftest import BINARY
    params = StdioServerParameters(command=str(BINARY), args=[], env=server_env)
    with open(os.devnull, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as s:
                instructions = (await s.initialize()).instructions
    catalog, prompt_texts = await catalog_of(server_env)
    tools = {t["name"] for t in catalog["tools"]}
    fields = set()
    for t in catalog["tools"]:
        fields |= set(property_names(t["inputSchema"])) | set(property_names(t["outputSchema"]))
    texts = [instructions] + prompt_texts + [t["description"] for t in catalog["tools"]]
    for t in catalog["tools"]:
        texts.extend(json.dumps(t["inputSchema"]).split('"description": ')[1:])
    unknown = set()
    for text in texts:
        for word in re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", text):
            if word not in tools and word not in fields and word not in NOT_OURS:
                unknown.add(word)
    assert not unknown, f"the texts mention tools or arguments this server lacks: {sorted(unknown)}"
    # A tool named as a call (`tool_name {`) takes arguments only its schema knows.
    schemas = {t["name"]: t["inputSchema"] for t in catalog["tools"]}
    for text in texts:
        for tool, arguments in re.findall(r"\b([a-z_]+) (\{[^{}]*\})", text):
            if tool in schemas:
                known = set(schemas[tool].get("properties", {}))
                named = set(re.findall(r'"?([a-z_]+)"?\s*:', arguments))
                assert named <= known, f"{tool} {arguments}: unknown {named - known}"


async def test_the_bundle_and_registry_entries_list_the_snapshot(server_env):
    snapshot = json.loads(CATALOG.read_text())
    manifest = json.loads((ROOT / "packaging" / "manifest.json").read_text())
    assert {t["name"] for t in manifest["tools"]} == {t["name"] for t in snapshot["tools"]}
    assert {p["name"] for p in manifest["prompts"]} == {p["name"] for p in snapshot["prompts"]}
