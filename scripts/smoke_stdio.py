"""Checks that a server binary answers initialize and tools/list over stdio, with nothing
but the standard library (so it runs in any environment the packaging script makes)."""

import json
import subprocess
import sys

binary = sys.argv[1]
proc = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin"})


def send(message):
    proc.stdin.write((json.dumps(message) + "\n").encode())
    proc.stdin.flush()


def answer(id_):
    while True:
        line = proc.stdout.readline()
        if not line:
            sys.exit(f"{binary} closed stdout")
        message = json.loads(line)
        if message.get("id") == id_:
            return message


send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
      "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                 "clientInfo": {"name": "smoke", "version": "1"}}})
info = answer(1)["result"]["serverInfo"]
send({"jsonrpc": "2.0", "method": "notifications/initialized"})
send({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
tools = [t["name"] for t in answer(2)["result"]["tools"]]
proc.terminate()
assert "create_vpc_endpoint" in tools, tools
print(f"{info['name']} {info['version']} answers over stdio with {len(tools)} tools")
