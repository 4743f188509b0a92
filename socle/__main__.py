"""`python -m socle` runs the CLI."""

from socle.cli.app import main

main()
