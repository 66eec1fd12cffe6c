"""The command line: parse, call one library function, render, return an exit code.

Exit codes: 0 = no errors (warnings allowed), 1 = errors found, 2 = could not run (bad usage, unreadable
file, broken schema), with a one-line message and no traceback.
"""

from __future__ import annotations

import importlib.abc
import os
import signal
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from csvprep import api, codes
from csvprep.engine import OPERATIONS
from csvprep.errors import CsvprepError
from csvprep.outfile import describe_os_error, is_write_error, refuse_same_file, report_file
from csvprep.pack import MAX_CSV_BYTES, MAX_ROWS, MAX_ZIP_BYTES
from csvprep.pack import pack as pack_files
from csvprep.printable import printable
from csvprep.report import CsvWriter, IssueSink, JsonWriter
from csvprep.results import results as match_results
from csvprep.schema import shipped_modules
from csvprep.zipstream import MAX_32

EXIT_OK, EXIT_ERRORS, EXIT_FAILED = 0, 1, 2
EXIT_SIGNAL_BASE = 128  # the shell's convention: a run stopped by signal N exits 128 + N
STOP_SIGNALS = ("SIGTERM", "SIGHUP")
F = TypeVar("F", bound=Callable[..., Any])


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
        click.option("--operation", "-o", type=click.Choice(OPERATIONS), default="insert", show_default=True),
        click.option("--find-by", help="Unique field that finds existing records (update/upsert)."),
        click.option(
            "--ignore-empty",
            is_flag=True,
            help="Empty cells leave the CRM value unchanged (Zoho's ignore_empty).",
        ),
        click.option("--encoding", help="Input encoding (default: detected)."),
        click.option("--delimiter", help="Input delimiter (default: detected from the header)."),
        click.option("--sheet", help="Sheet of an .xlsx input (default: the first)."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar."),
    ]
    for opt in reversed(options):
        fn = opt(fn)
    return fn


def fail(message: str) -> int:
    click.echo(f"csvprep: error: {printable(message)}", err=True)
    return EXIT_FAILED


def _progress_enabled(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


def _progress(quiet: bool, size: int | None, label: str) -> AbstractContextManager[object]:
    """The progress bar on a terminal (rich is imported only then: ~0.1 s), else no callback."""
    if not _progress_enabled(quiet):
        return nullcontext(None)
    from csvprep.terminal import progress_bar

    return progress_bar(size, label)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="csvprep")
def cli() -> None:
    """Offline pre-flight for Zoho CRM Bulk Write: check a CSV, pack compliant ZIP batches."""


@cli.command()
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
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.pass_context
def check(
    ctx: click.Context,
    file: Path,
    module: str | None,
    schema_path: Path | None,
    operation: str,
    find_by: str | None,
    ignore_empty: bool,
    encoding: str | None,
    delimiter: str | None,
    sheet: str | None,
    quiet: bool,
    fmt: str,
    output: Path | None,
    layout_path: Path | None = None,
) -> None:
    """Report every cell and header Zoho's Bulk Write would refuse."""
    ctx.exit(
        run_check(
            file,
            module,
            schema_path,
            operation,
            find_by,
            ignore_empty,
            encoding,
            delimiter,
            sheet,
            quiet,
            fmt,
            output,
            layout_path,
        )
    )


def run_check(
    file: Path,
    module: str | None,
    schema_path: Path | None,
    operation: str,
    find_by: str | None,
    ignore_empty: bool,
    encoding: str | None,
    delimiter: str | None,
    sheet: str | None,
    quiet: bool,
    fmt: str,
    output: Path | None,
    layout: Path | None = None,
) -> int:
    """Check and write the report: to ``output`` only when complete (the old file stays on failure)."""
    try:
        if output is not None:
            refuse_same_file(output, [file, schema_path, layout], "--output")
        with report_file(output) if output else nullcontext(sys.stdout) as out:
            code = _check_into(
                out,
                output is not None,
                file,
                module,
                schema_path,
                operation,
                find_by,
                ignore_empty,
                encoding,
                delimiter,
                sheet,
                quiet,
                fmt,
                layout,
            )
            out.flush()  # a full disk or a closed stdout shows here, while it can still be said
        return code
    except BrokenPipeError:
        raise
    except CsvprepError as e:
        return fail(str(e))
    except OSError as e:
        if is_write_error(e) or e.filename is None:
            return fail(f"cannot write {output or 'the report to standard output'}: {describe_os_error(e)}")
        return fail(f"{describe_os_error(e)}: {e.filename}")


