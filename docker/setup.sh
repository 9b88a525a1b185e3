#!/usr/bin/env bash
# Makes Docker usable for c10k-lab on this machine, changing nothing that already works:
#   1. installs docker.io and docker-compose (Debian packages) when the commands are missing;
#   2. starts the engine when `docker info` fails (systemd, the init script, or dockerd itself);
#   3. provides the base image debian:bookworm-slim: pulled when a registry answers, otherwise
#      built here with debootstrap (--variant=minbase bookworm) and `docker import`.
# usage: docker/setup.sh [--no-install] [--no-start]
# Environment: C10K_BASE_IMAGE (default debian:bookworm-slim), C10K_DEBIAN_MIRROR (default
# http://deb.debian.org/debian), C10K_PULL_TIMEOUT (seconds, default 60),
# C10K_DOCKERD_LOG (default /var/log/c10k-dockerd.log).
set -euo pipefail

base_image=${C10K_BASE_IMAGE:-debian:bookworm-slim}
mirror=${C10K_DEBIAN_MIRROR:-http://deb.debian.org/debian}
pull_timeout=${C10K_PULL_TIMEOUT:-60}
dockerd_log=${C10K_DOCKERD_LOG:-/var/log/c10k-dockerd.log}
install=1
start=1

say() { echo "docker/setup.sh: $*" >&2; }
die() {
    say "$*"
    exit 1
}

while [ $# -gt 0 ]; do
    case "$1" in
    --no-install) install=0 ;;
    --no-start) start=0 ;;
    -h | --help)
        sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "not root and no sudo: run this script as root"
    sudo=(sudo)
fi

apt_install() {
    command -v apt-get >/dev/null || die "missing: $* (this script installs only with apt-get)"
    say "installing $*"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_tools() {
    local missing=()
    # dockerd, not docker: a docker CLI alone (a static client in /usr/local/bin, say) has no
    # engine to talk to.
    command -v dockerd >/dev/null || missing+=(docker.io)
    if ! command -v docker-compose >/dev/null && ! docker compose version >/dev/null 2>&1; then
        missing+=(docker-compose)
    fi
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$install" -eq 1 ] || die "missing: ${missing[*]} (and --no-install was given)"
    # The engine needs iptables and a cgroup-aware runtime; docker.io's Depends bring them.
    apt_install "${missing[@]}"
}

engine_up() { "${sudo[@]}" docker info >/dev/null 2>&1; }

wait_engine() {
    local i
    for i in $(seq 1 60); do
        engine_up && return 0
        [ "$i" -eq 1 ] || sleep 1
    done
    return 1
}

ensure_engine() {
    engine_up && return 0
    [ "$start" -eq 1 ] || die "the Docker engine is not running (and --no-start was given)"
    if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
        say "starting the engine (systemctl start docker)"
        if "${sudo[@]}" systemctl start docker; then
            wait_engine && return 0
        fi
    fi
    if [ -x /etc/init.d/docker ]; then
        say "starting the engine (service docker start)"
        if "${sudo[@]}" /etc/init.d/docker start >/dev/null 2>&1; then
            wait_engine && return 0
        fi
    fi
    command -v dockerd >/dev/null || die "the engine is not running and dockerd is not installed"
    say "starting the engine (dockerd in the background, log in $dockerd_log)"
    # Its own session, so that it outlives this script and the terminal that started it; the log
    # is opened by the (possibly sudo'd) shell that runs dockerd.
    # shellcheck disable=SC2016 # $1 is expanded by that inner shell
    "${sudo[@]}" setsid sh -c 'exec dockerd >>"$1" 2>&1 </dev/null' dockerd "$dockerd_log" &
    wait_engine || die "the engine did not answer within 60s; see $dockerd_log"
}

have_image() { "${sudo[@]}" docker image inspect "$1" >/dev/null 2>&1; }

# Builds the base image from Debian's archive: debootstrap's minbase (essential packages and
# apt), trimmed the way the -slim images are (no docs, man pages or locales), then imported.
build_base_image() {
    command -v debootstrap >/dev/null || apt_install debootstrap
    local root
    root=$(mktemp -d /tmp/c10k-rootfs.XXXXXX)
    # shellcheck disable=SC2064 # expand $root now: it is local to this function
    trap "${sudo[*]} rm -rf '$root'" EXIT
    say "building $base_image with debootstrap from $mirror (about a minute)"
    "${sudo[@]}" debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
    "${sudo[@]}" tee "$root/etc/dpkg/dpkg.cfg.d/c10k-slim" >/dev/null <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
    "${sudo[@]}" tee "$root/etc/apt/apt.conf.d/c10k-slim" >/dev/null <<'EOF'
APT::Install-Recommends "false";
Acquire::GzipIndexes "true";
EOF
    "${sudo[@]}" chroot "$root" apt-get clean
    "${sudo[@]}" find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    "${sudo[@]}" find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
    "${sudo[@]}" rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* \
        "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/*.log \
        "$root"/tmp/* "$root"/var/tmp/*
    "${sudo[@]}" find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias \
        -exec rm -rf {} +
    "${sudo[@]}" tar --numeric-owner -C "$root" -c . |
        "${sudo[@]}" docker import \
            --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'CMD ["bash"]' \
            --message "debootstrap --variant=minbase bookworm ($mirror), by c10k-lab docker/setup.sh" \
            - "$base_image" >/dev/null
    "${sudo[@]}" rm -rf "$root"
    trap - EXIT
}

ensure_base_image() {
    have_image "$base_image" && return 0
    say "pulling $base_image"
    if "${sudo[@]}" timeout "$pull_timeout" docker pull -q "$base_image" >/dev/null 2>&1; then
        return 0
    fi
    say "$base_image cannot be pulled"
    build_base_image
    have_image "$base_image" || die "$base_image is still missing"
}

ensure_tools
ensure_engine
ensure_base_image
say "ready: $("${sudo[@]}" docker version --format 'engine {{.Server.Version}}'), $(
    "${sudo[@]}" docker image inspect --format '{{.RepoTags}} {{.Size}} bytes' "$base_image")"
