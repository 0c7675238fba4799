"""The TeX environments MathJax typesets without delimiters, and the begin/end lint."""

from __future__ import annotations

import re

#: Environments MathJax typesets on their own (``processEnvironments``).
ENVIRONMENTS = frozenset([
    "equation", "equation*", "align", "align*", "alignat", "alignat*", "aligned", "alignedat", "gather", "gather*",
    "gathered", "multline", "multline*", "flalign", "flalign*", "split", "eqnarray", "eqnarray*", "array", "matrix",
    "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "cases", "dcases", "rcases", "CD",
    "subarray"])

_ENV_TAG = re.compile(r"\\(begin|end)\{([A-Za-z]+\*?)\}")


def unbalanced(tex: str) -> str | None:
    """A message when ``tex`` has a different number of ``\\begin`` and ``\\end``, else None."""
    if "\\begin" not in tex and "\\end" not in tex:
        return None
    tags = [m.group(1) for m in _ENV_TAG.finditer(tex)]
    begins, ends = tags.count("begin"), tags.count("end")
    if begins == ends:
        return None
    return f"math has {begins} \\begin but {ends} \\end"
