"""A real browser for the tests: Debian's Chromium and ChromeDriver, installed with
apt-get when they are missing.  In CI (``CI=true``) a browser that cannot be had fails
the test; elsewhere it skips it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI

CHROMIUM = Path("/usr/bin/chromium")
DRIVER = Path("/usr/bin/chromedriver")
PACKAGES = ["chromium", "chromium-driver"]


def _install() -> str | None:
    """Install the packages; None on success, else why not."""
    apt = shutil.which("apt-get")
    if apt is None:
        return "there is no apt-get here"
    if os.geteuid() == 0:
        prefix: list[str] = []
    elif shutil.which("sudo"):
        prefix = ["sudo", "-n"]
    else:
        return "installing needs root (or sudo), and this user has neither"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in (["update", "-qq"], ["install", "-y", "-qq", *PACKAGES]):
        try:
            done = subprocess.run(
                [*prefix, apt, *args], env=env, capture_output=True, text=True, timeout=1200
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"apt-get {args[0]} failed: {exc}"
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            return f"apt-get {args[0]} failed ({done.returncode}): {last}"
    return None


def require_chromium() -> tuple[Path, Path]:
    """Chromium and ChromeDriver, installing them if need be (fail in CI, else skip)."""
    if not (CHROMIUM.exists() and DRIVER.exists()):
        problem = _install()
        if problem is None and not (CHROMIUM.exists() and DRIVER.exists()):
            problem = (
                f"apt-get installed {' '.join(PACKAGES)} but {CHROMIUM} or {DRIVER} is missing"
            )
        if problem is not None:
            message = f"no headless Chromium for the browser test: {problem}"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
    return CHROMIUM, DRIVER
