"""Converting on a Dask cluster (``cleanart[dask]``): the same run, other machines' processes.

Dask does the scheduling, the transport and the retries; cleanart only cuts the work
into partitions and reads the results back in order:

- ``run`` is ``batch.run`` on a cluster.  The planning process walks the inputs (or
  reads the records of record files) and submits partitions of tasks as futures, at
  most a few per worker thread at a time, so memory stays flat on every side.  Each
  worker reads its inputs and writes its outputs itself (shared or object storage);
  only messages, and the text bound for stdout, come back.  Results are handed out in
  input order, so stdout, the messages and the summary are those of a local run.
- A worker that dies takes its partitions with it; Dask runs them again elsewhere.
  Outputs are written whole under names fixed by the input, so a partition run twice
  writes the same files again, never a second copy.  A partition whose workers keep
  dying fails its inputs, each reported by path, and the run goes on.
- ``convert_bag`` serves people who already hold a Dask bag of records or documents.
"""

from __future__ import annotations

import json
import re
from collections import deque
from typing import Iterable, Iterator

from .batch import Job, Result, Task, chunks, convert_one
from .records import Fields


def convert_partition(tasks: list[Task], job: Job) -> list[Result]:
    """What a worker runs: convert (and write) each task of a partition, in order."""
    return [convert_one(task, job) for task in tasks]


def run(
    tasks: Iterable[Task],
    job: Job,
    client,
    chunk: int = 64,
    window: int | None = None,
    finished: list[Result] | None = None,
) -> Iterator[Result]:
    """Convert ``tasks`` on the cluster behind ``client``; results in task order.

    At most ``window`` partitions are in flight (default: four per worker thread).
    If the run is stopped, the results already finished are added to ``finished``.
    """
    from distributed import KilledWorker

    if window is None:
        threads = sum(client.nthreads().values()) or 1
        window = max(2, 4 * threads)
    shared_job = client.scatter(job, broadcast=True, hash=False)
    pending: deque = deque()  # (future, its tasks)
    try:
        for part in chunks(tasks, chunk):
            pending.append((client.submit(convert_partition, part, shared_job, pure=False), part))
            while len(pending) >= window:
                yield from _results(pending.popleft(), KilledWorker)
        while pending:
            yield from _results(pending.popleft(), KilledWorker)
    except BaseException:
        if finished is not None:
            for future, _part in pending:
                if future.status == "finished":
                    finished.extend(future.result())
        client.cancel([future for future, _part in pending])
        raise


def _results(item, killed_worker) -> list[Result]:
    future, part = item
    try:
        return future.result()
    except killed_worker:
        message = "the workers converting it died again and again (see the scheduler's log); not converted"
        return [Result(task.path, ok=False, messages=[message]) for task in part]


def check_workers(client) -> str | None:
    """Why the cluster cannot run this conversion (a worker without this cleanart), or None."""
    from . import __version__

    try:
        versions = client.run(_cleanart_version)
    except Exception as exc:  # a worker that cannot import cleanart at all
        return f"a worker cannot run cleanart: {type(exc).__name__}: {exc}"
    if not versions:
        return "the cluster has no workers"
    for worker, version in sorted(versions.items()):
        if version != __version__:
            return f"worker {worker} has cleanart {version}, this is cleanart {__version__}"
    return None


def _cleanart_version() -> str:
    from cleanart import __version__

    return __version__


class Cluster:
    """A client of the scheduler at ``scheduler``, else of a local cluster of ``workers``
    single-threaded processes, started here and closed with the client."""

    def __init__(self, scheduler: str | None, workers: int):
        import logging

        from distributed import Client, LocalCluster

        # A worker lost and its partition run again is Dask's business, said in the scheduler's
        # log; in the driver it would be a line among cleanart's, different from a local run's.
        for name in ["distributed", *logging.root.manager.loggerDict]:  # Dask's config sets some one by one
            if name.startswith("distributed"):
                logging.getLogger(name).setLevel(logging.ERROR)
        self.local = None
        if not scheduler:
            import dask

            # No dashboard, so no profiler: its history of call trees (one a second, kept an
            # hour) grows a worker by ~0.1 MB a second, which the conversion itself does not.
            with dask.config.set({"distributed.worker.profile.enabled": False}):
                self.local = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
        self.client = Client(scheduler or self.local)

    def close(self) -> None:
        self.client.close()
        if self.local is not None:
            self.local.close()


# --- for people who hold a Dask bag -----------------------------------------------------


def convert_bag(bag, options=None, fields: Fields = Fields()):
    """A bag of JSON records (the README's schema), one per item of ``bag``.

    An item is a record as a dict (its HTML in one of ``fields.html``, other fields
    its metadata, as in a JSON Lines file) or a document as str or bytes (front
    matter and HTML, a whole page...).  An item that cannot be converted becomes
    ``{"source": ..., "error": "reason"}`` and the others go on::

        import dask.bag as db
        from cleanart.dask import convert_bag
        pages = db.read_text("s3://crawl/*.jsonl.gz").map(json.loads)
        convert_bag(pages).map(json.dumps).to_textfiles("s3://clean/*.jsonl")
    """
    return bag.map_partitions(_convert_items, options, fields)


def _convert_items(items, options, fields: Fields) -> list[dict]:
    from .api import clean
    from .records import clean_parsed, parse_object

    out = []
    for number, item in enumerate(items, 1):
        source = "-"
        try:
            if isinstance(item, dict):
                source = str(item.get("url") or f"item {number}")
                header, body, charset = parse_object(_as_json(item), fields)
                article = clean_parsed(header, body, charset, source, options)
            else:
                article = clean(item, source, options)
            out.append(article.to_dict())
        except Exception as exc:  # one item's problem is that item's, not the partition's
            out.append({"source": source, "error": str(exc) or type(exc).__name__})
    return out


def _as_json(item: dict) -> dict:
    """A dict item as the same record read from a JSON Lines line: what it converts as.

    An item that holds only what JSON holds (what ``json.loads`` gives) is that
    already, and passes as it is: turning its page into JSON text and back cost
    about a tenth of the time cleaning a saved page takes.  Any other item (a date,
    a tuple, a number key, a string that is not UTF-8, a list holding itself) takes
    that round trip, which writes dates as text and raises what it raised before.
    """
    if _plain_json(item):
        return item
    from .records import load_json

    return load_json(json.dumps(item, ensure_ascii=False, default=str).encode("utf-8"))


SURROGATE = re.compile("[\ud800-\udfff]")  # a lone half of a UTF-16 pair: no UTF-8 for it
PLAIN_DEPTH = 32  # deeper (or circular) values are left to the round trip


def _plain_json(value, depth: int = 0) -> bool:
    """Whether JSON text (in UTF-8) would give ``value`` back unchanged, types included."""
    kind = type(value)
    if kind is str:
        return value.isascii() or not SURROGATE.search(value)
    if kind in (int, float, bool) or value is None:
        return True
    if depth >= PLAIN_DEPTH:
        return False
    if kind is list:
        return all(_plain_json(v, depth + 1) for v in value)
    if kind is dict:
        return all(type(k) is str and _plain_json(k) and _plain_json(v, depth + 1) for k, v in value.items())
    return False
