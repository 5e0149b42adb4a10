"""The one import engine and the people import (spec §1), split along its seams:

- `engine`: the pipeline (header mapping, row batches, all-or-nothing transaction, results);
- `parsers`: the containers (CSV, XLSX) and their limits; `encodings`: CSV text encodings;
- `values`: folding and value parsers shared by the handlers; `lookups`: municipalities and
  workplaces; `writer`: the bulk insert;
- `people`: the people handler (spec §1a); `output`: what the commands print.

The names below are the public API; import them from `ombud.importing`.
"""

from ombud.importing.engine import (
    FILE_DATABASE,
    FILE_DUPLICATE_COLUMN,
    FILE_MISSING_COLUMNS,
    FILE_NO_HEADER,
    FILE_NO_ROWS,
    FILE_TOO_MANY_ERRORS,
    FILE_UNKNOWN_COLUMNS,
    ROW_ERROR,
    ROW_GARBLED,
    SETTINGS_LIMIT,
    Column,
    Handler,
    ImportContext,
    ImportResult,
    audit_log_import,
    command_max_bytes,
    run_import,
)
from ombud.importing.lookups import NEW_WORKPLACES, MunicipalityLookup, WorkplaceLookup
from ombud.importing.output import errors_summary, report_to_command
from ombud.importing.parsers import (
    FILE_BINARY,
    FILE_CSV_BROKEN,
    FILE_EMPTY,
    FILE_MIXED_ENCODING,
    FILE_OLD_EXCEL,
    FILE_TOO_LARGE,
    FILE_TYPE,
    FILE_UNREADABLE,
    FILE_XLSX_BROKEN,
    FILE_XLSX_TOO_BIG,
    ImportFileError,
)
from ombud.importing.people import (
    MUNICIPALITY_OUTSIDE_SCOPE,
    PERSON_DUPLICATE_IN_FILE,
    PERSON_OUTSIDE_SCOPE,
    PeopleImport,
    import_people,
    people_summary,
)
from ombud.importing.values import (
    MUNICIPALITY_UNKNOWN,
    VALUE_CHOICE,
    VALUE_DATE,
    VALUE_EMAIL,
    VALUE_INTEGER,
    VALUE_REQUIRED,
    VALUE_TIME,
    VALUE_TOO_LONG,
    check_length,
    choice,
    choices_of,
    fold,
    header_key,
    parse_personnummer,
    personnummer_text,
)
from ombud.importing.writer import insert_rows

__all__ = [
    "FILE_BINARY",
    "FILE_CSV_BROKEN",
    "FILE_DATABASE",
    "FILE_DUPLICATE_COLUMN",
    "FILE_EMPTY",
    "FILE_MISSING_COLUMNS",
    "FILE_MIXED_ENCODING",
    "FILE_NO_HEADER",
    "FILE_NO_ROWS",
    "FILE_OLD_EXCEL",
    "FILE_TOO_LARGE",
    "FILE_TOO_MANY_ERRORS",
    "FILE_TYPE",
    "FILE_UNKNOWN_COLUMNS",
    "FILE_UNREADABLE",
    "FILE_XLSX_BROKEN",
    "FILE_XLSX_TOO_BIG",
    "MUNICIPALITY_OUTSIDE_SCOPE",
    "MUNICIPALITY_UNKNOWN",
    "NEW_WORKPLACES",
    "PERSON_DUPLICATE_IN_FILE",
    "PERSON_OUTSIDE_SCOPE",
    "ROW_ERROR",
    "ROW_GARBLED",
    "SETTINGS_LIMIT",
    "VALUE_CHOICE",
    "VALUE_DATE",
    "VALUE_EMAIL",
    "VALUE_INTEGER",
    "VALUE_REQUIRED",
    "VALUE_TIME",
    "VALUE_TOO_LONG",
    "Column",
    "Handler",
    "ImportContext",
    "ImportFileError",
    "ImportResult",
    "MunicipalityLookup",
    "PeopleImport",
    "WorkplaceLookup",
    "audit_log_import",
    "check_length",
    "choice",
    "choices_of",
    "command_max_bytes",
    "errors_summary",
    "fold",
    "header_key",
    "import_people",
    "insert_rows",
    "parse_personnummer",
    "people_summary",
    "personnummer_text",
    "report_to_command",
    "run_import",
]
