#!/usr/bin/env bash
# Installs the pinned Node 24 LTS from the npm registry (nothing from nodejs.org)
# and prints the path of its bin directory, so that
#
#   PATH="$(bash scripts/node24.sh):$PATH" npm test
#
# runs the suite on Node 24. The registry's `node` package only installs the
# platform package `node-<os>-<cpu>` of the same version, which holds bin/node and
# the headers (include/node) that node-gyp needs to build better-sqlite3: we take
# that package directly, check it against the integrity pinned below, and unpack
# it into a cache shared by every clone on the machine, reused while the version
# matches. The directory above bin/ is the nodedir for native builds:
#
#   NODE24="$(bash scripts/node24.sh)"
#   PATH="$NODE24:$PATH" npm_config_nodedir="$NODE24/.." npm rebuild better-sqlite3
#
# Progress goes to stderr; stdout is the bin directory only.
set -euo pipefail

# Krypton LTS, a security release. The registry's `node` wrapper stops at 24.21.0, but its
# platform packages go on: 24.22.0 is the first 24.x whose runtime keeps addon cleanup hooks
# in a global list (nodejs/node#63985), without which better-sqlite3 12 aborts in a GC
# (`RemoveEnvironmentCleanupHook ... (env) != nullptr`) on 24.19 to 24.21.
VERSION=24.22.3
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64)
    PLATFORM=linux-x64
    INTEGRITY=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
    ;;
  Linux-aarch64 | Linux-arm64)
    PLATFORM=linux-arm64
    INTEGRITY=sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==
    ;;
  *)
    echo "scripts/node24.sh: no pinned Node $VERSION package for $(uname -s) $(uname -m); install Node $VERSION yourself" >&2
    exit 1
    ;;
esac

CACHE="${TESSERA_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tessera}"
HOME_DIR="$CACHE/node-v$VERSION-$PLATFORM"
BIN="$HOME_DIR/bin"

if [ "$("$BIN/node" --version 2>/dev/null)" = "v$VERSION" ] && [ -f "$HOME_DIR/include/node/node.h" ]; then
  echo "$BIN"
  exit 0
fi

echo "scripts/node24.sh: installing Node $VERSION ($PLATFORM) from the npm registry into $HOME_DIR" >&2
mkdir -p "$CACHE"
WORK="$(mktemp -d "$CACHE/.node-v$VERSION.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
# npm pack checks the tarball against the registry's integrity; we check it against ours,
# so that a republished version is not taken silently.
TARBALL="$(cd "$WORK" && npm pack --silent "node-$PLATFORM@$VERSION" | tail -n 1)"
ACTUAL="sha512-$(node -e 'const { createHash } = require("node:crypto");
process.stdout.write(createHash("sha512").update(require("node:fs").readFileSync(process.argv[1])).digest("base64"));' "$WORK/$TARBALL")"
if [ "$ACTUAL" != "$INTEGRITY" ]; then
  echo "scripts/node24.sh: node-$PLATFORM@$VERSION has integrity $ACTUAL, expected $INTEGRITY" >&2
  exit 1
fi
mkdir "$WORK/unpacked"
tar -xzf "$WORK/$TARBALL" -C "$WORK/unpacked" --strip-components=1
"$WORK/unpacked/bin/node" --version >/dev/null
rm -rf "$HOME_DIR" # an unusable install: the check above failed
# Another clone may have put its copy in place meanwhile: then -T fails and we keep that one.
mv -T "$WORK/unpacked" "$HOME_DIR" 2>/dev/null || true
echo "scripts/node24.sh: $("$BIN/node" --version) ready" >&2
echo "$BIN"
