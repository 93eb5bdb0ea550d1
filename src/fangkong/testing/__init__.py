"""全员核酸检测: mass testing (issue 5). See models.py and docs/adr/0018."""
