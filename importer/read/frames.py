"""Python data -> rows: a pandas DataFrame or an iterable of dicts, read the way a file is read.

For people who already hold their contacts in Python (a notebook, an Airflow or a Dagster
task): the same mapping, report and failures CSV as a file, without writing a CSV first.

- Row numbers are positions counted from 0, the way Python counts: `df.iloc[row]` or
  `records[row]` is the row the failures CSV names (a frame's own index labels are not used).
- Columns are a frame's columns, or the union of the dicts' keys in first-seen order. A dict
  without a key has that cell absent, which is not blank (like a short CSV row's missing
  cells): nothing is sent for it, even when blanks clear values.
- Values are rendered as a person reads them, like a workbook's cells: None, NaN, NaT and
  pd.NA are blank, 83702.0 is `83702`, a midnight timestamp is `2024-02-17`.
- pandas is never imported here: a DataFrame is recognised by its type's module, so the CLI
  and a caller passing dicts never pay for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from importer.errors import InputError
from importer.read.headers import clean_headers
from importer.read.workbooks import render_cell
from importer.records import Row


def is_dataframe(data: object) -> bool:
    """Whether `data` is a pandas DataFrame, told without importing pandas."""
    return type(data).__module__.partition(".")[0] == "pandas" and hasattr(data, "itertuples") \
        and hasattr(data, "columns")


def default_name(data: object) -> str:
    """What to call `data` when the caller gives no name: it names the failures CSV and the report's source."""
    return "dataframe" if is_dataframe(data) else "rows"


def render_value(value: Any) -> str:
    """A Python, numpy or pandas value as the text a person reads: missing values are blank."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value != value:
        return ""
    kind = type(value)
    if kind.__name__ in ("NAType", "NaTType"):
        return ""
    if kind.__module__ == "numpy" and hasattr(value, "item"):
        if getattr(value, "dtype", None) is not None and value.dtype.kind in "mM":
            if value != value:  # numpy's NaT
                return ""
            value = value.astype("datetime64[us]" if value.dtype.kind == "M" else "timedelta64[us]")
        value = value.item()
    return render_cell(value)


@dataclass
class MemorySource:
    """Rows held by the caller, read afresh on every pass like a file: headers, rows, counts."""

    kind: str
    headers: tuple[str, ...]
    label: str
    _records: Any = field(repr=False)  # () -> Iterator[(position, cells, absent indexes)]
    notes: list[str] = field(default_factory=list)
    sheet: str | None = None
    other_sheets: list[str] = field(default_factory=list)
    blank_rows: int = 0
    short_rows: int = 0
    long_rows: int = 0
    footer: list[str] = field(default_factory=list)  # a caller's rows have no footer: always empty

    def describe(self) -> str:
        """One phrase saying what was read, for the summary."""
        return self.label

    def close(self) -> None:
        """Nothing to let go of: the data belongs to the caller."""

    def rows(self) -> Iterator[Row]:
        """Yield every row that is not wholly blank, numbered by its position from 0.

        A row missing some columns (a dict without those keys) counts as short.
        """
        self.blank_rows = self.short_rows = 0
        for position, cells, absent in self._records():
            if not any(c.strip() for c in cells):
                self.blank_rows += 1
                continue
            self.short_rows += bool(absent)
            yield Row(position, cells, None, absent)


def open_data(data: object) -> MemorySource:
    """A source over a pandas DataFrame or an iterable of dicts; an InputError for anything else."""
    if is_dataframe(data):
        return _frame_source(data)
    if isinstance(data, (str, bytes, Mapping)) or not isinstance(data, Iterable) or \
            type(data).__module__.partition(".")[0] in ("pandas", "numpy"):
        raise InputError(f"A {type(data).__name__} is not a source kit-import can read.",
                         "Pass a pandas DataFrame or an iterable of dicts (or use import_file for a file).")
    return _dicts_source(data)


def _frame_source(frame: Any) -> MemorySource:
    names = [" ".join(str(p) for p in c if str(p).strip()) if isinstance(c, tuple) else str(c)
             for c in frame.columns]
    if not names:
        raise InputError("The DataFrame has no columns.", "Pass a frame with an email column.")
    notes: list[str] = []
    headers = clean_headers([n if n.strip() else f"Column {i + 1}" for i, n in enumerate(names)], notes)
    width, none = len(headers), frozenset[int]()

    def records() -> Iterator[tuple[int, tuple[str, ...], frozenset[int]]]:
        for position, values in enumerate(frame.itertuples(index=False, name=None)):
            yield position, tuple(map(render_value, values[:width])), none

    rows, columns = frame.shape
    return MemorySource("dataframe", headers, f"a pandas DataFrame: {_count(rows, 'row')}, "
                        f"{_count(columns, 'column')}", records, notes)


def _dicts_source(data: Iterable[Any]) -> MemorySource:
    """Dicts are read where they are when `data` can be iterated again (a list, a tuple);
    a one-shot iterator (a generator, a cursor) is read once into a list, since the run
    passes over the rows more than once: memory is then the caller's choice."""
    items: Sequence[Any] | Iterable[Any] = data if iter(data) is not data else list(data)
    keys: dict[Any, None] = {}
    count = 0
    for count, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            raise InputError(f"Item {count - 1} is a {type(item).__name__}, not a dict.",
                             "Pass dicts of column -> value, one per contact.")
        keys.update(dict.fromkeys(item))
    names = [str(k) for k in keys]
    if not names and count:
        raise InputError("The dicts have no keys.", "Pass dicts of column -> value, one per contact.")
    notes: list[str] = []
    headers = clean_headers([n if n.strip() else f"Column {i + 1}" for i, n in enumerate(names)], notes)
    order = list(keys)

    def records() -> Iterator[tuple[int, tuple[str, ...], frozenset[int]]]:
        for position, item in enumerate(items):
            if len(item) == len(order):
                yield position, tuple(render_value(item.get(k)) for k in order), frozenset()
                continue
            cells, absent = [], []
            for i, k in enumerate(order):
                if k in item:
                    cells.append(render_value(item[k]))
                else:
                    cells.append("")
                    absent.append(i)
            yield position, tuple(cells), frozenset(absent)

    what = "a list" if isinstance(data, list) else "an iterable"
    return MemorySource("dicts", headers, f"{what} of {_count(count, 'dict')}, {_count(len(headers), 'column')}",
                        records, notes)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
