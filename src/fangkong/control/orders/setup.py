"""Menu entries and plug-ins of this area, registered when the app is ready."""


def ready() -> None:
    """Nothing to register yet."""
