"""gdblog's built-in files, read with importlib.resources: the theme's templates,
its CSS/JS, the embeds, the ``new`` post template and the ``init`` skeleton."""
