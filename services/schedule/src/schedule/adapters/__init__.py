"""All I/O of the schedule: database tables and queries, the catalog client."""
