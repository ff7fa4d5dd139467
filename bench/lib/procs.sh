# Processes for scripts/bench: start servers in their own sessions, stop them all on exit. Sourced, not run.
#
# Every server runs in its own session (setsid), so it and its children can be stopped by process group;
# descendants are also collected by parent pid, and Hostel's processes are remembered (pid + start time) in case
# the gateway dies first and its runners are re-parented.

STARTED=()          # pids we started
LOAD_PID=""         # a background wrk (memory under load), if one is running
REMEMBERED=()       # "pid:starttime" of descendants seen while running

log() { printf '[bench %3ds] %s\n' "$SECONDS" "$*" >&2; }
die() { log "error: $*"; exit 1; }
alive() { kill -0 "$1" 2>/dev/null; }
proc_start_time() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null || true; }

descendants() {     # all descendants of the given pids (not the pids themselves)
    ps -e -o pid=,ppid= | awk -v roots="$*" '
        BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) want[r[i]] = 1 }
        { parent[$1] = $2; pids[NR] = $1 }
        END {
            changed = 1
            while (changed) {
                changed = 0
                for (i in pids) { p = pids[i]
                    if (!(p in want) && (parent[p] in want)) { want[p] = 1; out[p] = 1; changed = 1 } }
            }
            for (p in out) print p
        }'
}

remember_tree() {   # remember the live descendants of $1
    local p
    for p in $(descendants "$1"); do REMEMBERED+=("$p:$(proc_start_time "$p")"); done
}

start_bg() {        # start_bg LOGFILE CMD...  -> sets LAST_PID
    local logfile=$1; shift
    setsid "$@" >"$logfile" 2>&1 </dev/null &
    LAST_PID=$!
    STARTED+=("$LAST_PID")
}

wait_gone() {       # wait_gone SECONDS PID...: until none is alive, bounded
    local i p left
    for ((i = 0; i < $1 * 5; i++)); do
        left=0
        for p in "${@:2}"; do alive "$p" && left=1 && break; done
        [ "$left" = 0 ] && return 0
        sleep 0.1
    done
}

stop_pids() {       # stop_pids GRACE ROOT...: TERM the roots (they stop their own children: Hostel drains its
                    # runners), then their groups and trees, then KILL; all bounded
    local grace=$1; shift
    local roots=("$@") all=() p
    [ ${#roots[@]} -gt 0 ] || return 0
    all=("${roots[@]}" $(descendants "${roots[@]}"))
    for p in "${roots[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    wait_gone "$grace" "${all[@]}"
    all+=($(descendants "${roots[@]}"))
    for p in "${roots[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
    for p in "${all[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    wait_gone "$grace" "${all[@]}"
    for p in "${roots[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
    for p in "${all[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    for p in "${roots[@]}"; do wait "$p" 2>/dev/null || true; done
}

cleanup() {         # the EXIT trap: everything the benchmark started goes
    local rc=$? e p t
    trap - EXIT INT TERM
    [ -z "$LOAD_PID" ] || stop_pids 2 "$LOAD_PID"
    if [ ${#STARTED[@]} -gt 0 ]; then
        log "stopping ${#STARTED[@]} process group(s) started by the benchmark"
        stop_pids 20 "${STARTED[@]}"
    fi
    for e in ${REMEMBERED[@]+"${REMEMBERED[@]}"}; do
        p=${e%%:*}; t=${e#*:}
        if [ -n "$t" ] && [ "$(proc_start_time "$p")" = "$t" ]; then kill -KILL "$p" 2>/dev/null || true; fi
    done
    exit "$rc"
}
