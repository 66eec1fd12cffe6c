"""The commands: parse flags into option values, call one library function, render, return an exit code."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from csvprep import codes
from csvprep.api import check_job
from csvprep.cli import epilog, render
from csvprep.cli.failures import EXIT_FAILED, fail, one_line, os_error_line
from csvprep.cli.process import Stopped
from csvprep.cli.schemas import schema_group
from csvprep.errors import OutputError, UsageError
from csvprep.fixer import fix_job
from csvprep.options import (
    DATE_ORDERS,
    DEFAULT_COMPRESSION,
    MAX_COMPRESSION,
    MAX_CSV_BYTES,
    MAX_ROWS,
    MAX_ZIP_BYTES,
    OPERATIONS,
    FixOptions,
    Formats,
    Job,
    PackOptions,
)
from csvprep.output.outfile import describe_os_error, is_write_error, refuse_same_file, report_file
from csvprep.packer.pack import pack_job
from csvprep.packer.zipstream import MAX_32
from csvprep.printable import printable
from csvprep.reader import ReadOptions
from csvprep.reconcile import results as match_results
from csvprep.schema import shipped_modules

EXIT_OK = 0
EXIT_SIGNAL_BASE = 128  # the shell's convention: a run stopped by signal N exits 128 + N
TABLE_KEEPS = 200  # issues a table report shows at most
PACK_KEEPS = 20  # issues a pack result keeps: the summary lists the file-level ones, which come first
F = TypeVar("F", bound=Callable[..., Any])


def _source(file: Path) -> Path | IO[bytes]:
    """FILE, or standard input for ``-`` (a file named ``-`` is ``./-``)."""
    return sys.stdin.buffer if str(file) == "-" else file


def job_options(fn: F) -> F:
    """Options shared by check and pack: what the upload will do, and how to read the input."""
    options = [
        click.argument("file", type=click.Path(dir_okay=True, path_type=Path)),
        click.option("--module", "-m", help=f"Zoho module (shipped: {', '.join(shipped_modules())})."),
        click.option(
            "--schema",
            "-s",
            "schema_path",
            type=click.Path(path_type=Path),
            help="The org's own fields JSON (GET /crm/v8/settings/fields?module=X).",
        ),
        click.option(
            "--layout",
            "layout_path",
            type=click.Path(path_type=Path),
            help="The org's layouts JSON (GET /crm/v8/settings/layouts?module=X): its required fields.",
        ),
        click.option(
            "--operation",
            "-o",
            type=click.Choice(OPERATIONS),
            default="insert",
            show_default=True,
            help="What the upload does (-o is --operation on every command; outputs are --out).",
        ),
        click.option("--find-by", help="Unique field that finds existing records (update/upsert)."),
        click.option(
            "--ignore-empty",
            is_flag=True,
            help="Empty cells leave the CRM value unchanged (Zoho's ignore_empty).",
        ),
        click.option(
            "--date-format",
            "date_formats",
            multiple=True,
            metavar="[COLUMN=]PATTERN",
            help="Zoho's pattern of date cells (e.g. dd/MM/yyyy), for COLUMN or every date column.",
        ),
        click.option(
            "--datetime-format",
            "datetime_formats",
            multiple=True,
            metavar="[COLUMN=]PATTERN",
            help="Zoho's pattern of date-time cells (e.g. 'dd/MM/yyyy HH:mm:ss'), as --date-format.",
        ),
        click.option(
            "--detect-formats",
            is_flag=True,
            help="Find the one Zoho pattern of each rejected date or date-time column (see the README).",
        ),
        click.option("--encoding", help="Input encoding (default: detected)."),
        click.option("--delimiter", help="Input delimiter (default: detected from the header)."),
        click.option("--sheet", help="Sheet of an .xlsx input (default: the first)."),
        click.option("--tz", help="UTC offset (+05:30) of date-times that have none (workbook cells; fix)."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar."),
    ]
    for opt in reversed(options):
        fn = opt(fn)
    return fn


def _declared(values: tuple[str, ...], flag: str) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """``--date-format`` values: the one without a column (for every column), and the COLUMN=PATTERN ones."""
    every = [v for v in values if "=" not in v]
    if len(every) > 1:
        raise UsageError(f"{flag} without a COLUMN= is given {len(every)} times: give it once")
    pairs = tuple((column, java) for column, _, java in (v.rpartition("=") for v in values if "=" in v))
    return (every[0] if every else None), pairs


def _job(given: dict[str, Any]) -> Job:
    """The job the flags describe."""
    date, date_columns = _declared(given["date_formats"], "--date-format")
    datetime, datetime_columns = _declared(given["datetime_formats"], "--datetime-format")
    formats = Formats(date, datetime, date_columns, datetime_columns, given["detect_formats"])
    return Job.resolve(
        given["module"],
        given["schema_path"],
        given["operation"],
        given["find_by"],
        given["ignore_empty"],
        given["layout_path"],
        formats,
    )


def _read(given: dict[str, Any]) -> ReadOptions:
    """How the flags say to read the input."""
    return ReadOptions(given["encoding"], given["delimiter"], given["sheet"], given["tz"])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="csvprep")
def cli() -> None:
    """Offline pre-flight for Zoho CRM Bulk Write: check a CSV, pack compliant ZIP batches."""


@cli.command(epilog=epilog.CHECK)
@job_options
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="table: a summary for people; json/csv: every issue.",
)
@click.option(
    "--out",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file (in place only when complete; default: standard output).",
)
# The option's name before --out, kept so that old scripts run; not shown in the help.
@click.option("--output", "old_output", type=click.Path(dir_okay=False, path_type=Path), hidden=True)
@one_line
def check(
    file: Path, fmt: str, output: Path | None, old_output: Path | None, quiet: bool, **given: Any
) -> int:
    """Report every cell and header Zoho's Bulk Write would refuse."""
    if output is not None and old_output is not None:
        raise UsageError("give the report's path once, with --out")
    output = output or old_output
    if output is not None:
        refuse_same_file(output, [file, given["schema_path"], given["layout_path"]], "--out")
    try:
        # The report goes to `output` only when complete: an earlier report stays on failure.
        with report_file(output) if output else nullcontext(sys.stdout) as out:
            with render.progress(quiet, file, "checking") as bar:
                keep = TABLE_KEEPS if fmt == "table" else 0
                sinks = render.report_sinks(out, fmt)
                report = check_job(
                    _source(file), _job(given), _read(given), keep=keep, sinks=sinks, progress=bar
                )
            if fmt == "table":
                render.report_table(report, out, output is not None)
            out.flush()  # a full disk or a closed stdout shows here, while it can still be said
    except OSError as e:
        if isinstance(e, BrokenPipeError) or not (is_write_error(e) or e.filename is None):
            raise
        where = output or "the report to standard output"
        raise OutputError(f"cannot write {where}: {describe_os_error(e)}") from e
    return report.exit_code


