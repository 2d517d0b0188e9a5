#!/usr/bin/env bash
# compare.sh - nperf against stock netperf 2.7, side by side on loopback.
#
# Usage: bench/compare.sh [--nperf PATH] [--netperf PATH] [--netserver PATH]
#                         [--iperf3 PATH] [--sockperf PATH]
#                         [--runs N] [--length SECS] [--tests "T1 T2 ..."] [--cross]
#                         [--instances N] [--pin CPU,CPU] [--busy-poll]
#                         [--base PATH] [--test-args "ARGS"]
#
# Pairs (client -> server), each server a separate process on its own port:
#   C      stock netperf  -> stock netserver
#   Go     nperf run      -> nperf server -D
#   Go->C  nperf run      -> stock netserver   (--cross)
#   C->Go  stock netperf  -> nperf server -D   (--cross)
#
# Other tools, when installed (on PATH or given), as extra rows of the same
# interleaved rounds:
#   iperf3    iperf3 -c -> iperf3 -s   TCP_STREAM (TCP) and UDP_STREAM (UDP,
#             65507-byte datagrams as netperf sends on loopback, unlimited
#             rate; the receiver's rate)
#   sockperf  sockperf ping-pong -> sockperf server   UDP_RR (14-byte
#             messages, sockperf's minimum; round trips per second, and the
#             median round trip in the latency table)
#
# For TCP_RR and UDP_RR a second table gives each pair's median round-trip
# time (netperf's P50_LATENCY, microseconds; lower is better).
#
# --instances N adds TCP_RR with N clients at once against stock netserver
# (nperf server without it): N netperf processes (nperf multi --engine
# netperf) against nperf multi -n N, N instances in one process; each
# total is the sum over the window where all instances ran, and a second
# table gives nperf multi's peak resident memory.
#
# --busy-poll adds, for TCP_RR and UDP_RR, the pair "Go busy": nperf run
# --busy-poll -> nperf server, whose median round trip is the one to
# hold against Go's.
#
# --base PATH adds the pair "Base": PATH run -> PATH server, another build
# of nperf (an earlier commit, say), interleaved with the rest so that a
# change can be measured against the build before it.
#
# --test-args "ARGS" passes ARGS (word-split) as test options, after --, to
# every netperf and nperf client: "-S 4M" fixes the server's receive
# buffer, for instance. iperf3 and sockperf do not get them.
#
# --pin L,R binds every client to CPU L and its server to CPU R (netperf's
# -T L,R; iperf3 -A L,R; taskset for sockperf), not the --instances rows.
# On loopback the kernel's placement of the two ends (same CPU or not)
# changes a round trip several times over and varies from run to run;
# pinning takes that out of the comparison. Pinned, the stream tests get a
# third table where the kernel has cpuidle counters: how many times the
# receiving CPU (the server's, the client's for TCP_MAERTS) went idle per
# megabyte received. On a VM without guest halt polling each of those
# costs the sender a wake-up of a halted virtual CPU, and the stream rate
# follows it (README, Performance). The count is the whole CPU's, so other
# work on it shows too.
#
# For each test the pairs run interleaved (C Go C Go ...) rather than one pair's
# runs back to back, so slow drifts in machine load hit all pairs alike, and
# each round starts one pair later than the last (C Go Go->C, Go Go->C C, ...)
# so that no pair always runs first. Each table shows median and min-max per
# pair, the ratio of its median to C's (/C), and the median of its per-round
# ratios to the C run of the same round (round/C): the second follows load
# drifts that span rounds less than the first. CI is a distribution-free
# confidence interval for the median per-round ratio (medci.awk): when it
# holds 1.00, the rounds do not show the pair faster or slower than C.
#
# Without --nperf, nperf is built from this repo into a temp dir. Without
# netperf/netserver (on PATH or given), only the pairs that can run are run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd) # medci.awk lives beside this script

usage() {
	sed -n '4,8p' "$0" | sed 's/^# //'
	exit "${1:-2}"
}

