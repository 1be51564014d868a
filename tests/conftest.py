import sys
from pathlib import Path

sys.path.append(
    str(Path(__file__).parent)
)  # appended: tests/index must not shadow the index package