@cli.command(epilog=epilog.PACK)
@job_options
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the batches, job JSONs, rejects.csv and manifest.json.",
)
@click.option(
    "--max-rows",
    type=click.IntRange(1, MAX_ROWS),
    default=MAX_ROWS,
    show_default=True,
    help="Records per batch (Zoho: at most 25,000).",
)
@click.option(
    "--max-zip-bytes",
    type=click.IntRange(1, MAX_ZIP_BYTES),
    default=MAX_ZIP_BYTES,
    show_default=True,
    help="Size limit of each ZIP (Zoho: 25 MB compressed).",
)
@click.option(
    "--max-csv-bytes",
    type=click.IntRange(1, MAX_32),
    default=MAX_CSV_BYTES,
    show_default=True,
    help="Size limit of the CSV inside each ZIP (Zoho's limitations page: 25 MB).",
)
@click.option(
    "--compression",
    type=click.IntRange(0, MAX_COMPRESSION),
    default=DEFAULT_COMPRESSION,
    show_default=True,
    help="Deflate level: 0 = store, 1 = fastest, 9 = smallest.",
)
@click.option("--force", is_flag=True, help="Replace --out if it holds an earlier pack output, nothing else.")
@one_line
def pack(file: Path, out_dir: Path, quiet: bool, **given: Any) -> int:
    """Write the good rows as upload-ready ZIP batches with their job JSON; bad rows go to rejects.csv."""
    limits = ("max_rows", "max_zip_bytes", "max_csv_bytes", "compression", "force")
    options = PackOptions(**{name: given[name] for name in limits})
    with render.progress(quiet, file, "packing") as bar:
        source = _source(file)
        result = pack_job(source, out_dir, _job(given), options, _read(given), keep=PACK_KEEPS, progress=bar)
    render.pack_summary(file, result)
    return result.exit_code


