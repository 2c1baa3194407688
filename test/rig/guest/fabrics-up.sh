#!/bin/sh
# Starts the kernel's NVMe-oF targets (nvmet) inside the guest, configured through configfs:
# a TCP port on loopback and an RDMA port on soft-RoCE over a dummy interface that exists only in the
# guest, both exporting two subsystems (a null_blk namespace and a file-backed one) and, as nvmet always
# does, the discovery service. Addresses and NQNs come from the configuration (RIG_* variables).
set -eu
cfg=/sys/kernel/config/nvmet

modprobe nvmet
modprobe nvmet-tcp
modprobe null_blk nr_devices=1 gb=1 bs=512 queue_mode=2 memory_backed=1

# One subsystem with one namespace; buffered I/O for files, as tmpfs has no O_DIRECT.
add_subsystem() {
	nqn=$1 device=$2 buffered=$3
	mkdir "$cfg/subsystems/$nqn"
	echo 1 > "$cfg/subsystems/$nqn/attr_allow_any_host"
	mkdir "$cfg/subsystems/$nqn/namespaces/1"
	echo "$device" > "$cfg/subsystems/$nqn/namespaces/1/device_path"
	echo "$buffered" > "$cfg/subsystems/$nqn/namespaces/1/buffered_io"
	echo 1 > "$cfg/subsystems/$nqn/namespaces/1/enable"
}

# One port exporting both subsystems.
add_port() {
	id=$1 trtype=$2 traddr=$3 trsvcid=$4
	mkdir "$cfg/ports/$id"
	echo "$trtype" > "$cfg/ports/$id/addr_trtype"
	echo ipv4 > "$cfg/ports/$id/addr_adrfam"
	echo "$traddr" > "$cfg/ports/$id/addr_traddr"
	echo "$trsvcid" > "$cfg/ports/$id/addr_trsvcid"
	for nqn in "$RIG_NULL_NQN" "$RIG_FILE_NQN"; do
		ln -s "$cfg/subsystems/$nqn" "$cfg/ports/$id/subsystems/$nqn"
	done
}

# /run is plain tmpfs (not the overlay), so the file gets ordinary 512-byte blocks.
mkdir -p /run/nvmet
truncate -s 256M /run/nvmet/file-ns.img
add_subsystem "$RIG_NULL_NQN" /dev/nullb0 0
add_subsystem "$RIG_FILE_NQN" /run/nvmet/file-ns.img 1
add_port 1 tcp "$RIG_TCP_ADDR" "$RIG_TCP_PORT"

# Soft-RoCE: rdma_cm cannot resolve routes on lo, so rxe sits on a guest-only dummy interface.
modprobe rdma_rxe
modprobe ib_uverbs
modprobe rdma_ucm
modprobe dummy
ip link add dummy0 type dummy
ip addr add "$RIG_RDMA_ADDR/24" dev dummy0
ip link set dummy0 up
rdma link add rxe0 type rxe netdev dummy0
modprobe nvmet-rdma
add_port 2 rdma "$RIG_RDMA_ADDR" "$RIG_RDMA_PORT"
echo "nvmet targets up: tcp $RIG_TCP_ADDR:$RIG_TCP_PORT, rdma $RIG_RDMA_ADDR:$RIG_RDMA_PORT"
