/**
 * Turns a device configuration (configs.mjs) into QEMU arguments and creates its backing images
 * (sparse files) in the run's temp folder.
 */
import { truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rigDir } from "./paths.mjs";

/**
 * The machine every run gets: q35 with an Intel vIOMMU (listed before the PCI devices it translates
 * for), TCG, no default devices and no network device at all.
 */
const machineArgs = [
  ...["-machine", "q35", "-accel", "tcg,thread=multi,tb-size=256", "-cpu", "max", "-smp", "2", "-m", "2G"],
  ...["-device", "intel-iommu,intremap=on"],
  ...["-nodefaults", "-no-user-config", "-display", "none", "-no-reboot"],
];

/**
 * A blkdebug rule file that fails every read and write touching the given 512-byte sectors with EIO.
 * Rules fire on the events the raw format driver raises for each request (read_aio / write_aio).
 */
function blkdebugRules(sectors) {
  const rule = (event, iotype, sector) =>
    `[inject-error]\nevent = "${event}"\niotype = "${iotype}"\nsector = "${sector}"\nerrno = "5"\nonce = "off"\nimmediately = "on"\n`;
  return sectors.flatMap((s) => [rule("read_aio", "read", s), rule("write_aio", "write", s)]).join("\n");
}

/** Creates the sparse backing file of one namespace in `dir` and returns its path. */
function sparseImage(ns, driveId, dir) {
  const image = join(dir, `${driveId}.img`);
  writeFileSync(image, "");
  truncateSync(image, ns.size); // sparse: costs no disk until written
  return image;
}

/** The -drive argument for one namespace, creating what backs it in `dir`. */
function driveFor(ns, driveId, dir) {
  if (ns.backing === "null") return `driver=null-co,read-zeroes=on,size=${ns.size},if=none,id=${driveId}`;
  const image = sparseImage(ns, driveId, dir);
  if (!ns.badLbas) return `file=${image},format=raw,if=none,id=${driveId},discard=unmap`;
  const sectorsPerLba = (ns.lbaSize ?? 512) / 512;
  const sectors = ns.badLbas.map((lba) => lba * sectorsPerLba);
  const rules = join(dir, `${driveId}.blkdebug`);
  writeFileSync(rules, blkdebugRules(sectors));
  return `file=blkdebug:${rules}:${image},format=raw,if=none,id=${driveId},discard=unmap`;
}

/**
 * Backing for a namespace with `throttleIops`: its image behind QEMU's throttle filter, in a throttle
 * group of its own that passes that many requests a second, so further commands queue inside QEMU.
 * The node is named `driveId`, which nvme-ns takes as its drive.
 */
function throttledBacking(ns, driveId, dir) {
  const image = sparseImage(ns, driveId, dir);
  return [
    ...["-object", `throttle-group,id=${driveId}-tg,x-iops-total=${ns.throttleIops}`],
    ...["-blockdev", `driver=file,filename=${image},node-name=${driveId}-file`],
    ...[
      "-blockdev",
      `driver=throttle,throttle-group=${driveId}-tg,file=${driveId}-file,node-name=${driveId}`,
    ],
  ];
}

/** The nvme-ns -device argument for one namespace. */
function namespaceDevice(ns, nsid, controllerId, driveId) {
  const props = [`nvme-ns`, `drive=${driveId}`, `bus=${controllerId}`, `nsid=${nsid}`];
  if (ns.lbaSize) props.push(`logical_block_size=${ns.lbaSize}`, `physical_block_size=${ns.lbaSize}`);
  for (const key of ["ms", "mset", "pi"]) if (ns[key] !== undefined) props.push(`${key}=${ns[key]}`);
  if (ns.zoned) {
    const z = ns.zoned;
    props.push("zoned=true", `zoned.zone_size=${z.zoneSize}`);
    if (z.zoneCapacity !== undefined) props.push(`zoned.zone_capacity=${z.zoneCapacity}`);
    if (z.maxOpen !== undefined) props.push(`zoned.max_open=${z.maxOpen}`);
    if (z.maxActive !== undefined) props.push(`zoned.max_active=${z.maxActive}`);
  }
  return props.join(",");
}

/** QEMU arguments for the devices of `config`; backing files go into `dir`. */
function deviceArgs(config, dir, qmpSocket) {
  const args = [];
  for (const s of config.subsystems ?? []) args.push("-device", `nvme-subsys,id=${s.id},nqn=${s.nqn}`);
  let nsid = 0;
  for (const [i, c] of config.controllers.entries()) {
    const port = `rp${i}`;
    args.push("-device", `pcie-root-port,id=${port},chassis=${i + 1},slot=${i + 1}`);
    const props = [`nvme`, `id=${c.id}`, `bus=${port}`, `serial=${c.serial}`];
    if (c.mdts !== undefined) props.push(`mdts=${c.mdts}`);
    if (c.cmbMiB) props.push(`cmb_size_mb=${c.cmbMiB}`);
    if (c.subsys) props.push(`subsys=${c.subsys}`);
    if (c.zasl !== undefined) props.push(`zoned.zasl=${c.zasl}`);
    args.push("-device", props.join(","));
    for (const ns of c.namespaces) {
      nsid += 1;
      const driveId = `${c.id}n${nsid}`;
      if (ns.throttleIops) args.push(...throttledBacking(ns, driveId, dir));
      else args.push("-drive", driveFor(ns, driveId, dir));
      args.push("-device", namespaceDevice(ns, nsid, c.id, driveId));
    }
  }
  if (config.qmp) args.push("-qmp", `unix:${qmpSocket},server=on,wait=off`);
  return args;
}

/**
 * The whole QEMU command line of one run: machine, devices, kernel, console log and the two 9p shares
 * (the host root read-only, the run's folder read-write).
 * @param {object} run
 * @param {object} run.config an entry of configs.mjs
 * @param {{ vmlinux: string, initramfs: string, modulesDir: string }} run.rig what setup.mjs prepared
 * @param {string} run.dir the run's temp folder, for backing images
 * @param {string} run.share the folder the guest sees as /run/rig
 * @param {string} run.consoleLog where the guest's serial console goes
 * @param {string} run.qmpSocket where QEMU listens for QMP when the configuration asks for it
 */
export function qemuArgs({ config, rig, dir, share, consoleLog, qmpSocket }) {
  const cmdline = [
    "console=ttyS0 panic=-1 quiet intel_iommu=on",
    // TCG's guest TSC is the host's, but the kernel's boot-time check of it between vCPU threads fails,
    // so the guest falls back to the emulated HPET: every clock read is then a ~2 us device access,
    // which weighs on whatever reads the clock per I/O (fio does, several times). tscClock keeps the TSC.
    ...(config.tscClock ? ["tsc=reliable"] : []),
    `rig_stage2=${rigDir}/guest/stage2.sh rig_modules=${rig.modulesDir}`, // environment of the guest's init
  ];
  return [
    ...machineArgs,
    ...deviceArgs(config, dir, qmpSocket),
    ...["-kernel", rig.vmlinux, "-initrd", rig.initramfs, "-append", cmdline.join(" ")],
    ...["-serial", `file:${consoleLog}`],
    ...["-virtfs", "local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap"],
    ...["-virtfs", `local,path=${share},mount_tag=rigrun,security_model=passthrough`],
  ];
}
