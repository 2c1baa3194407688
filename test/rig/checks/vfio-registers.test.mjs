// rig-config: default
/**
 * The guest's NVMe function is reachable through VFIO behind the vIOMMU: bind it to vfio-pci, open it
 * with the container/group API (TYPE1v2 IOMMU), map BAR0 and read CAP and VS as QEMU 7.2 reports them.
 */
import { execFileSync } from "node:child_process";
import { readlinkSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import koffi from "koffi";
import { test } from "uvu";
import * as assert from "uvu/assert";

const bindScript = fileURLToPath(new URL("../guest/nvme-bind.sh", import.meta.url));

// ioctl numbers from linux/vfio.h: _IO(VFIO_TYPE ';', VFIO_BASE 100 + n)
const VFIO_GET_API_VERSION = 0x3b64;
const VFIO_CHECK_EXTENSION = 0x3b65;
const VFIO_SET_IOMMU = 0x3b66;
const VFIO_GROUP_GET_STATUS = 0x3b67;
const VFIO_GROUP_SET_CONTAINER = 0x3b68;
const VFIO_GROUP_GET_DEVICE_FD = 0x3b6a;
const VFIO_DEVICE_GET_REGION_INFO = 0x3b6c;
const VFIO_TYPE1v2_IOMMU = 3;
const VFIO_GROUP_FLAGS_VIABLE = 1;
const VFIO_PCI_BAR0_REGION_INDEX = 0;
const O_RDWR = 2;
const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 1;
const MAP_FAILED = 2n ** 64n - 1n;

const libc = koffi.load("libc.so.6");
const open = libc.func("int open(const char *path, int flags)");
const close = libc.func("int close(int fd)");
const ioctl = libc.func("int ioctl(int fd, unsigned long request, ...)");
const mmap = libc.func("void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t offset)");
const munmap = libc.func("int munmap(void *addr, size_t len)");
/** struct vfio_group_status and struct vfio_region_info */
const GroupStatus = koffi.struct("vfio_group_status", { argsz: "uint32", flags: "uint32" });
const RegionInfo = koffi.struct("vfio_region_info", {
  argsz: "uint32",
  flags: "uint32",
  index: "uint32",
  cap_offset: "uint32",
  size: "uint64",
  offset: "uint64",
});

/** Fails with errno when a libc call returned -1. */
function check(what, result) {
  if (result < 0) throw new Error(`${what} failed: errno ${koffi.errno()}`);
  return result;
}

/** Reads BAR0's first 16 bytes (CAP, VS, INTMS) of the function `bdf` through VFIO. */
function readRegisters(bdf) {
  const group = basename(readlinkSync(`/sys/bus/pci/devices/${bdf}/iommu_group`));
  const fds = [];
  try {
    const container = check("open /dev/vfio/vfio", open("/dev/vfio/vfio", O_RDWR));
    fds.push(container);
    assert.is(ioctl(container, VFIO_GET_API_VERSION), 0, "VFIO API version");
    assert.is(
      ioctl(container, VFIO_CHECK_EXTENSION, "int", VFIO_TYPE1v2_IOMMU),
      1,
      "TYPE1v2 IOMMU supported",
    );
    const groupFd = check(`open /dev/vfio/${group}`, open(join("/dev/vfio", group), O_RDWR));
    fds.push(groupFd);
    const status = { argsz: koffi.sizeof(GroupStatus), flags: 0 };
    check(
      "VFIO_GROUP_GET_STATUS",
      ioctl(groupFd, VFIO_GROUP_GET_STATUS, koffi.inout(koffi.pointer(GroupStatus)), status),
    );
    assert.ok(status.flags & VFIO_GROUP_FLAGS_VIABLE, "group is viable");
    check("VFIO_GROUP_SET_CONTAINER", ioctl(groupFd, VFIO_GROUP_SET_CONTAINER, "int *", [container]));
    check("VFIO_SET_IOMMU", ioctl(container, VFIO_SET_IOMMU, "int", VFIO_TYPE1v2_IOMMU));
    const device = check(
      "VFIO_GROUP_GET_DEVICE_FD",
      ioctl(groupFd, VFIO_GROUP_GET_DEVICE_FD, "const char *", bdf),
    );
    fds.push(device);
    const bar0 = {
      argsz: koffi.sizeof(RegionInfo),
      flags: 0,
      index: VFIO_PCI_BAR0_REGION_INDEX,
      cap_offset: 0,
      size: 0,
      offset: 0,
    };
    check(
      "VFIO_DEVICE_GET_REGION_INFO",
      ioctl(device, VFIO_DEVICE_GET_REGION_INFO, koffi.inout(koffi.pointer(RegionInfo)), bar0),
    );
    const size = Number(bar0.size);
    assert.ok(size >= 0x1000, `BAR0 size ${size}`);
    const base = mmap(null, size, PROT_READ | PROT_WRITE, MAP_SHARED, device, BigInt(bar0.offset));
    if (base === MAP_FAILED) throw new Error(`mmap of BAR0 failed: errno ${koffi.errno()}`);
    try {
      // 32-bit loads, as the registers are read on the bus; the view is dropped before munmap.
      const regs = new Uint32Array(koffi.view(base, 16));
      return {
        cap: (BigInt(Atomics.load(regs, 1)) << 32n) | BigInt(Atomics.load(regs, 0)),
        vs: Atomics.load(regs, 2),
      };
    } finally {
      munmap(base, size);
    }
  } finally {
    for (const fd of fds.reverse()) close(fd);
  }
}

/** Bits hi..lo of a 64-bit register. */
const field = (reg, hi, lo) => Number((reg >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n));

test("CAP and VS of the NVMe function read through VFIO match QEMU 7.2", () => {
  const bdf = execFileSync("sh", [bindScript, "vfio"], { encoding: "utf8" }).trim();
  try {
    const { cap, vs } = readRegisters(bdf);
    assert.is(vs, 0x00010400, "VS: NVMe 1.4.0");
    assert.is(field(cap, 15, 0), 0x7ff, "CAP.MQES: 2048 entries");
    assert.is(field(cap, 16, 16), 1, "CAP.CQR");
    assert.is(field(cap, 18, 17), 0, "CAP.AMS: round robin only");
    assert.is(field(cap, 31, 24), 0x0f, "CAP.TO: 7.5 s");
    assert.is(field(cap, 35, 32), 0, "CAP.DSTRD: 4-byte doorbell stride");
    assert.is(field(cap, 36, 36), 0, "CAP.NSSRS");
    assert.is(field(cap, 44, 37), 0xc1, "CAP.CSS: NVM, I/O command sets, admin only");
    assert.is(field(cap, 51, 48), 0, "CAP.MPSMIN: 4 KiB");
    assert.is(field(cap, 55, 52), 4, "CAP.MPSMAX: 64 KiB");
    assert.is(field(cap, 57, 57), 0, "CAP.CMBS: no CMB in this configuration");
    assert.is(cap, 0x004018200f0107ffn, "CAP as a whole");
  } finally {
    execFileSync("sh", [bindScript, "nvme", bdf]);
  }
});

test.run();
