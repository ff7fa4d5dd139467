# put_section FILE HEADING BODYFILE: replaces the section "## HEADING" of FILE (up to the next "## ") with
# BODYFILE, or appends it. Sourced by bench/coldstart and bench/footprint.
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
