"""Normalisation for the organization search (``q``): case-insensitive, Cyrillic-aware.

Databases disagree on folding Cyrillic (SQLite's ``lower()`` is ASCII-only), so the same Python
folding is applied to the stored search column and to the query, and the database only does a
plain ``LIKE`` substring match.
"""
from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")
# Quotes people rarely type in a search box: «Городская поликлиника» is found by городская поликлиника.
_IGNORED = str.maketrans({"«": " ", "»": " ", '"': " ", "„": " ", "“": " ", "”": " "})


def normalize(text: str | None) -> str:
    """Fold case (ё counts as е), drop decorative quotes and collapse whitespace."""
    if not text:
        return ""
    folded = text.casefold().replace("ё", "е").translate(_IGNORED)
    return _SPACES.sub(" ", folded).strip()


def search_text(*parts: str | None) -> str:
    """The stored search column of an organization: its searchable fields, normalised.

    Parts are joined by a newline so that a query never matches across two fields.
    """
    return "\n".join(normalize(p) for p in parts if p)


def like_pattern(query: str) -> str:
    """A ``LIKE`` pattern (escape character ``\\``) matching ``query`` as a substring."""
    escaped = normalize(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
