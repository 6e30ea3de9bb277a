"""How f1nb's tables and sessions look in a notebook: `tables` (values and columns of
DataFrames) and `views` (HTML: session card, lake overview, driver-coloured tables,
the DataFrame display hook). Used by the Python API and by `notebook/`."""
