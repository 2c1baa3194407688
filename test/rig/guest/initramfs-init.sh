#!/bin/busybox sh
# Stage 1 of the guest (the initramfs's /init): reach the host root over 9p, put a tmpfs overlay on it
# so the guest may write, then hand over to stage 2 from the checkout (rig_stage2 on the kernel command line).
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

fail() {
	echo "rig stage 1: $*" > /dev/console
	poweroff -f
}

# The modules this kernel needs to get here; none when they are built in (the rig's own kernels).
for m in /modules/*.ko; do
	[ -e "$m" ] || continue
	insmod "$m" || fail "insmod $m"
done

mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower || fail 'mount hostroot'
mount -t tmpfs -o mode=0755 upper /upper || fail 'mount upper tmpfs'
mkdir /upper/data /upper/work
mount -t overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work root /newroot || fail 'mount overlay'

# /run starts empty, as on a freshly booted machine; /run/rig is this run's read-write share.
# /tmp stays the overlaid host /tmp, so a checkout or cache kept there is still visible.
mount -t tmpfs -o mode=0755 run /newroot/run
mkdir /newroot/run/rig
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 rigrun /newroot/run/rig || fail 'mount rigrun'

for fs in proc sys dev; do mount --move /$fs /newroot/$fs; done
[ -n "$rig_stage2" ] || fail 'no rig_stage2 on the kernel command line'
exec switch_root /newroot /bin/sh "$rig_stage2"
