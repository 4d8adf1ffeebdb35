"""Checks of the reported-figures file, as functions of the loaded file so that a test can
show each of them failing on a broken copy (``tests/test_reported.py``)."""

import ast
import copy
import datetime as dt
import math
import re
from collections import Counter

from sim.data import reported

SEED_SOURCES = {"S0", "S1", "S2", "S3", "S4"}
PERIOD_KINDS = {"year", "half", "quarter", "month", "date", "range"}
KINDS = {"reported", "derived", "event"}
EARLIEST, LATEST = "2018-01-01", "2026-12-31"
ISO_PREFIX = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
LINKS = ("revision_of", "superseded_by", "same_as", "variant_of")


def data() -> dict:
    """A deep copy of the loaded file, safe to break."""
    return copy.deepcopy(reported._load())


def _date(text):
    return dt.date.fromisoformat(text)


def check_rows(d: dict) -> list[str]:
    """Every row: a unique well-formed id, known kind, monitor, definition, vocabulary keys,
    a unit, a period inside 2018-2026 with start <= end, a vintage, a source with
    provenance, and a quote (reported, event) or a formula (derived)."""
    bad = []
    ids = [row.get("id", "") for row in d["figures"]]
    bad += [f"duplicate id {i}" for i, n in Counter(ids).items() if n > 1]
    for row in d["figures"]:
        fid = row.get("id", "")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", str(fid)):
            bad.append(f"malformed id {fid!r}")
        if row.get("kind") not in KINDS:
            bad.append(f"{fid}: kind {row.get('kind')!r}")
        monitor = d["monitors"].get(row.get("monitor"))
        if monitor is None:
            bad.append(f"{fid}: monitor {row.get('monitor')!r} not in monitors")
        elif row.get("definition") not in monitor["definitions"]:
            bad.append(f"{fid}: definition {row.get('definition')!r} not one of the monitor's")
        for field, vocab in (("region", "regions"), ("actor", "actors"), ("metric", "metrics"),
                             ("unit", "units")):
            if row.get(field) not in d[vocab]:
                bad.append(f"{fid}: {field} {row.get(field)!r} not in {vocab}")
        if row.get("bound") not in (None, "lower", "upper", "range"):
            bad.append(f"{fid}: bound {row['bound']!r}")
        if row.get("period_kind") not in PERIOD_KINDS:
            bad.append(f"{fid}: period_kind {row.get('period_kind')!r}")
        try:
            start, end = _date(row["period_start"]), _date(row["period_end"])
        except (KeyError, TypeError, ValueError):
            bad.append(f"{fid}: period_start/period_end not ISO dates")
        else:
            if not (_date(EARLIEST) <= start <= end <= _date(LATEST)):
                bad.append(f"{fid}: period {start}..{end} not ordered inside {EARLIEST}..{LATEST}")
            if str(row.get("period", ""))[:4] != row["period_start"][:4]:
                bad.append(f"{fid}: period label {row.get('period')!r} is not of its start year")
            vintage = str(row.get("vintage", ""))
            if not ISO_PREFIX.match(vintage) or vintage < row["period_start"][:len(vintage)]:
                bad.append(f"{fid}: vintage {vintage!r} missing or before the period starts")
        source = d["sources"].get(row.get("source"))
        if source is None:
            bad.append(f"{fid}: source {row.get('source')!r} not in sources")
        elif not all(source.get(k) for k in ("publisher", "title", "date")):
            bad.append(f"{fid}: source {row['source']} lacks publisher, title or date")
        elif row["source"] in SEED_SOURCES and not source.get("seed_file"):
            bad.append(f"{fid}: seed source {row['source']} lacks its seed file")
        elif (row["kind"] != "derived" and row["source"] not in SEED_SOURCES
              and not str(source.get("url", "")).startswith("http")):
            bad.append(f"{fid}: researched source {row['source']} lacks a URL")
        if row.get("kind") in ("reported", "event") and not row.get("quote"):
            bad.append(f"{fid}: no quote")
        if row.get("kind") == "derived" and not all(
                row.get(k) for k in ("derivation", "formula", "inputs")):
            bad.append(f"{fid}: derived without derivation, formula and inputs")
    return bad


