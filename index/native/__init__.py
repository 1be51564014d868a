"""The engine's inner loops in C (built by setup.py from index/native/*.c)."""
