"""The command line, the only front end: ``gdblog [build|serve|check|new|init] [options]``.

``python build.py ...`` runs the same commands.  Each command is a function
``run_NAME(args) -> exit code`` that turns the parsed arguments into the typed
options of the library function doing the work (:func:`generator.build`,
:func:`generator.serve.serve`, :func:`generator.check.check_site`,
:func:`generator.scaffold.new_post`, :func:`generator.skeleton.init_site`), and
prints its results.  Library modules never import this one.

The site is the folder a command is pointed at (``--source``, else the current
folder), never anything else: a folder that is not a site is refused.

Errors are raised as :class:`BuildError` anywhere in the library and printed
here, once, as ``error: path:line: message``; the exit code is 1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import BuildError, Diagnostic, Interrupted
from .state import BuildOptions, require_site_folder


def site_root(args: argparse.Namespace) -> Path:
    """The site a command works on: ``--source``, else the current folder; refused
    (BuildError) unless it is a site, so no command ever falls back to another one."""
    root = (args.source or Path.cwd()).resolve()
    require_site_folder(root)
    return root


#: Warnings of one kind (same file, same message) printed in full before the rest are counted.
SAME_KIND_SHOWN = 10


def print_warnings(warnings: Iterable[Diagnostic], stream=None) -> None:
    """Each distinct warning once, as ``warning: path:line: message``; after
    :data:`SAME_KIND_SHOWN` of one kind (a file with thousands of unclosed ``$``), one
    line says how many more there are."""
    stream = stream or sys.stderr
    seen = set()
    kinds: dict[tuple, int] = {}
    for warning in warnings:
        text = str(warning)
        if text in seen:
            continue
        seen.add(text)
        kind = (warning.path, warning.message)
        kinds[kind] = kinds.get(kind, 0) + 1
        if kinds[kind] <= SAME_KIND_SHOWN:
            print(f"warning: {text}", file=stream)
    for (path, message), count in kinds.items():
        if count > SAME_KIND_SHOWN:
            where = f"{path}: " if path else ""
            print(f"warning: {where}{count - SAME_KIND_SHOWN} more like \"{message}\"", file=stream)


def _shown(path: Path) -> str:
    """A path as the user would type it: relative when inside the current folder."""
    try:
        shown = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if shown.startswith("..") else shown


def build_options(args: argparse.Namespace) -> BuildOptions:
    """The BuildOptions of a command's site options."""
    out = getattr(args, "out", None)
    progress = None
    if not args.quiet:
        from .kernel.progress import terminal_progress

        progress = terminal_progress()
    return BuildOptions(
        source=site_root(args), out=out.resolve() if out else None, base_url=args.base_url,
        url=args.url, drafts=args.drafts, jobs=args.jobs, refresh=args.refresh, no_exec=args.no_exec,
        explain=args.explain, progress=progress, future=args.future,
    )


# ---------------------------------------------------------------- commands

def run_build(args: argparse.Namespace) -> int:
    from .pipeline import build

    report = build(build_options(args))
    print_warnings(report.warnings)
    for line in report.explain:
        print(line)
    if report.scheduled and not args.quiet:
        print("Scheduled, not published before their date (--future includes them): "
              + ", ".join(f"{rel} ({date.isoformat(' ')})" for rel, date in report.scheduled))
    if not args.quiet:
        print(f"Built {report.files} files into {_shown(report.out_dir)} ({report.rendered} rendered, "
              f"{report.reused} unchanged) in {report.timings.get('total', 0):.2f} s")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from .serve import ServeOptions, serve

    options = ServeOptions(build=build_options(args), port=args.port, quiet=args.quiet)
    if args.host is not None:
        options.host, options.host_check = args.host, False
    return serve(options)


def run_check(args: argparse.Namespace) -> int:
    from .check import check_site, report_lines

    options = build_options(args)
    result = check_site(options.source, options)
    print_warnings(result.warnings)
    for line in report_lines(result):
        print(line)
    return 1 if result.problems else 0


def run_new(args: argparse.Namespace) -> int:
    from .scaffold import new_post

    path = new_post(site_root(args), args.title)
    print(f"Created {_shown(path)}")
    if not args.quiet and "\ndraft: true" in path.read_text(encoding="utf-8"):
        print("It is a draft: see it with 'gdblog serve --drafts'; remove 'draft: true' to publish it.")
    return 0


def run_init(args: argparse.Namespace) -> int:
    import shlex

    from .skeleton import init_site

    result = init_site(args.folder, force=args.force)
    shown = _shown(result.root)
    print(f"Created a blog in {shown}{os.sep}:" if result.created else f"Nothing to add to {shown}{os.sep}.")
    for rel in result.created:
        print(f"  {rel}")
    for rel in result.kept:
        print(f"  {rel} (already there: left as it is)")
    req = result.requirement
    if req is not None and req.placeholder_reason and "requirements.txt" in result.created:
        print(f"warning: {os.path.join(shown, 'requirements.txt')}: its gdblog line is a placeholder: "
              f"{req.placeholder_reason}\n  hint: before you publish, replace it with a released version "
              "or a git URL (the file says how)", file=sys.stderr)
    steps = [] if result.root == Path.cwd().resolve() else [f"cd {shlex.quote(shown)}"]
    steps += ["gdblog serve", 'gdblog new "My first post"', "gdblog check"][: 3 - len(steps)]
    print("\nNext:")
    for step in steps:
        print(f"  {step}")
    print("Then push it to GitHub and turn on Pages: see README.md in the blog.")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from .importers import format_report, import_jekyll

    report = import_jekyll(args.src, args.dest)
    print("\n".join(format_report(report)))
    return 0


