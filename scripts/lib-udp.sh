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
