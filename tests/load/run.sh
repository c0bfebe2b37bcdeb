#!/usr/bin/env bash
# tests/load/run.sh: the standard gamebot workload against a fresh gameserver.
#
# Builds cmd/gameserver and cmd/gamebot, starts the server on 127.0.0.1, runs
# gamebot, and writes one JSON file holding the server's CPU seconds (utime +
# stime from /proc/<pid>/stat, over the run and in total), its peak RSS (VmHWM),
# gamebot's own CPU and peak RSS, and gamebot's --json report.
#
# The standard workload: 200 arena rooms x 10 bots (2,000 players), seek, 20
# inputs/s, 60 s. Every knob is an environment variable:
#   ROOMS=200 ROOM_SIZE=10 BEHAVIOUR=seek INPUT_RATE=20 DURATION=60s RAMP=200
#   TRANSPORT=websocket PARSER=msgpack HASH_EVERY=10 OUT=<file> GAMEBOT_ARGS=...
#   SERVER_ARGS=... (extra gameserver flags, e.g. -cpuprofile /tmp/server.prof)
#   GAMESERVER_BIN=<path> GAMEBOT_BIN=<path> (run these binaries instead of building them:
#   a before/after comparison runs the old and the new alternately)
#   SERVER_CPUS=<list> BOT_CPUS=<list> (taskset CPU lists: e.g. 0 and 1 keep the server and
#   the bots on cores of their own; unset, both run where the kernel puts them)
# (BOTS overrides ROOMS x ROOM_SIZE.) The exit status is gamebot's: 1 when a
# threshold in GAMEBOT_ARGS (--max-p99, --max-desyncs, --max-errors) is broken.
set -euo pipefail

ROOMS=${ROOMS:-200}
ROOM_SIZE=${ROOM_SIZE:-10}
BOTS=${BOTS:-$((ROOMS * ROOM_SIZE))}
BEHAVIOUR=${BEHAVIOUR:-seek}
INPUT_RATE=${INPUT_RATE:-20}
DURATION=${DURATION:-60s}
RAMP=${RAMP:-200}
TRANSPORT=${TRANSPORT:-websocket}
PARSER=${PARSER:-msgpack}
HASH_EVERY=${HASH_EVERY:-10}
GAMEBOT_ARGS=${GAMEBOT_ARGS:-}
SERVER_ARGS=${SERVER_ARGS:-}
OUT=${OUT:-load-$(date -u +%Y%m%dT%H%M%SZ).json}

root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/tickroom-load.XXXXXX")
server_pid=""
cleanup() {
	if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

gameserver_bin=${GAMESERVER_BIN:-$work/gameserver}
gamebot_bin=${GAMEBOT_BIN:-$work/gamebot}
[[ -n ${GAMESERVER_BIN:-} ]] || (cd "$root" && go build -o "$work/gameserver" ./cmd/gameserver)
[[ -n ${GAMEBOT_BIN:-} ]] || (cd "$root" && go build -o "$work/gamebot" ./cmd/gamebot)

# Bots and server share the machine: every bot is one socket at each end.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# The admin listener on a port of its own: another gameserver on this machine may hold 9090.
${SERVER_CPUS:+taskset -c "$SERVER_CPUS"} "$gameserver_bin" -addr 127.0.0.1:0 -admin-addr 127.0.0.1:0 -hash-every "$HASH_EVERY" -log-level warn $SERVER_ARGS \
	>"$work/server.out" 2>"$work/server.err" &
server_pid=$!
url=""
for _ in $(seq 300); do
	url=$(sed -n 's/^LISTEN //p' "$work/server.out" | head -n1)
	[[ -n $url ]] && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.err" >&2; exit 3; }
	sleep 0.1
done
[[ -n $url ]] || { echo "run.sh: the gameserver printed no LISTEN line" >&2; exit 3; }

tck=$(getconf CLK_TCK)
# cpu_seconds PID: utime + stime of PID in seconds. Field 2 (comm) may hold
# spaces, so count fields after its closing parenthesis.
cpu_seconds() {
	local rest
	rest=$(sed 's/^.*) //' "/proc/$1/stat")
	awk -v t="$tck" '{ printf "%.2f", ($12 + $13) / t }' <<<"$rest"
}
# sys_seconds PID: stime alone, the kernel's share (on loopback a write also runs the peer's receive).
sys_seconds() {
	local rest
	rest=$(sed 's/^.*) //' "/proc/$1/stat")
	awk -v t="$tck" '{ printf "%.2f", $13 / t }' <<<"$rest"
}
vm_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# steal_and_total: the machine's stolen CPU ticks (a virtual machine's neighbours) and all
# ticks, from /proc/stat; a run with much steal measured a busier machine than it shows.
steal_and_total() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; printf "%d %d\n", $9, t; exit }' /proc/stat; }
read -r steal_before total_before < <(steal_and_total)
# The machine's 1-minute load average before and after: other work on it shows here.
load_before=$(cut -d' ' -f1 /proc/loadavg)
cpu_before=$(cpu_seconds "$server_pid")
sys_before=$(sys_seconds "$server_pid")
start=$(date +%s.%N)
set +e
/usr/bin/time -f '%e %U %S %M' -o "$work/gamebot.time" ${BOT_CPUS:+taskset -c "$BOT_CPUS"} "$gamebot_bin" --url "$url" --bots "$BOTS" \
	--mode arena --rooms quickjoin --room-size "$ROOM_SIZE" --behaviour "$BEHAVIOUR" \
	--input-rate "$INPUT_RATE" --duration "$DURATION" --ramp "$RAMP" --transport "$TRANSPORT" \
	--parser "$PARSER" --json $GAMEBOT_ARGS >"$work/report.json"
