"""Command-line interface: a thin layer over :mod:`discourse.pipeline`.

Exit codes: 0 success; 1 a usage or configuration error (the message says what to fix), or
outputs that cannot be written (read-only folder, disk full, no permission: one line says what
and where); 3 the run completed but some inputs were quarantined (see ``quarantine.csv``); 4
``privacy-check`` found personal data in the outputs.

Only a :class:`~discourse.errors.DiscourseError` (bad config or input) and, where outputs are
written, an :class:`OSError` become exit code 1 (see :func:`_user_errors`); any other
exception is a bug and is shown with its traceback.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from discourse.config import load_config
from discourse.errors import DiscourseError, InputError, MissingInputError, StageSkipped

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
EXIT_PRIVACY = 4

InputOpt = Annotated[Path, typer.Option("--input", "-i", help="Folder of raw inputs.")]
OutputOpt = Annotated[Path, typer.Option("--output", "-o", help="Folder for the outputs.")]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="TOML config file (defaults apply without one)."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
RunDirOpt = Annotated[
    Path, typer.Option("--input", "-i", help="A run folder (outputs of `discourse run`).")
]
RunOutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Output folder (default: --input).")
]


ReuseOpt = Annotated[
    bool,
    typer.Option(
        "--reuse/--no-reuse",
        help="Reuse finished stages whose inputs and config are unchanged "
        "(stored in <cache>/stages); --no-reuse recomputes everything.",
    ),
]


EngineOpt = Annotated[
    str,
    typer.Option(
        "--engine",
        help="Where per-file and per-segment work runs: pandas (this process) or dask.",
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Dask scheduler address (tcp://host:8786); default: a local cluster.",
    ),
]


#: Plain words for the errors a full, read-only or foreign output folder gives.
_OS_REASONS = {
    errno.ENOSPC: "no space left on device (the disk is full)",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EEXIST: "a file of that name is in the way",
}


def _os_error_line(exc: OSError, output: Path | None) -> str:
    """One line saying what failed and where: the reason, then the path (the file the error
    names, else the output location)."""
    reason = _OS_REASONS.get(exc.errno) or exc.strerror or str(exc) or type(exc).__name__
    reason = " ".join(str(reason).split())
    name = exc.filename
    named = Path(os.fsdecode(name)) if isinstance(name, str | bytes | os.PathLike) else None
    where = named if named is not None else output
    # the output itself, a file inside it, or a folder on its way (a file where one should be)
    writing = output is not None and (
        named is None
        or named.absolute() == output.absolute()
        or output.absolute() in named.absolute().parents
        or named.absolute() in output.absolute().parents
    )
    if writing:
        what = "cannot write the outputs"
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
        what = "cannot write"  # e.g. a cache folder outside the outputs
    else:
        what = "cannot access a file"
    return f"{what}: {reason}: {where}"


def _exit_os_error(exc: OSError, output: Path | None) -> NoReturn:
    """Report an operating-system error (e.g. while writing outputs) on one line; exit 1."""
    console.print(f"[red]error:[/red] {escape(_os_error_line(exc, output))}", soft_wrap=True)
    raise typer.Exit(1) from None


@contextmanager
def _user_errors(output: Path | None = None, os_errors: bool = True) -> Iterator[None]:
    """The one place where errors become exit codes.

    A :class:`~discourse.errors.DiscourseError` (bad config or input, see
    :mod:`discourse.errors`) is one ``error: <message>`` line and exit code 1. With
    ``os_errors``, an :class:`OSError` (outputs that cannot be written, see
    :func:`_exit_os_error`) too. Anything else is a bug: it propagates with its traceback.
    """
    try:
        yield
    except DiscourseError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    except OSError as exc:
        if not os_errors:
            raise
        _exit_os_error(exc, output)


CodesOpt = Annotated[
    Path | None,
    typer.Option(
        "--codes",
        help="Hand codes of a sample of this corpus (see `discourse sample`): fig02/fig03 show "
        "corrected estimates (overrides analysis.codes).",
    ),
]
DesignOpt = Annotated[
    Path | None,
    typer.Option("--design", help="The sample's design.json (default: next to --codes)."),
]


def _with_codes(cfg: Any, codes: Path | None, design: Path | None) -> Any:
    """``cfg`` with ``analysis.codes``/``analysis.design`` set from the command line."""
    for value, key in ((codes, "codes"), (design, "design")):
        if value is not None:
            if not value.is_file():
                raise MissingInputError(f"--{key}: no such file: {value}")
            setattr(cfg.analysis, key, str(value.resolve()))
    return cfg


def _run_pipeline(
    input_dir: Path,
    output_dir: Path,
    config: Path | None,
    quiet: bool,
    command: str,
    stages: tuple[str, ...] | None = None,
    reuse: bool = True,
    engine: str = "pandas",
    scheduler: str | None = None,
    codes: Path | None = None,
    design: Path | None = None,
) -> None:
    from discourse.engines import make_engine
    from discourse.ingest.files import discover
    from discourse.pipeline import run

    with _user_errors(output_dir):
        cfg = _with_codes(load_config(config), codes, design)
        if stages is not None:
            from discourse.stages import only_stages

            cfg = only_stages(cfg, stages)
        runner = make_engine(engine, scheduler)
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

            def stage(message: str) -> None:
                if not quiet:
                    console.print(f"[dim]stage[/dim] {message}")

            result = run(
                input_dir,
                output_dir,
                cfg,
                progress=progress,
                command=command,
                on_stage=stage,
                reuse=reuse,
                engine=runner,
            )
    _print_summary(result.manifest, quiet)
    if result.n_quarantined:
        console.print(
            f"[yellow]{result.n_quarantined} input(s) quarantined[/yellow]: see "
            f"{result.output_dir / 'quarantine.csv'}",
            soft_wrap=True,  # a path must stay copyable
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
        labels = manifest.get("labels")
        if labels:
            for stance, n in labels["stance_counts"].items():
                table.add_row(f"stance: {stance}", str(n))
            for theme, n in labels["theme_counts"].items():
                table.add_row(f"theme: {theme}", str(n))
        console.print(table)
    topics = manifest.get("topics") or {}
    if topics.get("skipped"):
        console.print(f"[yellow]topics skipped[/yellow]: {escape(topics['skipped'])}")
    corpus = topics.get("corpus") or {}
    if corpus.get("too_small_for_topics"):
        reasons = "; ".join(corpus.get("too_small_reasons", []))
        console.print(f"[yellow]corpus too small for topics[/yellow]: {escape(reasons)}")
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
    topics: Annotated[
        bool, typer.Option("--topics/--no-topics", help="Fit the topic models (stage 5).")
    ] = True,
    figures: Annotated[
        bool, typer.Option("--figures/--no-figures", help="Draw figures and tables (stage 6).")
    ] = True,
    reuse: ReuseOpt = True,
    engine: EngineOpt = "pandas",
    scheduler: SchedulerOpt = None,
    codes: CodesOpt = None,
    design: DesignOpt = None,
) -> None:
    """Run the pipeline on raw inputs: ingest, clean, segment, label, topics, figures."""
    wanted = (
        "ingest",
        "label",
        *(("topics",) if topics else ()),
        *(("figures",) if figures else ()),
    )
    _run_pipeline(
        input_dir,
        output_dir,
        config,
        quiet,
        "run",
        stages=None if topics and figures else wanted,
        reuse=reuse,
        engine=engine,
        scheduler=scheduler,
        codes=codes,
        design=design,
    )


@app.command("ingest")
def ingest_cli(
    input_dir: InputOpt = Path("data/raw"),
    output_dir: OutputOpt = Path("data/processed"),
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
    reuse: ReuseOpt = True,
    engine: EngineOpt = "pandas",
    scheduler: SchedulerOpt = None,
) -> None:
    """Ingest, clean and segment only: documents.parquet, segments.parquet, manifest, quarantine."""
    _run_pipeline(
        input_dir,
        output_dir,
        config,
        quiet,
        "ingest",
        stages=("ingest",),
        reuse=reuse,
        engine=engine,
        scheduler=scheduler,
    )


@app.command("topics")
def topics_cli(
    run_dir: RunDirOpt = Path("data/processed"),
    output_dir: RunOutputOpt = None,
    config: ConfigOpt = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Overrides the config seed.")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Fit BERTopic and the baseline on a run's segments; write topics, metrics and views."""
    from discourse.pipeline import run_stage

    with _user_errors(output_dir or run_dir):
        cfg = load_config(config)
        if seed is not None:
            cfg.seed = seed
        say = None if quiet else (lambda m: console.print(f"[dim]topics[/dim] {m}"))
        info = run_stage("topics", run_dir, output_dir or run_dir, cfg, detail=say)
        if "skipped" in info:
            raise StageSkipped(info["skipped"])
    out = Console()
    rows = [{"model": name, **values} for name, values in info["summary"].items()]
    import pandas as pd

    _print_frame(out, "topic metrics (topic_metrics.json)", pd.DataFrame(rows))
    console.print(
        f"{info['n_segments_modelled']} segments modelled, excluded: "
        f"{info['n_segments_excluded']} -> {output_dir or run_dir}"
    )


