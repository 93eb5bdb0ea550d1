"""Background tasks of the registry (defined beside their work; listed here so huey's
consumer discovers them)."""

from .ledger_jobs import run_import

__all__ = ["run_import"]
