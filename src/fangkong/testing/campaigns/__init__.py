"""The campaigns area of mass testing."""
