"""Medium- and high-risk areas (中高风险地区): the district's list with its history, and
what level an origin had on a given day."""
