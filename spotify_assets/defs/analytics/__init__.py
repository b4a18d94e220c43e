"""The analytics group: four daily analysis tables, each with a chart in its metadata."""
