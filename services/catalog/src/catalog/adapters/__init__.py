"""All I/O of the catalog service: the database models, queries and the bulk importer."""
