#!/usr/bin/env python
"""Django's command-line utility for the Modig portal."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modig.settings")
    from django.core.management import execute_from_command_line

    from modig.env import EnvError

    try:
        execute_from_command_line(sys.argv)
    except EnvError as exc:
        # One clear line naming the variable, not a traceback.
        sys.stderr.write(f"Konfigurationsfel: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
