"""`make drill`: fault drills on a private PostgreSQL and Redis (see drills/run.py)."""
