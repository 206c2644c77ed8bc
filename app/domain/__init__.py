"""Pure business rules: no Flask, no FAB, no database."""
