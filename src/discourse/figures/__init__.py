"""Publication figures: house style, one function per figure, reproducible PDF/PNG output.

Typical use::

    from discourse.figures import save_figure, stance_by_source

    fig = stance_by_source(prevalence_table, stances=codebook.stance_labels)
    save_figure(fig, out_dir, "stance_by_source")  # writes .pdf and .png, closes the figure

The figure functions return a :class:`matplotlib.figure.Figure` on a non-interactive (Agg)
canvas and never show or save anything themselves.
"""

from discourse.figures.plots import (
    confusion_matrices,
    cooccurrence_heatmap,
    corpus_overview,
    distinctive_words,
    stance_by_source,
    theme_by_stance,
    topic_by_stance_heatmap,
    topics_over_time,
)
from discourse.figures.save import save_figure
from discourse.figures.style import CMAP, OKABE_ITO, color_map, paper_style, size

__all__ = [
    "CMAP",
    "OKABE_ITO",
    "color_map",
    "confusion_matrices",
    "cooccurrence_heatmap",
    "corpus_overview",
    "distinctive_words",
    "paper_style",
    "save_figure",
    "size",
    "stance_by_source",
    "theme_by_stance",
    "topic_by_stance_heatmap",
    "topics_over_time",
]
