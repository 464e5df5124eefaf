#!/bin/sh
export TZ=UTC
for c in "sdr list" "sdr elist all" "sdr info" "sensor list" "fru print" "sel info"; do
  echo "=== ipmitool $c"; /lib64/ld-linux-x86-64.so.2 --library-path /lib/x86_64-linux-gnu /ipmitool $c; echo "rc=$?"
done
