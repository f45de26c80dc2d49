#!/usr/bin/env python3
"""A registry with Docker Hub's /v1/search endpoint, for berth's search
tests. Plain HTTP on 127.0.0.1:PORT, no authentication.

GET /v1/search?q=TERM&n=N  the repositories below whose name contains TERM,
                           at most N, in this order. A TERM starting with
                           "nosearch" gets 404, as from a registry without
                           the endpoint, and "fail" gets 500.
GET /v2/_catalog           every repository name, two per page, with a
                           Link header to the next page.
GET /v2/NAME/tags/list     for "srch/paged": t00..t29, ten per page, with
                           Link headers; for the others: "latest".
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

LONG = "An image whose description is far longer than forty-four bytes, to be cut"

REPOSITORIES = [
    # name, description, stars, official, automated
    ("library/srch-official", "The official one", 120, True, False),
    ("someone/srch-auto", "Built automatically\nfrom a repository", 7, False, True),
    ("someone/srch-plain", LONG, 3, False, False),
    ("someone/srch-zero", "", 0, False, False),
    ("nosearch-one", "", 0, False, False),
    ("nosearch-two", "", 0, False, False),
    ("nosearch-three", "", 0, False, False),
    ("srch/paged", "Has many tags", 1, False, False),
]

PAGED_TAGS = ["t%02d" % i for i in range(30)]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send_json(self, status, doc, link=None):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Docker-Distribution-Api-Version", "registry/2.0")
        if link:
            self.send_header("Link", '<%s>; rel="next"' % link)
        self.end_headers()
        self.wfile.write(body)

    def send_page(self, items, key, path, query, page_size, extra):
        start = int(query.get("last", ["-1"])[0]) + 1
        page = items[start:start + page_size]
        link = None
        if start + page_size < len(items):
            link = "%s?last=%d" % (path, start + page_size - 1)
        self.send_json(200, dict(extra, **{key: page}), link)

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if url.path == "/v2/":
            self.send_json(200, {})
        elif url.path == "/v1/search":
            term = query.get("q", [""])[0]
            limit = int(query.get("n", ["25"])[0])
            if term.startswith("nosearch"):
                self.send_json(404, {"errors": [{"code": "NOT_FOUND", "message": "no search"}]})
                return
            if term.startswith("fail"):
                self.send_json(500, {"errors": [{"code": "UNKNOWN", "message": "search broke"}]})
                return
            found = [{"name": name, "description": description, "star_count": stars,
                      "is_official": official, "is_automated": automated}
                     for name, description, stars, official, automated in REPOSITORIES
                     if term in name][:limit]
            self.send_json(200, {"num_results": len(found), "query": term, "results": found})
        elif url.path == "/v2/_catalog":
            names = [r[0] for r in REPOSITORIES]
            self.send_page(names, "repositories", url.path, query, 2, {})
        elif url.path.startswith("/v2/") and url.path.endswith("/tags/list"):
            name = url.path[len("/v2/"):-len("/tags/list")]
            if name not in [r[0] for r in REPOSITORIES]:
                self.send_json(404, {"errors": [{"code": "NAME_UNKNOWN",
                                                 "message": "repository name not known"}]})
            elif name == "srch/paged":
                self.send_page(PAGED_TAGS, "tags", url.path, query, 10, {"name": name})
            else:
                self.send_json(200, {"name": name, "tags": ["latest"]})
        else:
            self.send_json(404, {"errors": [{"code": "NOT_FOUND", "message": "not found"}]})


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
