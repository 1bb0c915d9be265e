"""Settings: each declared once; the TOML config and where each value came from."""
