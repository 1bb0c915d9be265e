"""Outputs: the report, the failures CSV, the diff, the undo file, written atomically."""
