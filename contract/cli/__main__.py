"""``python -m contract.cli``: the same command as ``close-contract``."""

from contract.cli import main

main(prog_name="close-contract")
