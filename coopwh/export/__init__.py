"""Excel workbooks for the provincial offices: one per province with pilots or figures, and a
national one (全国.xlsx), from the published marts.

writing.py decides which workbooks to write and writes them; scope.py reads what one holds;
cover.py writes its cover, columns.py names its sheets' columns, facts_csv.py puts every figure
in a CSV beside it when a sheet would not hold them all, and workbook.py lays a workbook out."""
