"""The Pygments accelerator must produce exactly Pygments' tokens."""

from __future__ import annotations

import random
import zlib

import pytest
from pygments.lexers import get_lexer_by_name

from generator.markdown.fastlex import _tables, accelerate
from tests.helpers import PROJECT

LANGUAGES = ["python", "pycon", "bash", "console", "javascript", "typescript", "json", "yaml", "toml", "ini", "c", "cpp", "rust", "go", "java", "r", "julia", "matlab", "latex", "html", "css", "sql", "diff", "markdown", "ruby", "haskell", "text"]

SAMPLES = [
    (PROJECT / "generator" / "markdown" / "fastlex.py").read_text(),
    (PROJECT / "templates" / "base.html").read_text(),
    (PROJECT / "assets" / "theme" / "style.css").read_text(),
    'f"{x!r:>10}" rb"\\x00" u"é" """doc\nstring""" 0x1F 1_000.5e-3j @decorator\n',
    "for i in range(3):\n    print(i)  # comment\n\tmixed\ttabs\r\nwindows line\n",
]


def _fuzz(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = "abc xyzfFrRbBuU\n\t\"'`$#(){}[]<>=+-*/\\;:.,0123456789_%@!?|&~^é"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 300))) for _ in range(count)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_same_tokens_as_pygments(language):
    reference = get_lexer_by_name(language)
    fast = accelerate(get_lexer_by_name(language))
    # zlib.crc32, not hash(): str hashes change from run to run, and fuzzed inputs must not
    for sample in SAMPLES + _fuzz(zlib.crc32(language.encode()) % 1000, 40):
        assert list(fast.get_tokens(sample)) == list(reference.get_tokens(sample)), (language, sample[:60])


def test_states_are_compiled_only_when_entered():
    fast = accelerate(get_lexer_by_name("python"))
    table = _tables(fast)
    list(fast.get_tokens("x = 1\n"))
    assert "root" in table
    assert len(table) < len(fast._tokens)


def test_other_lexers_are_left_alone():
    class Plain:
        pass

    thing = Plain()
    assert accelerate(thing) is thing
