"""Control: orders."""