def check_links(d: dict) -> list[str]:
    """Revision links point both ways between rows of the same quantity, the later one newer
    and different; same_as rows repeat a row's value; variant_of rows share its quantity."""
    rows = {row["id"]: row for row in d["figures"]}
    quantity = ("monitor", "metric", "region", "actor", "period_start", "period_end")
    bad = []
    for fid, row in rows.items():
        dangling = [f"{fid}: {link} {target!r} is not another row"
                    for link in (*LINKS, "see_also")
                    for target in ([row[link]] if isinstance(row.get(link), str)
                                   else row.get(link, []))
                    if target not in rows or target == fid]
        if dangling:
            bad += dangling
            continue
        if "superseded_by" in row:
            new = rows[row["superseded_by"]]
            if new.get("revision_of") != fid:
                bad.append(f"{fid}: superseded_by {new['id']}, which is not a revision_of it")
            if [row[k] for k in quantity] != [new[k] for k in quantity]:
                bad.append(f"{fid}: superseded by a row of another quantity")
            if new["vintage"] < row["vintage"] or new["value"] == row["value"]:
                bad.append(f"{fid}: its revision is older or has the same value")
        if "revision_of" in row and rows[row["revision_of"]].get("superseded_by") != fid:
            bad.append(f"{fid}: revision_of {row['revision_of']}, which is not superseded_by it")
        if "same_as" in row:
            first = rows[row["same_as"]]
            if [first[k] for k in ("monitor", "metric", "value")] != [
                    row[k] for k in ("monitor", "metric", "value")] or "same_as" in first:
                bad.append(f"{fid}: same_as {first['id']} but not the same published value")
        if "variant_of" in row:
            first = rows[row["variant_of"]]
            if [row[k] for k in quantity] != [first[k] for k in quantity]:
                bad.append(f"{fid}: variant_of a row of another quantity")
    return bad


def check_duplicates(d: dict) -> list[str]:
    """No two rows of a kind with the same monitor, metric, region, actor, period and vintage
    (a derived row may estimate a reported quantity); and one latest row per quantity (rows
    superseded, repeating or varying another are linked to it)."""
    bad = []
    key = ("kind", "monitor", "metric", "region", "actor", "period_start", "period_end",
           "vintage")
    counts = Counter(tuple(row.get(k) for k in key) for row in d["figures"])
    bad += [f"duplicated figure {k}" for k, n in counts.items() if n > 1]
    latest = ("kind", "monitor", "metric", "region", "actor", "period_start", "period_end",
              "bound")
    counts = Counter(tuple(row.get(k) for k in latest) for row in d["figures"]
                     if not any(link in row for link in LINKS[1:]))
    bad += [f"two latest values of {k}" for k, n in counts.items() if n > 1]
    return bad


def evaluate(formula: str, values: dict) -> float:
    """Value of an arithmetic expression over figure ids (+ - * / and parentheses only)."""
    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.Name):
            return values[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        ops = {ast.Add: float.__add__, ast.Sub: float.__sub__, ast.Mult: float.__mul__,
               ast.Div: float.__truediv__}
        if isinstance(node, ast.BinOp) and type(node.op) in ops:
            return ops[type(node.op)](float(walk(node.left)), float(walk(node.right)))
        raise ValueError(f"not allowed in a formula: {ast.dump(node)}")
    return walk(ast.parse(formula, mode="eval"))


def check_derived(d: dict) -> list[str]:
    """Every derived row's formula names exactly its inputs, all in the file, and recomputes
    its value (rounded to ``decimals``)."""
    values = {row["id"]: row["value"] for row in d["figures"]}
    bad = []
    for row in d["figures"]:
        if row.get("kind") != "derived":
            continue
        names = {n.id for n in ast.walk(ast.parse(row["formula"], mode="eval"))
                 if isinstance(n, ast.Name)}
        if names != set(row["inputs"]) or not names <= set(values):
            bad.append(f"{row['id']}: formula names {sorted(names)}, inputs {row['inputs']}")
            continue
        got = round(evaluate(row["formula"], values), row.get("decimals", 0))
        if not math.isclose(got, row["value"], abs_tol=1e-9):
            bad.append(f"{row['id']}: {row['formula']} = {got}, file says {row['value']}")
    return bad
