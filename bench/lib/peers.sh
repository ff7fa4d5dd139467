# The systems scripts/bench compares: tools, and starting nginx, gunicorn, uWSGI and Hostel. Sourced, not run.
#
# Each start_* function sets, for the systems it serves: AVAILABLE[S]=1 and URL[S] when it answers, else NOTE[S]
# (why not); ROOT_PID[group] for memory sampling and stopping; SERVER_CMD[group] for the report's "Commands".
# The peers run as the unprivileged PEER_USER (www-data when the script runs as root), as an operator runs them;
# the Hostel site's runner runs as that user too, so that nginx may reach its socket (a runner accepts only the
# gateway, root or its own user: README, "Security: sites are strangers").

declare -A AVAILABLE=() NOTE=() URL=() LABEL=() SERVER_CMD=() ROOT_PID=()
LABEL[H]="Hostel (gateway + Jython runner)"
LABEL[NR]="nginx -> Hostel runner socket"
LABEL[NG]="nginx -> gunicorn (2 sync workers)"
LABEL[G]="gunicorn direct (2 sync workers)"
LABEL[U]="uWSGI --$UWSGI_SOCKET (2 processes)"
LABEL[N]="nginx (static file)"

NGINX=/usr/sbin/nginx
GUNICORN=/usr/bin/gunicorn
UWSGI=/usr/bin/uwsgi
UWSGI_PY3_PLUGIN=/usr/lib/uwsgi/plugins/python3_plugin.so
PEER_USER=""
AS_PEER=()          # the prefix that runs a command as PEER_USER (empty when not root)
if [ "$(id -u)" = 0 ]; then
    PEER_USER=${BENCH_PEER_USER:-www-data}
    AS_PEER=(setpriv "--reuid=$(id -u "$PEER_USER")" "--regid=$(id -g "$PEER_USER")" --clear-groups --)
fi

