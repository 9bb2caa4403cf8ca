"""Corpus summary tables: documents, segments and words by source type."""

from __future__ import annotations

import pandas as pd

__all__ = ["corpus_summary", "main_source_types"]


def main_source_types(segments: pd.DataFrame, documents: pd.DataFrame | None = None) -> pd.Series:
    """The main source type of each document: the type holding most of its segments.

    Ties are broken by the document's own source type (``documents.source_type``, the type it
    was ingested as) when it is among the tied types, then alphabetically, so the result is
    deterministic.

    Parameters
    ----------
    segments
        All segments, with ``doc_id`` and ``source_type``.
    documents
        Optional documents table with ``doc_id`` and ``source_type``.

    Returns
    -------
    pandas.Series
        Source type indexed by ``doc_id`` (sorted), one entry per document with segments.
    """
    counts = segments.groupby(["doc_id", "source_type"]).size().rename("n").reset_index()
    own: dict = {}
    if documents is not None and {"doc_id", "source_type"} <= set(documents.columns):
        own = dict(zip(documents["doc_id"], documents["source_type"]))
    counts["own"] = [own.get(d) == t for d, t in zip(counts["doc_id"], counts["source_type"])]
    counts = counts.sort_values(
        ["doc_id", "n", "own", "source_type"], ascending=[True, False, False, True]
    )
    main = counts.drop_duplicates("doc_id").set_index("doc_id")["source_type"]
    return main.rename("main_source_type")


def corpus_summary(segments: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Documents, segments, content segments, boilerplate, duplicates and words per source
    type, with an ``all`` row.

    A document can hold segments of several source types (an article and its comment
    thread). ``documents`` counts each document once, under its main source type
    (:func:`main_source_types`), so the column adds up to the ``all`` row;
    ``documents_containing`` counts the documents with at least one segment of the type (the
    documents behind that type's shares and intervals), which can add up to more.

    Returns
    -------
    pandas.DataFrame
        Columns ``source_type, documents, documents_containing, segments, content_segments,
        boilerplate, duplicates, words, mean_words_per_segment``; one row per source type
        (sorted), then ``all``.
    """
    seg = segments.assign(
        content=~segments["boilerplate"].astype(bool) & segments["duplicate_of"].isna()
    )
    by = seg.groupby("source_type")
    main = main_source_types(segments, documents)
    out = pd.DataFrame(
        {
            "documents": main.value_counts().reindex(by.size().index, fill_value=0),
            "documents_containing": by["doc_id"].nunique(),
            "segments": by.size(),
            "content_segments": by["content"].sum(),
            "boilerplate": by["boilerplate"].sum(),
            "duplicates": by["duplicate_of"].count(),
            "words": by["n_words"].sum(),
        }
    )
    out = out.astype("int64").reset_index()
    total = out.drop(columns="source_type").sum().to_dict()
    total["documents_containing"] = total["documents"] = int(segments["doc_id"].nunique())
    out = pd.concat([out, pd.DataFrame([{"source_type": "all", **total}])], ignore_index=True)
    out["mean_words_per_segment"] = (out["words"] / out["segments"]).round(1)
    return out
