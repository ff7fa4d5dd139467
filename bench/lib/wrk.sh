# wrk runs for scripts/bench: one run of a (case, system), its figures in a TSV, and medians over rounds.
# Sourced, not run. The cases (C_PATH, C_CONNS, ...) are declared in scripts/bench.

RESULTS="$WORK/results.tsv"     # case, system, round, req/s, p50 ms, p99 ms, socket errors, non-2xx, requests
declare -A WRK_CMD=() CASE_SKIP=()

wrk_cmd() {         # wrk_cmd CASE SYSTEM DURATION -> WRK array
    local c=$1 s=$2 d=$3
    WRK=(wrk "-t${C_THREADS[$c]}" "-c${C_CONNS[$c]}" "-d${d}s" --timeout 5s --latency -H "$HOST_HEADER")
    [ -z "${C_LUA[$c]:-}" ] || WRK+=(-s "${C_LUA[$c]}")
    WRK+=("${URL[$s]}${C_PATH[$c]}")
}

# Every (case, system) must answer 200 once before it is measured; one that does not (say, a feature not
# implemented yet) is skipped with a note.
probe_case() {      # probe_case CASE SYSTEM
    local c=$1 s=$2 url="${URL[$2]}${C_PATH[$1]}" code
    if [ "$c" = echo ]; then     # the real thing: 1 MiB, as wrk will send it
        code=$(http_code "$url" -H "$HOST_HEADER" -H 'Content-Type: application/octet-stream' \
            -H 'Expect:' --data-binary "@$WORK/post1m.bin" --max-time 10)
    else
        code=$(http_code "$url" -H "$HOST_HEADER" --max-time 10)
    fi
    [ "$code" = 200 ] && return 0
    [ "$code" = 000 ] && code="nothing within 10 s"
    CASE_SKIP[$c.$s]="${C_PATH[$c]} answered ${code:-nothing}, not 200"
    log "skipping $c on ${LABEL[$s]}: ${CASE_SKIP[$c.$s]}"
}
measured() { [ -n "${AVAILABLE[$2]:-}" ] && [ -z "${CASE_SKIP[$1.$2]:-}" ]; }

run_case() {        # run_case CASE SYSTEM ROUND DURATION ("warm" rounds are not recorded)
    local c=$1 s=$2 r=$3 d=$4 out="$WORK/raw/$1.$2.$3.txt"
    [ "$s" != NR ] || refresh_runner_sock
    wrk_cmd "$c" "$s" "$d"
    timeout -k 5 $((d + 30)) "${WRK[@]}" >"$out" 2>&1 || true
    [ "$r" != warm ] || return 0
    [ -n "${WRK_CMD[$c.$s]:-}" ] || WRK_CMD[$c.$s]=$(quote_cmd "${WRK[@]}")
    awk -v c="$c" -v s="$s" -v r="$r" '
        function ms(v) {
            if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
            if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
            if (v ~ /m$/)  { sub(/m$/, "", v);  return v * 60000 }
            if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
            return "NA"
        }
        BEGIN { rps = "NA"; p50 = "NA"; p99 = "NA"; err = 0; non = 0; req = 0 }
        / requests in /      { req = $1 }
        /^ +50% /            { p50 = ms($2) }
        /^ +99% /            { p99 = ms($2) }
        /^Requests\/sec:/    { rps = $2 }
        /Socket errors:/     { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) err += $i + 0 }
        /Non-2xx or 3xx/     { non = $NF }
        END { printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c, s, r, rps, p50, p99, err, non, req }
    ' "$out" >>"$RESULTS"
}

# stats CASE SYSTEM COLUMN -> "median min max n" over the recorded rounds (NA when none)
stats() {
    awk -F'\t' -v c="$1" -v s="$2" -v k="$3" '$1 == c && $2 == s && $k != "NA" { print $k }' "$RESULTS" |
        sort -g | awk '{ v[NR] = $1 }
            END { if (NR == 0) { print "NA NA NA 0"; exit }
                  m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                  print m, v[1], v[NR], NR }'
}
median() { stats "$@" | cut -d' ' -f1; }
sum_col() { awk -F'\t' -v c="$1" -v s="$2" -v k="$3" '$1 == c && $2 == s && $k != "NA" { t += $k } END { print t + 0 }' "$RESULTS"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || b == 0) print "NA"; else printf "%.2f", a / b }'; }
fmt_rps() { awk -v v="$1" 'BEGIN { if (v == "NA") print "n/a"; else printf "%.0f", v }'; }
fmt_ms() { awk -v v="$1" 'BEGIN { if (v == "NA") print "n/a"; else if (v < 1) printf "%.3f", v; else printf "%.2f", v }'; }
