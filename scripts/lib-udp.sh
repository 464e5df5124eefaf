# Shell helpers shared by scripts that start a private ipmi_sim on loopback
# (try-ipmisim.sh, capture-ipmitool-refs.sh, capture-ipmitool-sensor-refs.sh).
# Source it; bash only.

# free_port: prints a UDP port nobody on this machine has bound (checked in
# /proc/net/udp*), or fails after 50 tries.
free_port() {
    local port hex
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        printf -v hex '%04X' "$port"
        if ! awk 'NR > 1 { split($2, a, ":"); print a[2] }' /proc/net/udp /proc/net/udp6 2>/dev/null |
            grep -qx "$hex"; then
            echo "$port"
            return 0
        fi
    done
    echo "no free UDP port found" >&2
    return 1
}

# answers_ping PORT: true once something answers an RMCP/ASF presence ping
# (IPMI 2.0 §13.2.3) on 127.0.0.1:PORT within 0.2 s.
answers_ping() {
    local reply=
    (
        exec 3<>"/dev/udp/127.0.0.1/$1" || exit 1
        printf '\x06\x00\xff\x06\x00\x00\x11\xbe\x80\x01\x00\x00' >&3
        IFS= read -r -N 1 -t 0.2 -u 3 reply || true
        [ "${#reply}" -ge 1 ]
    ) 2>/dev/null
}

# sim_answers PORT PID: true once the simulator PID answers a ping on PORT,
# false when it exits first or stays silent for 5 s (250 polls of 20 ms).
sim_answers() {
    for _ in $(seq 1 250); do
        answers_ping "$1" && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.02
    done
    return 1
}

# ipmitool_1_8_19: prints `ipmitool -V`; fails unless it is 1.8.19, the
# version the reference captures are of.
ipmitool_1_8_19() {
    local version
    version=$(ipmitool -V 2>&1 || true)
    case "$version" in
    *" 1.8.19"*) echo "$version" ;;
    *) echo "capture: expected ipmitool 1.8.19, found: $version" >&2; return 1 ;;
    esac
}

# stop_sim: stops the simulator whose pid is in $sim_pid (thawing it first,
# in case it was frozen with SIGSTOP) and clears $sim_pid.
stop_sim() {
    if [ -n "${sim_pid:-}" ]; then
        kill -CONT "$sim_pid" 2>/dev/null || true
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
        sim_pid=
    fi
}

# start_sim_with PREPARE: starts a private ipmi_sim, up to 5 times: the
# function PREPARE sets $state to a fresh directory holding lan.conf and
# sim.emu for a free $port; ipmi_sim runs on them (log STATE/ipmi_sim.log)
# until it answers. Sets $sim_pid. Retries only when the port was taken in
# the meantime; otherwise prints the log and exits 1.
start_sim_with() {
    local attempt
    for attempt in 1 2 3 4 5; do
        "$1"
        ipmi_sim -c "$state/lan.conf" -f "$state/sim.emu" -s "$state" -n \
            </dev/null >"$state/ipmi_sim.log" 2>&1 &
        sim_pid=$!
        sim_answers "$port" "$sim_pid" && return 0
        stop_sim
        if [ "$attempt" -lt 5 ] && grep -q "Address already in use" "$state/ipmi_sim.log"; then
            continue
        fi
        echo "ipmi_sim did not come up on port $port; its log:" >&2
        cat "$state/ipmi_sim.log" >&2
        exit 1
    done
}
