"""Pure booking rules and shapes: no Flask, SQLAlchemy or network here."""
