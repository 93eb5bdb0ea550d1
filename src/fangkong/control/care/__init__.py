"""Control: care."""
