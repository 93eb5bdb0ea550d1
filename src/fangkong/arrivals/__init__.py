"""Arrival self-reports (报备): a public page per community, classified against the risk
areas, verified by a worker and linked to the person file."""