status=$?
set -e
end=$(date +%s.%N)
cpu_after=$(cpu_seconds "$server_pid")
sys_after=$(sys_seconds "$server_pid")
read -r steal_after total_after < <(steal_and_total)
load_after=$(cut -d' ' -f1 /proc/loadavg)
hwm=$(vm_kb "$server_pid" VmHWM)
rss=$(vm_kb "$server_pid" VmRSS)
# time(1) puts "Command exited with non-zero status N" first when gamebot fails a threshold.
read -r gb_wall gb_user gb_sys gb_maxrss < <(tail -n 1 "$work/gamebot.time")

if [[ ! -s $work/report.json ]]; then
	echo "run.sh: gamebot wrote no report (exit $status)" >&2
	exit 3
fi
jq -n --slurpfile report "$work/report.json" \
	--arg cmd "ROOMS=$ROOMS ROOM_SIZE=$ROOM_SIZE BOTS=$BOTS BEHAVIOUR=$BEHAVIOUR INPUT_RATE=$INPUT_RATE DURATION=$DURATION RAMP=$RAMP TRANSPORT=$TRANSPORT PARSER=$PARSER HASH_EVERY=$HASH_EVERY GAMEBOT_ARGS='$GAMEBOT_ARGS' tests/load/run.sh" \
	--argjson wall "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')" \
	--argjson cpu_run "$(awk -v a="$cpu_before" -v b="$cpu_after" 'BEGIN { printf "%.2f", b - a }')" \
	--argjson sys_run "$(awk -v a="$sys_before" -v b="$sys_after" 'BEGIN { printf "%.2f", b - a }')" \
	--argjson cpu_total "$cpu_after" --argjson hwm "$hwm" --argjson rss "$rss" \
	--argjson gb_user "$gb_user" --argjson gb_sys "$gb_sys" --argjson gb_maxrss "$gb_maxrss" \
	--argjson steal "$(awk -v s="$((steal_after - steal_before))" -v t="$((total_after - total_before))" 'BEGIN { printf "%.1f", (t > 0 ? 100 * s / t : 0) }')" \
	--argjson load_before "$load_before" --argjson load_after "$load_after" \
	--arg hash_every "$HASH_EVERY" --arg nproc "$(nproc)" --arg cpu "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
	'{
		command: $cmd,
		machine: {nproc: ($nproc | tonumber), cpu: $cpu, steal_percent_during_run: $steal,
			load_average_before: $load_before, load_average_after: $load_after},
		server: {
			hash_every: ($hash_every | tonumber),
			cpu_seconds_during_run: $cpu_run,
			sys_seconds_during_run: $sys_run,
			cpu_seconds_total: $cpu_total,
			cpu_cores_during_run: (($cpu_run / $wall) * 100 | round / 100),
			peak_rss_kb: $hwm,
			rss_at_end_kb: $rss
		},
		gamebot_process: {wall_seconds: $wall, cpu_seconds: (($gb_user + $gb_sys) * 100 | round / 100),
			user_seconds: $gb_user, sys_seconds: $gb_sys, peak_rss_kb: $gb_maxrss},
		gamebot: $report[0]
	}
	# CPU per player-tick: the CPU seconds of each process over the snapshots the bots received
	# (one per player per tick), so the two compare in the same run.
	| .per_player_tick = (if .gamebot.snapshots > 0 then {
		server_cpu_us: (.server.cpu_seconds_during_run * 1e6 / .gamebot.snapshots * 100 | round / 100),
		gamebot_cpu_us: (.gamebot_process.cpu_seconds * 1e6 / .gamebot.snapshots * 100 | round / 100),
		gamebot_over_server: (if .server.cpu_seconds_during_run > 0 then
			(.gamebot_process.cpu_seconds / .server.cpu_seconds_during_run * 1000 | round / 1000) else null end)
	} else null end)' >"$OUT"
echo "run.sh: wrote $OUT" >&2
jq -r '"load \(.machine.load_average_before)/\(.machine.load_average_after), steal \(.machine.steal_percent_during_run) %; per player-tick: server \(.per_player_tick.server_cpu_us // "n/a") µs, gamebot \(.per_player_tick.gamebot_cpu_us // "n/a") µs (x\(.per_player_tick.gamebot_over_server // "n/a")); server: \(.server.cpu_seconds_during_run) CPU s over the run (\(.server.cpu_cores_during_run) cores), peak RSS \(.server.peak_rss_kb) KB; gamebot: \(.gamebot_process.cpu_seconds) CPU s, peak RSS \(.gamebot_process.peak_rss_kb) KB; p99 \(.gamebot.input_to_ack.p99_ms) ms, \(.gamebot.snapshots_per_s_per_bot | . * 100 | round / 100) snapshots/s, \(.gamebot.down_bytes_per_s_per_bot | round) B/s down per bot, desyncs \(.gamebot.desyncs), errors \(.gamebot.errors_total), server tick overruns \(.gamebot.server.overruns // "n/a") (late steps \(.gamebot.server.catchUpSteps // "n/a")), broken \(.gamebot.thresholds_broken)"' "$OUT" >&2
exit "$status"
