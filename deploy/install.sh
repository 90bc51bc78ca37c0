#!/usr/bin/env bash
# Install, upgrade or remove modembridge on Raspberry Pi OS (bookworm, trixie) or any Debian
# with systemd. Run it again at any time: the result is the same (idempotent).
#
#   sudo deploy/install.sh                  install, or upgrade from this source tree
#   sudo deploy/install.sh --uninstall      remove program, unit and udev rules; keep data+config
#   deploy/install.sh --prefix /tmp/x       dry run: the whole tree under /tmp/x, system untouched
#
# What goes where:
#   /opt/modembridge/venv                   the program (a venv; pip refuses system installs)
#   /opt/modembridge/docs                   this guide and the udev README
#   /etc/modembridge/modembridge.toml       your config: written once, never overwritten
#   /etc/udev/rules.d/99-modembridge.rules  /dev/modembridge-at, ModemManager kept away
#   /etc/systemd/system/modembridge.service the service (Type=notify, watchdog, hardening)
#   /etc/sysusers.d/modembridge.conf        the system user modembridge, member of dialout
#   /var/lib/modembridge                    database and secret key (kept by --uninstall)
set -euo pipefail
# the service user must be able to read the venv whatever the admin's umask is
umask 022

usage() {
    cat <<'EOF'
usage: install.sh [--prefix DIR] [--uninstall] [--pip-args "ARGS"] [--python PYTHON] [--no-enable]

  --prefix DIR      install the whole tree under DIR (same as DESTDIR=DIR): no user is
                    created, no udevadm/systemctl is run; for a dry run or a test
  --uninstall       remove the program, the unit and the udev rules; keep
                    /etc/modembridge (config) and /var/lib/modembridge (data)
  --pip-args ARGS   extra arguments for pip install (e.g. "--no-index --find-links DIR")
  --python PYTHON   interpreter for the venv (default /usr/bin/python3; 3.11 or newer)
  --no-enable       do not enable the service at boot
EOF
}

say() { printf 'modembridge: %s\n' "$*"; }
die() {
    printf 'modembridge: error: %s\n' "$*" >&2
    exit 1
}

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=${DESTDIR:-}
PIP_ARGS=""
# the system Python: a pyenv/conda python3 first in root's PATH lives in a private home
# that the service user cannot reach
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
UNINSTALL=0
ENABLE=1

while [ $# -gt 0 ]; do
    case "$1" in
    --prefix)
        [ $# -ge 2 ] || die "--prefix needs a directory"
        PREFIX=$2
        shift 2
        ;;
    --prefix=*)
        PREFIX=${1#--prefix=}
        shift
        ;;
    --pip-args)
        [ $# -ge 2 ] || die "--pip-args needs a value"
        PIP_ARGS=$2
        shift 2
        ;;
    --python)
        [ $# -ge 2 ] || die "--python needs an interpreter"
        PYTHON=$2
        shift 2
        ;;
    --uninstall)
        UNINSTALL=1
        shift
        ;;
    --no-enable)
        ENABLE=0
        shift
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        usage >&2
        die "unknown argument: $1"
        ;;
    esac
done

