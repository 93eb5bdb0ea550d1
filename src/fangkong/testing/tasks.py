"""The background tasks of mass testing, imported here so that huey's consumer (which
discovers `<app>.tasks`) registers them: opening a campaign, the labs' uploads and the
periodic matching of results."""

from .campaigns.services import run_materialise
from .labs.tasks import match_known_results, run_import

__all__ = ["match_known_results", "run_import", "run_materialise"]