# ---------------------------------------------------------------- parsing

def _site_options(p: argparse.ArgumentParser, *, out: bool = True) -> None:
    p.add_argument("--source", type=Path, default=None, metavar="PATH",
                   help="site folder (default: the current folder)")
    if out:
        p.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: _site)")
    p.add_argument("--base-url", metavar="PATH", help="path the site is served under, e.g. /repo/")
    p.add_argument("--url", metavar="ORIGIN", help="scheme and host for absolute links, e.g. https://user.github.io")
    p.add_argument("--drafts", action="store_true", default=None, help="include drafts")
    p.add_argument("--future", action="store_true", help="include posts dated in the future")
    p.add_argument("--jobs", "-j", type=int, metavar="N", help="parallel workers (default: all cores)")
    p.add_argument("--refresh", action="store_true", help="ignore caches: re-render and re-run everything")
    p.add_argument("--no-exec", action="store_true", help="do not run code cells; use cached outputs only")
    p.add_argument("--explain", action="store_true", help="say for every code cell why it ran or came from the cache")
    p.add_argument("--quiet", "-q", action="store_true", help="print only warnings and errors")


def _add_build(sub) -> None:
    _site_options(sub.add_parser("build", help="build the site (the default command)"))


def _add_serve(sub) -> None:
    p = sub.add_parser("serve", help="build, serve on 127.0.0.1 and rebuild on changes")
    _site_options(p)
    p.add_argument("--port", type=_port, default=8000, help="TCP port, 0-65535 (0: any free port)")
    p.add_argument("--host", metavar="ADDRESS", default=None,
                   help="address to listen on (default 127.0.0.1, which answers only to localhost names); "
                        "with --host the server answers requests for any host name")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: use 0 to 65535")
    return port


def _add_check(sub) -> None:
    _site_options(sub.add_parser("check", help="build into a temporary folder and report broken links"),
                  out=False)


def _add_new(sub) -> None:
    p = sub.add_parser("new", help="start a new post")
    p.add_argument("title")
    p.add_argument("--source", type=Path, default=None, metavar="PATH")
    p.add_argument("--quiet", "-q", action="store_true", help="print only the created path")


def _add_init(sub) -> None:
    p = sub.add_parser("init", help="start a new blog in a folder")
    p.add_argument("folder", nargs="?", type=Path, default=Path("."), metavar="DIR",
                   help="where to create it (default: the current folder, which must be empty)")
    p.add_argument("--force", action="store_true",
                   help="in a folder that is not empty, add only the missing files (never overwrites one)")


def _add_import(sub) -> None:
    p = sub.add_parser("import", help="make a gdblog site from another tool's site (Jekyll)")
    p.add_argument("kind", choices=["jekyll"], help="the tool the site was made for")
    p.add_argument("src", type=Path, metavar="SRC", help="the site's folder (never modified)")
    p.add_argument("dest", type=Path, metavar="DEST", help="an empty or new folder for the gdblog site")


#: name -> (add its parser, run it).  The first is the default command.
COMMANDS: dict[str, tuple[Callable, Callable[[argparse.Namespace], int]]] = {
    "build": (_add_build, run_build),
    "serve": (_add_serve, run_serve),
    "check": (_add_check, run_check),
    "new": (_add_new, run_new),
    "init": (_add_init, run_init),
    "import": (_add_import, run_import),
}

#: Options of the program itself, not of a command (anything else runs the default command).
TOP_LEVEL = ("-h", "--help", "--version")


def version_text() -> str:
    from .installed import version

    return f"gdblog {version() or '(not installed: run from a checkout)'}"


class _Version(argparse.Action):
    """``--version``: like argparse's own, but reads the package metadata only when asked."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="print gdblog's version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_text())
        parser.exit()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gdblog", description="Build a math blog into a static site.")
    p.add_argument("--version", action=_Version)
    sub = p.add_subparsers(dest="command")
    for add, _ in COMMANDS.values():
        add(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in TOP_LEVEL):
        argv.insert(0, "build")
    args = parser().parse_args(argv)
    try:
        with _interrupts():
            return COMMANDS[args.command][1](args)
    except BuildError as exc:
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        return 1
    except Interrupted as exc:
        print(f"interrupted ({exc.name}): the cells' processes were stopped and the previous site "
              "is unchanged", file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt:
        print("interrupted (SIGINT): the previous site is unchanged", file=sys.stderr)
        return 130
    except Exception:  # a bug: say so, with what a report needs, and never a half-written site
        import traceback

        print("error: internal error, please report it with the text below "
              "(the previous site is unchanged)", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        return INTERNAL_ERROR


#: Exit code of an internal error (a bug), as sysexits' EX_SOFTWARE.
INTERNAL_ERROR = 70


@contextlib.contextmanager
def _interrupts():
    """SIGINT, SIGTERM and SIGHUP raise Interrupted while a command runs (main thread only),
    so the build stops its cells' processes and removes its staging folder before exiting."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = [n for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)]
    previous = {}
    for name in names:
        number = getattr(signal, name)
        previous[number] = signal.signal(number, _raise_interrupted)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)


def _raise_interrupted(signum, frame):
    raise Interrupted(signum)
