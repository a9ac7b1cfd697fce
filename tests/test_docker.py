"""The Docker packaging, tested without a Docker engine.

1. The Dockerfile, .dockerignore, docker-compose.yml and .env.example are read and checked: a
   non-root user, the /data volume, the healthcheck, a stop signal `run` stops cleanly on, the web
   port, every file it copies present in the repository and not ignored.
2. The image is replayed in fresh virtualenvs: the build stage's pip command builds the wheels
   from a copy of exactly what the Dockerfile copies, the runtime stage's pip command installs
   them, and the entry command runs with the image's environment (its paths mapped into a
   temporary folder) against a config pointed at the recorded sites; `health` (the HEALTHCHECK's
   command) must then pass, and the stop signal must stop it with exit 0.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import time
import venv
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import pytest
import yaml

from replay import serve_sites
from replay.loopback import SITES, config_text
from watcher.config import CONFIG_ENV, load_settings
from watcher.scheduler import STOP_SIGNALS
from watcher.sources import settings_types

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Stage:
    base: str
    name: str | None
    args: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [value for key, value in self.instructions if key == keyword]

    def last(self, keyword: str) -> str:
        found = self.all(keyword)
        assert found, f"no {keyword} in stage {self.name or self.base}"
        return found[-1]


def _instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction: comments dropped, continuation lines joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        keyword, _, rest = whole.partition(" ")
        out.append((keyword.upper(), rest.strip()))
    return out


def _assignments(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in shlex.split(text) if "=" in part)


def parse_dockerfile(path: Path) -> list[Stage]:
    stages: list[Stage] = []
    global_args: dict[str, str] = {}
    for keyword, rest in _instructions(path.read_text(encoding="utf-8")):
        if keyword == "ARG" and not stages:
            global_args.update(_assignments(rest))
            continue
        if keyword == "FROM":
            parts = rest.split()
            base = re.sub(r"\$\{(\w+)\}", lambda m: global_args[m.group(1)], parts[0])
            name = parts[2] if len(parts) > 2 and parts[1].upper() == "AS" else None
            stages.append(Stage(base, name))
            continue
        stage = stages[-1]
        if keyword == "ARG":
            for item in shlex.split(rest):
                key, _, value = item.partition("=")
                stage.args[key] = value or global_args.get(key, "")
        elif keyword == "ENV":
            stage.env.update(_assignments(rest))
        stage.instructions.append((keyword, rest))
    return stages


def exec_form(value: str) -> list[str]:
    parsed = json.loads(value)
    assert isinstance(parsed, list), f"use the exec form: {value}"
    return [str(p) for p in parsed]


def copies(stage: Stage) -> list[tuple[list[str], str]]:
    """(sources, destination) of each COPY from the build context (not --from another stage)."""
    out = []
    for rest in stage.all("COPY"):
        words = shlex.split(rest)
        if any(w.startswith("--from") for w in words):
            continue
        words = [w for w in words if not w.startswith("--")]
        out.append((words[:-1], words[-1]))
    return out


def _pattern(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as Docker reads it: from the context's root, `*` and `?` within
    one path element, `**` across any number of them."""
    out = []
    for part in re.split(r"(\*\*/?|\*|\?)", pattern.strip("/")):
        if part.startswith("**"):
            out.append("(?:.*/)?" if part.endswith("/") else ".*")
        elif part == "*":
            out.append("[^/]*")
        elif part == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(part))
    return re.compile("".join(out))


