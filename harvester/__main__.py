"""`python -m harvester` runs the command line (as the `harvester` script does)."""

from harvester.cli import main

main()
