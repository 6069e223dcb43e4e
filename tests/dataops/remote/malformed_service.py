"""A remote module service that answers every call with a broken Arrow IPC stream (tests only).

Usage: python malformed_service.py EDITOR_URL PORT TOKEN — registers once (heartbeat every 60 s).
"""

from __future__ import annotations

import json
import struct
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

EDITOR, PORT, TOKEN = sys.argv[1], int(sys.argv[2]), sys.argv[3]
DESCRIPTION = {
    "protocol": 1,
    "name": "broken_remote",
    "category": "remote tests",
    "description": "Answers with a malformed stream",
    "inputs": [{"name": "data"}],
    "outputs": ["result"],
    "params_schema": {"type": "object", "properties": {}},
    "version": "0.1",
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        head = json.dumps({"tables": [{"port": "result", "length": 16}]}).encode()
        body = struct.pack(">I", len(head)) + head + b"not an arrow ipc"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


server = HTTPServer(("127.0.0.1", PORT), Handler)
registration = {"url": f"http://127.0.0.1:{PORT}", "interval_seconds": 60, "module": DESCRIPTION}
request = urllib.request.Request(
    f"{EDITOR}/api/remote/register",
    json.dumps(registration).encode(),
    {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
    method="POST",
)
urllib.request.urlopen(request, timeout=30).read()
server.serve_forever()
