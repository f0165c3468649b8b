"""Dictionary values in an import: value maps, codes added on request, the valid codes named.

A file's values for a dictionary field (industry, region, lost reason …) are read by code or by
either language's name. Three ways past an unknown value, none of them silent:
- a value map (`values={"industry": {"medical": "healthcare"}}`, `--value industry:medical=healthcare`)
  turns the file's spelling into a code (or a name) the dictionary has;
- `add_codes=True` (`--add-codes`, the administrator only: they alone edit the dictionary) adds
  every unknown value as a new code, its name in both languages being the value as written, and
  the report lists them;
- otherwise the row is rejected and its reason lists the valid codes.
"""
from __future__ import annotations

import re
import unicodedata

from ..errors import InvalidInput
from ..i18n import translate

# The dictionary field of each import kind → its dictionary kind.
DICTIONARY_FIELDS = {
    "customers": {"level": "customer_level", "region": "region", "industry": "industry",
                  "customer_type": "customer_type", "ownership": "ownership", "company_size": "company_size"},
    "products": {"category": "product_category"},
    "opportunities": {"lost_reason": "lost_reason", "source": "lead_source"},
}
# Fields (not dictionary ones) whose values a map may also respell: products and stages.
MAPPABLE = {"opportunities": ("product", "stage", "status")}
MAX_LISTED = 40   # codes named in one reason (a dictionary is short; this only guards a huge one)


def value_maps(kind: str, values) -> dict[str, dict[str, str]]:
    """`values` checked: {field: {value as in the file: value to read instead}}."""
    if values is None:
        return {}
    allowed = set(DICTIONARY_FIELDS.get(kind, {})) | set(MAPPABLE.get(kind, ()))
    if not isinstance(values, dict):
        raise InvalidInput("import.bad_value_map", field="values", value=type(values).__name__,
                           fields=", ".join(sorted(allowed)) or "-")
    clean = {}
    for field, pairs in values.items():
        if field not in allowed or not isinstance(pairs, dict):
            raise InvalidInput("import.bad_value_map", field="values", value=field,
                               fields=", ".join(sorted(allowed)) or "-")
        clean[field] = {str(k).strip(): str(v).strip() for k, v in pairs.items()}
    return clean


def mapped(field: str, values: dict, alias: str = "i") -> str:
    """SQL: `alias.field` after the value map (its own value when the map does not name it)."""
    pairs = values.get(field, {})
    if not pairs:
        return f"{alias}.{field}"
    cases = " ".join(f"WHEN {sql_literal(k)} THEN {sql_literal(v)}" for k, v in sorted(pairs.items()))
    return f"(CASE {alias}.{field} {cases} ELSE {alias}.{field} END)"


def resolve(field: str, kind: str, values: dict, alias: str = "i") -> str:
    """SQL: the dictionary code an (already mapped) value names, by code or by either name."""
    value = mapped(field, values, alias)
    return (f"(SELECT d.code FROM dictionary d WHERE d.kind = '{kind}' AND d.active AND "
            f"(d.code = {value} OR d.name_en = {value} OR d.name_zh = {value}) ORDER BY d.code LIMIT 1)")


def add_missing(s, kind: str, values: dict) -> list[str]:
    """Add every unknown value of the file's dictionary fields as a new code (audited); the
    report's notes naming them."""
    s.require_role("admin", action="edit_dictionary")
    notes = []
    for field, dictionary in DICTIONARY_FIELDS.get(kind, {}).items():
        unknown = [v for (v,) in s.db.rows(
            f"SELECT DISTINCT {mapped(field, values)} AS v FROM incoming i WHERE i.{field} <> '' "
            f"AND {resolve(field, dictionary, values)} IS NULL ORDER BY v")]
        if not unknown:
            continue
        taken = {c for (c,) in s.db.rows("SELECT code FROM dictionary WHERE kind = ?", [dictionary])}
        order = s.db.scalar("SELECT coalesce(max(sort_order), 0) FROM dictionary WHERE kind = ?", [dictionary])
        added = []
        for value in unknown:
            code = _code_for(value, taken)
            taken.add(code)
            order += 1
            s.db.execute("INSERT INTO dictionary VALUES (?, ?, ?, ?, ?, NULL, true)",
                         [dictionary, code, value[:200], value[:200], order])
            s.audit("create", "dictionary", None, after={"kind": dictionary, "code": code, "name_en": value[:200],
                                                        "name_zh": value[:200]}, note="import")
            added.append(f"{code} ({value})" if code != value else code)
        notes.append(translate("import.codes_added", s.language, kind=dictionary, codes=", ".join(added)))
    return notes


def valid_lists(s, reason_keys) -> dict[str, str]:
    """For each `import.unknown_<field>` reason among `reason_keys`: its dictionary's active codes
    with their names, as one text for the message's {codes}."""
    kinds = {f: k for fields in DICTIONARY_FIELDS.values() for f, k in fields.items()}
    out = {}
    name = "name_zh" if s.language == "zh_CN" else "name_en"
    for key in reason_keys:
        field = str(key).removeprefix("import.unknown_")
        if field in kinds:
            rows = s.db.rows(f"SELECT code, {name} FROM dictionary WHERE kind = ? AND active "
                             "ORDER BY sort_order, code", [kinds[field]])
            listed = [f"{code} ({label})" for code, label in rows[:MAX_LISTED]]
            out[key] = ", ".join(listed + (["…"] if len(rows) > MAX_LISTED else [])) or "-"
        if key == "import.unknown_deal_product":
            rows = s.db.rows("SELECT code, name FROM products WHERE active ORDER BY code")
            out[key] = ", ".join(f"{code} ({label})" for code, label in rows[:MAX_LISTED]) or "-"
    return out


def slug(text: str) -> str:
    """`text` as lowercase ASCII words joined by `sep`-less underscores ('' when nothing is ASCII)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "_".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))


def _code_for(value: str, taken: set[str]) -> str:
    """A new code for `value`: its slug ('medical_devices'), the value itself when it has no ASCII
    letters (a Chinese name), `_2`, `_3` … after it when taken."""
    base = (slug(value) or value)[:58]
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}_{n}"
    return code


def sql_literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"
