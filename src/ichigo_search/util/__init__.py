"""Small helpers with no knowledge of search: a bounded memo and fork-and-pipe."""
