"""One module per ``flake8-ssot`` subcommand."""
