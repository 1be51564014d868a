"""index/ is pure search: importing all of it pulls in neither telegram nor bot."""

import subprocess
import sys


def test_index_never_imports_telegram_or_bot():
    code = (
        "import sys, index.search, index.ingest, index.cli, index.sources;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('telegram', 'bot'));"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
