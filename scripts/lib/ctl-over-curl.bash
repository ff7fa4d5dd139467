# hostel ctl without a JVM: the commands that are one plain request (status, sites, show, add, remove, reload,
# releases, rollback; with or without --json), sent with curl --unix-socket. Sourced by scripts/hostel.
#
# The gateway renders what ctl prints (?format=text, or json for --json; the admin package's CtlOutput): the
# body is standard output then standard error, the header Hostel-Ctl-Stdout says how many bytes are standard
# output, Hostel-Ctl-Exit the exit code. The Java CLI asks the same and copies the same, so both print the same
# bytes and exit with the same code; this one answers in a few milliseconds instead of a JVM's second.
#
# ctl_over_curl ARGS... answers and exits, or returns 1 without having sent anything when it cannot be sure to
# answer as the Java CLI would; the Java CLI then does: help and usage errors, an option or argument it does not
# know, names with other characters than [A-Za-z0-9._-], a hostel.toml whose admin_socket or prefix it cannot
# read, a site file that is not readable UTF-8, deploy (a tar made on the fly), top (a live view), no curl, or
# nothing answering on the socket (the Java CLI names the path it tried and where that came from).

ctl_over_curl() {
  command -v curl >/dev/null || return 1
  local socket='' conf='' json='' socket_set='' conf_set='' words=()
  while [ $# -gt 0 ]; do
    case $1 in
      --socket|--conf)
        [ $# -ge 2 ] || return 1
        set -- "$1=$2" "${@:3}"
        continue ;;
      --socket=*) [ -z "$socket_set" ] || return 1; socket=${1#*=}; socket_set=1 ;;
      --conf=*) [ -z "$conf_set" ] || return 1; conf=${1#*=}; conf_set=1 ;;
      --json) [ -z "$json" ] || return 1; json=1 ;;
      -*|@*) return 1 ;;  # --help, -h, --version, unknown options, picocli's @file arguments: the Java CLI's
      *) words+=("$1") ;;
    esac
    shift
  done
  [ -z "$socket_set" ] || [ -n "$socket" ] || return 1
  [ -z "$conf_set" ] || [ -n "$conf" ] || return 1

  local name='[A-Za-z0-9._-]+' method='' path='' file=''
  set -- "${words[@]}"
  case "${1:-}:$#" in
    status:1) method=GET path=/status ;;
    sites:1) method=GET path=/sites ;;
    show:2) method=GET path=/sites/$2 ;;
    remove:2) method=DELETE path=/sites/$2 ;;
    reload:1) method=POST path=/reload ;;
    reload:2) method=POST path=/sites/$2/reload ;;
    releases:2) method=GET path=/sites/$2/releases ;;
    rollback:2) method=POST path=/sites/$2/rollback ;;
    rollback:3) method=POST path=/sites/$2/rollback/$3 ;;
    add:2)
      file=$2
      local base=${file##*/}
      [[ $file != */ && -f $file && -r $file ]] || return 1
      command -v iconv >/dev/null && iconv -f UTF-8 -t UTF-8 "$file" >/dev/null 2>&1 || return 1
      method=PUT path=/sites/${base%.toml} ;;
    *) return 1 ;;
  esac
  [[ $path =~ ^(/$name)+$ ]] || return 1

  if [ -z "$socket" ]; then
    socket=${HOSTEL_ADMIN_SOCKET:-}
  fi
  if [ -z "$socket" ]; then
    ctl_admin_socket "${conf:-${HOSTEL_CONF:-$home/conf}}" || return 1
    socket=$REPLY
  fi

  # One process: curl, its answer (head and body) kept in a variable, taken apart in bytes (LC_ALL=C); the
  # trailing x keeps the body's last newlines, which $(...) would drop.
  local LC_ALL=C form=text answer sent
  [ -z "$json" ] || form=json
  local request=(curl -sS -i --path-as-is --unix-socket "$socket" -X "$method" -H 'User-Agent: hostel-ctl'
    -H 'Accept: application/json' -H 'Expect:')
  case $method in
    PUT) request+=(-H 'Content-Type: application/toml' --data-binary "@$file") ;;
    POST) request+=(-H 'Content-Length: 0') ;;
  esac
  answer=$("${request[@]}" "http://localhost$path?format=$form" 2>&1; echo "x$?") || return 1
  sent=${answer##*x}
  answer=${answer%x*}
  if [ "$sent" = 7 ]; then
    return 1  # nothing there: the Java CLI says so, naming the path it tried and where it came from
  elif [ "$sent" != 0 ]; then
    echo "hostel ctl: $socket: ${answer#curl: (*) }" >&2
    exit 1
  fi
  local head=${answer%%$'\r\n\r\n'*} stdout='' exit='' line
  local body=${answer#*$'\r\n\r\n'}
  while IFS= read -r line; do
    line=${line%$'\r'}
    case ${line,,} in
      hostel-ctl-stdout:*) stdout=${line#*: } ;;
      hostel-ctl-exit:*) exit=${line#*: } ;;
    esac
  done <<<"$head"
  if [[ $stdout =~ ^[0-9]+$ && $exit =~ ^[0-9]+$ && $stdout -le ${#body} ]]; then
    printf '%s' "${body:0:stdout}"
    printf '%s' "${body:stdout}" >&2
    exit "$exit"
  fi
  local status=${head#* }
  echo "hostel ctl: the Hostel at $socket answered ${status%% *} without what ctl prints (a Hostel older than this ctl?)" >&2
  exit 1
}

# The admin socket of the configuration directory $1, as the gateway's Locations finds it, in REPLY: admin_socket
# of its hostel.toml, relative to prefix (itself relative to the directory, by default its parent). Fails when
# hostel.toml has either key in a form this does not read (only plain "..." or '...' strings). No process started:
# under load each one costs 15-30 ms.
ctl_admin_socket() {
  local dir prefix='' socket='' line key value
  ctl_normalize "$1"
  dir=$REPLY
  if [ -f "$dir/hostel.toml" ]; then
    [ -r "$dir/hostel.toml" ] || return 1
    while IFS= read -r line || [ -n "$line" ]; do
      [[ $line =~ ^[[:space:]]*\[ ]] && break  # the top-level keys end with the first table
      [[ $line =~ ^[[:space:]]*# || ! $line =~ (admin_socket|prefix) ]] && continue
      if [[ $line =~ ^[[:space:]]*(admin_socket|prefix)[[:space:]]*=[[:space:]]*(\"([^\"\\]*)\"|\'([^\']*)\')[[:space:]]*(#.*)?$ ]]; then
        key=${BASH_REMATCH[1]} value=${BASH_REMATCH[3]}${BASH_REMATCH[4]}
        [ -n "$value" ] || return 1
        [ "$key" = prefix ] && prefix=$value || socket=$value
      else
        return 1
      fi
    done <"$dir/hostel.toml"
  fi
  if [ -z "$prefix" ]; then
    prefix=${dir%/*}
    prefix=${prefix:-/}
  fi
  [[ $prefix == /* ]] || prefix=$dir/$prefix
  socket=${socket:-run/hostel.sock}
  [[ $socket == /* ]] || socket=$prefix/$socket
  ctl_normalize "$socket"
}

# $1 made absolute (against the working directory) and normalized as Java's Path.normalize does it, in REPLY: no
# ".", "..", or doubled "/"; symbolic links are left alone.
ctl_normalize() {
  local path=$1 part parts out=()
  [[ $path == /* ]] || path=$PWD/$path
  IFS=/ read -ra parts <<<"$path"
  for part in "${parts[@]}"; do
    case $part in
      ''|.) ;;
      ..) [ ${#out[@]} -eq 0 ] || unset 'out[-1]' ;;
      *) out+=("$part") ;;
    esac
  done
  local IFS=/
  REPLY=/${out[*]}
}
