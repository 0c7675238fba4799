"""Unclosed environments, delimiters and Liquid blocks take linear time.

Each input is large (tens of thousands of openers): a quadratic scan of it
takes minutes, a cubic one hours, a linear one well under a second.  The
bound is generous (a slow shared machine passes easily), the builds run in a
subprocess with a time limit so that a regression fails instead of hanging
the suite, and each case also checks the warning a writer gets.
"""

from __future__ import annotations

import pytest

from tests.reliability.harness import Case

#: Seconds a build of one of these posts may take (linear: ~1 s; quadratic: minutes).
BOUND = 20


def _post(body: str) -> dict:
    return {"config.yml": "title: Slow\nurl: https://example.org\n", "content/posts/2024-01-01-slow.md": "---\ntitle: Slow\n---\n" + body}


CASES = {
    "aligned-lines": "\\begin{aligned} x &= y \\\\\n" * 10000,
    "aligned-then-ends-after-a-blank": "\\begin{aligned} x\n" * 5000 + "\n" + "\\end{aligned}\n" * 5000,
    "bracket-lines": "\\[ x + y\n" * 10000,
    "dollar-lines": "$$ x + y\n" * 10000,
    "inline-parens": "text \\( x " * 20000 + "\n",
    "inline-aligned": "text \\begin{aligned} x " * 20000 + "\n",
    "eqref-without-brace": "see \\eqref{eq " * 20000 + "\n",
    "prices": "costs $5 and " * 20000 + "\n",
    "raw": "{% raw %} x\n" * 50000,
    "comment": "{% comment %} x\n" * 25000,
    "highlight": "{% highlight python %} x\n" * 20000,
    "unknown-tags": "{% if x %} y\n" * 20000,
    "tags-on-one-line": "{% if x " * 20000 + "\n",
    "outputs": "{{ site.nothing }} y\n" * 20000,
}


@pytest.mark.parametrize("name", list(CASES))
def test_pathological_input_builds_in_linear_time(case: Case, name: str):
    case.write(_post(CASES[name]))
    run = case.build(subprocess_=True, timeout=120)
    assert run.code == 0, run.text[-3000:]
    assert "Traceback" not in run.err
    assert run.seconds < BOUND, f"{name}: {run.seconds:.1f} s (a linear scan takes about a second)"
    case.leftovers()
