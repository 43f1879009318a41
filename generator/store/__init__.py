"""The history store under data/: the only code that reads or writes it.

- `csvformat`: the file format, its one parser (with fast paths beside it) and writer;
- `merge`: the merge policies, each a named pure function;
- `files`: atomic writes, and reads that refuse symbolic links; `layout`: where things live;
- `history`: one package's files; `runlog` and `pending`: the files under data/_meta/;
- `lock`: `locked(data_dir, command)`, one writer at a time (every command that writes);
- `pypi_state`: data/_meta/pypi-releases.csv, the ETag, serial and day of each package's
  last releases check (PyPI's JSON API).

Layout: `data/<normalized-name>/<kind>.csv`, header `date,category,downloads`, rows sorted
by date then category, so a nightly run appends lines at the end and git diffs stay small.
"""

from generator.store.csvformat import (
    HEADER,
    Tail,
    is_date,
    parse,
    parse_fast,
    parse_tail,
    serialize,
    split_lines,
)
from generator.store.files import (
    TMP_PREFIX,
    open_plain,
    refuse_link,
    remove_stale_temporaries,
    sweep_temporaries,
    write_text_atomic,
)
from generator.store.history import (
    first_problem,
    kinds_present,
    read_package,
    read_series,
    read_series_fast,
    read_tail,
    update_package,
    write_series,
)
from generator.store.layout import (
    META_DIR,
    SAMPLE_MARKER,
    has_history,
    is_sample,
    list_packages,
    package_dir,
    series_path,
)
from generator.store.lock import HOLDER_FILE, LOCK_WAIT, WAIT_VARIABLE, locked
from generator.store.merge import disagreements, fill_days, fill_gaps, merge_keys, replace_days

__all__ = [
    "HEADER",
    "HOLDER_FILE",
    "LOCK_WAIT",
    "META_DIR",
    "SAMPLE_MARKER",
    "TMP_PREFIX",
    "WAIT_VARIABLE",
    "Tail",
    "disagreements",
    "fill_days",
    "fill_gaps",
    "first_problem",
    "has_history",
    "is_date",
    "is_sample",
    "kinds_present",
    "list_packages",
    "locked",
    "merge_keys",
    "open_plain",
    "package_dir",
    "parse",
    "parse_fast",
    "parse_tail",
    "read_package",
    "read_series",
    "read_series_fast",
    "read_tail",
    "refuse_link",
    "remove_stale_temporaries",
    "replace_days",
    "serialize",
    "series_path",
    "split_lines",
    "sweep_temporaries",
    "update_package",
    "write_series",
    "write_text_atomic",
]