nperf=""
netperf=$(command -v netperf || true)
netserver=$(command -v netserver || true)
iperf3=$(command -v iperf3 || true)
sockperf=$(command -v sockperf || true)
runs=5
length=5
tests="TCP_STREAM TCP_MAERTS TCP_RR TCP_CRR UDP_STREAM UDP_RR"
cross=0
instances=0
pin=""
busy=0
base=""
test_args=""

while (($#)); do
	case "$1" in
	--nperf) nperf=${2?"--nperf needs a value"}; shift 2 ;;
	--netperf) netperf=${2?"--netperf needs a value"}; shift 2 ;;
	--netserver) netserver=${2?"--netserver needs a value"}; shift 2 ;;
	--iperf3) iperf3=${2?"--iperf3 needs a value"}; shift 2 ;;
	--sockperf) sockperf=${2?"--sockperf needs a value"}; shift 2 ;;
	--runs) runs=${2?"--runs needs a value"}; shift 2 ;;
	--length) length=${2?"--length needs a value"}; shift 2 ;;
	--tests) tests=${2?"--tests needs a value"}; shift 2 ;;
	--cross) cross=1; shift ;;
	--instances) instances=${2?"--instances needs a value"}; shift 2 ;;
	--pin) pin=${2?"--pin needs a value"}; shift 2 ;;
	--busy-poll) busy=1; shift ;;
	--base) base=${2?"--base needs a value"}; shift 2 ;;
	--test-args) test_args=${2?"--test-args needs a value"}; shift 2 ;;
	-h | --help) usage 0 ;;
	*) echo "compare.sh: unknown argument: $1" >&2; usage ;;
	esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --runs must be a positive integer" >&2; exit 2; }
[[ $length =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --length must be a positive integer" >&2; exit 2; }
[[ $instances =~ ^[0-9]+$ ]] || { echo "compare.sh: --instances must be a number" >&2; exit 2; }
[[ -z $pin || $pin =~ ^[0-9]+,[0-9]+$ ]] || { echo "compare.sh: --pin must be CPU,CPU (for example 0,1)" >&2; exit 2; }
# netperf-style and iperf3 affinity flags, and the sockperf wrappers.
pin_np=() pin_iperf3=() pin_client=() pin_server=()
if [[ -n $pin ]]; then
	pin_np=(-T "$pin")
	pin_iperf3=(-A "$pin")
	pin_client=(taskset -c "${pin%,*}")
	pin_server=(taskset -c "${pin#*,}")
fi

for test in $tests; do
	case $test in
	TCP_STREAM | TCP_MAERTS | TCP_RR | TCP_CRR | UDP_STREAM | UDP_RR) ;;
	*) echo "compare.sh: unknown test: $test" >&2; exit 2 ;;
	esac
done

start=$SECONDS
tmp=$(mktemp -d)
server_pids=()

