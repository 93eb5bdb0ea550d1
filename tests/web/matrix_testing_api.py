"""The scans API of mass testing: device-token routes (a site's phone or PC), tested
with staff and lab tokens refused in tests/testing/test_ingest.py."""

DEVICE_API_ROUTES = {("GET", "/device"), ("POST", "/scans")}

ROUTES: list = []  # no pages here: the areas' plugins list theirs
