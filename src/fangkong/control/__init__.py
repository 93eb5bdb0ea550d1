"""管控: policies, control orders, quarantine sites, home quarantine, care teams, daily
follow-ups and alerts, control zones. See models.py for the rule of the module."""
