"""Baselines: the response shapes and statuses a target showed, written to a file, and
how a later run or another baseline differs from one (``Regression`` violations).

Baselines are keyed by type and field names, not ids (``PortableNames``), so one recorded
on one organization or deployment compares with another that has the same types.

A shape (see :func:`shape_of`) records keys, JSON types, string formats and nullability,
and nothing that varies between responses; :func:`compare` lists how a newer shape
differs from an older one, each difference with a severity.

Files a user points at (a baseline, or a recording's cassette and corpus) are read with
:func:`read_file_bytes`: only a regular file within :data:`MAX_FILE_BYTES`, so a link to a
device or a named pipe is refused rather than read forever or waited on.
"""

from __future__ import annotations

from contract.baseline._baseline import (
    BASELINE_FILE,
    ENDPOINT,
    FORMAT_VERSION,
    NON_JSON,
    Baseline,
    baseline_file,
    load_baseline,
    operation_key,
    operation_type,
    template_path,
    write_baseline,
)
from contract.baseline._files import MAX_FILE_BYTES, read_file_bytes
from contract.baseline._names import (
    CUSTOM_PREFIX,
    DeclaredField,
    NamedType,
    PortableNames,
    TypeDefinition,
    portable_keys,
)
from contract.baseline._recorder import BaselineRecorder, parse_body
from contract.baseline._regressions import (
    compare_baselines,
    compare_run,
    diff_paths,
    format_differences,
)
from contract.baseline._shapes import (
    Difference,
    DifferenceKind,
    FoldKeys,
    Shape,
    ShapeSeverity,
    compare,
    fold_field_errors,
    format_of,
    member_path,
    merge,
    shape_of,
    summarize,
    validate_shape,
)

__all__ = [
    "BASELINE_FILE",
    "CUSTOM_PREFIX",
    "ENDPOINT",
    "FORMAT_VERSION",
    "MAX_FILE_BYTES",
    "NON_JSON",
    "Baseline",
    "BaselineRecorder",
    "DeclaredField",
    "Difference",
    "DifferenceKind",
    "FoldKeys",
    "NamedType",
    "PortableNames",
    "Shape",
    "ShapeSeverity",
    "TypeDefinition",
    "baseline_file",
    "compare",
    "compare_baselines",
    "compare_run",
    "diff_paths",
    "fold_field_errors",
    "format_differences",
    "format_of",
    "load_baseline",
    "member_path",
    "merge",
    "operation_key",
    "operation_type",
    "parse_body",
    "portable_keys",
    "read_file_bytes",
    "shape_of",
    "summarize",
    "template_path",
    "validate_shape",
    "write_baseline",
]
