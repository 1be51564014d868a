"""The container's health check: GET /healthz (or the path given) of this replica; exit 0 if 200.

The port is the webhook's (WEBHOOK_PORT, default 8443) or NEWSBOT_HTTP_PORT when polling.
Standard library only: it runs in the image without the bot's imports.
"""

import os
import sys
import urllib.request

path = sys.argv[1] if len(sys.argv) > 1 else "/healthz"
port = os.environ.get("NEWSBOT_HTTP_PORT") or os.environ.get("WEBHOOK_PORT") or "8443"
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as answer:
        sys.exit(0 if answer.status == 200 else 1)
except OSError as error:  # refused, timed out, or an HTTP error status (503: not ready)
    print(f"{path}: {error}", file=sys.stderr)
    sys.exit(1)
