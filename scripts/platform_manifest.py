#!/usr/bin/env python3
"""Writes the Claude Desktop bundle manifest for one system (darwin, win32 or linux) from
packaging/manifest.json: the same server, tools and settings, with `compatibility.platforms`
naming that system and, on Windows, the binary's `.exe`. The release workflow makes one
bundle per system with it; tests/e2e/test_release.py checks each against the workflow.

Usage: scripts/platform_manifest.py PLATFORM OUT"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORMS = ("darwin", "win32", "linux")
BINARY = "zilliz-privatelink-mcp"


def manifest(platform):
    if platform not in PLATFORMS:
        raise SystemExit(f"platform must be one of {', '.join(PLATFORMS)}, not {platform!r}")
    base = json.loads((ROOT / "packaging" / "manifest.json").read_text())
    binary = BINARY + (".exe" if platform == "win32" else "")
    base["server"]["entry_point"] = f"server/{binary}"
    base["server"]["mcp_config"]["command"] = "${__dirname}/server/" + binary
    base["compatibility"] = dict(base.get("compatibility", {}), platforms=[platform])
    return base


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    Path(sys.argv[2]).write_text(json.dumps(manifest(sys.argv[1]), indent=2) + "\n")