@app.command("figures")
def figures_cli(
    run_dir: RunDirOpt = Path("data/processed"),
    output_dir: RunOutputOpt = None,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
    codes: CodesOpt = None,
    design: DesignOpt = None,
) -> None:
    """(Re)draw the figures and tables from a run's outputs: figures/ and tables/."""
    from discourse.pipeline import run_stage

    with _user_errors(output_dir or run_dir):
        cfg = _with_codes(load_config(config), codes, design)
        say = None if quiet else (lambda m: console.print(f"[dim]figures[/dim] {m}"))
        target = output_dir or run_dir
        info = run_stage("figures", run_dir, target, cfg, detail=say)
    n_fig = sum(f.endswith(".pdf") for f in info["outputs"])
    n_tab = sum(f.endswith(".tex") for f in info["outputs"])
    reused = " (reused from the stage cache)" if info.get("reused") else ""
    console.print(
        f"{n_fig} figures (PDF + PNG) and {n_tab} tables (CSV + LaTeX) -> {target}{reused}"
    )
    for name, reason in info["skipped"].items():
        console.print(f"[yellow]skipped[/yellow] {name}: {reason}")


RunDirArg = Annotated[
    Path, typer.Argument(help="A run folder (outputs of `discourse run`).", show_default=True)
]


