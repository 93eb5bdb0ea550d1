"""The sampling area of mass testing."""