if [ -n "$PREFIX" ]; then
    case "$PREFIX" in
    /*) ;;
    *) PREFIX=$(pwd)/$PREFIX ;;
    esac
    # strip trailing slashes; "/" would mean the real system, which is not a dry run
    while [ "${PREFIX%/}" != "$PREFIX" ]; do PREFIX=${PREFIX%/}; done
    [ -n "$PREFIX" ] || die "--prefix / is the real system: run without --prefix, as root"
    SYSTEM=0
else
    SYSTEM=1
    [ "$(id -u)" -eq 0 ] || die "run as root (sudo $0), or use --prefix DIR for a dry run"
fi

R=$PREFIX
APP=$R/opt/modembridge
VENV=$APP/venv
ETC=$R/etc/modembridge
STATE=$R/var/lib/modembridge
UNIT=$R/etc/systemd/system/modembridge.service
RULES_DIR=$R/etc/udev/rules.d
SYSUSERS=$R/etc/sysusers.d/modembridge.conf

have() { command -v "$1" >/dev/null 2>&1; }
# systemctl/udevadm only make sense on a booted systemd host, never in prefix mode
systemd_up() { [ "$SYSTEM" -eq 1 ] && [ -d /run/systemd/system ] && have systemctl; }
udev_up() { [ "$SYSTEM" -eq 1 ] && [ -d /run/udev ] && have udevadm; }

rule_files() {
    local f
    for f in "$SRC"/udev/*.rules; do
        [ -e "$f" ] && printf '%s\n' "$f"
    done
}

uninstall() {
    if systemd_up; then
        systemctl disable --now modembridge.service 2>/dev/null || true
    fi
    rm -f "$UNIT"
    local f
    while IFS= read -r f; do
        rm -f "$RULES_DIR/$(basename "$f")"
    done < <(rule_files)
    rm -rf "$APP"
    if systemd_up; then
        systemctl daemon-reload
    fi
    if udev_up; then
        udevadm control --reload-rules
    fi
    say "removed $APP, the unit and the udev rules"
    say "kept: $ETC (config), $STATE (database), the user modembridge and $SYSUSERS"
    say "to remove everything: sudo rm -rf $ETC $STATE $SYSUSERS && sudo userdel modembridge"
}

check_python() {
    have "$PYTHON" || die "$PYTHON not found (sudo apt-get install python3)"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        die "$PYTHON is older than 3.11 (Raspberry Pi OS bookworm or newer has 3.11+)"
    if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
        if [ "$SYSTEM" -eq 1 ] && have apt-get; then
            say "installing python3-venv"
            apt-get install -y python3-venv
        else
            die "$PYTHON cannot create venvs: sudo apt-get install python3-venv"
        fi
    fi
}

create_user() {
    install -D -m 0644 "$SRC/deploy/modembridge.sysusers" "$SYSUSERS"
    [ "$SYSTEM" -eq 1 ] || return 0
    if have systemd-sysusers; then
        systemd-sysusers "$SYSUSERS"
    elif ! getent passwd modembridge >/dev/null; then
        useradd --system --user-group --home-dir /var/lib/modembridge --no-create-home \
            --shell /usr/sbin/nologin --comment "modembridge SMS gateway" modembridge
    fi
    # sysusers' "m" line or an older user without the group: make sure of dialout
    if ! id -nG modembridge | tr ' ' '\n' | grep -qx dialout; then
        usermod -a -G dialout modembridge
    fi
}

# "3.11 /usr": a venv made from another interpreter (version or installation) must be rebuilt
python_tag() { "$1" -c 'import sys; print("%d.%d %s" % (*sys.version_info[:2], sys.base_prefix))'; }

install_program() {
    # A venv built by another Python (an OS upgrade, say bookworm 3.11 -> trixie 3.13) is
    # broken or stale: rebuild it. Data and config live elsewhere, so this is safe.
    if [ -x "$VENV/bin/python" ] &&
        [ "$(python_tag "$VENV/bin/python" 2>/dev/null || true)" != "$(python_tag "$PYTHON")" ]; then
        say "rebuilding $VENV for $(python_tag "$PYTHON")"
        rm -rf "$VENV"
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        "$PYTHON" -m venv "$VENV"
    fi
    # Build from a clean copy: building in place would leave build/ and *.egg-info in the
    # source tree (which may belong to another user), and the copy skips .venv and .git.
    local tmp
    tmp=$(mktemp -d)
    # shellcheck disable=SC2064  # expand $tmp now: it is local to this function
    trap "rm -rf '$tmp'" EXIT
    mkdir "$tmp/src"
    tar -C "$SRC" --exclude=./.git --exclude=./.venv --exclude=./build --exclude=./dist \
        --exclude=./data --exclude=./tests --exclude='*.egg-info' --exclude=__pycache__ \
        --exclude=.mypy_cache --exclude=.pytest_cache --exclude=.ruff_cache \
        --exclude=.hypothesis -cf - . | tar -C "$tmp/src" -xf -
    local -a extra=()
    if [ -n "$PIP_ARGS" ]; then
        read -r -a extra <<<"$PIP_ARGS"
    fi
    say "installing the package into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        ${extra[@]+"${extra[@]}"} "$tmp/src"
    rm -rf "$tmp"
    trap - EXIT
}

check_runs_as_service_user() {
    [ "$SYSTEM" -eq 1 ] && have runuser || return 0
    (cd / && runuser -u modembridge -- "$VENV/bin/modembridge" --version >/dev/null) ||
        die "user modembridge cannot run $VENV/bin/modembridge: is $PYTHON inside a private" \
            "home (pyenv, conda)? use --python /usr/bin/python3"
}

install_files() {
    local f
    install -d -m 0755 "$RULES_DIR" "$(dirname "$UNIT")" "$APP/docs"
    while IFS= read -r f; do
        install -m 0644 "$f" "$RULES_DIR/$(basename "$f")"
    done < <(rule_files)
    install -m 0644 "$SRC/deploy/modembridge.service" "$UNIT"
    install -m 0644 "$SRC/docs/raspberry-pi.md" "$APP/docs/raspberry-pi.md"
    install -m 0644 "$SRC/udev/README.md" "$APP/docs/udev.md"

    # The config may hold the SIM PIN: readable by root and the service only.
    install -d -m 0750 "$ETC"
    install -m 0644 "$SRC/deploy/modembridge.toml.example" "$ETC/modembridge.toml.example"
    if [ ! -e "$ETC/modembridge.toml" ]; then
        install -m 0640 "$SRC/deploy/modembridge.toml.example" "$ETC/modembridge.toml"
        say "wrote $ETC/modembridge.toml (edit it: port, brand, region)"
    else
        say "kept your $ETC/modembridge.toml (the new example is modembridge.toml.example)"
    fi
    install -d -m 0750 "$STATE"
    if [ "$SYSTEM" -eq 1 ]; then
        chgrp modembridge "$ETC" "$ETC/modembridge.toml"
        chown modembridge:modembridge "$STATE"
    fi
}

activate() {
    if udev_up; then
        udevadm control --reload-rules
        # re-run the rules for modems already plugged in: /dev/modembridge-at appears now
        udevadm trigger --action=change --subsystem-match=tty || true
    fi
    if systemd_up; then
        systemctl daemon-reload
        if [ "$ENABLE" -eq 1 ]; then
            systemctl enable modembridge.service
        fi
        # an upgrade: restart a running service on the new code (the schema migrates on start)
        if systemctl is-active --quiet modembridge.service; then
            systemctl restart modembridge.service
            say "restarted the running service on the new version"
        fi
    fi
}

next_steps() {
    if [ "$SYSTEM" -eq 0 ]; then
        say "dry run complete: the tree is under $R (nothing on the system was changed)"
        return
    fi
    cat <<EOF

modembridge is installed. Next:
  1. Edit the config:        sudo nano /etc/modembridge/modembridge.toml
  2. Check the modem:        ls -l /dev/modembridge-at
                             sudo -u modembridge /opt/modembridge/venv/bin/modembridge probe --port /dev/modembridge-at
  3. Set the admin password: sudo -u modembridge /opt/modembridge/venv/bin/modembridge set-password
  4. Start the service:      sudo systemctl start modembridge
                             systemctl status modembridge; journalctl -u modembridge -f
  5. Admin page:             http://127.0.0.1:8080 (see [web] listen in the config)
Guide: /opt/modembridge/docs/raspberry-pi.md
EOF
}

if [ "$UNINSTALL" -eq 1 ]; then
    uninstall
    exit 0
fi

check_python
create_user
install_program
check_runs_as_service_user
install_files
activate
next_steps
