"""The verbs of `python -m archiver`: parse (offline), export, report, schema, fixtures."""
