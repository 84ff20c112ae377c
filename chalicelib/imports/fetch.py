"""Downloads from the old site: an address is checked, then connected to exactly as checked.

The old site's address (``newsroom import-wordpress --media-from https://...``, the desk's "old
site's address") is the only place an import downloads from, and the imports function runs inside
AWS, beside the metadata service and whatever else the account reaches. So:

- ``check_address``: the old site's address as the imports function may use it: ``http`` or
  ``https``, no user name or password, a host on the public internet.
- ``fetch`` makes one GET, following at most ``hops`` redirects, each within the first address's
  scheme, host and port. For every hop the host name is resolved once (``addresses``); each address
  it resolves to must be ``reachable``, and the connection goes to the first of them
  (``_PinnedHTTPConnection``, ``_PinnedHTTPSConnection``), sending the original ``Host`` and
  verifying TLS (SNI and the certificate) for the original name. A name that answers a public
  address to the check and a private one to the connection (DNS rebinding) thus never reaches the
  private one: there is no second look-up.
- ``reachable``: ``ipaddress``'s ``is_global`` (the IANA special-purpose registries, as Python
  3.12.4 and 3.13 read them: 10/8, 127/8, 169.254/16 with 169.254.169.254, 100.64/10 with
  100.100.100.200, 192.168/16, fc00::/7 with fd00:ec2::254, ``::1``... are not global), not
  multicast (which ``is_global`` lets through), and every IPv4 address an IPv6 one carries
  (IPv4-mapped, IPv4-compatible, 6to4, Teredo, NAT64's 64:ff9b::/96) reachable too. Numbers in any
  form the resolver reads (``2130706433``, ``0x7f.1``, ``0177.0.0.1``) are judged by the address
  they resolve to, which is the one connected to. (Sources: Python's ``ipaddress`` documentation
  of ``is_global`` and ``is_private``, which name the IANA IPv4 and IPv6 Special-Purpose Address
  Registries, the 100.64.0.0/10 exception and IPv4-mapped addresses; CPython issue 113171 and
  CVE-2024-4032 for the registries' blocks fixed in 3.12.4 and 3.13.)

On the editor's own machine (``newsroom``, ``allow_private``) an address the editor named on a
private network is theirs to give (an intranet WordPress): its hops are still pinned, only not refused.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urljoin, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
REDIRECTS = (301, 302, 303, 307, 308)


class FetchRefused(Exception):
    """A download the importer will not make; the message says why."""


def check_address(address: str) -> str:
    """The old site's address as the imports function may download from it: http(s) only, never a
    folder of the function's own disk, and never a host off the public internet (the function runs
    inside AWS). :raise FetchRefused: why not."""
    parts = urlsplit(address.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefused(f"{address!r} is not an http:// or https:// address of the old site")
    if parts.username or parts.password:
        raise FetchRefused(f"{address!r}: give the site's address without a user name or password")
    addresses(parts.hostname, allow_private=False)
    return address.strip()


def reachable(ip: IPAddress) -> bool:
    """Whether ``ip`` is on the public internet, and so is every IPv4 address it carries."""
    if not ip.is_global or ip.is_multicast:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        carried = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
            carried.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        return all(reachable(v4) for v4 in carried if v4 is not None)
    return True


def addresses(host: str, allow_private: bool) -> list[IPAddress]:
    """The addresses ``host`` resolves to, looked up once; every one must be ``reachable`` unless
    ``allow_private``. :raise FetchRefused: it does not resolve, or resolves off the public internet."""
    try:
        found = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0])
                                   for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)))
    except (OSError, UnicodeError) as error:
        raise FetchRefused(f"{host} does not resolve ({error})") from None
    if not found:
        raise FetchRefused(f"{host} does not resolve")
    if not allow_private and (private := next((ip for ip in found if not reachable(ip)), None)) is not None:
        raise FetchRefused(f"{host} is on a private network ({private})")
    return found


def is_private_host(host: str) -> bool:
    """Whether ``host`` resolves off the public internet (or not at all)."""
    try:
        addresses(host, allow_private=False)
    except FetchRefused:
        return True
    return False


def fetch(address: str, limit: int, timeout: float, hops: int = 5, allow_private: bool = True) -> bytes:
    """The bytes at ``address`` (at most ``limit`` + 1 of them), following redirects only within its
    own scheme, host and port, each hop's host resolved once, checked and connected to as checked.

    :raise FetchRefused: a redirect elsewhere or too many, or a host off the public internet that the
        editor did not name as the old site (naming it is the editor's say-so, on their own machine).
    :raise OSError: the site did not answer, or answered something other than 200.
    """
    start = urlsplit(address)
    # The editor's own address is theirs to give (an intranet WordPress), on their own machine only:
    # from a function in AWS (``allow_private`` off) a private address is never fetched.
    named_private = allow_private and is_private_host(start.hostname or "")
    for _ in range(hops + 1):
        parts = urlsplit(address)
        if (parts.scheme, parts.hostname, parts.port) != (start.scheme, start.hostname, start.port) \
                or parts.scheme not in ("http", "https"):
            raise FetchRefused(f"{address}: a redirect away from {start.scheme}://{start.netloc}")
        ip = addresses(parts.hostname or "", allow_private=named_private)[0]
        connection_type = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        connection = connection_type(parts.hostname or "", parts.port, str(ip), timeout)
        try:
            connection.request("GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                               headers={"User-Agent": "newsroom-import"})
            reply = connection.getresponse()
            if reply.status in REDIRECTS and reply.getheader("Location"):
                address = urljoin(address, reply.getheader("Location") or "")
                continue
            if reply.status != 200:
                raise OSError(f"HTTP {reply.status}")
            return reply.read(limit + 1)
        finally:
            connection.close()
    raise FetchRefused(f"{address}: more than {hops} redirects")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to the address that was checked, whatever the name resolves to now; Host is the name."""

    def __init__(self, host: str, port: int | None, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the address that was checked; SNI, the certificate's name and Host are the name's."""

    def __init__(self, host: str, port: int | None, address: str, timeout: float) -> None:
        self.tls = ssl.create_default_context()  # verifies the certificate and its host name
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)
