# shellcheck shell=bash disable=SC2034
# bench/lib.sh -- shell functions shared by bench/turns and bench/run:
# installing tools, the processes the scripts start (and only those, by
# PID), /proc readings, waiting for a quiet machine, and a switchboardd
# config for measuring. Sourced, not run; the caller sets BENCH_NAME (the
# prefix of messages), QUIET_WAIT, OTHER_MAX and CLK_TCK first. (SC2034:
# STOP_RC and SB_ENV_UNSET are for the sourcing script.)

die() { echo "$BENCH_NAME: $*" >&2; exit 1; }
say() { echo "$BENCH_NAME: $*" >&2; }

apt_install() {  # $@ Debian packages; updates the package lists once if needed
  DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >/dev/null 2>&1 \
    || { apt-get update >/dev/null 2>&1 \
         && DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >/dev/null 2>&1; }
}
need() {         # $1 command, $2 Debian package
  command -v "$1" >/dev/null 2>&1 && return 0
  say "$1 missing, installing Debian package $2"
  apt_install "$2" || die "could not install $2 (apt-get install -y $2)"
  command -v "$1" >/dev/null 2>&1 || die "$1 still missing after installing $2"
}

alive() {        # running and not a zombie
  local s
  s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$s" ] && [ "$s" != "Z" ]
}
children() { pgrep -P "$1" 2>/dev/null | tr '\n' ' '; }
stop_pid() {     # $1 PID started by this shell: SIGTERM, wait up to $2 s (30); sets STOP_RC ("timeout" if killed)
  local i limit=$(( ${2:-30} * 10 ))
  kill -TERM "$1" 2>/dev/null
  for ((i = 0; i < limit; i++)); do alive "$1" || break; sleep 0.1; done
  if alive "$1"; then
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    STOP_RC=timeout
  else
    wait "$1"; STOP_RC=$?
  fi
}

free_port() {    # a port nothing on 127.0.0.1 accepts connections on
  # Below the kernel's ephemeral range where it leaves room: a port there
  # is never the local end of an outgoing connection (wrk's, curl's).
  local p lo=20000 span=40000 eph
  eph=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
  [ -n "$eph" ] && [ "$eph" -gt 12000 ] && { lo=10000; span=$((eph - 10000)); }
  for _ in $(seq 1 100); do
    p=$((lo + RANDOM % span))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"; return 0
    fi
  done
  return 1
}
http_ok() {      # $1 URL answers 200
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1")" = 200 ]
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null; }   # whole process, all threads
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null; }
sys_busy() { awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }  # user+nice+system+irq+softirq (no steal)
jget() {         # $1 file, $2 line tag (WRK_JSON / TURNS_JSON), $3 key
  sed -n "s/^$2 //p" "$1" | tail -n 1 | grep -o "\"$3\":[-0-9.eE+]*" | head -n 1 | cut -d: -f2
}
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
wait_quiet() {   # up to QUIET_WAIT s until the machine is idle (< OTHER_MAX cores over 2 s)
  local start=$SECONDS a b
  [ "$QUIET_WAIT" -gt 0 ] || return 0
  while :; do
    a=$(sys_busy); sleep 2; b=$(sys_busy)
    [ "$(calc "%d" "(($b - $a) / $CLK_TCK / 2 < $OTHER_MAX)")" = 1 ] && return 0
    if [ $((SECONDS - start)) -ge "$QUIET_WAIT" ]; then
      say "machine still busy after ${QUIET_WAIT}s ($(calc "%.2f" "($b - $a) / $CLK_TCK / 2") cores), running anyway"
      return 0
    fi
  done
}

# The switchboardd measured: scripted LLM (replies take no time), tts.engine
# $3 (say: replies as <Say>, no synthesis), SQLite database, admin socket
# and audio cache in the run dir, signatures off, log level warning.
write_sb_config() { # $1 run dir, $2 port, $3 tts engine, $4 writer (for the header), [$5 max_calls]
  cat >"$1/config.toml" <<EOF
# written by $4
[server]
listen = "127.0.0.1:$2"
public_url = "http://127.0.0.1:$2"
io_threads = 2

[twilio]
validate_signatures = false

[llm]
backend = "scripted"

[tts]
engine = "$3"
cache_dir = "$1/audio-cache"

[storage]
path = "$1/switchboard.db"

[admin]
socket = "$1/switchboard.sock"

[limits]
max_calls = ${5:-10000}

[log]
level = "warning"

[runtime]
scheduler_threads = 2
EOF
}
# The environment variables switchboardd reads over its config file: unset
# for every start, so the config above is what runs.
SB_ENV_UNSET=(-u TWILIO_ACCOUNT_SID -u TWILIO_AUTH_TOKEN -u TWILIO_PHONE_NUMBER
  -u PUBLIC_URL -u SILENCE_THRESHOLD_SECONDS -u OLLAMA_HOST -u OLLAMA_MODEL
  -u USE_LOCAL_LLM -u TTS_ENGINE -u USE_LOCAL_TTS)
