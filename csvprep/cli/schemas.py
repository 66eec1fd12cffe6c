"""``csvprep schema``: the shipped modules, a module's fields, and the header of a file to fill in."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from csvprep.cli import epilog, render
from csvprep.cli.failures import one_line
from csvprep.errors import UsageError
from csvprep.options import OPERATIONS
from csvprep.output.outfile import refuse_same_file, report_file
from csvprep.schema import load_schema, shipped_modules

SOURCE = "MODULE|PATH"


@click.group("schema")
def schema_group() -> None:
    """The fields csvprep checks against: a shipped module or an org's fields JSON."""


@schema_group.command("list", epilog=epilog.SCHEMA_LIST)
def list_modules() -> None:
    """The modules csvprep ships a schema for, one a line."""
    for name in shipped_modules():
        click.echo(name)


@schema_group.command("show", epilog=epilog.SCHEMA_SHOW)
@click.argument("source", metavar=SOURCE)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table: for people; json: one object per field.",
)
@one_line
def show(source: str, fmt: str) -> int:
    """Each field: API name, data type, length, mandatory, unique, and the operations that can write it.

    MODULE is a shipped module (csvprep schema list); PATH an org's fields JSON
    (GET /crm/v8/settings/fields?module=X).
    """
    fields = load_schema(source).describe()
    if fmt == "json":
        click.echo(json.dumps(fields, ensure_ascii=False, indent=2))
    else:
        click.echo(render.fields_table(fields), nl=False)
    return 0


@schema_group.command("template", epilog=epilog.SCHEMA_TEMPLATE)
@click.argument("source", metavar=SOURCE)
@click.option(
    "--operation",
    "-o",
    type=click.Choice(OPERATIONS),
    default="insert",
    show_default=True,
    help="What the upload does.",
)
@click.option("--find-by", help="Unique field that finds existing records (update/upsert): the first column.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the CSV to this file (default: standard output).",
)
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@one_line
def template(source: str, operation: str, find_by: str | None, out: Path | None, force: bool) -> int:
    """A header-only CSV of the columns a file for OPERATION may carry: the key, then the mandatory
    fields, then every other writable field (lookups as Field.id)."""
    text = load_schema(source).template_csv(operation, find_by)
    if out is None:
        click.echo(text, nl=False)
        return 0
    if os.path.lexists(out) and not force:
        raise UsageError(f"--out {out} exists (a template you may have filled in): --force replaces it")
    refuse_same_file(out, [source if os.path.lexists(source) else None], "--out")
    with report_file(out) as fh:
        fh.write(text)
    return 0
