#!/usr/bin/env python3
"""A tiny registry (Docker Registry HTTP API v2, pull only) that serves
broken images for berth's failure tests. Listens on 127.0.0.1:PORT.

Repositories:
  baddigest:latest      a layer blob whose bytes do not match its digest
  baddiffid:latest      a layer whose uncompressed digest is not the config's diff ID
  escape-dotdot:latest  a layer with a "../escaped" entry
  escape-symlink:latest a layer with "link -> /tmp" and then "link/escaped"
  escape-hardlink:latest a layer with a hardlink to "../../etc/passwd"
  good:latest           a valid one-file image (control case)
"""
import gzip
import hashlib
import io
import json
import sys
import tarfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def tar_bytes(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for kind, name, extra in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 1704067200
            if kind == "file":
                info.size = len(extra)
                tar.addfile(info, io.BytesIO(extra))
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
            elif kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = extra
                tar.addfile(info)
            elif kind == "hardlink":
                info.type = tarfile.LNKTYPE
                info.linkname = extra
                tar.addfile(info)
    return buf.getvalue()


BLOBS = {}
MANIFESTS = {}


def add_image(repo, layer_tar, served_layer=None, diff_id=None):
    layer = gzip.compress(layer_tar, mtime=0)
    layer_digest = sha(layer)
    BLOBS[layer_digest] = served_layer if served_layer is not None else layer
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id or sha(layer_tar)]},
    }).encode()
    BLOBS[sha(config)] = config
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": sha(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": layer_digest, "size": len(layer)}],
    }).encode()
    MANIFESTS[(repo, "latest")] = manifest


good = tar_bytes([("file", "hello.txt", b"hello\n")])
add_image("good", good)
original = tar_bytes([("file", "data.txt", b"original\n")])
tampered = gzip.compress(tar_bytes([("file", "data.txt", b"tampered\n")]), mtime=0)
add_image("baddigest", original, served_layer=tampered)
# A different layer, so that its blob does not replace the one above.
add_image("baddiffid", tar_bytes([("file", "other.txt", b"other\n")]), diff_id="sha256:" + "0" * 64)
add_image("escape-dotdot", tar_bytes([("file", "ok.txt", b"ok\n"), ("file", "../escaped", b"x\n")]))
add_image("escape-symlink", tar_bytes([("symlink", "link", "/tmp"), ("file", "link/escaped", b"x\n")]))
add_image("escape-hardlink", tar_bytes([("hardlink", "passwd", "../../etc/passwd")]))


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, code, body=b"", ctype="application/json", headers=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        parts = self.path.split("/")
        if self.path in ("/v2/", "/v2"):
            return self.send(200, b"{}")
        if len(parts) == 5 and parts[3] == "manifests":
            body = MANIFESTS.get((parts[2], parts[4]))
            if body is None:
                err = {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]}
                return self.send(404, json.dumps(err).encode())
            return self.send(200, body, "application/vnd.oci.image.manifest.v1+json",
                             {"Docker-Content-Digest": sha(body)})
        if len(parts) == 5 and parts[3] == "blobs":
            body = BLOBS.get(parts[4])
            if body is None:
                return self.send(404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}')
            return self.send(200, body, "application/octet-stream")
        self.send(404, b"{}")


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