# Stop our servers and remove the temp dir however we exit.
cleanup() {
	local pid
	for pid in "${server_pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

if [[ -z $nperf ]]; then
	repo=$(cd "$(dirname "$0")/.." && pwd)
	echo "building nperf from $repo"
	(cd "$repo" && go build -o "$tmp/nperf" ./cmd/nperf)
	nperf=$tmp/nperf
fi
[[ -x $nperf ]] || { echo "compare.sh: nperf not executable: $nperf" >&2; exit 1; }
[[ -z $base || -x $base ]] || { echo "compare.sh: --base not executable: $base" >&2; exit 1; }

# A missing C program is not an error: the rows that need it are left out.
have_netperf=0 have_netserver=0
if [[ -n $netperf && -x $netperf ]]; then have_netperf=1; else
	echo "NOTE: stock netperf not found (PATH or --netperf): no C or C->Go rows"
fi
if [[ -n $netserver && -x $netserver ]]; then have_netserver=1; else
	echo "NOTE: stock netserver not found (PATH or --netserver): no C or Go->C rows"
fi

# start_server CMD...: start a server on a free port, the word PORT in CMD
# standing for it, and set $server_port. Ports are drawn from 20000-31999,
# below Linux's ephemeral range (32768+) where our own client connections take
# their local ports. A port counts as free if nothing accepts a connection on
# it; if the server still fails to bind (a race with another program), we try
# another port rather than give up.
start_server() {
	local try i p pid a args
	for ((try = 0; try < 5; try++)); do
		p=$((20000 + RANDOM % 12000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
		args=()
		for a in "$@"; do [[ $a == PORT ]] && a=$p; args+=("$a"); done
		# Run in a background job (not daemonized) so we own its pid.
		"${args[@]}" >"$tmp/server-$p.log" 2>&1 &
		pid=$!
		server_pids+=("$pid")
		for ((i = 0; i < 50; i++)); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
				server_port=$p
				return
			fi
			kill -0 "$pid" 2>/dev/null || break # it exited: port taken?
			sleep 0.1
		done
		kill "$pid" 2>/dev/null || true
	done
	echo "compare.sh: could not start server: $*" >&2
	cat "$tmp/server-$p.log" >&2
	exit 1
}

# start_server_udp CMD...: as start_server for a UDP server, which cannot be
# probed with a connection: it counts as started if it is still running
# after a moment (a taken port makes it exit at once).
start_server_udp() {
	local try p pid a args
	for ((try = 0; try < 5; try++)); do
		p=$((20000 + RANDOM % 12000))
		args=()
		for a in "$@"; do [[ $a == PORT ]] && a=$p; args+=("$a"); done
		"${args[@]}" >"$tmp/server-$p.log" 2>&1 &
		pid=$!
		server_pids+=("$pid")
		sleep 1
		if kill -0 "$pid" 2>/dev/null; then
			server_port=$p
			return
		fi
	done
	echo "compare.sh: could not start server: $*" >&2
	cat "$tmp/server-$p.log" >&2
	exit 1
}

# Pairs in run order: the client command (word-split later) and server port.
pairs=()
declare -A client port
if ((have_netserver)); then
	start_server "$netserver" -D -p PORT -L 127.0.0.1,4
	cport=$server_port
fi
start_server "$nperf" server -D -p PORT -L 127.0.0.1,4
goport=$server_port
if [[ -n $base ]]; then
	start_server "$base" server -D -p PORT -L 127.0.0.1,4
	baseport=$server_port
fi

have_iperf3=0 have_sockperf=0
if [[ -n $iperf3 && -x $iperf3 ]]; then have_iperf3=1; fi
if [[ -n $sockperf && -x $sockperf ]]; then have_sockperf=1; fi
if ((have_iperf3)) && [[ " $tests " =~ _STREAM ]]; then
	start_server "$iperf3" -s -B 127.0.0.1 -p PORT
	iperf3port=$server_port
fi
if ((have_sockperf)) && [[ " $tests " == *" UDP_RR "* ]]; then
	start_server_udp "${pin_server[@]}" "$sockperf" server -i 127.0.0.1 -p PORT
	sockperfport=$server_port
fi

if ((have_netperf && have_netserver)); then
	pairs+=(C); client[C]=$netperf; port[C]=$cport
fi
pairs+=(Go); client[Go]="$nperf run"; port[Go]=$goport
if [[ -n $base ]]; then
	pairs+=(Base); client[Base]="$base run"; port[Base]=$baseport
fi
client["Go busy"]="$nperf run --busy-poll"; port["Go busy"]=$goport
if ((cross)); then
	if ((have_netserver)); then
		pairs+=("Go->C"); client["Go->C"]="$nperf run"; port["Go->C"]=$cport
	fi
	if ((have_netperf)); then
		pairs+=("C->Go"); client["C->Go"]=$netperf; port["C->Go"]=$goport
	fi
fi

# extra_pairs TEST: the rows that only some tests have: busy polling and
# other tools.
extra_pairs() {
	case $1 in
	TCP_RR | UDP_RR) ((busy)) && echo "Go busy" ;;
	esac
	case $1 in
	TCP_STREAM | UDP_STREAM) ((have_iperf3)) && echo iperf3 ;;
	UDP_RR) ((have_sockperf)) && echo sockperf ;;
	esac
	return 0
}

