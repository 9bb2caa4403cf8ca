"""Command-line interface: a thin layer over :mod:`discourse.pipeline`.

Exit codes: 0 success; 1 a usage or configuration error (the message says what to fix);
3 the run completed but some inputs were quarantined (see ``quarantine.csv``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from discourse.config import ConfigError, load_config

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

app = typer.Typer(
    name="discourse",
    help="Research toolkit for breakup-advice ('no contact') discourse.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)

EXIT_QUARANTINED = 3

InputOpt = Annotated[Path, typer.Option("--input", "-i", help="Folder of raw inputs.")]
OutputOpt = Annotated[Path, typer.Option("--output", "-o", help="Folder for the outputs.")]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="TOML config file (defaults apply without one)."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]


def _run_pipeline(
    input_dir: Path, output_dir: Path, config: Path | None, quiet: bool, command: str
) -> None:
    from discourse.ingest.files import discover
    from discourse.pipeline import run

    try:
        cfg = load_config(config)
        n_files = (
            len(discover(input_dir, [], cfg.ingest.follow_symlinks)) if input_dir.is_dir() else 0
        )
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[current]}"),
            console=console,
            disable=quiet,
            transient=True,
        ) as bar:
            task = bar.add_task("ingest", total=n_files, current="")

            def progress(path: str) -> None:
                bar.update(task, advance=1, current=path)

            result = run(input_dir, output_dir, cfg, progress=progress, command=command)
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    _print_summary(result.manifest, quiet)
    if result.n_quarantined:
        console.print(
            f"[yellow]{result.n_quarantined} input(s) quarantined[/yellow]: see "
            f"{result.output_dir / 'quarantine.csv'}"
        )
        raise typer.Exit(EXIT_QUARANTINED)


def _print_summary(manifest: dict[str, Any], quiet: bool) -> None:
    s = manifest["summary"]
    if not quiet:
        table = Table(title="discourse run", show_header=True)
        table.add_column("what")
        table.add_column("count", justify="right")
        for status, n in s["files"].items():
            table.add_row(f"files {status}", str(n))
        table.add_row("documents", str(s["documents"]))
        for st, n in s["segments_by_source_type"].items():
            table.add_row(f"segments: {st}", str(n))
        table.add_row("boilerplate segments", str(s["boilerplate_segments"]))
        table.add_row("duplicate segments", str(s["duplicate_segments"]))
        table.add_row("words", str(s["words"]))
        console.print(table)
    total = sum(manifest["stages"].values())
    console.print(
        f"{s['files_total']} files, {s['documents']} documents, {s['segments']} segments, "
        f"{manifest['quarantined']} quarantined, {total:.1f}s -> {manifest['output_dir']}"
    )


@app.command("run")
def run_cli(
    input_dir: InputOpt = Path("data/raw"),
    output_dir: OutputOpt = Path("data/processed"),
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Run the pipeline on a folder of raw inputs (ingest, clean, segment, ...)."""
    _run_pipeline(input_dir, output_dir, config, quiet, "run")


@app.command("ingest")
def ingest_cli(
    input_dir: InputOpt = Path("data/raw"),
    output_dir: OutputOpt = Path("data/processed"),
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Ingest, clean and segment only: documents.parquet, segments.parquet, manifest, quarantine."""
    _run_pipeline(input_dir, output_dir, config, quiet, "ingest")


@app.command("readers")
def readers_cli() -> None:
    """List the input readers with their versions and file suffixes."""
    from discourse.ingest import SUFFIXES, readers

    table = Table(show_header=True)
    for col in ("reader", "version", "suffixes", "description"):
        table.add_column(col)
    for name in readers.names():
        entry = readers.entry(name)
        suffixes = " ".join(s for s, r in sorted(SUFFIXES.items()) if r == name)
        table.add_row(name, entry.version, suffixes, entry.description)
    Console().print(table)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
