"""Command line: ``python build.py [build|serve|new|check] [options]``.

Errors are raised as :class:`BuildError` anywhere in the library and printed
here, once, as ``error: path:line: message``; the exit code is 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import BuildError

COMMANDS = ("build", "serve", "new", "check")


def _default_source() -> Path:
    cwd = Path.cwd()
    if (cwd / "content").is_dir() or (cwd / "config.yml").is_file():
        return cwd
    return Path(__file__).resolve().parent.parent


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="build.py", description="Build a math blog into a static site.")
    sub = parser.add_subparsers(dest="command")

    def site_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--source", type=Path, default=None, metavar="PATH",
                       help="site folder (default: the current folder, or the one build.py is in)")
        p.add_argument("--base-url", metavar="PATH", help="path the site is served under, e.g. /repo/")
        p.add_argument("--url", metavar="ORIGIN", help="scheme and host for absolute links, e.g. https://user.github.io")
        p.add_argument("--drafts", action="store_true", default=None, help="include drafts")
        p.add_argument("--jobs", "-j", type=int, metavar="N", help="parallel workers (default: all cores)")
        p.add_argument("--refresh", action="store_true", help="ignore caches: re-render and re-run everything")
        p.add_argument("--no-exec", action="store_true", help="do not run code cells; use cached outputs only")
        p.add_argument("--explain", action="store_true", help="say for every code cell why it ran or came from the cache")
        p.add_argument("--quiet", "-q", action="store_true", help="print only warnings and errors")

    p = sub.add_parser("build", help="build the site (the default command)")
    site_options(p)
    p.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: _site)")
    p = sub.add_parser("serve", help="build, serve on 127.0.0.1 and rebuild on changes")
    site_options(p)
    p.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: _site)")
    p.add_argument("--port", type=int, default=8000)
    p = sub.add_parser("new", help="start a new post")
    p.add_argument("title")
    p.add_argument("--source", type=Path, default=None, metavar="PATH")
    p.add_argument("--quiet", "-q", action="store_true", help="print only the created path")
    p = sub.add_parser("check", help="build into a temporary folder and report broken links")
    site_options(p)
    return parser


def _print_warnings(warnings, stream=sys.stderr) -> None:
    seen = set()
    for warning in warnings:
        text = str(warning)
        if text not in seen:
            seen.add(text)
            print(f"warning: {text}", file=stream)


def build_options(args):
    from .pipeline import BuildOptions

    source = args.source or _default_source()
    out = getattr(args, "out", None)
    progress = None
    if not args.quiet:
        from .execute import terminal_progress

        progress = terminal_progress()
    return BuildOptions(
        source=source, out=out.resolve() if out else None, base_url=args.base_url, url=args.url, drafts=args.drafts,
        jobs=args.jobs, refresh=args.refresh, no_exec=args.no_exec, explain=args.explain, progress=progress,
    )


def run_build(args) -> int:
    from .pipeline import build

    report = build(build_options(args))
    _print_warnings(report.warnings)
    for line in report.explain:
        print(line)
    if not args.quiet:
        try:
            where = os.path.relpath(report.out_dir)
        except ValueError:
            where = str(report.out_dir)
        print(f"Built {report.files} files into {where} ({report.rendered} rendered, "
              f"{report.reused} unchanged) in {report.timings.get('total', 0):.2f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, "build")
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            return run_build(args)
        if args.command == "serve":
            from .serve import serve

            return serve(args)
        if args.command == "new":
            from .scaffold import new_post

            path = new_post(args.source or _default_source(), args.title)
            try:
                shown = os.path.relpath(path)
            except ValueError:  # another drive on Windows
                shown = str(path)
            if shown.startswith(".."):  # outside the current folder: the full path is clearer
                shown = str(path)
            print(f"Created {shown}")
            if not args.quiet and "\ndraft: true" in path.read_text(encoding="utf-8"):
                print("It is a draft: see it with 'python build.py serve --drafts'; "
                      "remove 'draft: true' to publish it.")
            return 0
        if args.command == "check":
            from .check import run_check

            return run_check(args)
    except BuildError as exc:
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 2
