"""Pages of deliberation, one module per concept; urls.py names each."""
