"""The pure engine: no file, clock, network or database access. Time is always an argument."""
