"""`python -m importer` runs the command line."""

from importer.cli import main

main()
