"""The reception rota from a CSV file (the rota page's upload, `flask rota import`): every row checked as the rota
checks a single entry, all kept in one transaction or none."""
from __future__ import annotations

import csv
import io

from .rota import Rota, RotaError

YES, NO = ("1", "true", "yes", "y", "是", "√"), ("", "0", "false", "no", "n", "否")


def import_csv(rota: Rota, text: str) -> tuple[int, list[tuple[int, dict]]]:
    """Rows `variant,reception_date,leader[,leader_title,convener,note,special]` (a header row is allowed;
    `special` 1/是/√ marks a date off the rules, whose note gives the reason). Nothing is kept when a row is
    wrong: returns (0, [(line of the file, {field: reason})]); else (rows added, [])."""
    reader = csv.reader(io.StringIO(text))
    entries, problems, seen = [], [], set()
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:                 # e.g. a cell beyond the reader's limit (131,072 characters)
            problems.append((reader.line_num, {"": "not a CSV row"}))
            break
        cells = [c.strip() for c in row] + [""] * 7
        if not any(cells) or (reader.line_num == 1 and cells[0] == "variant"):
            continue
        try:
            if cells[6].lower() not in YES + NO:
                raise RotaError("special: 1 or empty", {"special": "1 or empty"})
            entry = rota.checked(*cells[:6], off_rule=cells[6].lower() in YES)
            if (entry.variant, entry.reception_date) in seen:
                raise RotaError("the same reception twice in the file",
                                {"reception_date": "the same reception twice in the file"})
            seen.add((entry.variant, entry.reception_date))
            entries.append(entry)
        except RotaError as exc:
            problems.append((reader.line_num, exc.fields))
    if problems:
        return 0, problems
    try:
        rota.keep(entries)
    except RotaError as exc:              # another request took one of the days meanwhile
        return 0, [(0, exc.fields)]
    return len(entries), []


def problem_text(line: int, fields: dict) -> str:
    """An import problem in English (the CLI's message)."""
    return (f"line {line}: " if line else "") + "; ".join(f"{k}: {v}" if k else v for k, v in fields.items())
