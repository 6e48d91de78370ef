"""Which record fields a JSONata expression reads, found with a small tokenizer.

Good enough for metric expressions, not a JSONata parser: string literals,
comments, numbers, ``$variables`` and ``$functions()`` are skipped, and of the
remaining names those that do not follow a ``.`` are the record's top-level
fields (``subresource_uris.media`` reads ``subresource_uris``). Back-quoted
names (`` `a field` ``) count as fields too. Regular-expression literals are
not recognised: a name inside ``/.../`` would be reported as a field.
"""

from __future__ import annotations

import re
from typing import Final

_TOKEN: Final = re.compile(
    r"""
      "(?:[^"\\]|\\.)*"                    # "string"
    | '(?:[^'\\]|\\.)*'                    # 'string'
    | /\*.*?\*/                            # /* comment */
    | `(?P<quoted>[^`]*)`                  # `back-quoted name`
    | \d+(?:\.\d+)?(?:[eE][+-]?\d+)?       # number
    | \$\$?[A-Za-z0-9_]*                   # $variable, $function, $, $$
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)     # name
    | (?P<dot>\.)                          # path step
    | \S                                   # any other symbol
    """,
    re.VERBOSE | re.DOTALL,
)
_KEYWORDS: Final = frozenset({"and", "or", "in", "true", "false", "null", "function"})


def fields_read(source: str) -> list[str]:
    """Return the top-level record fields ``source`` reads, in order of appearance."""
    fields: list[str] = []
    after_dot = False
    for token in _TOKEN.finditer(source):
        name = token["name"] if token["name"] is not None else token["quoted"]
        is_field = (
            name is not None
            and not after_dot
            and (token["quoted"] is not None or name not in _KEYWORDS)
        )
        if is_field and name not in fields:
            fields.append(str(name))
        after_dot = token["dot"] is not None
    return fields
