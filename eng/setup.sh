#!/usr/bin/env bash
# Installs what AgentRelay and its tests need on a fresh Debian machine with the .NET SDK and Node:
# redis-server and chromium (apt), the pinned real clients and the claude CLI (npm), NuGet packages.
# Safe to run again: each step skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} (apt)"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# The lock file pins every client; --prefer-offline keeps the npm cache warm between runs.
if [ ! -x Tests/clients/node_modules/.bin/claude ] || [ Tests/clients/package-lock.json -nt Tests/clients/node_modules/.package-lock.json ]; then
  echo "setup: npm ci in Tests/clients (Anthropic SDK, OpenAI SDK, claude CLI)"
  (cd Tests/clients && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
fi

echo "setup: dotnet restore"
dotnet restore aspire.sln --verbosity quiet
echo "setup: done"
