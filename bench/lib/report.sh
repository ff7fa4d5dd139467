# The side-by-side part of the report, for scripts/bench: its sections of BENCHMARKS.md, written from
# bench-work/results.tsv and memory.tsv. Sourced, not run. Every other section of the file is left as it is.

machine_info() {    # read once at the start: versions, and the load average before anything runs
    LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
    CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
    V_NGINX=$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')
    V_GUNICORN=$("$GUNICORN" --version 2>&1 | head -n 1)
    V_UWSGI=$("$UWSGI" --version 2>&1 | head -n 1)
    V_WRK=$({ wrk -v 2>&1 || true; } | head -n 1 | awk '{ print $1, $2 }')
    V_JAVA=$(java -version 2>&1 | head -n 1 || echo "java not found")
    V_PY3=$(/usr/bin/python3 --version 2>&1 || true)
    local jar
    jar=$(ls "$HOME"/.m2/repository/org/python/jython-standalone/*/jython-standalone-*.jar 2>/dev/null | tail -n 1 || true)
    V_JYTHON=${jar:+$(basename "$jar" .jar | sed 's/jython-standalone-/Jython /')}
    V_JYTHON=${V_JYTHON:-Jython (not found in ~/.m2)}
}

report_machine() {
    echo "## Machine and versions"
    echo
    if [ -z "${AVAILABLE[H]:-}" ]; then
        echo "> **Peers only.** Hostel was not measured: ${HOSTEL_NOTE:-unknown reason}. Its rows are *skipped*."
        echo
    fi
    if [ "$QUICK" = 1 ]; then
        echo "> Made with \`--quick\` ($ROUNDS_DONE rounds of ${DUR} s per case): noisy; use a full run for decisions."
        echo
    fi
    echo "Sections 1-6, Targets and Commands written by \`scripts/bench\` on $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "(side-by-side part: $((ROUNDS_END - ROUNDS_START)) s of rounds). Raw wrk output and every run:"
    echo "\`bench-work/raw/\`, \`bench-work/results.tsv\`, \`bench-work/memory.tsv\` (not committed)."
    echo
    echo "| | |"
    echo "| --- | --- |"
    echo "| CPUs (\`nproc\`) | $(nproc) |"
    echo "| CPU model | ${CPU_MODEL:-unknown} |"
    echo "| kernel (\`uname -r\`) | $(uname -r) |"
    echo "| load average (1/5/15 min) at start / end | $LOAD_START / $LOAD_END |"
    echo "| memory | $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |"
    echo "| nginx | $V_NGINX |"
    echo "| gunicorn | $V_GUNICORN ($V_PY3) |"
    echo "| uWSGI | $V_UWSGI, python3 plugin |"
    echo "| wrk | $V_WRK |"
    echo "| java | $V_JAVA |"
    echo "| Jython | $V_JYTHON |"
    echo
}

report_method() {
    echo "## Method"
    echo
    echo "- Every system serves the same app: \`sites/hello/hello.py\` under Hostel (Jython),"
    echo "  \`bench/apps/hello3.py\` (its CPython 3 twin) under gunicorn and uWSGI. \`/\` is the"
    echo "  13-byte \`Hello, world!\` with Content-Length; \`/echo\` echoes a POST body in 64 KB"
    echo "  blocks; \`/download\` is 1 MiB. The static file is \`bench/cases/4k.txt\` (4096 bytes)."
    echo "- wrk with keep-alive and \`--latency\`; \`-t1 -c1\` and \`-t2 -c50\` for hello world,"
    echo "  \`-t2 -c50\` for the static file, \`-t2 -c10\` for 1 MB bodies; ${DUR} s per run."
    echo "- Interleaved: each round runs every case on every system, alternating the order"
    echo "  (A B C, then C B A), $ROUNDS_DONE round(s) after one untimed warm-up run per case"
    echo "  (${WARM} s; ${HOSTEL_WARM} s for Hostel's hello at -c50: its JIT needs it). Tables give the **median** over"
    echo "  rounds; the req/s range is min-max over rounds."
    echo "- wrk, the servers and the script share the same $(nproc) cores: absolute numbers are"
    echo "  lower than on a dedicated load generator; ratios are what matter. Anything else"
    echo "  running (see the load average above) shifts them too; interleaving spreads that"
    echo "  over all systems alike."
    echo "- The peers (nginx master and workers, gunicorn, uWSGI) run as \`${PEER_USER:-the invoking user}\`, and so does the"
    echo "  Hostel site's runner (nginx -> runner reaches its socket as that user); Hostel's gateway runs as the invoking user."
    echo "- gunicorn's sync workers and \`uwsgi --http-socket\` close the connection after every"
    echo "  response, so wrk reconnects each time (uWSGI's shows up as wrk *read* socket errors;"
    echo "  they are not failed requests). \`BENCH_UWSGI_SOCKET=http11-socket\` runs uWSGI with keep-alive."
    echo
}

report_case() {     # report_case N CASE: one table, the first system of the case as the reference
    local n=$1 c=$2 s ref="" first=1 label why rmed rmin rmax p50 p99 err non flag
    echo "## $n. ${C_TITLE[$c]}"
    echo
    echo "| system | req/s (median) | req/s range | p50 ms | p99 ms | req/s vs ${LABEL[${C_SYSTEMS[$c]%% *}]} | errors | non-2xx |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for s in ${C_SYSTEMS[$c]}; do
        label=${LABEL[$s]}
        [ "$c" = static ] && [ "$s" = H ] && label="Hostel (static alias in the gateway)"
        if ! measured "$c" "$s"; then
            why=${NOTE[$s]:-${CASE_SKIP[$c.$s]:-}}
            { [ "$s" = H ] || [ "$s" = NR ]; } && [ -z "${AVAILABLE[H]:-}" ] && why="Hostel not running"
            echo "| $label | *skipped* | | | | | | ${why} |"
            first=0
            continue
        fi
        read -r rmed rmin rmax _ <<<"$(stats "$c" "$s" 4)"
        p50=$(median "$c" "$s" 5); p99=$(median "$c" "$s" 6)
        err=$(sum_col "$c" "$s" 7); non=$(sum_col "$c" "$s" 8)
        [ "$first" = 1 ] && ref=$rmed
        first=0
        flag=""
        [ "$non" = 0 ] || flag=" **(invalid: non-2xx answers)**"
        echo "| $label$flag | $(fmt_rps "$rmed") | $(fmt_rps "$rmin")-$(fmt_rps "$rmax") | $(fmt_ms "$p50") | $(fmt_ms "$p99") | $(ratio "$rmed" "$ref") | $err | $non |"
    done
    echo
}

target_row() {      # target_row TEXT VALUE OP THRESHOLD CASE SYSTEM...: "invalid" if a system had non-2xx
    local text=$1 v=$2 op=$3 th=$4 tc=$5 x verdict
    shift 5
    for x in "$@"; do
        if [ "$v" != NA ] && [ "$(sum_col "$tc" "$x" 8)" != 0 ]; then
            echo "| $text | $v | invalid: ${LABEL[$x]} had non-2xx answers |"; return
        fi
    done
    if [ "$v" = NA ]; then
        verdict="n/a (Hostel skipped)"; [ -n "${AVAILABLE[H]:-}" ] && verdict="n/a (a peer is missing)"
        echo "| $text | n/a | $verdict |"; return
    fi
    verdict=$(awk -v v="$v" -v t="$th" -v op="$op" 'BEGIN { ok = (op == ">=") ? (v >= t) : (v <= t); print ok ? "met" : "**not met**" }')
    echo "| $text | $v | $verdict |"
}

report_targets() {  # the goals of issue 15, as ratios of medians from this run
    echo "## Targets (reported, never asserted)"
    echo
    echo "Measured $(date -u '+%Y-%m-%d') (load average at start / end: $LOAD_START / $LOAD_END)."
    echo
    echo "| target | measured | verdict |"
    echo "| --- | ---: | --- |"
    local c
    for c in echo download; do
        target_row "${C_TITLE[$c]%%,*}: Hostel / nginx+gunicorn >= 1.0x" "$(ratio "$(median $c H 4)" "$(median $c NG 4)")" ">=" 1.0 $c H NG
        target_row "${C_TITLE[$c]%%,*}: Hostel / uWSGI >= 0.5x" "$(ratio "$(median $c H 4)" "$(median $c U 4)")" ">=" 0.5 $c H U
    done
    target_row "hello c50: Hostel / nginx+gunicorn >= 1.5x" "$(ratio "$(median hello_c50 H 4)" "$(median hello_c50 NG 4)")" ">=" 1.5 hello_c50 H NG
    target_row "hello c50: Hostel / uWSGI >= 1.0x" "$(ratio "$(median hello_c50 H 4)" "$(median hello_c50 U 4)")" ">=" 1.0 hello_c50 H U
    target_row "gateway / nginx proxying the same runner (hello c50) >= 1.0x" "$(ratio "$(median hello_c50 H 4)" "$(median hello_c50 NR 4)")" ">=" 1.0 hello_c50 H NR
    target_row "static 4 KB: Hostel / nginx >= 0.8x" "$(ratio "$(median static H 4)" "$(median static N 4)")" ">=" 0.8 static H N
    target_row "p99 at c50: Hostel / nginx+gunicorn <= 1.0x" "$(ratio "$(median hello_c50 H 6)" "$(median hello_c50 NG 6)")" "<=" 1.0 hello_c50 H NG
    echo
}

report_memory() {
    echo "## $1. Memory: RSS and PSS"
    echo
    echo "From \`/proc/PID/smaps_rollup\`, in MiB: after start (idle), halfway through a ${MEM_DUR} s"
    echo "hello-world run at -c50 (load), and after all rounds (idle, end). PSS splits shared pages"
    echo "(forked workers share the master's) between the processes, so the PSS sum is the fair total."
    echo
    echo "| system | process | idle RSS | idle PSS | load RSS | load PSS | end RSS | end PSS |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    [ ! -s "$MEMORY" ] || awk -F'\t' '
        function mib(v) { return (v == "NA" || v == "") ? "n/a" : sprintf("%.1f", v / 1024) }
        { key = $1 SUBSEP $3 SUBSEP $4
          if (!(key in seen)) { seen[key] = 1; order[++n] = key; grp[key] = $1; role[key] = $3; pid[key] = $4 }
          rss[key, $2] = $5; pss[key, $2] = $6
          if ($5 != "NA") trss[$1, $2] += $5
          if ($6 != "NA") tpss[$1, $2] += $6
          if (!($1 in gseen)) { gseen[$1] = 1; gorder[++gn] = $1 } }
        END {
            for (g = 1; g <= gn; g++) {
                G = gorder[g]
                for (i = 1; i <= n; i++) { k = order[i]; if (grp[k] != G) continue
                    printf "| %s | %s (pid %s) | %s | %s | %s | %s | %s | %s |\n", G, role[k], pid[k],
                        mib(rss[k, "idle"]), mib(pss[k, "idle"]), mib(rss[k, "load"]), mib(pss[k, "load"]),
                        mib(rss[k, "end"]), mib(pss[k, "end"]) }
                printf "| **%s** | **total** | %s | **%s** | %s | **%s** | %s | **%s** |\n", G,
                    mib(trss[G, "idle"]), mib(tpss[G, "idle"]), mib(trss[G, "load"]), mib(tpss[G, "load"]),
                    mib(trss[G, "end"]), mib(tpss[G, "end"])
            } }' "$MEMORY"
    [ -n "${AVAILABLE[H]:-}" ] || echo "| hostel | gateway, runner | *skipped* | | | | | |"
    echo
    if [ "$RUNNER_SWITCHES" -gt 0 ]; then
        echo "The Hostel runner was replaced $RUNNER_SWITCHES time(s) during the run (recycled); nginx -> runner"
        echo "followed it to its new socket. Two runner pids in the table are that."
        echo
    fi
    echo "nginx's row is shared by the nginx -> gunicorn, nginx static and nginx -> runner cases;"
    echo "its load sample is taken during the nginx -> gunicorn run."
    echo
}

report_commands() {
    local g c s
    echo "## Commands"
    echo
    echo "Reproduce: \`scripts/bench\` (full: side by side, then every section script), \`scripts/bench --quick\`,"
    echo "\`scripts/bench --sections none\` (side by side only), or one section alone: \`bench/coldstart --into BENCHMARKS.md\`"
    echo "(bench/README.md lists them). Servers (paths under \`bench-work/\` are generated from \`bench/peers/\`;"
    local as="as the invoking user"
    [ -z "$PEER_USER" ] || as="as $PEER_USER, through \`${AS_PEER[*]}\`"
    echo "gunicorn, uWSGI and nginx run $as):"
    echo
    echo '```'
    for g in hostel gunicorn uwsgi nginx; do
        [ -z "${SERVER_CMD[$g]:-}" ] || echo "$g: ${SERVER_CMD[$g]}"
    done
    echo '```'
    echo
    echo "Load (one line per case and system; the same in every round):"
    echo
    echo '```'
    for c in "${CASES[@]}"; do
        for s in ${C_SYSTEMS[$c]}; do
            [ -z "${WRK_CMD[$c.$s]:-}" ] || echo "$c/$s: ${WRK_CMD[$c.$s]}"
        done
    done
    echo '```'
    echo
}

write_report() {    # write_report FILE: replaces the side-by-side sections of FILE, in place
    local out="$WORK/report.md" n=1 c
    {
        report_machine
        report_method
        for c in "${CASES[@]}"; do report_case "$n" "$c"; n=$((n + 1)); done
        report_targets
        report_memory "$n"
        report_commands
    } | sed "s|$WORK/|bench-work/|g; s|$REPO/|./|g" >"$out"
    [ -s "$1" ] || printf '# Benchmarks\n' >"$1"
    put_sections "$1" "$out"
}
