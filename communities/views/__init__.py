"""Pages of communities, one module per concept; urls.py names each."""
