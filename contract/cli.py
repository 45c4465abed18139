"""Front door: the ``close-contract`` command (argument parsing and rendering only)."""

from __future__ import annotations

import json
import sys

import click

from contract import __version__
from contract.errors import ContractError

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="close-contract")
def main() -> None:
    """Contract tests for the Close CRM Custom Object API."""


@main.command()
def run() -> None:
    """Summarise the contract: schemas loaded and the documented example checked."""
    from contract.schemas import SCHEMA_NAMES, load_schema, validator_for

    try:
        for name in SCHEMA_NAMES:
            schema = load_schema(name)
            click.echo(f"schema {name:<32} {len(json.dumps(schema)):>6} bytes")
        example = {
            "custom_object_type_id": "cotype_1h5m6uHM9BZOpwVhyRJb4Y",
            "lead_id": "lead_hwnL36A2iEMSLIlmGhsdrcmOJzTUzqEHwr66wrA1K2T",
            "name": "Resource",
        }
        validator = validator_for(load_schema("custom_object_create_request"))
        problems = [e.message for e in validator.iter_errors(example)]
    except ContractError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    click.echo("documented create example: " + ("valid" if not problems else "; ".join(problems)))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
