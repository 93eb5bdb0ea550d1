"""The field area of mass testing."""
