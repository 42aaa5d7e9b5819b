"""Reading a caption collection: records, their validation and the corpus files they come from."""
