#!/usr/bin/env python3
"""A proxy in front of the fixture registry (127.0.0.1:5000) that breaks
layer blob downloads on purpose, for berth's transfer tests.

Usage: flaky_registry.py PORT MODE LOG
  fail-once    the first layer blob GET gets 503, later ones pass
  fail-always  every layer blob GET gets 503
  missing      every layer blob GET gets 404 BLOB_UNKNOWN
  slow         every layer blob GET waits 0.5 s before it is passed on
  pass         nothing is changed

Layer blobs are the blobs that no manifest passed through names as its
config. LOG receives one line per request, "METHOD PATH STATUS INFLIGHT",
where INFLIGHT counts the layer blob GETs being served at that moment.
"""
import http.client
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM = ("127.0.0.1", 5000)
PORT, MODE, LOG_PATH = int(sys.argv[1]), sys.argv[2], sys.argv[3]

lock = threading.Lock()
config_digests = set()
failed_once = False
inflight = 0


def log(line):
    with lock, open(LOG_PATH, "a") as f:
        f.write(line + "\n")


def note_config(body):
    try:
        document = json.loads(body)
    except ValueError:
        return
    if isinstance(document, dict) and isinstance(document.get("config"), dict):
        with lock:
            config_digests.add(document["config"].get("digest"))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def is_layer_blob(self):
        parts = self.path.split("/")
        if self.command != "GET" or len(parts) < 5 or parts[-2] != "blobs":
            return False
        with lock:
            return parts[-1] not in config_digests

    def broken_reply(self):
        """Returns the status of a deliberate failure, or None to pass on."""
        global failed_once
        if MODE == "fail-always":
            return 503
        if MODE == "missing":
            return 404
        if MODE == "fail-once":
            with lock:
                if not failed_once:
                    failed_once = True
                    return 503
        return None

    def forward(self):
        upstream = http.client.HTTPConnection(*UPSTREAM, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        upstream.request(self.command, self.path, headers=headers)
        response = upstream.getresponse()
        body = response.read()
        if "/manifests/" in self.path:
            note_config(body)
        skip = {"content-length", "transfer-encoding", "connection"}
        headers = [(k, v) for k, v in response.getheaders() if k.lower() not in skip]
        self.reply(response.status, body, headers)
        upstream.close()
        return response.status

    def handle_request(self):
        global inflight
        layer = self.is_layer_blob()
        if not layer:
            status = self.forward()
            log(f"{self.command} {self.path} {status} 0")
            return
        with lock:
            inflight += 1
            current = inflight
        try:
            status = self.broken_reply()
            if status == 503:
                body = b'{"errors":[{"code":"UNAVAILABLE","message":"service unavailable"}]}'
                self.reply(503, body, [("Content-Type", "application/json")])
            elif status == 404:
                body = b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}'
                self.reply(404, body, [("Content-Type", "application/json")])
            else:
                if MODE == "slow":
                    time.sleep(0.5)
                status = self.forward()
            log(f"{self.command} {self.path} {status} {current}")
        finally:
            with lock:
                inflight -= 1

    do_GET = handle_request
    do_HEAD = handle_request


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
