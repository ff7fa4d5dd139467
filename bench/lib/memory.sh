# RSS and PSS of every process of a system, idle and under load, for scripts/bench. Sourced, not run.

MEMORY="$WORK/memory.tsv"       # group, phase, role, pid, RSS kB, PSS kB

mem_sample() {      # mem_sample GROUP PHASE ROOTPID: the root and every descendant
    local group=$1 phase=$2 root=$3 p role comm rss pss gateway=""
    alive "$root" || return 0
    for p in "$root" $(descendants "$root"); do
        [ -r "/proc/$p/smaps_rollup" ] || [ -r "/proc/$p/status" ] || continue
        comm=$(cat "/proc/$p/comm" 2>/dev/null || echo '?')
        rss=$(awk '/^Rss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || true)
        pss=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || true)
        [ -n "$rss" ] || rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo NA)
        [ -n "$pss" ] || pss=NA
        case "$group" in
            hostel)
                if [ "$comm" = java ] && tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qE 'RunnerMain|dev\.hostel\.runner'; then
                    role="runner"
                elif [ "$comm" = java ] && [ -z "$gateway" ]; then
                    role="gateway"; gateway=$p
                else
                    role="$comm"
                fi ;;
            *) if [ "$p" = "$root" ]; then role="$comm master"; else role="$comm worker"; fi ;;
        esac
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$group" "$phase" "$role" "$p" "$rss" "$pss" >>"$MEMORY"
    done
}

mem_all() {         # mem_all PHASE
    local g
    for g in hostel nginx gunicorn uwsgi; do
        [ -z "${ROOT_PID[$g]:-}" ] || mem_sample "$g" "$1" "${ROOT_PID[$g]}"
    done
}

mem_under_load() {  # mem_under_load SYSTEM GROUP...: sampled halfway through a hello -c50 run
    local s=$1 g w; shift
    [ -n "${AVAILABLE[$s]:-}" ] || return 0
    wrk_cmd hello_c50 "$s" "$MEM_DUR"
    timeout -k 5 $((MEM_DUR + 30)) "${WRK[@]}" >"$WORK/raw/memload.$s.txt" 2>&1 &
    w=$!
    LOAD_PID=$w
    sleep "$(awk -v d="$MEM_DUR" 'BEGIN { print d / 2 }')"
    for g in "$@"; do [ -z "${ROOT_PID[$g]:-}" ] || mem_sample "$g" load "${ROOT_PID[$g]}"; done
    wait "$w" || true
    LOAD_PID=""
}
