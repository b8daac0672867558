"""Headless Chromium for tests that look at a page as a browser renders it.

Debian's ``chromium`` (installed by ``.ci/run`` when it can be); tests skip with the reason
when it is absent. No network is used: pages must carry what they need.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def chromium() -> str:
    """The chromium executable; skips the test when there is none."""
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found is None:
        pytest.skip("headless Chromium not installed (apt-get install chromium; .ci/run does)")
    return found


def run(page: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run chromium on the local file PAGE with a fresh profile and extra ARGS."""
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.glob('chromium-profile-*')))}"
    return subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    )


def dump_dom(page: Path, tmp_path: Path) -> str:
    """The DOM of PAGE after its scripts ran (``--dump-dom``)."""
    return run(page, tmp_path, "--virtual-time-budget=5000", "--dump-dom").stdout


def pdf_pages(page: Path, tmp_path: Path) -> int:
    """How many A4 pages PAGE prints to (``--print-to-pdf``)."""
    pdf = tmp_path / f"{page.stem}.pdf"
    run(page, tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    return len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes()))