def _check_into(
    out: IO[str],
    to_file: bool,
    file: Path,
    module: str | None,
    schema_path: Path | None,
    operation: str,
    find_by: str | None,
    ignore_empty: bool,
    encoding: str | None,
    delimiter: str | None,
    sheet: str | None,
    quiet: bool,
    fmt: str,
    layout: Path | None = None,
) -> int:
    sinks: list[IssueSink] = []
    if fmt == "json":
        sinks.append(JsonWriter(getattr(out, "buffer", out)))  # the bytes, when out has them
    elif fmt == "csv":
        sinks.append(CsvWriter(out))
    size = file.stat().st_size if file.is_file() else None
    with _progress(quiet, size, "checking") as progress:
        report = api.check(
            file,
            module=module,
            schema=schema_path,
            operation=operation,  # type: ignore[arg-type]
            find_by=find_by,
            ignore_empty=ignore_empty,
            layout=layout,
            encoding=encoding,
            delimiter=delimiter,
            sheet=sheet,
            keep=200 if fmt == "table" else 0,
            sinks=sinks,
            progress=progress,  # type: ignore[arg-type]
        )
    if fmt == "table":
        from rich.console import Console

        from csvprep.terminal import render_report

        console = Console(file=out, soft_wrap=False) if to_file else Console()
        render_report(report, console)
    return report.exit_code


@cli.command()
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
    type=click.IntRange(0, 9),
    default=6,
    show_default=True,
    help="Deflate level: 0 = store, 1 = fastest, 9 = smallest.",
)
@click.option("--force", is_flag=True, help="Replace --out if it holds an earlier pack output, nothing else.")
@click.pass_context
def pack(
    ctx: click.Context,
    file: Path,
    module: str | None,
    schema_path: Path | None,
    operation: str,
    find_by: str | None,
    ignore_empty: bool,
    encoding: str | None,
    delimiter: str | None,
    sheet: str | None,
    quiet: bool,
    out_dir: Path,
    max_rows: int,
    max_zip_bytes: int,
    max_csv_bytes: int,
    compression: int,
    force: bool,
    layout_path: Path | None = None,
) -> None:
    """Write the good rows as upload-ready ZIP batches with their job JSON; bad rows go to rejects.csv."""
    try:
        size = file.stat().st_size if file.is_file() else None
        with _progress(quiet, size, "packing") as progress:
            result = pack_files(
                file,
                out_dir,
                module=module,
                schema=schema_path,
                operation=operation,  # type: ignore[arg-type]
                find_by=find_by,
                max_rows=max_rows,
                max_zip_bytes=max_zip_bytes,
                max_csv_bytes=max_csv_bytes,
                compression=compression,
                ignore_empty=ignore_empty,
                layout=layout_path,
                force=force,
                encoding=encoding,
                delimiter=delimiter,
                sheet=sheet,
                keep=20,
                progress=progress,  # type: ignore[arg-type]
            )
    except CsvprepError as e:
        ctx.exit(fail(str(e)))
    t = result.totals
    src = result.report.summary.source
    what = f"{file} → {src.get('module', '')} ({src.get('operation', '')})"
    click.echo(f"csvprep pack {printable(what)}")
    for issue in result.report.issues:
        if issue.row is None:
            click.echo(f"  {issue.severity}: {issue.code}: {printable(issue.message)}")
    if result.blocked:
        click.echo("  no batch written: Zoho would refuse every job of this file (see the errors above)")
    batches = f"{t.batches:,} batch" + ("" if t.batches == 1 else "es")
    jobs = f"{t.jobs:,} job" + ("" if t.jobs == 1 else "s")
    click.echo(
        f"  rows in {t.rows_in:,}; packed {t.rows_packed:,} in {batches} ({jobs}, "
        f"{t.api_credits:,} API credits); rejected {t.rows_rejected:,}"
    )
    click.echo(f"  → {printable(str(result.paths.out_dir))}{os.sep} (manifest.json, rejects.csv)")
    ctx.exit(result.exit_code)


