"""A shell script per root cause, beside the JSON report: ``close-contract reproduce``.

The curl commands of a finding stop reproducing once its run is over (cleanup deleted the
lead and references they name), and a bare curl script would delete whatever id a
regressed server hands back. The script instead runs the finding again through
``close-contract reproduce``, which makes what the finding needs, proves it its own before
any write, and deletes it afterwards.
"""

from __future__ import annotations

import shlex
from pathlib import Path

__all__ = ["script_for", "scripts_dir"]


def scripts_dir(json_path: Path) -> Path:
    """Where the scripts of the JSON report ``json_path`` go: ``NAME-reproduce/``."""
    return json_path.with_name(f"{json_path.stem}-reproduce")


def script_for(fingerprint: str, check: str, title: str, report_name: str) -> str:
    """The script of one root cause; it finds the report beside its own directory."""
    title = " ".join(title.split())
    if len(title) > 160:
        title = title[:159] + "…"
    return f"""#!/bin/sh
# Root cause {fingerprint}: [{check}] {title}
#
# Runs this finding again and says "reproduced" (exit 1) or "not reproduced" (exit 0).
# Without options it uses the report's target: the embedded emulator with the same faults,
# or the same API root with the key in CLOSE_API_KEY. Any option of `close-contract
# reproduce` may follow, e.g. --base-url https://api.close.com/api/v1.
# It makes what the finding needs (a lead, contacts, referenced instances) under a fresh
# token, proves them its own before any write, and deletes them afterwards.
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
exec close-contract reproduce "$here/../"{shlex.quote(report_name)} {fingerprint} "$@"
"""
