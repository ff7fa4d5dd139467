# put_section FILE HEADING BODYFILE: replaces the section "## HEADING" of FILE (up to the next "## ") with
# BODYFILE, or appends it. Sourced by scripts/bench and by every section script (bench/README.md).
put_section() {
    local file=$1 heading=$2 body=$3 tmp
    tmp=$(mktemp)
    [ -f "$file" ] || : >"$file"
    awk -v h="## $heading" -v body="$body" '
        BEGIN { while ((getline line < body) > 0) text = text line "\n" }
        $0 == h { printf "%s", text; skip = 1; done = 1; next }
        skip && /^## / { skip = 0 }
        !skip { print }
        END { if (!done) printf "\n%s", text }' "$file" >"$tmp"
    mv "$tmp" "$file"
}

# put_sections FILE BODYFILE: put_section for every "## " section of BODYFILE.
put_sections() {
    local file=$1 body=$2 dir i
    dir=$(mktemp -d)
    awk -v dir="$dir" '/^## / { n++; print substr($0, 4) >(dir "/" n ".heading"); close(dir "/" n ".heading") }
        n { print >(dir "/" n ".md") }' "$body"
    for ((i = 1; i <= $(find "$dir" -name '*.heading' | wc -l); i++)); do
        put_section "$file" "$(cat "$dir/$i.heading")" "$dir/$i.md"
    done
    rm -rf "$dir"
}
