"""The daemon's web endpoint (`[web] listen`): the tracker, the feed, `/healthz`, unsubscribe.

- `http`: a small HTTP/1.1 server on asyncio streams (h11 frames the messages);
- `routes`: what each path answers (and the unsubscribe pages, from templates/);
- `refresh`: the tracker folder, written again whenever the archive changes;
- `endpoint`: all three started and stopped together (`serve_web`, used by `run`).
"""
