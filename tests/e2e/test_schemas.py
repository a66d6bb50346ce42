"""Every tool's input and output schema, as the server lists them, compiles under a strict
draft 2020-12 validator: the metaschema check, every `format` one the standard defines (strict
validators such as ajv in strict mode refuse `uint16` and the like), and no warning raised."""

import warnings

import pytest
from jsonschema import Draft202012Validator

from conftest import mcp_session

pytestmark = pytest.mark.anyio


def formats_in(schema, path="#"):
    if isinstance(schema, dict):
        if isinstance(schema.get("format"), str):
            yield path, schema["format"]
        for key, value in schema.items():
            yield from formats_in(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            yield from formats_in(value, f"{path}/{i}")


async def test_every_schema_is_strict_draft_2020_12(world, server_env):
    async with mcp_session(server_env) as s:
        tools = (await s.list_tools()).tools
    known = set(Draft202012Validator.FORMAT_CHECKER.checkers)
    assert len(tools) >= 16
    for tool in tools:
        for kind, schema in (("input", tool.inputSchema), ("output", tool.outputSchema)):
            assert schema, f"{tool.name}: no {kind} schema"
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                Draft202012Validator.check_schema(schema)
                Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
            for path, fmt in formats_in(schema):
                assert fmt in known, f"{tool.name} {kind} schema {path}: unknown format {fmt!r}"
