"""Diagrams: parsing and rendering (fixture file, fake PlantUML), SVG inlining, the
server encoding, errors with file and line, and the real PlantUML (cache, batching)."""

from __future__ import annotations

import base64
import html
import re
import shutil
import time
import zlib
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from generator import BuildOptions, build
from generator.errors import BuildError
from generator.markdown.diagnostics import track_inline_lines
from generator.markdown.diagrams import (
    LocalPlantUML,
    PlantUMLFailure,
    Rendered,
    decode,
    diagrams_plugin,
    encode,
    inline_svg,
    server_url,
    strip_prolog,
)
from generator.markdown.diagrams import plantuml as plantuml_module
from generator.markdown.math import math_plugin
from tests.helpers import html as parse_html
from tests.helpers import require_plantuml, shared

FIXTURES = Path(__file__).parent / "fixtures"


class FakePlantUML:
    """Stands in for PlantUML: an SVG with a prolog, ids and references, showing the source.

    A line ``!error`` makes the diagram fail on that line, as PlantUML reports it.
    """

    def __init__(self):
        self.calls: list[list[str]] = []

    def render(self, sources):
        self.calls.append(list(sources))
        results = []
        for source in sources:
            lines = source.splitlines()
            if "!error" in lines:
                results.append(Rendered('<?xml version="1.0"?><svg><text>Syntax Error?</text></svg>',
                                        "Syntax Error?", lines.index("!error") + 1))
                continue
            text = html.escape("|".join(lines) + "|", quote=False)
            results.append(Rendered(
                '<?xml version="1.0" encoding="UTF-8" standalone="no"?><!DOCTYPE svg><!-- made by a fake -->'
                '<svg id="root"><defs><filter id="shadow"/></defs><rect filter="url(#shadow)"/>'
                f'<use xlink:href="#root"/><text>{text}</text></svg>'))
        return results


def parser(renderer=None, **options) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True})
    track_inline_lines(md)
    md.use(math_plugin)
    md.use(diagrams_plugin, plantuml=renderer if renderer is not None else FakePlantUML(), **options)
    return md


@pytest.mark.param_file(FIXTURES / "diagrams.md")
def test_diagrams_fixtures(file_params):
    file_params.assert_expected(parser().render(file_params.content, {}), rstrip=True)


# --------------------------------------------------------------------------
# features, batching, errors (fake renderer)

def test_features_and_one_batch_per_document():
    fake = FakePlantUML()
    md = parser(fake)
    env: dict = {}
    text = "```mermaid\ngraph TD\n```\n\n@startuml\nA -> B\n@enduml\n\npara\n\n```plantuml\nC -> D\n```\n"
    out = md.render(text, env)
    assert env["features"] == {"mermaid"}
    assert fake.calls == [["@startuml\nA -> B\n@enduml\n", "@startuml\nC -> D\n@enduml\n"]]
    assert out.count('<figure class="diagram plantuml"><svg') == 2
    # parsing alone never runs the renderer (the cells extractor parses too)
    md.parse(text, {})
    assert len(fake.calls) == 1


def test_no_diagram_no_feature():
    env: dict = {}
    parser().render("Just $x$ and ```code```.\n", env)
    assert "features" not in env


def test_ids_of_two_diagrams_do_not_clash():
    out = parser().render("@startuml\nA -> B\n@enduml\n\n@startuml\nB -> C\n@enduml\n", {})
    ids = re.findall(r' id="([^"]+)"', out)
    assert len(ids) == 4 and len(set(ids)) == 4
    refs = re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', out)
    assert {a or b for a, b in refs} <= set(ids)
    # the same input gives the same bytes (ids come from the content hash, not a counter in memory)
    assert parser().render("@startuml\nA -> B\n@enduml\n\n@startuml\nB -> C\n@enduml\n", {}) == out


@pytest.mark.parametrize("text, line", [
    ("intro\n\n```plantuml\nA -> B\n!error\n```\n", 5 + 4),       # wrapped fence: line of "!error"
    ("intro\n\n```puml\n@startuml\n!error\n@enduml\n```\n", 5 + 4),
    ("intro\n\n@startuml\nA -> B\n\n!error\n@enduml\n", 5 + 5),
])
def test_error_stops_the_build_with_file_and_line(text, line):
    env = {"path": "content/posts/p.md", "body_line": 5}
    with pytest.raises(BuildError) as info:
        parser().render(text, env)
    [error] = info.value.errors
    assert (error.path, error.line, error.message) == ("content/posts/p.md", line, "PlantUML: Syntax Error?")
    assert error.hint