@cli.command(epilog=epilog.FIX)
@job_options
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The fixed CSV; every change goes to OUT's .changes.csv beside it.",
)
@click.option(
    "--date-order", type=click.Choice(DATE_ORDERS), help="Day/month order of dates both orders fit."
)
@click.option("--only", help="Run only these rules (comma-separated; see the README's table).")
@click.option("--decimal-comma", is_flag=True, help="Numbers are written 1.234,50.")
@click.option("--dry-run", is_flag=True, help="Write only the changes log, not the fixed file.")
@one_line
def fix(file: Path, out_file: Path, quiet: bool, **given: Any) -> int:
    """Repair the cells rejected for their form only (dates, Yes/No, phones, 1,234.50, spaces, picklist
    case); write the fixed CSV and a log of every change."""
    only = tuple(n.strip() for n in given["only"].split(",")) if given["only"] is not None else None
    options = FixOptions(given["date_order"], given["tz"], only, given["decimal_comma"])
    job_files = [given["schema_path"], given["layout_path"]]
    with render.progress(quiet, file, "fixing") as bar:
        result = fix_job(
            _source(file),
            out_file,
            _job(given),
            # fix's --tz is a repair, logged like any other (as fix's tz=): cells are read as they are.
            _read({**given, "tz": None}),
            options,
            dry_run=given["dry_run"],
            keep=PACK_KEEPS,
            progress=bar,
            job_files=job_files,
        )
    render.fix_summary(file, result)
    return result.exit_code


@cli.command("results", epilog=epilog.RESULTS)
@click.argument("pack_dir", type=click.Path(file_okay=False, path_type=Path))
@click.argument(
    "result_files", metavar="RESULT [RESULT ...]", nargs=-1, required=True, type=click.Path(path_type=Path)
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for ids.csv, failed.csv and summary.json (default: PACK_DIR-results beside PACK_DIR).",
)
@one_line
def results(pack_dir: Path, result_files: tuple[Path, ...], out_dir: Path | None) -> int:
    """Match Zoho's result files (ZIPs, CSVs or folders of them) back to the rows pack wrote to PACK_DIR."""
    found = match_results(pack_dir, list(result_files), out_dir=out_dir)
    click.echo(f"csvprep results {printable(str(pack_dir))}")
    for line in found.summary_lines():
        click.echo(f"  {printable(line)}")
    return found.exit_code


@cli.command("codes", epilog=epilog.CODES)
def list_codes() -> None:
    """List every issue code with its severity and the Zoho code it prevents."""
    click.echo(codes.markdown_table())


cli.add_command(schema_group)


def main(argv: list[str] | None = None) -> int:
    """Entry point for programs and tests: runs one command, returns its exit code."""
    try:
        rv = cli.main(args=argv, prog_name="csvprep", standalone_mode=False)
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except click.exceptions.NoArgsIsHelpError as e:
        e.show()  # `csvprep` alone: the help, as --help gives it
        return EXIT_FAILED
    except click.UsageError as e:
        hint = f" (see '{e.ctx.command_path} --help')" if e.ctx is not None else ""
        return fail(" ".join(e.format_message().split()) + hint)
    except click.ClickException as e:
        return fail(" ".join(e.format_message().split()))
    except click.exceptions.Abort:
        click.echo("csvprep: aborted", err=True)
        return EXIT_FAILED
    except Stopped as e:
        click.echo(f"csvprep: error: stopped by {signal.Signals(e.signum).name}", err=True)
        return EXIT_SIGNAL_BASE + e.signum
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as e:  # most often the summary could not be written to stdout (a full disk, /dev/full)
        return fail(os_error_line(e))
    # Commands end with ctx.exit(code); `codes` and --help return normally.
    return rv if isinstance(rv, int) else EXIT_OK
