"""gdblog's own files: the built-in theme, embeds, post template and init skeleton.

They are package data of :mod:`generator._builtin`, found with
:mod:`importlib.resources`, so an installed wheel, an editable install and a
plain checkout all read them the same way and never from a path guessed
relative to the source tree.  In the repository they live at the top
(``templates/``, ``assets/theme/``, ``assets/embeds/``) and
``generator/_builtin/`` holds relative symlinks to them; a wheel holds copies.

The build needs real folders (Jinja's loader, hard links into the output, file
stamps in cache keys), so a resource is returned as a :class:`~pathlib.Path`;
a gdblog imported from a zip file is refused with a clear error.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from .errors import BuildError

PACKAGE = "generator._builtin"

#: name -> what it holds, for messages
RESOURCES = {
    "templates": "the built-in page templates and the new-post template",
    "theme": "the built-in theme's CSS and JavaScript",
    "embeds": "the built-in embeddable pages",
    "init": "the skeleton of a new blog",
}


@functools.cache
def builtin(name: str) -> Path:
    """The folder of the built-in resource ``name`` (a key of :data:`RESOURCES`).

    Symlinks are resolved, so messages and cache keys name the real files
    (``templates/base.html`` in a checkout, ``site-packages/...`` when installed).
    """
    if name not in RESOURCES:
        raise KeyError(name)
    relative = ("templates", "init") if name == "init" else (name,)
    found = resources.files(PACKAGE).joinpath(*relative)
    if not isinstance(found, Path):
        raise BuildError(f"gdblog's built-in files are not on the file system ({found})",
                         hint="install gdblog as an ordinary package (pip install gdblog), not as a zip")
    if not found.is_dir():
        raise BuildError(f"gdblog is incomplete: {RESOURCES[name]} are missing ({found})",
                         hint="reinstall gdblog; in a checkout, generator/_builtin/ must hold its symlinks")
    return found.resolve()