def test_every_broken_diagram_of_a_post_is_reported():
    text = "@startuml\n!error\n@enduml\n\n@startuml\nok\n@enduml\n\n```plantuml\n!error\n```\n"
    with pytest.raises(BuildError) as info:
        parser().render(text, {"path": "p.md", "body_line": 1})
    assert [e.line for e in info.value.errors] == [2, 10]


def test_allowed_errors_show_plantuml_message_and_warn():
    env = {"path": "p.md", "body_line": 3, "allow_errors": True}
    out = parser().render("@startuml\nA -> B\n!error\n@enduml\n", env)
    assert '<figure class="diagram plantuml diagram-error">' in out
    assert "<figcaption>PlantUML error on line 5: Syntax Error?</figcaption>" in out
    assert "<svg><text>Syntax Error?</text></svg>" in out
    assert env["diagnostics"] == [(2, "PlantUML: Syntax Error?", "the page shows PlantUML's message")]


def test_plantuml_failure_is_a_located_build_error():
    class Broken:
        def render(self, sources):
            raise PlantUMLFailure("plantuml produced no SVG: Cannot find JVM")

    with pytest.raises(BuildError) as info:
        parser(Broken()).render("text\n\n@startuml\nA -> B\n@enduml\n", {"path": "p.md", "body_line": 4})
    [error] = info.value.errors
    assert (error.path, error.line) == ("p.md", 6)
    assert "Cannot find JVM" in error.message and "GDBLOG_PLANTUML" in error.hint


def test_fallback_is_an_image_from_the_server():
    env: dict = {}
    md = parser(False, plantuml_server="https://plantuml.example/plantuml/")
    out = md.render("```plantuml\nBob -> Alice : hello\n```\n", env)
    src = re.search(r'<img src="([^"]+)"', out).group(1)
    assert src == "https://plantuml.example/plantuml/svg/" + encode("@startuml\nBob -> Alice : hello\n@enduml\n")
    assert decode(src.rsplit("/", 1)[1]) == "@startuml\nBob -> Alice : hello\n@enduml\n"
    assert env["features"] == {"plantuml-fallback"}


# --------------------------------------------------------------------------
# PlantUML's text encoding

def _reference_encode(text: str) -> str:
    """An independent derivation: standard base64 of the zero-padded raw deflate,
    with the standard alphabet mapped onto PlantUML's."""
    data = zlib.compress(text.encode("utf-8"), 9)[2:-4]  # zlib stream minus header and Adler-32 = raw deflate
    data += b"\0" * (-len(data) % 3)
    std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    puml = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
    return base64.b64encode(data).decode().translate(str.maketrans(std, puml))


@pytest.mark.parametrize("text", [
    "Bob -> Alice : hello", "@startuml\nA -> B : é → ü « »\n@enduml\n", "", "x",
    "@startmindmap\n" + "".join(f"** node {i}\n" for i in range(200)) + "@endmindmap\n",
])
def test_encoding_round_trips_and_matches_reference(text):
    assert encode(text) == _reference_encode(text)
    assert decode(encode(text)) == text
    assert set(encode(text)) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_")


def test_encoding_known_value():
    # the example in PlantUML's documentation of its text encoding
    assert encode("Bob -> Alice : hello") == "SyfFKj2rKt3CoKnELR1Io4ZDoSa70000"
    assert decode("SyfFKj2rKt3CoKnELR1Io4ZDoSa70000") == "Bob -> Alice : hello"
    assert server_url("https://www.plantuml.com/plantuml/", "Bob -> Alice : hello") == \
        "https://www.plantuml.com/plantuml/svg/SyfFKj2rKt3CoKnELR1Io4ZDoSa70000"


# --------------------------------------------------------------------------
# SVG inlining

def test_strip_prolog():
    svg = ('<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" [ <!ENTITY x "y"> ]>\n'
           '<!-- comment --><svg><g><!-- inner --><text>a</text></g></svg>\n')
    assert strip_prolog(svg) == "<svg><g><text>a</text></g></svg>"


