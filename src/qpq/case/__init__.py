"""The case file: schema, loading, as-of dating, queries and the integrity audit."""

from qpq.case.dates import DateParseError, FuzzyDate, Precision
from qpq.case.loader import BUILTIN_CASE, CASE_FILES, Case, builtin_case_path, load_case

__all__ = [
    "BUILTIN_CASE",
    "CASE_FILES",
    "Case",
    "DateParseError",
    "FuzzyDate",
    "Precision",
    "builtin_case_path",
    "load_case",
]
