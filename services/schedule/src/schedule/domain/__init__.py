"""Pure schedule rules: bookability, slot generation from templates. No I/O here."""
