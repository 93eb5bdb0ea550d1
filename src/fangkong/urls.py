import os

from django.urls import include, path

from fangkong.api import api
from fangkong.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("fangkong.accounts.urls")),
    path("audit/", include("fangkong.core.urls")),
    path("registry/", include("fangkong.registry.urls")),
    path("riskareas/", include("fangkong.riskareas.urls")),
    path("screening/", include("fangkong.screening.urls")),
    path("pushlists/", include("fangkong.pushlists.urls")),
    path("arrivals/", include("fangkong.arrivals.urls")),
    path("control/", include("fangkong.control.urls")),
    path("testing/", include("fangkong.testing.urls")),
    path("support/", include("fangkong.support.urls")),
    path("reports/", include("fangkong.reports.urls")),
    path("notices/", include("fangkong.notices.urls")),
    path("messages/", include("fangkong.messaging.urls")),
    path("me/", include("fangkong.residents.urls")),
    path("api/v1/", api.urls),
]

# The bare endpoint of `fangkong bench sampling` (ADR 0020), on the benchmark's own
# server only: never mounted otherwise.
if os.environ.get("FANGKONG_BENCH_BARE") == "1":  # pragma: no cover
    from fangkong.testing.bench.bare import bare_scans

    urlpatterns.append(path("bench/bare-scans", bare_scans))

handler403 = "fangkong.core.views.forbidden"
handler404 = "fangkong.core.views.not_found"
handler500 = "fangkong.core.views.server_error"
