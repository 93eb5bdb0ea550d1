"""Living support (代购、送药、就医): residents' requests for help and their handling."""
