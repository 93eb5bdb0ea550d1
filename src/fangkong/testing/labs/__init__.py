"""The labs area of mass testing."""
