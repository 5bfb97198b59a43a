"""What each build changed in the marts: meta.changes, kept in the published copy.

Publishing compares every mart with its copy in the previous good build, row by row on the
mart's declared grain (plain DuckDB set operations on the two attached files): a key only in the
new copy is `added`, only in the old one `removed`, and a key in both with a column that differs
is `changed`, one row per column with the old and the new value. A report whose text changed (a
revision) first has its old offsets moved to where the same places are in the new text, so a
corrected figure is one `changed` row and not every later figure of the report removed and added
again. A figure's sentence is context, not data: it is shown with a change, never a change
itself. The change log and the list of builds are carried from copy to copy and kept for the
last `changes_keep_builds` builds (config.yaml, variables; default 50).

record.py writes the log when a build publishes (revised.py moves a revised report's old
offsets first; catalog.py names the tables and columns compared); log.py reads it back and
puts each change in words."""
