"""What a rule's pattern says about its secrets: how much fixed text every secret carries.

A secret that always holds a provider's own literal (`ghp_`, `xoxb-`, `AKIA`, `.atlasv1.`) is
recognised by its format alone; one found only because a keyword stood nearby (`heroku... =
<32 hex>`) is not. The rule loader turns this into a rule's default confidence.
"""

from __future__ import annotations

import re

# re's own parser: the only complete reading of Python's pattern syntax. It is internal, so
# every use below is guarded: a pattern it cannot read counts as having no fixed text.
from re import _constants as sre_constants  # type: ignore[attr-defined,unused-ignore]
from re import _parser as sre_parser  # type: ignore[attr-defined,unused-ignore]
from typing import Any

# Fixed characters a secret needs to be recognised by its format alone.
FORMAT_LITERALS = 3


def _fixed(items: Any) -> int:
    """Characters every match of the parsed sequence `items` holds literally (a lower bound)."""
    count = 0
    for op, argument in items:
        if op is sre_constants.LITERAL:
            count += 1
        elif op is sre_constants.SUBPATTERN:
            count += _fixed(argument[3])
        elif op is sre_constants.BRANCH:
            count += min(_fixed(branch) for branch in argument[1])
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and argument[0] >= 1:
            count += _fixed(argument[2]) * min(argument[0], 1)
    return count


def _group(items: Any, number: int) -> Any:
    """The parsed body of capture group `number`, or None."""
    for op, argument in items:
        found = None
        if op is sre_constants.SUBPATTERN:
            if argument[0] == number:
                return argument[3]
            found = _group(argument[3], number)
        elif op is sre_constants.BRANCH:
            found = next(
                (g for g in (_group(b, number) for b in argument[1]) if g is not None), None
            )
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            found = _group(argument[2], number)
        if found is not None:
            return found
    return None


def fixed_characters(pattern: str, secret_group: int) -> int:
    """How many characters every secret the pattern captures holds literally (0 if unknown)."""
    try:
        parsed = sre_parser.parse(pattern)
    except (re.error, RecursionError, AttributeError, TypeError):
        return 0
    body = parsed if secret_group == 0 else _group(parsed, secret_group)
    return 0 if body is None else _fixed(body)
