"""The command line: thin click commands over the application API, one renderer."""
