"""The error boundary: a bug anywhere is reported as an internal error, and the previous site survives.

Every OSError becomes a located message (the other modules of this suite);
anything else is a bug, printed as "internal error, please report" with its
traceback and exit code 70 -- and still never a damaged site, even when it
strikes while the new site is being swapped in.
"""

from __future__ import annotations

import os

import pytest

from tests.reliability.harness import Case


@pytest.mark.parametrize("stage", ["load", "documents", "lists", "files"])
def test_a_bug_in_a_stage_is_an_internal_error(base: Case, monkeypatch, stage: str):
    from generator import pipeline
    from generator.stages import documents, files, lists, load

    module = {"load": load, "documents": documents, "lists": lists, "files": files}[stage]

    def broken(state):
        raise RuntimeError(f"a bug in the {stage} stage")

    monkeypatch.setattr(module, "run", broken)
    monkeypatch.setattr(pipeline, "STAGES", tuple((n, broken if n == stage else f) for n, f in pipeline.STAGES))
    base.write({"content/posts/2024-02-01-second.md": "---\ntitle: Second\ntags: [beta]\n---\nChanged.\n"})
    run = base.build()
    assert run.code == 70, run.text
    assert "internal error, please report" in run.err and "Traceback" in run.err
    assert f"RuntimeError: a bug in the {stage} stage" in run.err
    assert base.out_hash() == base.before
    base.leftovers()
    monkeypatch.undo()
    base.check_next_build()


@pytest.mark.parametrize("failing", [1, 2, 3], ids=["first-rename", "second-rename", "third-rename"])
def test_a_failure_during_the_swap_leaves_a_whole_site(base: Case, monkeypatch, failing: int):
    """Whichever of the swap's renames fails, the live folder is a whole site, old or new."""
    import generator.staging as staging

    calls = {"n": 0}
    real = os.rename

    def flaky(src, dst):
        calls["n"] += 1
        if calls["n"] == failing:
            raise OSError(5, "Input/output error", str(src))
        return real(src, dst)

    monkeypatch.setattr(staging.os, "rename", flaky)
    base.write({"content/posts/2024-02-01-second.md": "---\ntitle: Second\ntags: [beta]\n---\nChanged.\n"})
    run = base.build()
    monkeypatch.undo()
    page = (base.site_out / "posts/second/index.html").read_text()
    if failing < 3:
        base.check_failure(run, base.before, "cannot", "input/output error")
    else:   # the new site is live; only recycling the old one as the next staging folder failed
        assert run.code == 0, run.text
        assert "Changed." in page
    base.check_next_build()
