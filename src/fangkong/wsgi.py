import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
application = get_wsgi_application()

# Import the URLconf (every view module and the API's schemas) now rather than on a
# worker's first request: `fangkong serve` preloads this module in gunicorn's master,
# so a worker recycled under load starts warm instead of holding its requests for the
# second that building the URLs takes (ADR 0020).
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018