# measure_other PAIR TEST: print "rate [p50]" for an iperf3 or sockperf run.
measure_other() {
	local pair=$1 test=$2 out
	case $pair in
	iperf3)
		local udp=()
		[[ $test == UDP_STREAM ]] && udp=(-u -b 0 -l 65507)
		out=$(timeout $((2 * length + 30)) "$iperf3" -c 127.0.0.1 -p "$iperf3port" -t "$length" \
			-f m "${udp[@]}" "${pin_iperf3[@]}" 2>"$tmp/err" |
			awk '/receiver/ { for (i = 2; i <= NF; i++) if ($i == "Mbits/sec") print $(i - 1) }') || true
		;;
	sockperf)
		# Round trips per second over sockperf's own measured window,
		# and its median round trip.
		out=$(timeout $((2 * length + 30)) "${pin_client[@]}" "$sockperf" ping-pong -i 127.0.0.1 -p "$sockperfport" \
			-t "$length" -m 14 --full-rtt 2>&1 |
			awk '/Valid Duration/ { for (i = 1; i <= NF; i++) {
					if ($i ~ /^RunTime=/) { sub(/RunTime=/, "", $i); t = $i }
					if ($i ~ /^ReceivedMessages=/) { sub(/ReceivedMessages=/, "", $i); n = $i } } }
				/percentile 50.000/ { p = $NF }
				END { if (t > 0 && n > 0) printf "%.2f %s\n", n / t, p }') || true
		;;
	esac
	echo "$out"
}

