"""What words and places mean: the period vocabulary (thesaurus), the gazetteer, a record's places."""
