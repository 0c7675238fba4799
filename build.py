#!/usr/bin/env python3
"""Build the blog: ``python build.py`` (see README.md for commands and options)."""

import sys

from generator.cli import main

if __name__ == "__main__":
    sys.exit(main())
