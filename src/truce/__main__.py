"""`python -m truce` runs the CLI."""

from truce.cli import main

main()