@cli.command("results")
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
@click.pass_context
def results(ctx: click.Context, pack_dir: Path, result_files: tuple[Path, ...], out_dir: Path | None) -> None:
    """Match Zoho's result files (ZIPs, CSVs or folders of them) back to the rows pack wrote to PACK_DIR."""
    try:
        found = match_results(pack_dir, list(result_files), out_dir=out_dir)
    except CsvprepError as e:
        ctx.exit(fail(str(e)))
    click.echo(f"csvprep results {printable(str(pack_dir))}")
    for line in found.summary_lines():
        click.echo(f"  {printable(line)}")
    ctx.exit(found.exit_code)


@cli.command("codes")
def list_codes() -> None:
    """List every issue code with its severity and the Zoho code it prevents."""
    click.echo(codes.markdown_table())


class _NoPandas(importlib.abc.MetaPathFinder):
    """Finds no pandas: the command line runs pyarrow as on an install without pandas."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError(f"{name} is not loaded by the csvprep command")


def _without_pandas() -> None:
    """Keep pandas out of the command's process.

    pyarrow imports pandas the first time it builds an array or converts one to NumPy, only to learn
    whether values could be pandas objects; the command never hands it one (files in, files out). Without
    pandas loaded, pyarrow takes its own paths (a setup it supports): on the 1M-row bench file ``check``
    measured 3.91 s / 6.16 CPU-s against 4.81 s / 7.40 CPU-s, 33 MB less memory, and the same bytes out.
    Only the command's own process does this (:func:`run`; not :func:`main`, which programs and tests
    call): ``import csvprep`` never touches the import system, and a process that already has pandas is
    left alone. (DataFrame inputs and the pandera path are library features; no command reaches them.)
    """
    if "pandas" not in sys.modules and not any(isinstance(f, _NoPandas) for f in sys.meta_path):
        sys.meta_path.insert(0, _NoPandas())


def _lean_allocator() -> None:
    """Arrow's jemalloc pool for the command's process, where pyarrow has it and the user chose no pool.

    mimalloc, pyarrow's default, kept ~250 MB of freed pages resident while ~60-100 MB were in use. With
    jemalloc (pyarrow's wheels for Linux and macOS carry it), at 1M rows, peak RSS went from 466-469 to
    379-385 MB for pack and from 364-382 to 330-337 MB for check, at the same speed. Like
    :func:`_without_pandas`, for the command's own process only: a program's pool is its own choice.
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    import pyarrow as pa

    with suppress(NotImplementedError):  # a build without jemalloc (Windows) keeps its default
        pa.set_memory_pool(pa.jemalloc_memory_pool())


class Stopped(BaseException):
    """A stop signal (SIGTERM, SIGHUP) arrived: unwind, so every ``finally`` removes what the run began."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum: int, frame: object) -> None:
    for name in STOP_SIGNALS:  # a second signal must not interrupt the cleanup of the first
        with suppress(AttributeError):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    raise Stopped(signum)


def _own_signals() -> None:
    """The command's process only: stop signals unwind cleanly, and a file-size limit is an error.

    With SIGXFSZ ignored, a write past ``ulimit -f`` fails with EFBIG (reported in one line) instead of
    killing the process mid-write.
    """
    with suppress(AttributeError):  # no such signal on Windows
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    for name in STOP_SIGNALS:
        with suppress(AttributeError):
            signal.signal(getattr(signal, name), _raise_stopped)


def run() -> None:
    """The ``csvprep`` console script (and ``python -m csvprep.cli``): a process of its own."""
    _own_signals()
    _without_pandas()
    _lean_allocator()
    _exit_now(main())


def _exit_now(code: int) -> None:
    """End the process without tearing the interpreter down, as mypy does.

    Freeing every object of a run, joining idle thread pools and waiting for the email worker took
    0.12-0.14 s after a 1M-row check (4% of it). Every file the command wrote is closed by now, the spill
    files of duplicate keys are unlinked already, and the email worker stops by itself when its pipe closes.
    """
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a closed pipe or stream: nothing can reach it
            stream.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    """Entry point: returns the exit code (:func:`run` exits with it)."""
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
        if e.filename is not None:
            return fail(f"{describe_os_error(e)}: {e.filename}")
        return fail(f"cannot write to standard output: {describe_os_error(e)}")
    # In non-standalone mode click returns what ctx.exit() was given.
    return rv if isinstance(rv, int) else EXIT_OK


if __name__ == "__main__":
    run()
