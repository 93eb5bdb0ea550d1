"""Control: sites."""
