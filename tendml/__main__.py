"""``python -m tendml`` runs the command line."""

from tendml.cli import main

main()