@app.command("sample")
def sample_cli(
    run_dir: RunDirArg = Path("data/processed"),
    n: Annotated[int, typer.Option("--n", help="Number of units to code.", min=1)] = 200,
    strategy: Annotated[
        str, typer.Option("--strategy", help="random | stratified (source type x stance).")
    ] = "stratified",
    seed: Annotated[int | None, typer.Option("--seed", help="Overrides the config seed.")] = None,
    min_per_stratum: Annotated[
        int, typer.Option("--min-per-stratum", help="Floor per stratum (stratified).", min=0)
    ] = 5,
    output_dir: Annotated[
        Path | None, typer.Option("--output", "-o", help="Default: RUN_DIR/coding.")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing sample (and its codes).")
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Draw a coding sample with known inclusion probabilities; write the coding files."""
    from discourse.coding.stage import draw_run_sample, write_sample
    from discourse.io_utils import staged_outputs

    target = output_dir or run_dir / "coding"
    with _user_errors(target):
        cfg = load_config(config)
        if (target / "sample_manifest.json").exists() and not overwrite:
            raise InputError(
                f"{target} already holds a coding sample (sample_manifest.json); codes entered "
                "there would be overwritten. Choose another --output or pass --overwrite"
            )
        drawn = draw_run_sample(run_dir, n, strategy, seed, min_per_stratum, cfg)
        with staged_outputs(target, last="sample_manifest.json") as stage:
            info = write_sample(drawn, stage)
    strata = info["strata"]
    console.print(
        f"sample {info['sample_id']}: {info['n']} of {info['population']['content_segments']} "
        f"content segments, {info['strategy']}, {len(strata)} strata -> {target}"
    )
    console.print(
        f"code {target / 'coding.html'} (export CSV) or {target / 'codes.csv'}, then: "
        f"discourse estimate {run_dir} --codes <codes file>"
    )


@app.command("estimate")
def estimate_cli(
    run_dir: RunDirArg = Path("data/processed"),
    codes: Annotated[
        Path, typer.Option("--codes", help="Codes: CSV, Label Studio JSON or doccano JSONL.")
    ] = Path("data/processed/coding/codes.csv"),
    design: Annotated[
        Path | None,
        typer.Option("--design", help="The sample's design.json (default: next to --codes)."),
    ] = None,
    codes_format: Annotated[
        str, typer.Option("--format", help="auto | csv | labelstudio | doccano.")
    ] = "auto",
    by: Annotated[
        list[str] | None,
        typer.Option("--by", help="Grouping column (repeatable; default: source_type)."),
    ] = None,
    output_dir: Annotated[
        Path | None, typer.Option("--output", "-o", help="Default: RUN_DIR/estimates.")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Naive, coded and corrected (PPI++) prevalence with 95% intervals."""
    from discourse.io_utils import staged_outputs
    from discourse.prevalence.estimate import estimate_run, load_inputs

    target = output_dir or run_dir / "estimates"
    with _user_errors(target):
        cfg = load_config(config)
        inputs = load_inputs(run_dir, codes, design, cfg, codes_format)
        with staged_outputs(target, last="estimate_manifest.json") as stage:
            info = estimate_run(inputs, stage, cfg, tuple(by or ("source_type",)))
    import pandas as pd

    table = pd.read_csv(target / "prevalence_estimates.csv")
    overall = table[table["by"] == "overall"].pivot_table(
        index=["dimension", "variable"], columns="estimator", values="estimate", sort=False
    )
    _print_frame(Console(), "overall prevalence", overall.reset_index().round(3))
    console.print(f"{info['n_coded']} of {info['n_sampled']} sampled units coded -> {target}")
    if info["n_uncoded"]:
        console.print(
            f"[yellow]note[/yellow] {info['n_uncoded']} sampled units are not coded; they are "
            "treated as missing at random within their stratum"
        )


@app.command("report")
def report_cli(
    run_dir: Annotated[
        Path, typer.Option("--input", "-i", help="A run folder with figures/ and tables/.")
    ] = Path("data/processed"),
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="HTML file (default: <input>/report.html)."),
    ] = None,
) -> None:
    """Write one self-contained HTML page with the run's figures and tables."""
    from discourse.analysis.html_report import write_report

    with _user_errors(output or run_dir):
        path = write_report(run_dir, output)
    console.print(f"report -> {path}")


