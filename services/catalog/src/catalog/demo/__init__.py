"""Fictional demo regions, built from the public list of the Orenburg region's districts."""
