"""flake8-ssot: keep a codebase's single sources of truth single."""

__version__ = "0.1.0"
