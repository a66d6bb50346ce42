"""The release, checked where it can be: the workflows pass actionlint; the release matrix
builds the five targets; each wheel's platform tag is the one its target gets and the bundle
step takes each system's binary from a wheel the matrix makes; each system's bundle manifest
passes `mcpb validate` and declares exactly that system."""

import fnmatch
import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
TARGETS = {
    # target: (system, the platform tag of its wheel as maturin names it)
    "x86_64-unknown-linux-gnu": ("linux", "manylinux_2_28_x86_64"),
    "aarch64-unknown-linux-gnu": ("linux", "manylinux_2_28_aarch64"),
    "x86_64-apple-darwin": ("darwin", "macosx_10_12_x86_64"),
    "aarch64-apple-darwin": ("darwin", "macosx_11_0_arm64"),
    "x86_64-pc-windows-msvc": ("win32", "win_amd64"),
}


def tool(name):
    return Path(sys.executable).parent / name


def test_the_workflows_pass_actionlint():
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert {Path(f).name for f in files} >= {"ci.yml", "release.yml"}
    done = subprocess.run([str(tool("actionlint")), *files], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def release():
    return yaml.safe_load((WORKFLOWS / "release.yml").read_text())


def test_the_release_builds_every_target_and_bundles_every_system_from_its_wheels():
    workflow = release()
    matrix = workflow["jobs"]["wheels"]["strategy"]["matrix"]["include"]
    assert {m["target"]: m["platform"] for m in matrix} == {t: s for t, (s, _) in TARGETS.items()}
    bundle_script = "\n".join(step.get("run", "") for step in workflow["jobs"]["bundles"]["steps"])
    systems = re.findall(r"for platform in ([a-z0-9 ]+); do", bundle_script)
    assert systems and all(set(s.split()) == {"darwin", "win32", "linux"} for s in systems)
    # Every wheel the bundle step takes a binary from is one a matrix target makes.
    wheels = [f"zilliz_privatelink_mcp-0.1.0-py3-none-{tag}.whl" for _, tag in TARGETS.values()]
    globs = re.findall(r'take "([^"]+)"', bundle_script)
    assert len(globs) == 4, globs
    for glob in globs:
        assert len(fnmatch.filter(wheels, glob)) == 1, (glob, wheels)
    # Publishing happens on a tag only, behind the release environment.
    for job in ("publish-pypi", "publish-registry", "github-release"):
        assert workflow["jobs"][job]["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert "secrets.PYPI_API_TOKEN" in json.dumps(workflow["jobs"]["publish-pypi"])
    # Windows builds aws-lc without NASM: its prebuilt objects.
    assert workflow["jobs"]["wheels"]["env"]["AWS_LC_SYS_PREBUILT_NASM"] == "1"
    on = workflow.get("on", workflow.get(True))
    assert on["push"]["tags"] == ["v*"] and "workflow_dispatch" in on


def test_each_systems_manifest_validates_and_declares_that_system(tmp_path):
    mcpb = ROOT / ".venv" / "npm" / "node_modules" / ".bin" / "mcpb"
    assert mcpb.exists(), "scripts/venv installs mcpb into .venv/npm"
    for system in ("darwin", "win32", "linux"):
        out = tmp_path / f"{system}.json"
        subprocess.run([sys.executable, str(ROOT / "scripts" / "platform_manifest.py"), system,
                        str(out)], check=True)
        manifest = json.loads(out.read_text())
        assert manifest["compatibility"]["platforms"] == [system]
        binary = "zilliz-privatelink-mcp" + (".exe" if system == "win32" else "")
        assert manifest["server"]["entry_point"] == f"server/{binary}"
        assert manifest["server"]["mcp_config"]["command"].endswith(f"/server/{binary}")
        done = subprocess.run([str(mcpb), "validate", str(out)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
