"""Response shapes (kept at this path for existing imports; they live in
:mod:`contract.baseline`)."""

from __future__ import annotations

from contract.baseline import (
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
    "Difference",
    "DifferenceKind",
    "FoldKeys",
    "Shape",
    "ShapeSeverity",
    "compare",
    "fold_field_errors",
    "format_of",
    "member_path",
    "merge",
    "shape_of",
    "summarize",
    "validate_shape",
]
