#!/usr/bin/env bash
# apt_install.sh PACKAGE...: install Debian packages non-interactively, as root or via sudo,
# without starting any service they ship (tests run their own MariaDB on a temp datadir;
# a system mariadbd on port 3306 would only be in the way).
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 PACKAGE..." >&2
    exit 2
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "apt_install.sh: installing $* needs root; run as root or install sudo" >&2
    exit 1
fi

# policy-rc.d exit 101 = "action forbidden": invoke-rc.d and deb-systemd-invoke then
# leave services alone during postinst. Only remove the file if we created it.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
    "${as_root[@]}" chmod 755 "$policy"
    created_policy=1
fi
cleanup() {
    if [ "$created_policy" -eq 1 ]; then
        "${as_root[@]}" rm -f "$policy"
    fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
