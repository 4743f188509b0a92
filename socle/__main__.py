"""`python -m socle` runs the CLI."""

from socle.cli import main

main()
