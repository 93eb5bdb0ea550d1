"""Control: zones."""
