"""Pure catalog rules: search normalisation, organization settings, region-file validation."""
