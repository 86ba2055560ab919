"""`python -m pos_plugin` is the same as the `pos-plugin` command."""

from pos_plugin.cli import main

main()
