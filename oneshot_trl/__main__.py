"""``python -m oneshot_trl`` runs the ``oneshot`` CLI."""

from .cli import main

main()
