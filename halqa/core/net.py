"""Who is on the other end of a request: the client's address, behind the proxies we trust.

Every limit that counts per address (allauth's sign-in limits through the account adapter, the
API's throttles) asks `client_ip(request)`, so they all agree on one address and one setting:

- ``TRUSTED_CLIENT_IP_HEADER`` (env, e.g. ``X-Real-IP`` or ``CF-Connecting-IP``): the proxy in
  front puts the client's address in this header; it wins when set and valid.
- ``TRUSTED_PROXY_COUNT`` (env, default 0): how many proxies under our control stand in front of
  the application, each appending the address it saw to ``X-Forwarded-For``. The client is the
  entry that many places from the end; entries further left were written by the client and are
  never believed. 0 means no proxy: the socket's address (``REMOTE_ADDR``) is the client.

A header that is missing or is not an IP address falls back to ``REMOTE_ADDR``: a bad header never
breaks a request, and a client cannot pick an address of its choosing beyond what our own proxies
wrote.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def clean_ip(value: str | None) -> str | None:
    """The address in canonical form, or None if `value` is not one ("[::1]:80" and "1.2.3.4:5" too)."""
    if not value:
        return None
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [IPv6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # IPv4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def forwarded_ip(request: HttpRequest, proxies: int) -> str | None:
    """The address our outermost trusted proxy saw, from X-Forwarded-For."""
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = [entry.strip() for entry in header.split(",") if entry.strip()]
    if proxies <= 0 or not entries:
        return None
    # Fewer entries than proxies: the request skipped a proxy; take the oldest entry there is.
    return clean_ip(entries[-min(proxies, len(entries))])


def client_ip(request: HttpRequest) -> str:
    """The client's IP address as the deployment's settings define it ("" only if none is known)."""
    header = getattr(settings, "TRUSTED_CLIENT_IP_HEADER", None)
    if header:
        ip = clean_ip(request.headers.get(header))
        if ip:
            return ip
    ip = forwarded_ip(request, int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0))
    return ip or clean_ip(request.META.get("REMOTE_ADDR")) or ""
