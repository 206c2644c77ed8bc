"""One export mechanism for every staff list: the list's own rows, labels and scope, as Excel or CSV.

A list view says what it shows once (``export_table``: headers, a row count and the rows as the
page shows them, built from the same filters, order and row scope as the page); ``write_export``
writes that table to a file with openpyxl's write-only mode (rows go to disk as they come, never
the whole file in memory); the page streams the file back in chunks. A background job can call
``write_export`` itself for exports above ``EXPORT_MAX_ROWS_INLINE``.
"""
