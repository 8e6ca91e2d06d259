"""All I/O of the booking service: database tables and queries, HTTP clients, calendar files."""
