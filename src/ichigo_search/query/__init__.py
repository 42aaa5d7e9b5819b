"""From query text to engine-neutral query trees: syntax, expansion, planning and what matches."""
