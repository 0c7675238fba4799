"""The program our kernel runs for a notebook with ``execute: true``, and messages about it.

The code cells run in order in one worker, like a post's ``{python}`` cells.  The
worker quotes source lines from one text: the code cells one after another,
each followed by a blank line (:attr:`NotebookProgram.source_text`); every
``Cell.line`` is a line of that text.  :meth:`NotebookProgram.relocate` and
:meth:`NotebookProgram.fix_traceback` turn those lines back into "cell N, line L"
of the notebook, so a writer reads ``x.ipynb: cell 7 raised ValueError ... (line 3)``.

IPython magics that only set up plotting (``%matplotlib``, ``%config``) become
``pass``: figures are drawn and collected by the worker anyway.  Other magics
and ``!shell`` lines are turned into calls of ``get_ipython()`` by IPython's own
transformer when IPython is installed, and are an error naming the cell when not.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field

from generator.errors import BuildError, Diagnostic
from generator.markdown.cells.model import Cell
from generator.markdown.cells.options import BUILTIN, ExecDefaults, check_options, merge_options

_PLOT_MAGIC = re.compile(r"^([ \t]*)(%(?:matplotlib|config)\b.*)$", re.M)
_MAGIC = re.compile(r"^[ \t]*(?:%%?[A-Za-z_]|!)|^[ \t]*[\w.]+[ \t]*=[ \t]*[%!][A-Za-z_]", re.M)
_CELL_WORD = re.compile(r"^cell (\d+)")


def executes(meta: dict, settings: dict) -> bool:
    """Whether a notebook runs: ``execute: true`` or Quarto's ``execute: {enabled: true}`` in its
    front matter, else ``notebooks: {execute: true}`` in config.yml.  Stored outputs otherwise."""
    value = meta.get("execute")
    if isinstance(value, bool):
        return value
    if isinstance(value, dict) and isinstance(value.get("enabled"), bool):
        return value["enabled"]
    return settings.get("execute") is True


@dataclass
class NotebookProgram:
    rel: str
    cells: tuple[Cell, ...]
    source_text: str
    seed: int = 0
    repro_note: bool = True        # exec: {repro_note: false} leaves the note out
    #: (first line in source_text, number of lines, notebook cell number) of each code cell
    places: list[tuple[int, int, int]] = field(default_factory=list)

    def place(self, line: int | None) -> tuple[int, int] | None:
        """(notebook cell number, line in that cell) of a line of :attr:`source_text`."""
        if line is None:
            return None
        for start, count, number in self.places:
            if start <= line < start + count:
                return number, line - start + 1
        return None

    def relocate(self, diagnostic: Diagnostic) -> Diagnostic:
        """A diagnostic about this notebook, with cell numbers as the notebook counts them."""
        if diagnostic.path != self.rel:
            return diagnostic
        message = _CELL_WORD.sub(lambda m: f"cell {self._number(int(m.group(1)))}", diagnostic.message)
        where = self.place(diagnostic.line)
        if where is not None:
            same = message.startswith(f"cell {where[0]} ") or message.startswith(f"cell {where[0]}:")
            message += f" (line {where[1]})" if same else f" (cell {where[0]}, line {where[1]})"
        hint = self.fix_traceback(diagnostic.hint) if diagnostic.hint else diagnostic.hint
        return Diagnostic(diagnostic.path, None, message, hint)

    def fix_traceback(self, text: str) -> str:
        """``File "x.ipynb", line 57`` -> ``File "x.ipynb", cell 7, line 3`` in a traceback."""
        pattern = re.compile(rf'(File "{re.escape(self.rel)}", )line (\d+)')

        def shift(match: re.Match) -> str:
            where = self.place(int(match.group(2)))
            return f"{match.group(1)}cell {where[0]}, line {where[1]}" if where else match.group(0)

        return pattern.sub(shift, text) if self.rel in text else text

    def _number(self, k: int) -> int:
        """The notebook number of the k-th (from 1) code cell."""
        return self.places[k - 1][2] if 0 < k <= len(self.places) else k


def notebook_program(payload: dict, meta: dict, defaults: ExecDefaults, rel: str) -> NotebookProgram:
    """The cells to run (options: site < post ``exec:`` < Quarto's ``execute:`` < the cell)."""
    language = payload.get("language") or "python"
    if language != "python":
        raise BuildError(f"execute: true runs Python notebooks only; this one's kernel language is {language}",
                         path=rel, hint="remove 'execute: true' to show its stored outputs")
    execute = meta.get("execute")
    if not isinstance(execute, dict):
        execute = {}
    layer = {k: v for k, v in execute.items() if k in BUILTIN}
    problems = [Diagnostic(rel, None, f"execute: {p.message}", p.hint) for p in check_options(layer)]
    cells: list[Cell] = []
    pieces: list[str] = []
    places: list[tuple[int, int, int]] = []
    line = 1
    ipython = importlib.util.find_spec("IPython") is not None
    for k, cell in enumerate(payload.get("cells", [])):
        source = cell["source"]
        count = source.count("\n") + 1
        code = "\n".join(source.split("\n")[cell.get("option_lines", 0):])
        code = _magics(code, cell["n"], cell.get("option_lines", 0), ipython, rel, problems)
        options = merge_options(defaults.options, layer, cell.get("options"))
        cells.append(Cell(index=k, source=code.rstrip("\n"), options=options, line=line + cell.get("option_lines", 0)))
        places.append((line, count, cell["n"]))
        pieces.append(source + "\n\n")
        line += count + 1
    if problems:
        raise BuildError.many(problems)
    return NotebookProgram(rel, tuple(cells), "".join(pieces), defaults.seed, defaults.repro_note, places)


def _magics(code: str, n: int, offset: int, ipython: bool, rel: str, problems: list[Diagnostic]) -> str:
    """The code with plotting magics made ``pass`` and other magics transformed by IPython."""
    if "%" not in code and "!" not in code:
        return code
    code = _PLOT_MAGIC.sub(lambda m: f"{m.group(1)}pass  # {m.group(2)}", code)
    found = _MAGIC.search(code)
    if found is None:
        return code
    if not ipython:
        line = code.count("\n", 0, found.start()) + 1 + offset
        text = code[found.start():].split("\n", 1)[0].strip()
        problems.append(Diagnostic(rel, None, f"cell {n}, line {line}: '{text}' is an IPython magic or shell "
                                              "command, which runs only where IPython is installed",
                                   "pip install ipython (or the gdblog[notebooks] extra), or rewrite it in Python"))
        return code
    from IPython.core.inputtransformer2 import TransformerManager

    lines = code.count("\n")
    transformed = TransformerManager().transform_cell(code).rstrip("\n")
    # a cell magic becomes one call: pad it so later line numbers still match the cell
    return transformed + "\n" * max(0, lines - transformed.count("\n"))
