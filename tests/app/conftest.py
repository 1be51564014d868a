"""The command line's tests use the bot's test kits (sample articles, the fake Bot API)."""

import sys
from pathlib import Path

# --import-mode=importlib puts no test folder on sys.path
sys.path.append(str(Path(__file__).parent.parent / "bot"))
