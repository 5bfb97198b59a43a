"""Review what the extractor read: a sheet that goes out to a reviewer and comes back.

`export_sheet` writes one row per figure still to review (unreviewed, or held back by the door
in), with its sentence, the extractor's reading in editable columns, and drop-down lists.
`apply_sheet` reads the sheet back, checks every row, records the decisions in
seeds/fact_reviews.csv (versioned like the other seeds) and rebuilds. Nothing is applied if any
row is wrong.

fields.py is the sheet's columns and how a cell is read and checked; sheet.py writes the
sheet, apply.py reads it back, record.py keeps the decisions; layout.py is its look."""
