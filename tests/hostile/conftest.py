"""The hostile-input suite: its inputs are counted (tests/hostile/registry.py) and the totals
are printed at the end of the run."""

from tests.hostile import registry


def pytest_terminal_summary(terminalreporter):
    counts = registry.counts()
    if not counts:
        return
    path = registry.write_summary()
    terminalreporter.section("hostile inputs tried")
    for kind, count in counts.items():
        terminalreporter.write_line(f"{kind:<40} {count:>7}")
    terminalreporter.write_line(f"{'total':<40} {sum(counts.values()):>7}   (written to {path})")
