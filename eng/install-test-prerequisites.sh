#!/usr/bin/env bash
# What the tests need beyond the .NET SDK, installed on first use by Tests/Tests.csproj's build (target
# InstallTestPrerequisites), and fast when everything is there:
#   - redis-server and chromium (apt; as root, or through sudo without a password prompt);
#   - the pinned real clients and agents in Tests/clients (npm install from package-lock.json): the claude CLI, the
#     Anthropic and OpenAI SDKs, OpenCode, Droid, Pi, playwright-core.
# It says what it installs. Anything it cannot install is a build error naming the command that would fix it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
clients="$root/Tests/clients"
me="eng/install-test-prerequisites.sh"

fail() {
  # MSBuild's canonical error format: the Exec task reports it as a build error.
  echo "$me : error AR0001: $*" >&2
  exit 1
}

command -v node >/dev/null 2>&1 || fail "Node.js 20+ with npm is required for the tests' real clients and agents (https://nodejs.org, or: apt-get install nodejs npm)."
command -v npm >/dev/null 2>&1 || fail "npm is required (it comes with Node.js; or: apt-get install npm)."
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || fail "Node.js 20 or newer is required; found $(node --version)."

# apt packages: the command each provides.
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    sudo_cmd=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo_cmd=(sudo -n)
  else
    fail "the tests need ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}"
  fi
  command -v apt-get >/dev/null 2>&1 || fail "the tests need ${missing[*]} and this is not an apt system; install them with your package manager."
  echo "test prerequisites: installing ${missing[*]} (apt-get)"
  "${sudo_cmd[@]}" apt-get update -qq || fail "apt-get update failed; install ${missing[*]} by hand."
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || fail "apt-get install ${missing[*]} failed."
fi

# Tests/clients: every dependency at exactly its pinned version, checked from the installed package.json files.
check_clients() {
  (cd "$clients" && node -e '
    const fs = require("fs");
    const wanted = require("./package.json").dependencies;
    const wrong = Object.entries(wanted).filter(([name, version]) => {
      try { return JSON.parse(fs.readFileSync(`node_modules/${name}/package.json`, "utf8")).version !== version; }
      catch { return true; }
    }).map(([name, version]) => `${name}@${version}`);
    if (!fs.existsSync("node_modules/.bin/claude")) wrong.push("claude binary");
    if (wrong.length) { console.log(wrong.join(" ")); process.exit(1); }
  ')
}

if ! wrong="$(check_clients)"; then
  if [ -L "$clients/node_modules" ]; then
    # Installing through the link would change the shared install it points to; the owner of that install decides.
    fail "Tests/clients/node_modules is a link to $(readlink -f "$clients/node_modules"), which lacks: $wrong. Run 'npm install' in the folder that owns it, or remove the link."
  fi
  # npm install from the lock file, not npm ci: the lock lacks the other platforms' optional binaries (OpenCode's and
  # Droid's darwin/win32/arm builds), which npm ci rejects as "missing from lock file"; install still takes every
  # version from the lock and leaves it unchanged.
  echo "test prerequisites: npm install in Tests/clients (missing or other versions: $wrong)"
  (cd "$clients" && npm install --prefer-offline --no-audit --no-fund --loglevel=error) \
    || fail "npm install in Tests/clients failed (see above); the tests need the pinned clients and agents."
  wrong="$(check_clients)" || fail "after npm install, Tests/clients still lacks: $wrong"
  echo "test prerequisites: installed the pinned clients and agents in Tests/clients"
fi
