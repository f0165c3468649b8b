"""Write a scenario as TOML (the standard library reads TOML but does not write it).

Only the shapes a scenario has: nested tables, arrays of tables, strings, numbers, booleans,
arrays of scalars, and small mappings (texts, shares) written inline.
"""
from __future__ import annotations

import json
import math


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "nan"
    if isinstance(value, str):  # JSON's escapes (\n, \", \\, \uXXXX) are TOML's too
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_scalar(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() else json.dumps(key)


def _inline(value) -> bool:
    """Mappings of scalars (a text in two languages, shares) stay on one line."""
    return isinstance(value, dict) and all(not isinstance(v, (dict, list)) or (isinstance(v, list) and not
                                           any(isinstance(x, dict) for x in v)) for v in value.values())


def dumps(data: dict, prefix: str = "") -> str:
    """TOML text for a mapping (as Scenario.to_dict() gives it)."""
    lines, tables, arrays = [], [], []
    for key, value in data.items():
        if isinstance(value, dict) and not _inline(value):
            tables.append((key, value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            arrays.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_scalar(value)}")
    out = "\n".join(lines)
    for key, value in tables:
        name = f"{prefix}{_key(key)}"
        out += f"\n\n[{name}]\n" + dumps(value, name + ".")
    for key, items in arrays:
        name = f"{prefix}{_key(key)}"
        for item in items:
            out += f"\n\n[[{name}]]\n" + dumps(item, name + ".")
    return out.strip("\n") + ("\n" if not prefix else "")
