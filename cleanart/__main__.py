"""``python -m cleanart``: the same as the ``cleanart`` command."""

from .cli import main

main()
