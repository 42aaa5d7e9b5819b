"""Pure text handling, no I/O and no engine: analysis, dates, near spellings, highlighting."""
