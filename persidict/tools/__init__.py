"""Tools above the dicts: open by URL, copy/sync, the ``persidict`` command line."""
