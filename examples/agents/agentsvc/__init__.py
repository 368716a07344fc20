"""A small agents service, written the way real ones drift: see README "Sample tree"."""
