#!/bin/sh
# Sends one QMP command to the QEMU that runs this guest and prints QEMU's answer (a JSON line).
# Only in configurations with `qmp: true`. Example: qmp.sh '{"execute":"device_del","arguments":{"id":"nvme0"}}'
# Exits 1 when QEMU answers with an error. QMP events seen so far are in /run/rig/qmp/events.
set -eu
dir=/run/rig/qmp
[ -d "$dir" ] || { echo 'qmp.sh: this configuration has no QMP socket (qmp: true)' >&2; exit 1; }
name=$(date +%s%N)-$$
printf '%s\n' "$1" > "$dir/$name.tmp"
mv "$dir/$name.tmp" "$dir/$name.req"
for _ in $(seq 300); do
	if [ -e "$dir/$name.resp" ]; then
		answer=$(cat "$dir/$name.resp")
		rm -f "$dir/$name.resp"
		echo "$answer"
		case "$answer" in *'"return"'*) exit 0 ;; *) exit 1 ;; esac
	fi
	sleep 0.1
done
echo 'qmp.sh: no answer from the host within 30 s' >&2
exit 1
