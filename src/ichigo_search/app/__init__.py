"""Application policy shared by the command line and the web page: default folders, refresh before reading."""
