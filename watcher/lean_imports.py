"""Optional packages that libraries import for features we never use, kept out of memory.

Some libraries import an optional package at their top, when it is installed, for a feature
this project does not use; the daemon then carries it for ever (bench/bench_daemon.py measures
the idle daemon, target 60 MiB):

- python-telegram-bot imports `cryptography` (installed: pdfminer.six needs it) to decrypt
  Telegram Passport data, which the bot never asks for: about 4 MiB of the daemon.
- Beautiful Soup imports a charset detector (`charset_normalizer`, also pdfminer's) to guess
  the encoding of bytes; we only ever give it text (watcher/decode.py decodes first), so it
  never guesses: about 3 MiB.

`install()` adds an import hook: while one of the modules in `RULES` is first executed, the
packages named for it are hidden (their import fails, and the library falls back, as it does
when they are not installed); they are importable again right after, so pdfminer still loads
`cryptography` when a PDF is read. The CLI installs it first thing.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

# importer module -> the optional packages it is executed without
RULES: dict[str, tuple[str, ...]] = {
    "telegram._bot": ("cryptography",),
    "telegram._passport.credentials": ("cryptography",),
    "bs4.dammit": ("cchardet", "chardet", "charset_normalizer"),
}


class _Hiding(importlib.abc.Loader):
    """The module's own loader, executing it with `hidden` out of reach."""

    def __init__(self, loader: importlib.abc.Loader, hidden: Sequence[str]) -> None:
        self._loader = loader
        self._hidden = hidden

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        put = [name for name in self._hidden if name not in sys.modules]
        for name in put:
            sys.modules[name] = None  # type: ignore[assignment]  # "import name" now fails
        try:
            self._loader.exec_module(module)
        finally:
            for name in put:
                if name in sys.modules and sys.modules[name] is None:
                    del sys.modules[name]

    def __getattr__(self, name: str) -> Any:  # get_data, is_package, ...: the real loader's
        return getattr(self._loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        hidden = RULES.get(name)
        if hidden is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _Hiding(spec.loader, hidden)
        return spec


def install() -> None:
    """Add the hook (once); modules imported before it are as they were."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
