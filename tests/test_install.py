"""gdblog as a user gets it: a wheel, installed (not editable) in a fresh venv, starting a blog from nothing.

The wheel is built from a copy of the sources (``pip wheel``, with build isolation,
as ``pip install .`` does), so nothing is written into the checkout and no stale
``build/`` folder can leak old files into it.  It is installed without its
dependencies into a new venv made with ``python -m venv --without-pip``, by this
venv's pip (``pip --python NEW install --no-deps``).  The dependencies (numpy,
matplotlib, Jinja, ...) come from the test venv: a ``.pth`` file in the new
site-packages appends the test venv's site-packages to ``sys.path``.  Python runs
``.pth`` files only in site directories, so the test venv's editable-install hook
for gdblog never runs, and the new site-packages comes first: the only gdblog the
new venv sees is the wheel's, which the tests check (``generator`` and ``gdcore``
are imported from it, its ``direct_url.json`` is the wheel's).  Downloading and
unpacking numpy and matplotlib on every run would add half a minute and a network
dependency, and test nothing of gdblog's.

Everything a user would type then runs in an empty folder: ``gdblog init blog``,
``gdblog build``, ``gdblog check``, ``gdblog new``; the venv is listed before and
after to prove that none of them wrote inside it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import PROJECT, Run, html

pytestmark = pytest.mark.slow

#: What a wheel is built from: the package folders and what pyproject.toml reads.
SOURCES = ("generator", "gdcore", "templates", "assets", "pyproject.toml", "README.md")


@dataclass
class Installed:
    venv: Path
    site_packages: Path
    wheel: Path
    work: Path                      # the empty folder the user starts in
    runs: dict[str, Run] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    before: dict[str, tuple] = field(default_factory=dict)
    after: dict[str, tuple] = field(default_factory=dict)

    @property
    def blog(self) -> Path:
        return self.work / "blog"

    def gdblog(self, name: str, *args: str, cwd: Path) -> Run:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        started = time.perf_counter()
        proc = subprocess.run([str(self.venv / "bin" / "gdblog"), *args], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=300)
        self.seconds[name] = time.perf_counter() - started
        self.runs[name] = Run(proc.returncode, proc.stdout, proc.stderr)
        return self.runs[name]


def _run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def listing(folder: Path) -> dict[str, tuple]:
    """Every file and folder under ``folder`` with its size and modification time."""
    found = {}
    for path in sorted(folder.rglob("*")):
        st = path.lstat()
        found[path.relative_to(folder).as_posix()] = (st.st_size, st.st_mtime_ns)
    return found


def build_wheel(tmp: Path) -> Path:
    src = tmp / "src"
    for name in SOURCES:
        if (PROJECT / name).is_dir():
            shutil.copytree(PROJECT / name, src / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            src.mkdir(exist_ok=True)
            shutil.copy2(PROJECT / name, src / name)
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp / "dist"), str(src))
    [wheel] = (tmp / "dist").glob("gdblog-*.whl")
    return wheel


def install(tmp: Path, wheel: Path) -> tuple[Path, Path]:
    venv = tmp / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
         str(wheel))
    site_packages = Path(_run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
                         .stdout.strip())
    (site_packages / "_test_venv_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv, site_packages


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    tmp = tmp_path_factory.mktemp("install")
    wheel = build_wheel(tmp)
    venv, site_packages = install(tmp, wheel)
    work = tmp / "work"
    work.mkdir()
    state = Installed(venv=venv, site_packages=site_packages, wheel=wheel, work=work)
    state.before = listing(venv)
    state.gdblog("empty build", "build", cwd=work)
    state.gdblog("init", "init", "blog", cwd=work)
    state.gdblog("build", "build", cwd=state.blog)
    state.gdblog("check", "check", cwd=state.blog)
    state.gdblog("new", "new", "Second post", cwd=state.blog)
    state.after = listing(venv)
    return state


def test_the_wheel_holds_everything_a_build_needs(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    builtin = "generator/_builtin/"
    for needed in ("templates/base.html", "templates/post.html", "templates/feed.xml", "templates/new_post.md",
                   "templates/init/config.yml.jinja", "templates/init/requirements.txt.jinja",
                   "templates/init/.gitignore", "templates/init/.github/workflows/pages.yml",
                   "templates/init/content/posts/welcome.md", "theme/style.css",
                   "embeds/learning-rate-explorer.html"):
        assert builtin + needed in names, needed
    for folder, source in (("templates", "templates"), ("theme", "assets/theme"), ("embeds", "assets/embeds")):
        files = {p.relative_to(PROJECT / source).as_posix() for p in (PROJECT / source).rglob("*") if p.is_file()}
        assert {n[len(builtin + folder) + 1:] for n in names if n.startswith(f"{builtin}{folder}/")} == files
    assert {"gdcore/__init__.py", "gdcore/plots.py", "generator/cli.py"} <= names
    assert not [n for n in names if n.startswith(("tests/", "content/", "templates/", "assets/"))]


def test_gdblog_comes_from_the_wheel(installed):
    probe = ("import generator, gdcore, sys; from generator.resources import builtin; "
             "print(generator.__file__, gdcore.__file__, builtin('templates'), builtin('init'), sep='\\n')")
    lines = _run(str(installed.venv / "bin" / "python"), "-c", probe, cwd=installed.work).stdout.split()
    for line in lines:
        assert Path(line).is_relative_to(installed.site_packages), line
    version = installed.gdblog("version", "--version", cwd=installed.work)
    assert re.fullmatch(r"gdblog \d+\.\d+\.\d+\S*\n", version.stdout)


def test_init_build_check_and_new_work_from_the_wheel(installed):
    for name in ("init", "build", "check", "new"):
        run = installed.runs[name]
        assert run.returncode == 0, f"gdblog {name}:\n{run.stdout}\n{run.stderr}"
    blog = installed.blog
    assert installed.runs["check"].stdout.splitlines()[-1].endswith("internal links: no problems.")
    # a wheel file on this machine: requirements.txt is a placeholder, and init said so
    assert "its gdblog line is a placeholder: gdblog was installed from file://" in installed.runs["init"].stderr
    assert f"/{installed.wheel.name}" in (blog / "requirements.txt").read_text()
    # no url yet: one warning, naming config.yml
    assert installed.runs["build"].stderr.count("warning: config.yml: url is not set") == 1

    [second] = [p for p in (blog / "content" / "posts").iterdir() if p.name.endswith("-second-post.md")]
    assert installed.runs["new"].stdout.startswith(f"Created content/posts/{second.name}\n")

    page = blog / "_site" / "posts" / "welcome"
    tree = html(page / "index.html")
    figure, dark = tree.css(".content figure.cell-figure img")  # gdcore's figures get a dark variant
    assert dark.attributes["class"] == "only-dark" and (page / dark.attributes["src"]).is_file()
    assert (page / figure.attributes["src"]).read_bytes().startswith(b"<?xml")
    assert re.search(r"the fitted\s+slope is 1\.9\d\d, close to the true", tree.css_first(".content").text())
    assert tree.css_first(".exec-repro").text().startswith("Executed with gdcore ")
    print(f"\ninit {installed.seconds['init']:.2f} s + first build {installed.seconds['build']:.2f} s (from the wheel)")


def test_nothing_is_written_inside_the_venv(installed):
    assert installed.after == installed.before
    assert installed.after  # the listing really holds the venv


def test_an_empty_folder_is_not_a_site(installed):
    run = installed.runs["empty build"]
    assert (run.returncode, run.stdout) == (1, "")
    assert run.stderr == (f"error: {installed.work} is not a gdblog site (no config.yml or content/); "
                          f"start one with: gdblog init {installed.work}\n")


@pytest.mark.browser
def test_the_welcome_post_renders_math_and_mermaid(installed, browser):
    from tests.browser.harness import close_context, new_context, page_problems, serve, tex_inputs, visit

    site = installed.blog / "_site"
    source = (site / "posts" / "welcome" / "index.html").read_text(encoding="utf-8")
    context = new_context(browser)
    try:
        with serve(site) as root, visit(context, root + "posts/welcome/") as v:
            assert page_problems(v, source) == []
            tex = tex_inputs(v.page)
            assert ("\\hat y = b + w x", False) in tex
            assert any(display and "\\label{eq:loss}" in t for t, display in tex), tex
            # the equation is numbered, and \eqref finds the number (MathJax shows ??? when it does not)
            text = v.page.inner_text("main")
            assert "(1)" in text and "???" not in text
            drawn = v.page.evaluate("Array.from(document.querySelectorAll('pre.mermaid svg')).length")
            assert drawn == 1
    finally:
        close_context(context)
