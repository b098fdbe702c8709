"""gunicorn settings module of `make serve` (webapp/serve.py): hooks only, the options are on the command line."""
from __future__ import annotations


def post_worker_init(worker) -> None:
    """Compile the current version of every process before the worker takes requests, so that its first
    requests (one per process, after every recycling) do not each pay for parsing the diagrams."""
    service = worker.wsgi.extensions["service"]
    for dep in service.latest().values():
        service.compiled(dep.bundle_hash)
