"""Forms of deliberation's pages, one module per concept."""
