"""The use cases: fetch a window, backfill, import, add, update, demo.

Each takes the typed Config (or a path to load it from) and plain values, calls a source,
derives what is derived (generator.derive), and hands the updates to the store, which
alone writes data/. Commands (generator.commands) only parse arguments, call one function
here and print what it reports.
"""
