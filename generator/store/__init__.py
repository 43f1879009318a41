"""The history store under data/: the only code that reads or writes it.

- `csvformat`: the file format, its one parser (with fast paths beside it) and writer;
- `merge`: the merge policies, each a named pure function;
- `files`: atomic writes; `layout`: where things live;
- `history`: one package's files; `runlog` and `pending`: the files under data/_meta/.

Layout: `data/<normalized-name>/<kind>.csv`, header `date,category,downloads`, rows sorted
by date then category, so a nightly run appends lines at the end and git diffs stay small.
"""

from generator.store.csvformat import HEADER, Tail, is_date, parse, parse_fast, serialize
from generator.store.files import TMP_PREFIX, remove_stale_temporaries, write_text_atomic
from generator.store.history import (
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
from generator.store.merge import disagreements, fill_gaps, merge_keys, replace_days

__all__ = [
    "HEADER",
    "META_DIR",
    "SAMPLE_MARKER",
    "TMP_PREFIX",
    "Tail",
    "disagreements",
    "fill_gaps",
    "has_history",
    "is_date",
    "is_sample",
    "list_packages",
    "merge_keys",
    "package_dir",
    "parse",
    "parse_fast",
    "read_package",
    "read_series",
    "read_series_fast",
    "read_tail",
    "remove_stale_temporaries",
    "replace_days",
    "serialize",
    "series_path",
    "update_package",
    "write_series",
    "write_text_atomic",
]