@app.command("privacy-check")
def privacy_check_cli(
    output_dir: Annotated[Path, typer.Argument(help="Folder of outputs to scan.")],
    input_dir: Annotated[
        Path, typer.Option("--input", "-i", help="The raw inputs the names come from.")
    ] = Path("data/raw"),
    config: ConfigOpt = None,
    allow: Annotated[
        list[str] | None, typer.Option("--allow", help="A name not to report (repeatable).")
    ] = None,
) -> None:
    """Scan every output for input author names/usernames, e-mails and phone numbers.

    Exit code 0 when nothing is found, 4 with the list of locations otherwise.
    """
    from discourse.privacy_check import identifiers_from_inputs, privacy_check

    with _user_errors(os_errors=False):
        cfg = load_config(config)
        names = identifiers_from_inputs(input_dir, cfg)
        findings, scanned = privacy_check(output_dir, names, allow or ())
    for finding in findings:
        console.print(str(finding), markup=False, highlight=False)
    console.print(
        f"privacy-check: {len(scanned)} files scanned for {len(names)} names, e-mail addresses "
        f"and phone numbers: {len(findings)} finding(s)"
    )
    if findings:
        raise typer.Exit(EXIT_PRIVACY)


@app.command("label")
def label_cli(
    input_file: Annotated[
        Path, typer.Option("--input", "-i", help="CSV, TSV, JSONL or Parquet table.")
    ],
    output_file: Annotated[
        Path, typer.Option("--output", "-o", help="Output table (format by extension).")
    ],
    text_column: Annotated[
        str, typer.Option("--text-column", help="Column holding the text.")
    ] = "text",
    labeler: Annotated[
        str, typer.Option("--labeler", help="Labeler name (see `discourse labelers`).")
    ] = "default",
    codebook: Annotated[
        Path | None, typer.Option("--codebook", help="Codebook TOML (default: packaged).")
    ] = None,
    cache_dir: Annotated[
        Path | None, typer.Option("--cache-dir", help="Embedding cache folder.")
    ] = None,
    weights: Annotated[
        Path | None, typer.Option("--weights", help="Fitted weights from `discourse train`.")
    ] = None,
) -> None:
    """Label any table with a text column; its other columns are kept."""
    from discourse.codebook import load_codebook
    from discourse.labels.stage import build_labeler, label_table, read_table, write_table

    with _user_errors(output_file):
        cb = load_codebook(codebook)
        model = build_labeler(labeler, cb, cache_dir=cache_dir, weights=weights)
        frame = read_table(input_file)
        out = label_table(frame, text_column, model)
        write_table(out, output_file)
    counts = out["stance"].value_counts().to_dict()
    console.print(
        f"{len(out)} rows labelled with {model.name} v{model.version} -> {output_file}; "
        f"stance: {counts}"
    )


