"""Command output: how `import_people` and `import_attendance` print an import's outcome."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _g
from django.utils.translation import ngettext

from ombud.importing.engine import ImportResult


def errors_summary(result: ImportResult) -> str:
    return ngettext(
        "Inget importerades: %(count)s fel.",
        "Inget importerades: %(count)s fel.",
        result.error_count,
    ) % {"count": result.error_count}


def report_to_command(command: Any, result: ImportResult, summary: str) -> None:
    """Print an import's outcome from a management command: warnings and notes, then either
    the summary line (last line, exit 0) or every error and a CommandError (exit 1).

    Row errors go to stdout as the command's report, and to stderr as well unless both are the
    same terminal (then once is enough).
    """
    from django.core.management.base import CommandError

    for warning in result.warnings:
        command.stdout.write(_g("Varning: %(text)s") % {"text": warning})
    if result.errors:
        both_terminal = command.stdout.isatty() and command.stderr.isatty()
        for error in result.errors:
            command.stdout.write(error)
            if not both_terminal:
                command.stderr.write(error)
        raise CommandError(errors_summary(result))
    for note in result.notes:
        command.stdout.write(note)
    command.stdout.write(summary)
