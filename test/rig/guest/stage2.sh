#!/bin/sh
# Stage 2 of the guest, run from the checkout after the initramfs switched to the overlaid host root:
# finish making it look like a booted machine, run this run's command with its output in the run share
# (/run/rig), record the exit status there, and power off. The host treats a missing status as a failure.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
share=/run/rig
rig_dir=$(dirname "$(dirname "$(readlink -f "$0")")")

guest_error() {
	echo "$*" > "$share/guest-error"
	sync
	/bin/busybox poweroff -f
}

# The kernel's modules, unpacked on the host, so modprobe works without installing anything.
# rig_modules comes from the kernel command line (qemu-args.mjs), like every unknown name=value there.
kver=$(uname -r)
# shellcheck disable=SC2154
if ! { mkdir -p "/lib/modules/$kver" && mount --bind "$rig_modules" "/lib/modules/$kver"; }; then
	guest_error 'cannot bind the kernel modules'
fi
modprobe configfs && mount -t configfs configfs /sys/kernel/config
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
ip link set lo up
hostname rig

. "$share/env.sh"

if [ -n "${RIG_FABRICS:-}" ]; then
	sh "$rig_dir/guest/fabrics-up.sh" > "$share/fabrics.log" 2>&1 ||
		guest_error "the NVMe-oF targets failed to start: $(tail -n 5 "$share/fabrics.log")"
fi

sh "$share/command.sh" > "$share/stdout" 2> "$share/stderr" < /dev/null
echo $? > "$share/status.tmp"
mv "$share/status.tmp" "$share/status"
sync
/bin/busybox poweroff -f
