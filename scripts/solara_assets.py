"""Fill Solara's proxy cache with its front-end files, so the dashboard works offline.

Solara's server serves the browser's JavaScript, CSS and fonts from
``<venv>/share/solara/cdn/<npm package>@<version>/``, and fetches what is missing
from a public CDN, which this machine (and many municipal networks) cannot reach:
the page then stays blank. This script fills that cache once at install time from
the npm registry (``npm pack``, then unpack), which the Makefile's install step runs.

The package list is read from the installed Solara itself (its page template, its
settings and its components name each ``<package>@<version>`` they load), so a
Solara upgrade brings its own list; ``tests/test_dashboard_assets.py`` checks the
list against what a served page asks for.

    python scripts/solara_assets.py           # fill the cache (idempotent)
    python scripts/solara_assets.py --list    # print the packages, one a line
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

#: Where Solara names a CDN package: its page template (``{{cdn}}/...``), the
#: markdown component (``${this.getCdn()}/...``) and the font-awesome setting.
_REFERENCE = re.compile(
    r"""(?:\{\{\s*cdn\s*\}\}|getCdn\(\)\}|_path:\s*str\s*=\s*")/"""
    r"""((?:@[\w.-]+/)?[\w.-]+@\d+(?:\.\d+)*)/""")
_SCANNED = ("server/templates/solara.html.j2", "server/settings.py",
            "components/markdown.py")


def solara_dir() -> Path:
    import solara

    return Path(solara.__file__).resolve().parent


def cache_dir() -> Path:
    """The proxy cache the installed Solara server reads (``SOLARA_PROXY_CACHE_DIR``)."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def packages() -> list[str]:
    """``name@version`` of every npm package the installed Solara loads from its CDN.

    The page template names two app bundles: the Vuetify 3 one for ipyvue 3 and the
    Vuetify 2 one otherwise (the same test Solara's server makes); only the one in
    use is kept.
    """
    import ipyvue

    vue3 = ipyvue.__version__.startswith("3")
    unused = "solara-vuetify-app@" if vue3 else "solara-vuetify3-app@"
    found: set[str] = set()
    root = solara_dir()
    for rel in _SCANNED:
        found.update(_REFERENCE.findall((root / rel).read_text(encoding="utf-8")))
    return sorted(p for p in found if unused not in p)


def install(package: str, cache: Path) -> bool:
    """Unpack one npm package into the cache; False when it was there already."""
    dest = cache / package
    if (dest / "package.json").is_file():
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        packed = subprocess.run(["npm", "pack", package, "--silent", "--pack-destination", tmp],
                                check=True, capture_output=True, text=True)
        tarball = Path(tmp) / packed.stdout.strip().splitlines()[-1]
        unpacked = Path(tmp) / "unpacked"
        unpacked.mkdir()
        subprocess.run(["tar", "xzf", str(tarball), "--strip-components=1", "-C",
                        str(unpacked)], check=True)
        if dest.exists():  # a half-filled folder from an interrupted install
            shutil.rmtree(dest)
        unpacked.rename(dest)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the packages and stop")
    args = parser.parse_args(argv)
    wanted = packages()
    if args.list:
        print("\n".join(wanted))
        return 0
    if shutil.which("npm") is None:
        print("solara_assets: error: npm is missing; install it (Debian: apt-get install npm)",
              file=sys.stderr)
        return 2
    cache = cache_dir()
    for package in wanted:
        try:
            fetched = install(package, cache)
        except subprocess.CalledProcessError as err:
            print(f"solara_assets: error: npm pack {package} failed: "
                  f"{(err.stderr or '').strip()[:300]}", file=sys.stderr)
            return 1
        print(f"solara assets: {package} {'unpacked' if fetched else 'present'} in {cache}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
