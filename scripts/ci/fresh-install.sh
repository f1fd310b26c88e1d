#!/usr/bin/env bash
# A fresh clone installs and runs `npm start -- --version` on one Node with no
# C++ toolchain: PATH holds every program of this machine except compilers,
# make and Python, node-gyp cannot fetch Node's headers (nodedir points
# nowhere, disturl at a closed port), and the environment is emptied of all
# but what reaching the npm registry needs. An install that had to compile
# anything fails here; so does one that built argon2 anyway.
#
#   scripts/ci/fresh-install.sh DIR-WITH-node     e.g. "$(node scripts/ci/node-runtime.mjs 24)"
set -euo pipefail
node_dir=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/stv-fresh-XXXXXX")
trap 'rm -rf "$work"' EXIT

git clone -q "$repo" "$work/clone"

# Only this Node, and no compiler, make or Python, whatever else /usr/bin has.
mkdir -p "$work/node" "$work/bin"
ln -s "$node_dir/node" "$work/node/node"
for d in /usr/local/bin /usr/bin /bin /usr/sbin /sbin; do
  for f in "$d"/*; do
    n=${f##*/}
    case $n in
      node|nodejs|cc|c++|c89*|c99*|gcc*|g++*|cpp*|clang*|tcc|make|gmake|cmake|ninja|python*|*-linux-gnu-*|ld|ld.*|as) continue ;;
    esac
    [ -e "$work/bin/$n" ] || ln -s "$f" "$work/bin/$n"
  done
done
path="$work/node:$work/bin"
for tool in cc gcc g++ make python3; do
  if PATH=$path command -v "$tool" >/dev/null; then echo "fresh-install: $tool is still on PATH" >&2; exit 1; fi
done

keep=()
for v in HOME TMPDIR LANG NODE_EXTRA_CA_CERTS https_proxy HTTPS_PROXY http_proxy HTTP_PROXY no_proxy NO_PROXY npm_config_registry npm_config_cache; do
  [ -n "${!v:-}" ] && keep+=("$v=${!v}")
done
version=$(cd "$work/clone" && env -i "${keep[@]}" PATH="$path" \
  npm_config_nodedir="$work/no-node-headers" npm_config_disturl=http://127.0.0.1:9/ \
  npm start --silent -- --version 2>"$work/stderr") || {
  echo "fresh-install: npm start failed on Node $("$node_dir/node" --version):" >&2
  cat "$work/stderr" >&2
  exit 1
}
want=$("$node_dir/node" -p "require('$work/clone/package.json').version")
if [ "$version" != "$want" ]; then
  echo "fresh-install: npm start -- --version printed '$version', not '$want'" >&2
  cat "$work/stderr" >&2
  exit 1
fi
if [ -e "$work/clone/node_modules/argon2/build" ]; then
  echo "fresh-install: argon2 was compiled (node_modules/argon2/build exists) on Node $("$node_dir/node" --version)" >&2
  exit 1
fi
echo "fresh-install: Node $("$node_dir/node" --version): installed without a toolchain, npm start -- --version = $version"