ensure_tools() {    # Debian's packages of the peers and the load generator, installed when missing
    local missing=() sudo=()
    [ -x "$NGINX" ] || missing+=(nginx)
    [ -x "$GUNICORN" ] || missing+=(gunicorn)
    [ -x "$UWSGI" ] || missing+=(uwsgi)
    [ -e "$UWSGI_PY3_PLUGIN" ] || missing+=(uwsgi-plugin-python3)
    command -v wrk >/dev/null || missing+=(wrk)
    command -v curl >/dev/null || missing+=(curl)
    [ ${#missing[@]} -gt 0 ] || return 0
    [ "$INSTALL" = 1 ] || die "missing: ${missing[*]} (and --no-install given)"
    [ "$(id -u)" = 0 ] || sudo=(sudo -n)
    log "installing from Debian: ${missing[*]}"
    # The packages' own services may start (nginx on :80); the benchmark does not use them.
    if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" \
            >"$WORK/logs/apt.log" 2>&1; then
        "${sudo[@]}" apt-get update -qq >>"$WORK/logs/apt.log" 2>&1 || true
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" \
            >>"$WORK/logs/apt.log" 2>&1 || die "apt-get install failed, see $WORK/logs/apt.log"
    fi
}

USED_PORTS=" "
free_port() {       # free_port VAR: a free TCP port on 127.0.0.1 below the ephemeral range, never one twice
    local p i
    for ((i = 0; i < 100; i++)); do
        p=$((20000 + RANDOM % 12000))
        case "$USED_PORTS" in *" $p "*) continue ;; esac
        if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then continue; fi    # something listens there
        USED_PORTS="$USED_PORTS$p "
        printf -v "$1" '%s' "$p"
        return 0
    done
    die "no free port found"
}

http_code() {       # http_code URL [curl args...] (a later --max-time wins)
    local url=$1; shift
    curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$@" "$url" 2>/dev/null || true
}

wait_http() {       # wait_http SECONDS PID URL [curl args...]: until 200, bounded
    local limit=$1 pid=$2 url=$3 end; shift 3
    end=$((SECONDS + limit))
    while [ "$SECONDS" -lt "$end" ]; do
        [ "$(http_code "$url" "$@")" = 200 ] && return 0
        alive "$pid" || return 1
        sleep 0.2
    done
    return 1
}

fill() {            # fill TEMPLATE OUT NAME=VALUE...: replace @NAME@ placeholders
    local tpl=$1 out=$2 kv k v; shift 2
    cp "$tpl" "$out"
    for kv in "$@"; do
        k=${kv%%=*} v=${kv#*=}
        v=${v//\\/\\\\}; v=${v//|/\\|}; v=${v//&/\\&}
        sed -i "s|@${k}@|${v}|g" "$out"
    done
    if grep -q '@[A-Z_]*@' "$out"; then die "unfilled placeholder in $out"; fi
}

quote_cmd() {       # shell-quote a command line for people: 'single quotes' where needed
    local a out=""
    for a in "$@"; do
        if [[ "$a" =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then out+="$a "; else out+="'${a//\'/\'\\\'\'}' "; fi
    done
    echo "${out% }"
}

peer_dir() {        # peer_dir DIR...: made, and writable by the peers' user
    mkdir -p "$@"
    [ -z "$PEER_USER" ] || chown -R "$PEER_USER:" "$@"
}

start_peer() {      # start_peer GROUP SYSTEM PATH PORT CMD...: start as PEER_USER, wait up to 30 s for a 200
    local group=$1 s=$2 path=$3 port=$4; shift 4
    start_bg "$WORK/logs/$group.log" ${AS_PEER[@]+"${AS_PEER[@]}"} "$@"
    ROOT_PID[$group]=$LAST_PID
    SERVER_CMD[$group]=$(quote_cmd "$@")
    if wait_http 30 "$LAST_PID" "http://127.0.0.1:$port$path"; then
        AVAILABLE[$s]=1; URL[$s]="http://127.0.0.1:$port"
    else
        NOTE[$s]="$group did not answer within 30 s (bench-work/logs/$group.log)"
    fi
}

start_gunicorn() {  # one gunicorn bound twice: a Unix socket for nginx, a TCP port for "gunicorn direct"
    free_port GUNICORN_PORT
    export BENCH_GUNICORN_SOCK="$WORK/run/gunicorn.sock" BENCH_GUNICORN_PORT="$GUNICORN_PORT" \
        BENCH_GUNICORN_PID="$WORK/run/gunicorn.pid" BENCH_APPS="$BENCH/apps"
    rm -f "$BENCH_GUNICORN_SOCK"
    start_peer gunicorn G / "$GUNICORN_PORT" "$GUNICORN" --config "$BENCH/peers/gunicorn.conf.py"
    SERVER_CMD[gunicorn]="BENCH_GUNICORN_SOCK=$BENCH_GUNICORN_SOCK BENCH_GUNICORN_PORT=$GUNICORN_PORT BENCH_APPS=bench/apps ${SERVER_CMD[gunicorn]}"
}

start_uwsgi() {
    free_port UWSGI_PORT
    export BENCH_UWSGI_PID="$WORK/run/uwsgi.pid" BENCH_APPS="$BENCH/apps"
    start_peer uwsgi U / "$UWSGI_PORT" "$UWSGI" --ini "$BENCH/peers/uwsgi.ini" "--$UWSGI_SOCKET" "127.0.0.1:$UWSGI_PORT"
    SERVER_CMD[uwsgi]="BENCH_APPS=bench/apps ${SERVER_CMD[uwsgi]}"
}

write_nginx_runner_conf() {     # the "nginx -> Hostel runner" server, or nothing when no runner socket exists
    if [ -n "${RUNNER_SOCK:-}" ]; then
        fill "$BENCH/peers/nginx-runner.conf.template" "$WORK/nginx/runner.conf" \
            RUNNER_SOCK="$RUNNER_SOCK" NGINX_RUNNER_PORT="$NGINX_RUNNER_PORT"
    else
        : >"$WORK/nginx/runner.conf"
    fi
}

start_nginx() {     # after gunicorn and Hostel: proxies to both, and serves the static file
    local nd="$WORK/nginx"
    free_port NGINX_PORT
    free_port NGINX_RUNNER_PORT
    peer_dir "$nd" "$nd/tmp/body" "$nd/tmp/proxy"
    fill "$BENCH/peers/nginx.conf.template" "$nd/nginx.conf" NGINX_DIR="$nd" \
        GUNICORN_SOCK="$WORK/run/gunicorn.sock" NGINX_PORT="$NGINX_PORT" STATIC_DIR="$STATIC_DIR"
    write_nginx_runner_conf
    local cmd=("$NGINX" -p "$nd/" -e "$nd/error.log" -c "$nd/nginx.conf" -g "daemon off;")
    ${AS_PEER[@]+"${AS_PEER[@]}"} "${cmd[@]}" -t >"$WORK/logs/nginx-t.log" 2>&1 ||
        die "nginx -t failed, see $WORK/logs/nginx-t.log"
    start_peer nginx N /static/4k.txt "$NGINX_PORT" "${cmd[@]}"
    if wait_http 15 "$LAST_PID" "http://127.0.0.1:$NGINX_PORT/"; then
        AVAILABLE[NG]=1; URL[NG]="http://127.0.0.1:$NGINX_PORT"
    else
        NOTE[NG]="nginx -> gunicorn did not answer 200 (bench-work/nginx/error.log)"
    fi
    [ -n "${RUNNER_SOCK:-}" ] || return 0
    if wait_http 15 "$LAST_PID" "http://127.0.0.1:$NGINX_RUNNER_PORT/" -H "$HOST_HEADER"; then
        AVAILABLE[NR]=1; URL[NR]="http://127.0.0.1:$NGINX_RUNNER_PORT"
    else
        NOTE[NR]="nginx -> $RUNNER_SOCK did not answer 200 (bench-work/nginx/error.log)"
    fi
}

# Hostel: a generated conf dir with one site, hello, whose root holds a symlink to the repository's
# sites/hello/hello.py and a copy of the 4 KB static file. Returns 1 (with HOSTEL_NOTE) when it cannot be measured.
start_hostel() {
    local launcher=${HOSTEL_LAUNCHER:-"$REPO/scripts/hostel"} hd="$WORK/hostel"
    HOSTEL_NOTE=""
    if [ "$SKIP_HOSTEL" = 1 ]; then HOSTEL_NOTE="\`--skip-hostel\` given"; return 1; fi
    [ -x "$launcher" ] || { HOSTEL_NOTE="no launcher at $launcher"; return 1; }
    free_port HOSTEL_PORT
    mkdir -p "$hd/conf/sites.d" "$hd/run" "$hd/logs"
    rm -f "$hd/conf/sites.d/"*.toml "$hd/run/hostel.sock"
    fill "$BENCH/peers/hostel.toml.template" "$hd/conf/hostel.toml" HOSTEL_PORT="$HOSTEL_PORT" \
        HOSTEL_DIR="$hd" HOSTEL_BUDGET="$HOSTEL_BUDGET"
    fill "$BENCH/peers/hello.toml.template" "$hd/conf/sites.d/hello.toml" HOSTEL_MEMORY="$HOSTEL_MEMORY" \
        HOSTEL_PROCESSES="$HOSTEL_PROCESSES" HOSTEL_THREADS="$HOSTEL_THREADS"
    [ -z "$PEER_USER" ] || echo "user = \"$PEER_USER\"" >>"$hd/conf/sites.d/hello.toml"
    local cmd=("$launcher" run --conf "$hd/conf")
    start_bg "$WORK/logs/hostel.log" "${cmd[@]}"
    ROOT_PID[hostel]=$LAST_PID
    SERVER_CMD[hostel]=$(quote_cmd "${cmd[@]}")
    # scripts/hostel builds the jars first when they are stale (mvn package): that gets up to
    # HOSTEL_BUILD_TIMEOUT more seconds, then the site gets 60 s.
    local end=$((SECONDS + ${HOSTEL_BUILD_TIMEOUT:-300}))
    while [ "$SECONDS" -lt "$end" ] && alive "$LAST_PID" && grep -q 'building' "$WORK/logs/hostel.log" 2>/dev/null \
            && ! pgrep -P "$LAST_PID" -f 'dev.hostel.gateway' >/dev/null \
            && ! grep -q 'dev.hostel.gateway' "/proc/$LAST_PID/cmdline" 2>/dev/null; do
        sleep 1
    done
    log "waiting (<= 60 s) for Hostel on 127.0.0.1:$HOSTEL_PORT"
    if ! wait_http 60 "$LAST_PID" "http://127.0.0.1:$HOSTEL_PORT/" -H "$HOST_HEADER"; then
        local why="did not answer 200 within 60 s"
        alive "$LAST_PID" || why="exited"
        HOSTEL_NOTE="\`scripts/hostel run\` $why; its last log line: \`$(tail -n 1 "$WORK/logs/hostel.log" 2>/dev/null | cut -c1-400 | tr -d '`')\`"
        stop_pids 20 "$LAST_PID"
        unset 'ROOT_PID[hostel]'
        return 1
    fi
    remember_tree "$LAST_PID"
    AVAILABLE[H]=1; URL[H]="http://127.0.0.1:$HOSTEL_PORT"
    RUNNER_SOCK=$(runner_sock)
    [ -n "$RUNNER_SOCK" ] || NOTE[NR]="no runner socket found in bench-work/hostel/run/runners/"
}

# The first runner socket of the benchmark's Hostel: each site's runners listen in runners/UID/ (its own user's
# folder; runners/ itself when Hostel is not root).
runner_sock() {
    local s
    for s in "$WORK"/hostel/run/runners/*/*.sock "$WORK"/hostel/run/runners/*.sock; do
        [ -S "$s" ] && { echo "$s"; return 0; }
    done
    return 0
}

# A runner can be recycled during the run (request_timeout, max_requests, memory): its successor listens on a new
# socket, so nginx is pointed at it again (HUP).
RUNNER_SWITCHES=0
refresh_runner_sock() {
    [ -n "${RUNNER_SOCK:-}" ] && [ ! -S "$RUNNER_SOCK" ] || return 0
    local sock
    sock=$(runner_sock)
    [ -n "$sock" ] || return 0
    log "runner socket $(basename "$RUNNER_SOCK") is gone; nginx now proxies to $(basename "$sock")"
    RUNNER_SOCK=$sock
    RUNNER_SWITCHES=$((RUNNER_SWITCHES + 1))
    write_nginx_runner_conf
    kill -HUP "${ROOT_PID[nginx]}" 2>/dev/null || true
    sleep 1
}
