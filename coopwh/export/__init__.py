"""Excel workbooks for the provincial offices: one per province with pilots or figures, and a
national one (全国.xlsx), from the published marts.

writing.py decides which workbooks to write and writes them; index.py counts and hashes what
every scope holds in one pass; scope.py reads what one holds; cover.py writes its cover,
columns.py names its sheets' columns, tables_csv.py puts every row of a long table in a CSV
beside it when its sheet lists only the newest, and workbook.py lays a workbook out."""
