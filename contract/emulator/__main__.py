"""`python -m contract.emulator`: the same command as `close-contract serve`."""

from __future__ import annotations

from contract.emulator._cli import serve_command

if __name__ == "__main__":
    serve_command(prog_name="python -m contract.emulator")
