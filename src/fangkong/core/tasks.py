"""Background tasks of core (defined beside their work; listed here so huey's consumer
discovers them)."""

from .exports import run_export

__all__ = ["run_export"]