def test_prefix_ids_rewrites_every_reference_but_not_text():
    svg = ('<svg id="s" aria-labelledby="t d"><style>.a { fill: url(#g); } .b { clip-path: url("#c") }</style>'
           '<defs><linearGradient id="g"/><clipPath id=\'c\'/><filter id="f"/></defs>'
           '<title id="t">T</title><desc id="d">D</desc>'
           '<rect filter="url(#f)" fill="url( \'#g\' )" data-x=">"/><use href="#c"/><use xlink:href="#s"/>'
           '<a href="#elsewhere">link</a><a href="https://x.org/#g">ext</a>'
           '<text>url(#g) id="g" href="#g"</text></svg>')
    out = inline_svg(svg, "p-")
    assert out == (
        '<svg id="p-0" aria-labelledby="p-4 p-5"><style>.a { fill: url(#p-1); } .b { clip-path: url(#p-2) }</style>'
        '<defs><linearGradient id="p-1"/><clipPath id=\'p-2\'/><filter id="p-3"/></defs>'
        '<title id="p-4">T</title><desc id="p-5">D</desc>'
        '<rect filter="url(#p-3)" fill="url(#p-1)" data-x=">"/><use href="#p-2"/><use xlink:href="#p-0"/>'
        '<a href="#elsewhere">link</a><a href="https://x.org/#g">ext</a>'
        '<text>url(#g) id="g" href="#g"</text></svg>')


# --------------------------------------------------------------------------
# the real PlantUML

@pytest.fixture
def real_plantuml():
    return require_plantuml()


def test_real_plantuml_one_process_per_post_then_cache(real_plantuml, tmp_path):
    cache = tmp_path / "cache"
    text = ("# Post\n\n@startuml\nBob -> Alice : hello é & <x>\n@enduml\n\n"
            "```puml\n@startmindmap\n* root\n** leaf\n@endmindmap\n```\n\n"
            "```plantuml\nA -> B\nB -> C\n```\n")
    renderer = LocalPlantUML(real_plantuml, cache)
    started = time.perf_counter()
    out = parser(renderer).render(text, {})
    cold = time.perf_counter() - started
    assert renderer.runs == 1
    tree = parse_html(_page(tmp_path, out))
    figures = tree.css("figure.diagram.plantuml")
    assert len(figures) == 3 and all(f.css_first("svg") is not None for f in figures)
    assert "hello é &amp; &lt;x&gt;" in out and "<?xml" not in out and "<!--" not in out
    assert [t.text() for t in figures[1].css("text")] == ["root", "leaf"]
    ids = [n.attributes["id"] for n in tree.css("[id]")]
    assert ids and len(ids) == len(set(ids))
    assert len(list(cache.glob("*.svg"))) == 3

    # a rebuild reads the cache: no Java at all
    again = LocalPlantUML(real_plantuml, cache)
    started = time.perf_counter()
    assert parser(again).render(text, {}) == out
    warm = time.perf_counter() - started
    assert again.runs == 0
    print(f"\nPlantUML, 3 diagrams: cold {cold:.2f} s (1 process), warm {warm * 1000:.1f} ms (0 processes)")


def test_real_plantuml_errors_have_lines(real_plantuml, tmp_path):
    renderer = LocalPlantUML(real_plantuml, tmp_path)
    text = "@startuml\nA -> B\n@enduml\n\n```plantuml\nBob -> Alice : hi\nthis is wrong\n```\n"
    with pytest.raises(BuildError) as info:
        parser(renderer).render(text, {"path": "content/posts/p.md", "body_line": 3})
    [error] = info.value.errors
    assert (error.path, error.line) == ("content/posts/p.md", 3 + 6)
    assert "PlantUML" in error.message
    assert renderer.runs == 2  # the batch, then one run to find which diagram was wrong
    # the error is cached too: showing it (errors allowed) needs no Java
    again = LocalPlantUML(real_plantuml, tmp_path)
    out = parser(again).render(text, {"path": "p.md", "body_line": 3, "allow_errors": True})
    assert again.runs == 0
    assert "diagram-error" in out and "PlantUML error on line 9" in out


