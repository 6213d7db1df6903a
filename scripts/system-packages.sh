#!/usr/bin/env bash
# Runs before the tests (`npm test`): every package in system-packages.txt must be present. Missing ones
# are installed with apt-get, as root or through `sudo -n`, one line printed per package. When that
# cannot be done (not root and no password-less sudo, no apt-get, apt-get failing: no network), it
# stops before any test runs with one line naming the command to run, and exits 1: a test never fails
# or skips for want of a package. Nothing missing: no apt-get call at all, so it costs nothing.
# REACHWATCH_SYSTEM_PACKAGES names another list (the tests of this script use one).
# Installing never starts a service: Debian's prometheus package (listed for promtool) would start a
# Prometheus server where an init system runs. See "policy-rc.d" below.
set -u
here=${BASH_SOURCE[0]%/*}
[[ $here == "${BASH_SOURCE[0]}" ]] && here=.
list=${REACHWATCH_SYSTEM_PACKAGES:-$here/../system-packages.txt}

present() {
  if [[ $1 == */* ]]; then [[ -e $1 ]]; else command -v -- "$1" >/dev/null 2>&1; fi
}

missing=() proofs=() purposes=() origins=()
n=0
while IFS= read -r line || [[ -n $line ]]; do
  n=$((n + 1))
  [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
  read -r pkg proof purpose <<<"$line"
  if [[ -z ${proof:-} ]]; then
    echo "system-packages: $list:$n: expected \"package proof purpose\", got \"$line\"" >&2
    exit 2
  fi
  if [[ $proof =~ ^\$\{([A-Za-z_][A-Za-z0-9_]*):-(.*)\}$ ]]; then
    var=${BASH_REMATCH[1]}
    proof=${!var:-${BASH_REMATCH[2]}}
    origin=" (from \$$var or its default)"
  else
    origin=""
  fi
  present "$proof" && continue
  missing+=("$pkg") proofs+=("$proof") purposes+=("$purpose") origins+=("$origin")
done <"$list" || { echo "system-packages: cannot read $list" >&2; exit 2; }

((${#missing[@]} == 0)) && exit 0

names=${missing[*]}
uid=$(id -u)
sudo=()
has_sudo=no
command -v sudo >/dev/null 2>&1 && has_sudo=yes
# The command to give: with sudo where there is one (it may ask for a password), else as root.
prefix='' run='run'
if [[ $uid != 0 ]]; then
  if [[ $has_sudo == yes ]]; then prefix='sudo '; else run='run as root'; fi
fi
command_line="${prefix}apt-get update && ${prefix}apt-get install -y $names"

cannot() {
  echo "system-packages: the tests need $names, and $1; $run: $command_line" >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 || cannot "this machine has no apt-get (install the same packages with its own package manager)"
if [[ $uid != 0 ]]; then
  [[ $has_sudo == yes ]] || cannot "this is not root and has no sudo"
  sudo -n true </dev/null >/dev/null 2>&1 || cannot "this is not root and sudo needs a password"
  sudo=(sudo -n)
fi

log=${TMPDIR:-/tmp}/reachwatch-apt.$$.log
last_line() {
  local lines=()
  mapfile -t lines <"$log"
  ((${#lines[@]})) && echo "${lines[-1]}"
}
export DEBIAN_FRONTEND=noninteractive
if ! ${sudo[@]+"${sudo[@]}"} apt-get update -qq </dev/null >"$log" 2>&1; then
  cannot "apt-get update failed ($(last_line); no network?; its output: $log)"
fi
# While apt-get installs, a policy-rc.d that answers 101 ("action forbidden") keeps invoke-rc.d and
# deb-systemd-invoke from starting what a package ships (prometheus.service): the tests need its
# tools, not a server on :9090. A machine that has its own policy-rc.d (Docker images do) keeps it.
# REACHWATCH_POLICY_RC_D names another file (the tests of this script use one).
policy=${REACHWATCH_POLICY_RC_D:-/usr/sbin/policy-rc.d}
if [[ ! -e $policy ]]; then
  if ${sudo[@]+"${sudo[@]}"} bash -c 'printf "#!/bin/sh\n# written by reachwatch scripts/system-packages.sh while packages install\nexit 101\n" >"$1" && chmod 755 "$1"' _ "$policy" </dev/null; then
    trap '${sudo[@]+"${sudo[@]}"} rm -f "$policy"' EXIT
  else
    cannot "$policy could not be written (it keeps apt-get from starting services)"
  fi
fi
for i in "${!missing[@]}"; do
  echo "system-packages: installing ${missing[i]} for ${purposes[i]}"
done
if ! ${sudo[@]+"${sudo[@]}"} apt-get install -y -qq "${missing[@]}" </dev/null >>"$log" 2>&1; then
  cannot "apt-get install failed ($(last_line); its output: $log)"
fi
rm -f "$log"
for i in "${!missing[@]}"; do
  if ! present "${proofs[i]}"; then
    echo "system-packages: installed ${missing[i]}, but ${proofs[i]}${origins[i]} is still missing: $list says it proves ${missing[i]} is there" >&2
    exit 1
  fi
done
exit 0
