# Shared by the section scripts (bench/coldstart, bench/footprint, bench/density...): start and stop a Hostel of
# the section's own, find its runners. Sourced, not run. Expects REPO and WORK to be set.

HOSTEL_PID=""

# start_hostel PORT SITES...: writes $WORK/conf (hostel.toml + one file per "name:keys" site) and starts Hostel.
# Each site is "NAME|APP|ROOT|EXTRA TOML LINES" (lines separated by ';'); its host is NAME.bench unless EXTRA sets
# hosts (say, for a Django project's ALLOWED_HOSTS).
start_hostel() {
    local port=$1; shift
    rm -rf "$WORK/conf" "$WORK/run" "$WORK/logs"
    mkdir -p "$WORK/conf/sites.d" "$WORK/run" "$WORK/logs"
    cat >"$WORK/conf/hostel.toml" <<TOML
listen = ["127.0.0.1:$port"]
admin_socket = "$WORK/run/hostel.sock"
log_dir = "$WORK/logs"
budget = "${BENCH_HOSTEL_BUDGET:-2G}"
prefix = "$REPO"
TOML
    local spec name app root extra
    for spec in "$@"; do
        IFS='|' read -r name app root extra <<<"$spec"
        {
            [[ ";$extra" == *";hosts ="* ]] || echo "hosts = [\"$name.bench\"]"
            echo "app = \"$app\""
            echo "root = \"$root\""
            tr ';' '\n' <<<"$extra"
        } >"$WORK/conf/sites.d/$name.toml"
    done
    setsid "$REPO/scripts/hostel" run --conf "$WORK/conf" >"$WORK/logs/hostel.log" 2>&1 </dev/null &
    HOSTEL_PID=$!
}

stop_hostel() {
    [ -n "$HOSTEL_PID" ] || return 0
    kill -TERM -- "-$HOSTEL_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$HOSTEL_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$HOSTEL_PID" 2>/dev/null || true
    wait "$HOSTEL_PID" 2>/dev/null || true
    HOSTEL_PID=""
}

# await_ok HOST PORT [SECONDS]: until the site answers 200.
await_ok() {
    local host=$1 port=$2 limit=${3:-90} i
    for ((i = 0; i < limit * 10; i++)); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $host" "http://127.0.0.1:$port/" 2>/dev/null)" = 200 ] && return 0
        sleep 0.1
    done
    echo "bench: $host did not answer 200 within $limit s; see $WORK/logs" >&2
    return 1
}

# runner_pid SITE: the pid of the site's runner: a child of our gateway whose command line names the site, or else
# the spare runner the site claimed (its command line stays `RunnerMain --spare`), as Hostel's log names it.
runner_pid() {
    local pid
    pid=$(pgrep -P "$HOSTEL_PID" -f -- "dev.hostel.runner.RunnerMain --site $1 " | head -n1)
    if [ -z "$pid" ]; then
        pid=$(grep -o "site $1: runner [0-9]* (pid [0-9]*) ready in [0-9.]* s (a spare runner" "$WORK/logs/hostel.log" \
            2>/dev/null | tail -n1 | sed 's/.*(pid \([0-9]*\)).*/\1/')
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then pid=""; fi
    fi
    echo "$pid"
}

# ready_spares [MB]: the pids of the spare runners that are ready and not yet claimed by a site, of the ceiling of
# MB megabytes if given (Hostel keeps one per ceiling: README, "Spare runners").
ready_spares() {
    local mb=${1:-[0-9]*} pid
    for pid in $(pgrep -P "$HOSTEL_PID" -f -- "dev.hostel.runner.RunnerMain --spare"); do
        if grep -q "spare runner (pid $pid, $mb MB[^)]*) ready" "$WORK/logs/hostel.log" 2>/dev/null &&
            ! grep -q "(pid $pid) ready in [0-9.]* s (a spare runner" "$WORK/logs/hostel.log"; then
            echo "$pid"
        fi
    done
}

# await_spare [SECONDS] [COUNT] [MB]: until COUNT (default 1) spare runners are ready and not yet claimed by a site
# (of the ceiling of MB megabytes if given), at most SECONDS (default 60). As root a spare starts privileged and any
# site can claim it (README, "Spare runners").
await_spare() {
    local limit=${1:-60} count=${2:-1} mb=${3:-} i
    for ((i = 0; i < limit * 10; i++)); do
        [ "$(ready_spares "$mb" | wc -l)" -ge "$count" ] && return 0
        sleep 0.1
    done
    return 1
}

# spare_is_warm PID: whether a spare runner was started with a list of modules to preload (a warm spare: README,
# "Spare runners"); the first spare of a ceiling after Hostel starts is cold.
spare_is_warm() { tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep -q -- '^--preload='; }

# kb FIELD PID: a field of /proc/PID/smaps_rollup in kB.
kb() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$2/smaps_rollup" 2>/dev/null; }

# median of the numbers on stdin
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "NA"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# wait_archive: until Hostel's class-data archive for runners exists (made once per build), at most 120 s.
wait_archive() {
    local i
    for ((i = 0; i < 1200; i++)); do
        grep -q "class-data archive for runners made\|memory ceilings" "$WORK/logs/hostel.log" 2>/dev/null &&
            ls "$REPO"/site-runner/target/cds/runner-*.jsa >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}