@app.command("evaluate")
def evaluate_cli(
    gold: Annotated[
        Path, typer.Option("--gold", help="Hand-coded table: stance and 0/1 theme columns.")
    ],
    pred: Annotated[
        Path, typer.Option("--pred", help="Predicted table (e.g. from `discourse label`).")
    ],
    key: Annotated[
        str | None, typer.Option("--key", help="Join column (default: row order).")
    ] = None,
    codebook: Annotated[Path | None, typer.Option("--codebook", help="Codebook TOML.")] = None,
    output_dir: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder for the CSVs.")
    ] = None,
    bootstrap: Annotated[
        int,
        typer.Option(
            "--bootstrap", help="Resamples for the confidence intervals (0: no intervals)."
        ),
    ] = 1000,
    level: Annotated[float, typer.Option("--level", help="Coverage of the intervals.")] = 0.95,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the resampling.")] = 0,
) -> None:
    """Per-class precision, recall, F1, macro-F1, Cohen's kappa and confusion matrices, with
    percentile bootstrap confidence intervals over the evaluated units."""
    from discourse.codebook import load_codebook
    from discourse.io_utils import write_text
    from discourse.labels.bootstrap import bootstrap_intervals
    from discourse.labels.evaluate import evaluate
    from discourse.labels.stage import read_table

    with _user_errors(os_errors=False):
        if bootstrap < 0 or not 0 < level < 1:
            raise InputError(
                f"--bootstrap must be >= 0 (got {bootstrap}) and --level between 0 and 1 "
                f"(got {level})"
            )
        cb = load_codebook(codebook)
        gold_frame, pred_frame = read_table(gold), read_table(pred)
        result = evaluate(gold_frame, pred_frame, cb, key=key)
        intervals = (
            bootstrap_intervals(
                gold_frame, pred_frame, cb, key=key, n_boot=bootstrap, level=level, seed=seed
            )
            if bootstrap
            else None
        )
    out = Console()
    _print_frame(out, "summary", result.summary())
    _print_frame(out, "per class", result.per_class())
    for name, r in [("stance", result.stance), *result.themes.items()]:
        _print_frame(
            out, f"confusion: {name} (rows gold, columns predicted)", r.confusion.reset_index()
        )
    folder = output_dir or pred.parent
    frames = [
        ("evaluation_summary.csv", result.summary()),
        ("evaluation_per_class.csv", result.per_class()),
        ("evaluation_confusion.csv", result.confusion_long()),
    ]
    if intervals is not None:
        _print_frame(
            out,
            f"{level:.0%} bootstrap intervals ({bootstrap} resamples of the {result.stance.n} "
            "units)",
            intervals[["metric", "estimate", "low", "high", "n_valid"]],
        )
        frames.append(("evaluation_intervals.csv", intervals))
    with _user_errors(folder):
        for name, frame in frames:
            write_text(frame.to_csv(index=False, float_format="%.4f"), folder / name)
    console.print(f"wrote {', '.join(name for name, _ in frames)} to {folder}")


