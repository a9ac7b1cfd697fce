"""Loopback replay of recorded site pages, for tests, the demo and the benchmarks."""

from replay.server import RecordedRequest, ReplayServer, Route, serve_sites

__all__ = ["RecordedRequest", "ReplayServer", "Route", "serve_sites"]
