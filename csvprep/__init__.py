"""csvprep: the offline pre-flight for Zoho CRM Bulk Write.

The public names are few: :func:`check` validates a file or a DataFrame and returns a :class:`Report`;
:func:`pack` also writes the good rows into upload-ready ZIP batches (a :class:`PackResult`);
:func:`fix` repairs the cells rejected for their form only (a :class:`FixResult`);
:func:`results` matches Zoho's result files back to the packed rows (a :class:`Results`);
:func:`load_schema` reads an org's fields JSON (a path or a dict) or a shipped module;
:func:`to_pandera` gives a schema's checks as a pandera schema; :class:`CsvprepError` is raised only when
a run cannot happen (bad usage, unreadable input, broken schema).
"""

from csvprep.api import check, to_pandera
from csvprep.codes import Severity
from csvprep.errors import CsvprepError
from csvprep.fixer import FixResult, fix
from csvprep.packer.pack import PackResult, pack
from csvprep.reconcile import Results, results
from csvprep.report import Issue, Report, Summary
from csvprep.schema import FieldSpec, ModuleSchema, load_schema, shipped_modules

__version__ = "0.1.0"

__all__ = [
    "CsvprepError",
    "FieldSpec",
    "FixResult",
    "Issue",
    "ModuleSchema",
    "PackResult",
    "Report",
    "Results",
    "Severity",
    "Summary",
    "__version__",
    "check",
    "fix",
    "load_schema",
    "pack",
    "results",
    "shipped_modules",
    "to_pandera",
]
