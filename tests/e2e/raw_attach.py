# A client of the compat attach route that writes its own HTTP, for tests
# that must control what the service receives and when.
import socket
import time


class RawAttach:
    """An upgraded attach connection to one container's stdin and
    stdout. data is what the service has sent after its reply's
    headers."""

    def __init__(self, socket_path, container, early_input=b""):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(socket_path)
        self.sock.sendall(
            b"POST /v1.41/containers/" + container.encode() +
            b"/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\n"
            b"Host: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n" + early_input)
        self.sock.settimeout(10)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise SystemExit("the service closed the connection before its reply")
            received += chunk
        self.data = received.split(b"\r\n\r\n", 1)[1]

    def send(self, data):
        self.sock.sendall(data)

    def wait_for(self, text, seconds=10):
        """Reads until text has arrived, the stream ends or seconds pass;
        returns whether text arrived."""
        deadline = time.time() + seconds
        while text not in self.data and time.time() < deadline:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.data += chunk
        return text in self.data

    def wait_closed(self, seconds=10):
        """Reads until the service closes the stream; returns whether it did
        within seconds."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            chunk = self.sock.recv(4096)
            if not chunk:
                return True
            self.data += chunk
        return False