def ignored(path: str, patterns: list[str]) -> bool:
    """Is `path` (relative to the context) excluded? Excluding a folder excludes what is in it."""
    parts = Path(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(_pattern(p).fullmatch(prefix) for p in patterns for prefix in prefixes)


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile(ROOT / "Dockerfile")


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def test_dockerfile_is_multi_stage_on_slim_official_python(stages: list[Stage]) -> None:
    assert len(stages) >= 2
    for stage in stages:
        assert re.fullmatch(r"python:3\.1[1-9][\w.-]*-slim[\w.-]*", stage.base), stage.base
    build, runtime = stages[0], stages[-1]
    assert build.name and any("pip wheel" in r for r in build.all("RUN"))
    # The runtime gets the wheels through a bind mount of the build stage, and no source tree.
    assert all(src.startswith("docker/") for srcs, _ in copies(runtime) for src in srcs)
    wheels = runtime.args["WHEELS"]
    mount = f"--mount=type=bind,from={build.name},source={wheels},target={wheels}"
    assert any(r.startswith(mount) and '"$WHEELS"' in r for r in runtime.all("RUN"))
    assert build.args["WHEELS"] == wheels


def test_runtime_runs_unprivileged_with_data_volume_health_and_stop_signal(
    stages: list[Stage],
) -> None:
    runtime = stages[-1]
    user = runtime.last("USER")
    assert user not in ("root", "0") and not user.startswith("0:")
    assert any(f" {user}" in r and "useradd" in r for r in runtime.all("RUN")), "user not created"
    assert "/data" in exec_form(runtime.last("VOLUME"))
    assert runtime.last("WORKDIR") == "/data"
    health = runtime.last("HEALTHCHECK")
    assert exec_form(health[health.index("CMD") + 3 :].strip()) == ["jucip-watch", "health"]
    assert "--start-period=" in health
    assert signal.Signals[runtime.last("STOPSIGNAL")] in STOP_SIGNALS
    assert "8080" in runtime.last("EXPOSE").split()
    assert exec_form(runtime.last("ENTRYPOINT")) == ["jucip-watch"]
    assert exec_form(runtime.last("CMD")) == ["run"]


def test_every_copied_file_exists_and_is_not_ignored(stages: list[Stage]) -> None:
    patterns = dockerignore()
    for stage in stages:
        for sources, _ in copies(stage):
            for src in sources:
                assert (ROOT / src).exists(), f"COPY {src}: not in the repository"
                assert not ignored(src, patterns), f"COPY {src}: excluded by .dockerignore"
    for local in (".venv", ".git", "data/x.sqlite3", ".env", "watcher/__pycache__/x.pyc"):
        assert ignored(local, patterns), f"{local} would be sent to the Docker daemon"
    # Anchored at the root: the package's own data folder is not the local data folder.
    assert not ignored("watcher/data/topics.toml", patterns)


def test_the_build_stage_copies_every_package_the_wheel_holds(stages: list[Stage]) -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = {Path(src).parts[0] for srcs, _ in copies(stages[0]) for src in srcs}
    assert packages <= copied, f"not copied into the build stage: {sorted(packages - copied)}"
    assert project["project"]["readme"] in copied  # setuptools reads it into the metadata


def test_the_image_config_keeps_the_archive_in_the_volume(stages: list[Stage]) -> None:
    runtime = stages[-1]
    config_path = runtime.env[CONFIG_ENV]
    (source,) = next(srcs for srcs, dest in copies(runtime) if dest == config_path)
    settings = load_settings(ROOT / source)
    assert settings.storage.database == Path("/data/jucip-watch.sqlite3")
    assert [s.name for s in settings.all_sources()][:2] == ["commerce-api", "commerce-press"]


def test_compose_runs_the_bot_with_volume_env_file_and_restart_policy(
    stages: list[Stage],
) -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    (service,) = compose["services"].values()
    assert service["build"] == "."
    assert service["restart"] in ("always", "unless-stopped", "on-failure")
    env_files = (
        service["env_file"] if isinstance(service["env_file"], list) else [service["env_file"]]
    )
    assert ".env" in env_files
    mounts = dict(v.split(":", 2)[:2] for v in service["volumes"])
    named = [src for src, dest in mounts.items() if dest == "/data"]
    assert named and named[0] in compose["volumes"]
    assert mounts.get("./config.toml") == stages[-1].env[CONFIG_ENV]
    assert any(p.endswith(":8080") for p in service["ports"])


def test_env_example_names_every_variable_the_config_names(stages: list[Stage]) -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    # Named, set or left commented out for the operator to fill in.
    names = set(re.findall(r"^(?:#\s*)?([A-Z][A-Z0-9_]*)=", example, re.M))
    wanted = {CONFIG_ENV, "COMMERCE_API_KEY", "TELEGRAM_BOT_TOKEN", "SMTP_PASSWORD"}
    # Every *_env key of the documented config, and every *_env default of the source kinds.
    config = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    wanted |= set(re.findall(r'^\s*#?\s*\w+_env\s*=\s*"([A-Z0-9_]+)"', config, re.M))
    for kind in settings_types():
        wanted |= {
            f.default
            for f in msgspec.structs.fields(kind)
            if f.name.endswith("_env") and isinstance(f.default, str)
        }
    assert wanted <= names, f"missing from .env.example: {sorted(wanted - names)}"
    assert re.search(rf"^{CONFIG_ENV}={re.escape(stages[-1].env[CONFIG_ENV])}$", example, re.M)


def test_env_example_copied_unfilled_is_a_valid_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `cp .env.example .env` and fill in nothing (no Telegram, no mail): compose sets every
    # NAME= line, empty ones too, and `run` (which resolves the channels first) must start.
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name, value in re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", example, re.M):
        monkeypatch.setenv(name, value)
    settings = load_settings(ROOT / "docker" / "config.toml")
    assert settings.channels().enabled == ()


# -- the image, replayed in fresh virtualenvs ------------------------------------------------------
def _stage_copy(stage: Stage, into: Path) -> None:
    """The stage's COPY instructions from this checkout into `into` (its WORKDIR), with the
    .dockerignore exclusions a real build context has."""
    patterns = dockerignore()

    def skip(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if ignored(str(Path(folder, n).relative_to(ROOT)), patterns)]

    for sources, dest in copies(stage):
        for src in sources:
            # "COPY a b ./" puts a and b in the folder; "COPY watcher ./watcher" names the target.
            target = into / dest / Path(src).name if dest.endswith("/") else into / dest
            if (ROOT / src).is_dir():
                shutil.copytree(ROOT / src, target, ignore=skip)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / src, target)