def _page(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "page.html"
    path.write_text(f"<!DOCTYPE html><html><body>{body}</body></html>", encoding="utf-8")
    return path


@pytest.fixture
def showcase_site(tmp_path):
    posts = tmp_path / "content" / "posts"
    posts.mkdir(parents=True)
    shutil.copy(shared("seeds", "showcase.md"), posts / "showcase.md")
    return tmp_path


def test_showcase_diagrams_server_then_local_then_cached(real_plantuml, showcase_site, monkeypatch):
    root = showcase_site
    page = root / "_site" / "posts" / "showcase" / "index.html"

    # without PlantUML: a server image and ONE warning naming the post
    monkeypatch.setenv("GDBLOG_PLANTUML", "none")
    report = build(BuildOptions(source=root, jobs=1))
    tree = parse_html(page)
    img = tree.css_first(".content figure.diagram.plantuml img")
    assert decode(img.attributes["src"].rsplit("/", 1)[1]) == "@startuml\nBob -> Alice : hello\n@enduml\n"
    warnings = [str(w) for w in report.warnings if "PlantUML" in str(w)]
    assert len(warnings) == 1 and "content/posts/showcase.md" in warnings[0]

    # with PlantUML: the page is rendered again (its cache key knows), inline SVG
    monkeypatch.delenv("GDBLOG_PLANTUML")
    report = build(BuildOptions(source=root, jobs=1))
    assert not [w for w in report.warnings if "PlantUML" in str(w)]
    tree = parse_html(page)
    figure = tree.css_first(".content figure.diagram.plantuml")
    assert [t.text() for t in figure.css("svg text")].count("Bob") == 2
    # the Mermaid block right after @enduml is its own diagram, not a paragraph
    mermaid = tree.css(".content pre.mermaid")
    assert [m.text() for m in mermaid] == [
        'pie title Pets adopted by volunteers\n  "Dogs" : 386\n  "Cats" : 85\n  "Rats" : 35\n']
    assert not [p for p in tree.css(".content p") if "@start" in p.text() or "@end" in p.text()]
    scripts = [s.attributes.get("src") or "" for s in tree.css("script")]
    assert scripts.count("https://cdn.jsdelivr.net/npm/mermaid@11.12.2/dist/mermaid.min.js") == 1
    first = page.read_bytes()

    # a full rebuild from the PlantUML cache never starts Java, and is byte-identical
    real_run = plantuml_module.subprocess.run

    def no_java(*args, **kwargs):
        if "pagefind" in str(args[0][0]):  # the search index, made after the pages: not PlantUML
            return real_run(*args, **kwargs)
        raise AssertionError(f"PlantUML ran again: {args[0]}")

    monkeypatch.setattr(plantuml_module.subprocess, "run", no_java)
    build(BuildOptions(source=root, jobs=1, refresh=True))
    assert page.read_bytes() == first


def test_pages_without_mermaid_do_not_load_it(tmp_path):
    posts = tmp_path / "content" / "posts"
    posts.mkdir(parents=True)
    (posts / "a.md").write_text("---\ntitle: A\ndate: 2024-01-01\n---\nNo diagram.\n")
    build(BuildOptions(source=tmp_path, jobs=1))
    assert "mermaid" not in (tmp_path / "_site" / "posts" / "a" / "index.html").read_text()


def test_front_matter_error_option_shows_the_diagram_error_in_the_page(real_plantuml, tmp_path):
    from generator import BuildError, BuildOptions, build

    broken = "```plantuml\nBob -> Alice : hi\nthis is wrong\n```\n"
    (tmp_path / "content" / "posts").mkdir(parents=True)
    post = tmp_path / "content" / "posts" / "p.md"
    post.write_text("---\ntitle: P\ndate: 2024-01-01\n---\n" + broken)
    with pytest.raises(BuildError) as info:
        build(BuildOptions(source=tmp_path, jobs=1))
    assert info.value.errors[0].path == "content/posts/p.md" and info.value.errors[0].line == 7
    post.write_text("---\ntitle: P\ndate: 2024-01-01\nexec: {error: true}\n---\n" + broken)
    report = build(BuildOptions(source=tmp_path, jobs=1))
    page = parse_html(tmp_path / "_site" / "posts" / "p" / "index.html")
    assert page.css_first(".diagram-error") is not None
    assert any("PlantUML" in str(w) for w in report.warnings)
