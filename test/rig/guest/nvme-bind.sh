#!/bin/sh
# Binds an NVMe PCI function to vfio-pci (for userspace drivers) or back to the kernel's nvme driver.
# Usage: nvme-bind.sh vfio|nvme [BDF]
# BDF defaults to the first NVMe function (class 010802). Prints the BDF. With vfio, the IOMMU group is
# basename "$(readlink /sys/bus/pci/devices/BDF/iommu_group)". With nvme, waits until the controller is live.
set -eu

fail() {
	echo "nvme-bind: $*" >&2
	exit 1
}

bound_driver() {
	[ -e "$dev/driver" ] && basename "$(readlink "$dev/driver")" || true
}

case "${1:-}" in
vfio) driver=vfio-pci ;;
nvme) driver=nvme ;;
*) fail 'usage: nvme-bind.sh vfio|nvme [BDF]' ;;
esac

bdf=${2:-}
if [ -z "$bdf" ]; then
	for d in /sys/bus/pci/devices/*; do
		if [ "$(cat "$d/class")" = 0x010802 ]; then
			bdf=$(basename "$d")
			break
		fi
	done
fi
[ -n "$bdf" ] || fail 'no NVMe function found'
dev=/sys/bus/pci/devices/$bdf
[ -e "$dev" ] || fail "no PCI function $bdf"

# No udev in the guest: nothing loads drivers on its own.
modprobe "$driver"
if [ "$(bound_driver)" != "$driver" ]; then
	[ -e "$dev/driver" ] && echo "$bdf" > "$dev/driver/unbind"
	echo "$driver" > "$dev/driver_override"
	echo "$bdf" > /sys/bus/pci/drivers_probe
	[ "$(bound_driver)" = "$driver" ] || fail "$bdf did not bind to $driver"
fi

if [ "$driver" = nvme ]; then
	# The kernel resets the controller and scans namespaces in the background; wait for that.
	for _ in $(seq 100); do
		state=$(cat "$dev"/nvme/nvme*/state 2> /dev/null || true)
		[ "$state" = live ] && break
		sleep 0.1
	done
	[ "$state" = live ] || fail "controller at $bdf is not live (state: ${state:-none})"
	ctrl=$(basename "$dev"/nvme/nvme*)
	expected=$(nvme list-ns "/dev/$ctrl" 2> /dev/null | grep -c . || true)
	for _ in $(seq 100); do
		[ "$(ls -d /sys/class/nvme/"$ctrl"/nvme*n* 2> /dev/null | wc -l)" -ge "$expected" ] && break
		sleep 0.1
	done
fi
echo "$bdf"
