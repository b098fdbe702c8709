"""gunicorn settings module of `make serve` (webapp/serve.py): hooks only, the options are on the command line."""
from __future__ import annotations

import gc
import os


def post_worker_init(worker) -> None:
    """Compile the current version of every process before the worker takes requests, so that its first
    requests (one per process, after every recycling) do not each pay for parsing the diagrams. Then keep what
    is loaded (the app, the compiled diagrams) out of the garbage collector's passes (`gc.freeze`) and run them
    less often (GC_THRESHOLD allocations, default 20,000, `0` keeps Python's 700): a step allocates many objects
    that reference counting frees anyway (6 pairs of HTTP runs on 2 cores: median 205 against 194 steps/s)."""
    service = worker.wsgi.extensions["service"]
    for dep in service.latest().values():
        service.compiled(dep.bundle_hash)
    tune_gc()


def tune_gc() -> None:
    """Keep what is loaded out of the collector's passes and run them every GC_THRESHOLD allocations."""
    threshold = int(os.environ.get("GC_THRESHOLD") or 20000)
    if threshold:
        gc.collect()
        gc.freeze()
        gc.set_threshold(threshold, 50, 100)