# measure PAIR TEST: print one result number (and, for RR tests, the median
# round trip in microseconds after it), or nothing if the run failed. -v 0
# prints just the headline number, except that for UDP_STREAM it is the SEND
# rate; what got through is the second (remote) row of -v 1, last column.
# RR tests ask for the rate and P50_LATENCY as omni output (-o).
# timeout guards against a hung run (CRR needs LENGTH+4 s by design).
measure() {
	local pair=$1 test=$2 out verbose=0 sel=() extra=()
	[[ $test == UDP_STREAM ]] && verbose=1
	[[ $test == TCP_RR || $test == UDP_RR ]] && sel=(-o "THROUGHPUT,P50_LATENCY")
	# shellcheck disable=SC2206 # --test-args is word-split on purpose
	extra=(${test_args})
	((${#sel[@]} + ${#extra[@]})) && extra=(-- "${sel[@]}" "${extra[@]}")
	if [[ $pair == iperf3 || $pair == sockperf ]]; then
		out=$(measure_other "$pair" "$test")
	else
		# shellcheck disable=SC2086 # client is "prog" or "prog run": split on purpose
		out=$(timeout $((2 * length + 30)) ${client[$pair]} -H 127.0.0.1 -p "${port[$pair]}" \
			-t "$test" -l "$length" -P 0 -v "$verbose" "${pin_np[@]}" "${extra[@]}" 2>"$tmp/err") || true
		if [[ $test == UDP_STREAM ]]; then
			out=$(awk 'NF { if (++n == 2) print $NF }' <<<"$out")
		elif ((${#sel[@]})); then
			out=$(awk -F, 'NF { print $1, $2; exit }' <<<"$out")
		else
			out=$(awk 'NF { print $1; exit }' <<<"$out")
		fi
	fi
	if [[ $out =~ ^[0-9]+(\.[0-9]+)?( [0-9]+(\.[0-9]+)?)?$ ]]; then
		echo "$out"
	else
		# netperf reports some errors on stdout, so show both.
		echo "  $pair $test run failed: $(head -c 300 "$tmp/err" 2>/dev/null) ${out:0:300}" >&2
		: >"$tmp/err"
	fi
}

# idle_entries CPU: how many times CPU has entered an idle state that stops
# it (every cpuidle state but polling), or nothing without cpuidle.
idle_entries() {
	local d n=0 found=0
	for d in /sys/devices/system/cpu/cpu"$1"/cpuidle/state*; do
		[[ -r $d/usage ]] || continue
		found=1
		[[ $(<"$d/name") == POLL ]] && continue
		n=$((n + $(<"$d/usage")))
	done
	((found)) && echo "$n"
	return 0
}

# stats: numbers on stdin -> "median min max" (median of an even count is the
# mean of the middle two); "- - -" if there are none.
stats() {
	sort -g | awk '{ v[++n] = $1 }
		END {
			if (!n) { print "- - -"; exit }  # every run failed
			m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
			printf "%.2f %.2f %.2f\n", m, v[1], v[n]
		}'
}

# table TITLE ARRAY: print per pair of the run the median, min-max, number
# of good runs, ratio of the median to C's and median of the per-round
# ratios to C, from ARRAY[pair|round] = value (missing: the run failed).
table() {
	local -n vals=$2
	local pair med lo hi ok ratio paired range cmed="" r v all ratios clo chi conf ci confs=""
	echo
	echo "$1"
	printf "  %-12s %12s %25s %6s %7s %8s %11s\n" pair median min-max ok "/C" "round/C" "CI"
	for pair in "${rowpairs[@]}"; do
		all="" ratios=""
		for ((r = 1; r <= runs; r++)); do
			v=${vals[$pair|$r]:-}
			[[ -n $v ]] || continue
			all+="$v "
			if [[ -n ${vals[C|$r]:-} ]]; then
				ratios+=$(awk -v a="$v" -v b="${vals[C|$r]}" 'BEGIN { if (b > 0) printf "%.6f ", a / b }')
			fi
		done
		read -r med lo hi < <(tr ' ' '\n' <<<"$all" | grep . | stats)
		ok=$(wc -w <<<"$all")
		[[ $pair == C ]] && cmed=$med
		ratio="-"
		if [[ -n $cmed && $cmed != "-" && $med != "-" ]]; then
			ratio=$(awk -v a="$med" -v b="$cmed" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
		fi
		read -r paired clo chi conf < <(tr ' ' '\n' <<<"$ratios" | { grep . || true; } | awk -f "$here/medci.awk")
		ci="-"
		if [[ $paired != "-" ]]; then
			ci=$(awk -v a="$clo" -v b="$chi" 'BEGIN { printf "%.2f-%.2f", a, b }')
			paired=$(awk -v a="$paired" 'BEGIN { printf "%.2f", a }')
			[[ $pair != C ]] && confs+="$conf "
		fi
		range="$lo-$hi"
		[[ $med == "-" ]] && range="-"
		printf "  %-12s %12s %25s %6s %7s %8s %11s\n" "$pair" "$med" "$range" "$ok/$runs" "$ratio" "$paired" "$ci"
	done
	if [[ -n $confs ]]; then
		tr ' ' '\n' <<<"$confs" | grep . | sort -g | head -1 |
			awk '{ printf "  CI: interval of round/C holding its true median with %.0f%% confidence or more\n", 100 * $1 }'
	fi
}

echo "nperf:     $nperf"
echo "netperf:   ${netperf:-none}"
echo "netserver: ${netserver:-none}"
echo "iperf3:    $( ((have_iperf3)) && echo "$iperf3" || echo none)"
echo "sockperf:  $( ((have_sockperf)) && echo "$sockperf" || echo none)"
echo "pairs: ${pairs[*]}; $runs runs x ${length}s each, interleaved"
[[ -n $test_args ]] && echo "test options: -- $test_args"
[[ -n $pin ]] && echo "pinned: clients on CPU ${pin%,*}, servers on CPU ${pin#*,}"

for test in $tests; do
	case $test in
	*_STREAM | *_MAERTS) unit="10^6bits/s" ;;
	*) unit="trans/s" ;;
	esac
	# The receiving CPU, when the test streams and the ends are pinned.
	rcpu=""
	case $test in
	TCP_MAERTS) rcpu=${pin%,*} ;;
	*_STREAM) rcpu=${pin#*,} ;;
	esac
	[[ -n $rcpu && -n $(idle_entries "$rcpu") ]] || rcpu=""
	declare -A results=() lats=() idles=()
	mapfile -t extra < <(extra_pairs "$test")
	rowpairs=("${pairs[@]}" "${extra[@]}")
	for ((r = 1; r <= runs; r++)); do
		n=${#rowpairs[@]}
		for ((k = 0; k < n; k++)); do
			pair=${rowpairs[$(((r - 1 + k) % n))]}
			idle0="" idle1=""
			[[ -n $rcpu ]] && idle0=$(idle_entries "$rcpu")
			read -r rate lat < <(measure "$pair" "$test"; echo)
			[[ -n ${rate:-} ]] && results[$pair|$r]=$rate
			[[ -n ${lat:-} ]] && lats[$pair|$r]=$lat
			[[ -n $rcpu ]] && idle1=$(idle_entries "$rcpu")
			# The count covers the whole client run (its set-up too, a few
			# ms); the megabytes are the rate times the test's length.
			if [[ -n $idle0 && -n $idle1 && -n ${rate:-} ]]; then
				idles[$pair|$r]=$(awk -v n="$((idle1 - idle0))" -v rate="$rate" -v s="$length" \
					'BEGIN { if (rate > 0) printf "%.2f", n / (rate * s / 8) }')
			fi
		done
	done

	table "$test ($unit; $runs runs x ${length}s; higher is better)" results
	if [[ $test == TCP_RR || $test == UDP_RR ]]; then
		table "$test median round trip (usec; $runs runs x ${length}s; lower is better)" lats
	fi
	if [[ -n $rcpu ]]; then
		table "$test receiving CPU $rcpu: idle entries per MB received ($runs runs x ${length}s; lower is better)" idles
	fi
	unset results lats idles
done

# measure_multi PAIR: the total TCP_RR rate of $instances clients at once,
# and for nperf's own instances the process's peak resident memory (MiB).
measure_multi() {
	local pair=$1 engine=() out rss=""
	[[ $pair == "netperf x$instances" ]] && engine=(--engine "netperf:$netperf")
	out=$(timeout $((2 * length + 60)) /usr/bin/time -f "RSS %M" -o "$tmp/rss" \
		"$nperf" multi -n "$instances" "${engine[@]}" -H "127.0.0.1:$multiport" \
		-t TCP_RR -l "$length" 2>"$tmp/err" | awk '$1 == "total" { print $2 }') || true
	[[ -z ${engine[*]} ]] && rss=$(awk '$1 == "RSS" { printf "%.1f", $2 / 1024 }' "$tmp/rss" 2>/dev/null)
	if [[ $out =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
		echo "$out $rss"
	else
		echo "  $pair run failed: $(head -c 300 "$tmp/err" 2>/dev/null)" >&2
	fi
}

if ((instances > 0)); then
	multiport=$goport
	((have_netserver)) && multiport=$cport
	rowpairs=()
	if ((have_netperf)); then rowpairs+=("netperf x$instances"); fi
	rowpairs+=("nperf multi")
	declare -A results=() rss=()
	for ((r = 1; r <= runs; r++)); do
		n=${#rowpairs[@]}
		for ((k = 0; k < n; k++)); do
			pair=${rowpairs[$(((r - 1 + k) % n))]}
			read -r rate mib < <(measure_multi "$pair"; echo)
			[[ -n ${rate:-} ]] && results[$pair|$r]=$rate
			[[ -n ${mib:-} ]] && rss[$pair|$r]=$mib
		done
	done
	# The ratio columns compare with the first row: rename it C for table.
	if ((have_netperf)); then
		rowpairs[0]=C
		for ((r = 1; r <= runs; r++)); do
			v=${results["netperf x$instances|$r"]:-}
			[[ -n $v ]] && results[C|$r]=$v
		done
	fi
	table "TCP_RR x $instances instances at once (trans/s, sum over the common window; C = $instances netperf processes; $runs runs x ${length}s)" results
	rowpairs=("nperf multi")
	table "nperf multi -n $instances peak resident memory (MiB)" rss
	unset results rss
fi

echo
echo "total run time: $((SECONDS - start))s"
