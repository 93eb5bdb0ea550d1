"""Pushed lists (大数据推送/协查名单): matched to the registry and checked on the ground
(落地查人) by the responsible community, before a deadline."""
