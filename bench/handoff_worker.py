"""The seed design's step worker: JSON records in over HTTP, parsed to a DataFrame, JSON records back.

`python -m bench.handoff_worker` listens on 127.0.0.1 (a free port, printed on the first line of
stdout) until killed.
"""

from __future__ import annotations

import io
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd


class Worker(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        frame = pd.read_json(io.BytesIO(body), orient="records")
        reply = frame.to_json(orient="records", date_format="iso").encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: one line per request would be noise in the benchmark's output."""


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Worker)
    print(server.server_address[1], flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
