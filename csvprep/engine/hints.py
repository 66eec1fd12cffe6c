"""What to tell a user of a header that names no field: hidden characters, case, labels, close spellings."""

from __future__ import annotations

import difflib
import unicodedata

from csvprep.schema import ModuleSchema


def oddities(name: str) -> list[str]:
    """What a person cannot see in a header: outer spaces, hidden characters, letters that only look Latin."""
    out = []
    stripped = name.strip()
    if stripped != name:
        ends = [
            end for end, part in (("leading", name.lstrip()), ("trailing", name.rstrip())) if part != name
        ]
        out.append(f"it has a {' and a '.join(ends)} space")
    for pos, ch in enumerate(name, start=1):
        if ch.isascii() and ch.isprintable():
            continue
        if stripped and not (name.index(stripped) < pos <= name.index(stripped) + len(stripped)):
            continue  # an outer space, named above
        what = unicodedata.name(ch, "a control character" if unicodedata.category(ch) == "Cc" else "")
        if ch.isprintable() and ch.isalpha():
            out.append(f"its '{ch}' (position {pos}) is U+{ord(ch):04X} {what}, not a Latin letter")
        else:
            out.append(f"it holds U+{ord(ch):04X} {what} at position {pos}")
    return out


def closest(name: str, schema: ModuleSchema) -> str | None:
    """The field a header most likely means: same name, another case, a label, or a close spelling."""
    names = [f.api_name for f in schema.fields]
    if name in names:
        return name
    for n in names:
        if n.lower() == name.lower():
            return n
    by_label = {f.label.lower(): f.api_name for f in schema.fields if f.label}
    if name.lower() in by_label:
        return by_label[name.lower()]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
    if not close:
        hit = difflib.get_close_matches(name.lower(), list(by_label), n=1, cutoff=0.75)
        close = [by_label[hit[0]]] if hit else []
    return close[0] if close else None


def suggest(name: str, schema: ModuleSchema) -> str:
    """The hint of an unknown-column issue ("; did you mean ...?"), or an empty string."""
    odd = oddities(name)
    if odd:
        seen = "".join(ch for ch in name if ch.isprintable()).strip()
        target = closest(seen, schema)
        return "; " + "; ".join(odd) + (f": did you mean '{target}'?" if target else "")
    names = [f.api_name for f in schema.fields]
    for n in names:
        if n.lower() == name.lower():
            return f"; did you mean '{n}'? (API names are case-sensitive)"
    by_label = {f.label.lower(): f.api_name for f in schema.fields if f.label}
    if name.lower() in by_label:
        return f"; '{name}' is the label of '{by_label[name.lower()]}': use the API name"
    target = closest(name, schema)
    return f"; did you mean '{target}'?" if target else ""