def _print_frame(out: Console, title: str, frame: Any) -> None:
    table = Table(title=title, show_header=True)
    for col in frame.columns:
        table.add_column(str(col))
    for row in frame.itertuples(index=False):
        table.add_row(*[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row])
    out.print(table)


@app.command("train")
def train_cli(
    annotations: Annotated[Path, typer.Option("--annotations", help="Annotation folder.")] = Path(
        "data/annotations"
    ),
    output_dir: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder for fitted weights (JSON).")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Markdown report to write.")
    ] = None,
    labelers_opt: Annotated[
        str | None,
        typer.Option(
            "--labelers", help="Comma-separated labelers to train (default: every registered one)."
        ),
    ] = None,
    setfit_dir: Annotated[
        Path | None, typer.Option("--setfit-dir", help="Where to save the fine-tuned encoder.")
    ] = None,
    cache_dir: Annotated[Path | None, typer.Option("--cache-dir", help="Embedding cache.")] = None,
    codebook: Annotated[Path | None, typer.Option("--codebook", help="Codebook TOML.")] = None,
    seed: Annotated[int, typer.Option("--seed")] = 13,
    embedding_backend: Annotated[
        str,
        typer.Option(
            "--embedding-backend",
            help="Embeddings the labelers are fitted on (minilm, minilm-static, ...); "
            "runs must use the same embeddings.backend.",
        ),
    ] = "minilm",
    document_cv: Annotated[
        bool,
        typer.Option(
            "--document-cv/--no-document-cv",
            help="Also score every labeler on the real advice-genre units, leaving one document "
            "out (one more fit per document).",
        ),
    ] = True,
) -> None:
    """Fit every labeler on train, choose the default on dev, refit on train+dev, score on test;
    score the real advice-genre units with each document left out."""
    from discourse.codebook import load_codebook
    from discourse.labels.training import train_and_evaluate, write_report

    with _user_errors(output_dir):
        cb = load_codebook(codebook)
        result = train_and_evaluate(
            annotations,
            output_dir,
            tuple(n.strip() for n in labelers_opt.split(",") if n.strip())
            if labelers_opt
            else None,
            cb,
            str(cache_dir) if cache_dir else None,
            seed,
            setfit_dir,
            embedding_backend,
            document_cv,
        )
    out = Console()
    _print_frame(out, "inter-coder agreement", result.agreement)
    _print_frame(out, "dev (fitted on train)", result.table("dev"))
    _print_frame(out, "test (fitted on train+dev)", result.table("test"))
    if result.document_cv:
        _print_frame(out, "advice-genre units, each document left out", result.table("document-cv"))
    console.print(f"default labeler (best on dev): {result.default}")
    if report is not None:
        with _user_errors(report):
            write_report(result, report)


@app.command("labelers")
def labelers_cli() -> None:
    """List the labelers with their versions; the default is marked."""
    from discourse.labels import labelers
    from discourse.labels.stage import default_labeler_name, packaged_weights

    default = default_labeler_name()
    table = Table(show_header=True)
    for col in ("labeler", "version", "packaged weights", "description"):
        table.add_column(col)
    for name in labelers.names():
        entry = labelers.entry(name)
        mark = " (default)" if name == default else ""
        table.add_row(
            name + mark, entry.version, "yes" if packaged_weights(name) else "no", entry.description
        )
    Console().print(table)


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
