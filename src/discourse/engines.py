"""Execution engines for the per-file and per-segment stages.

An engine maps a module-level function over a sequence of work items and yields the results
in input order, so the pipeline's outputs do not depend on the engine:

* ``pandas`` (default): in this process, one item after another;
* ``dask``: on a Dask cluster, a local one (``LocalCluster``, one single-threaded worker
  process per core) unless a scheduler address is given. At most ``window`` items are in
  flight, so results never pile up in memory faster than they are written.

The driver (the process running :func:`discourse.pipeline.run`) keeps everything that depends
on order: duplicate marking, the Parquet writers and the manifest.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from discourse.errors import InputError
from discourse.registry import Registry

__all__ = ["DaskEngine", "LocalEngine", "engines", "make_engine"]

#: Engines by name.
engines: Registry[Any] = Registry("engine")


@engines.register("pandas", version="1", description="in-process, one item after another")
class LocalEngine:
    """Runs every item in this process."""

    name = "pandas"

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def map(self, fn: Callable[..., Any], items: Iterable[Any], **kwargs: Any) -> Iterator[Any]:
        """``fn(item, **kwargs)`` for each item, in order."""
        for item in items:
            yield fn(item, **kwargs)

    def describe(self) -> dict[str, Any]:
        """What the manifest records about the engine."""
        return {"name": self.name}


@engines.register("dask", version="1", description="Dask: a local cluster or --scheduler ADDRESS")
class DaskEngine:
    """Runs items as Dask tasks.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://host:8786``); ``None`` starts a local cluster.
    n_workers
        Worker processes of the local cluster (default: the number of cores).
    window
        Items in flight at once (default: four per worker).
    """

    name = "dask"

    def __init__(
        self, scheduler: str | None = None, n_workers: int | None = None, window: int | None = None
    ) -> None:
        self.scheduler = scheduler
        self.n_workers = n_workers
        self.window = window
        self._client: Any = None
        self._cluster: Any = None
        self._depth = 0

    def __enter__(self) -> DaskEngine:
        self._depth += 1
        if self._client is not None:  # re-entered (a caller's `with` around run's own)
            return self
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - dask is a dependency
            raise RuntimeError("the dask engine needs dask[distributed] installed") from exc
        if self.scheduler:
            self._client = Client(self.scheduler)
        else:
            self._cluster = LocalCluster(
                n_workers=self.n_workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,
            )
            self._client = Client(self._cluster)
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

    @property
    def n_workers_(self) -> int:
        """Workers the client sees."""
        return max(len(self._client.scheduler_info().get("workers", {})), 1)

    def map(self, fn: Callable[..., Any], items: Iterable[Any], **kwargs: Any) -> Iterator[Any]:
        """``fn(item, **kwargs)`` for each item on the cluster; results in input order."""
        if self._client is None:
            raise RuntimeError("use the engine as a context manager: `with DaskEngine() as e:`")
        window = self.window or 4 * self.n_workers_
        shared = {k: self._client.scatter(v, broadcast=True, hash=False) for k, v in kwargs.items()}
        pending: deque[Any] = deque()
        for item in items:
            pending.append(self._client.submit(fn, item, pure=False, **shared))
            if len(pending) >= window:
                yield _take(pending)
        while pending:
            yield _take(pending)

    def describe(self) -> dict[str, Any]:
        """What the manifest records (the local cluster's size, or that a scheduler was used)."""
        if self.scheduler:
            return {"name": self.name, "scheduler": "external"}
        return {"name": self.name, "scheduler": "local", "workers": self.n_workers_}


def _take(pending: deque[Any]) -> Any:
    future = pending.popleft()
    result = future.result()
    future.release()
    return result


def make_engine(name: str = "pandas", scheduler: str | None = None, **params: Any) -> Any:
    """An engine by name; ``scheduler`` only applies to ``dask``.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones), or a scheduler given to an
        engine that has none.
    """
    try:
        cls = engines.get(name)
    except KeyError as exc:
        raise InputError(exc.args[0]) from None
    if scheduler is not None:
        if name != "dask":
            raise InputError(f"--scheduler needs --engine dask (got engine {name!r})")
        params["scheduler"] = scheduler
    return cls(**params)
