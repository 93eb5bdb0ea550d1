"""Screening rounds (排查): door to door by compound, signed off level by level, with
coverage at every level."""