def _pip_commands(stage: Stage) -> list[str]:
    """The stage's RUN commands that call pip, without BuildKit's --mount options."""
    out = []
    for rest in stage.all("RUN"):
        command = re.sub(r"^(--\S+\s+)+", "", rest)
        if "pip " in command:
            out.append(command)
    return out


def _environment(stage: Stage, venv_dir: Path, mapped: dict[str, Path]) -> dict[str, str]:
    def place(value: str) -> str:
        for inside, outside in mapped.items():
            if value == inside or value.startswith(inside + "/"):
                return str(outside) + value[len(inside) :]
        return value

    env = {
        # What the base image sets, with its interpreter replaced by the virtualenv's.
        "PATH": f"{venv_dir / 'bin'}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": str(mapped["/data"]),
    }
    env.update({k: place(v) for k, v in stage.args.items()})
    env.update({k: place(v) for k, v in stage.env.items()})
    return env


def _run(command: str, cwd: Path, env: dict[str, str]) -> None:
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{command}\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"


def _wait_healthy(
    health: list[str], env: dict[str, str], cwd: Path, proc: subprocess.Popen[str]
) -> str:
    deadline = time.monotonic() + 90
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the entry command exited {proc.returncode}: {proc.communicate()[1]}")
        done = subprocess.run(health, env=env, cwd=cwd, capture_output=True, text=True, timeout=60)
        last = done.stdout + done.stderr
        if done.returncode == 0:
            return last
        time.sleep(0.5)
    pytest.fail(f"never healthy: {last}")


def test_the_image_installs_and_runs_from_its_wheels(stages: list[Stage], tmp_path: Path) -> None:
    build, runtime = stages[0], stages[-1]
    mapped = {
        "/src": tmp_path / "src",
        "/wheels": tmp_path / "wheels",
        "/data": tmp_path / "data",
        "/etc/jucip-watch": tmp_path / "etc",
    }
    for folder in mapped.values():
        folder.mkdir()
    # Build stage: a fresh interpreter, exactly the copied files, the stage's pip command.
    build_venv, run_venv = tmp_path / "build-venv", tmp_path / "venv"
    venv.create(build_venv, with_pip=True)
    _stage_copy(build, mapped[build.last("WORKDIR")])
    for command in _pip_commands(build):
        _run(command, mapped[build.last("WORKDIR")], _environment(build, build_venv, mapped))
    assert any(w.name.startswith("jucip_watch-") for w in mapped["/wheels"].iterdir())
    # Runtime stage: another fresh interpreter, the stage's pip command, from the wheels only.
    venv.create(run_venv, with_pip=True)
    env = _environment(runtime, run_venv, mapped)
    for command in _pip_commands(runtime):
        _run(command, mapped["/data"], env)
    # The installed package, not this checkout, is what runs.
    where = subprocess.run(
        ["python", "-c", "import watcher, replay; print(watcher.__file__, replay.__file__)"],
        env=env,
        cwd=mapped["/data"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(ROOT) not in where and str(run_venv) in where

    # A user's config, mounted where the image looks for it, pointed at the recorded sites.
    servers = serve_sites(SITES)
    try:
        config = Path(env[CONFIG_ENV])
        text = config_text(servers, database=mapped["/data"] / "jucip-watch.sqlite3")
        config.write_text(text + '\n[schedule]\ninterval = "1h"\njitter = 0\n', encoding="utf-8")
        env["COMMERCE_API_KEY"] = "key-from-the-env-file"
        entry = exec_form(runtime.last("ENTRYPOINT")) + exec_form(runtime.last("CMD"))
        health = exec_form(runtime.last("HEALTHCHECK").split("CMD", 1)[1].strip())
        started = time.monotonic()
        proc = subprocess.Popen(
            entry, env=env, cwd=mapped["/data"], stderr=subprocess.PIPE, text=True
        )
        try:
            line = _wait_healthy(health, env, mapped["/data"], proc)
        finally:
            proc.send_signal(signal.Signals[runtime.last("STOPSIGNAL")])
            err = proc.communicate(timeout=60)[1]
        print(f"entry command healthy after {time.monotonic() - started:.1f} s")
    finally:
        for server in servers.values():
            server.stop()
    assert proc.returncode == 0, err
    assert "healthy: 6 source(s) on time" in line
    assert "stopped" in err and "Traceback" not in err
    assert "key-from-the-env-file" not in err
    # The daemon's web endpoint wrote its tracker into the volume, from the installed package,
    # which carries the unsubscribe page's template too.
    assert (mapped["/data"] / "tracker" / "index.html").is_file()
    _run(
        'python -c "import importlib.resources as r; '
        "assert r.files('watcher.web').joinpath('templates/unsubscribe.html').is_file()\"",
        mapped["/data"],
        env,
    )
    # The report works from the installed package (its templates are package data).
    _run(f"jucip-watch report --out {mapped['/data'] / 'site'}", mapped["/data"], env)
    assert (mapped["/data"] / "site" / "feed.xml").is_file()
    assert os.listdir(mapped["/data"] / "site" / "topics")
