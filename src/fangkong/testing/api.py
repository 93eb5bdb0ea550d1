"""The mass-testing API, mounted at /api/v1/testing/: the sampling devices' scans and
the labs' results, each area with its own router and its own kind of device token."""

from .labs.api import router as labs_router
from .sampling.api import router as sampling_router

ROUTERS = (sampling_router, labs_router)
