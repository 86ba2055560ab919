"""The nightly sync, store side: signed file sets per closed business day, and their delivery.

`export` writes the sets, `batches` keeps each set's state, `deliver` sends them
with one of `transports`, and `scheduler` runs it all from `pos-plugin serve`.
The file format (`fileset`, `manifest`, `signing`) is shared with head office.
"""
