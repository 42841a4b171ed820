"""Pure business rules: no web framework, no database driver."""
