/**
 * The device configurations a run can ask for, by name. Each describes the guest's NVMe controllers and
 * namespaces and the extras it needs; qemu-args.mjs turns an entry into QEMU arguments. Checked against
 * `qemu-system-x86_64 -device nvme,help` / `-device nvme-ns,help` (QEMU 7.2).
 *
 * Controller: { id, serial, mdts?, cmbMiB?, subsys?, zasl?, namespaces }. Each controller sits behind its
 * own PCIe root port (so it can be hot-removed); the n-th controller is at PCI address 0000:0n:00.0.
 * zasl is the Zone Append Size Limit (zoned.zasl): appends of at most 2^zasl minimum pages (0: MDTS).
 * Namespace: { size (bytes), lbaSize?, ms?, mset?, pi?, backing?: 'file' | 'null', badLbas?, zoned? }.
 *   backing 'file' (default) is a sparse file in the run's temp folder; 'null' reads zeroes and stores
 *   nothing; badLbas puts blkdebug in front of the file so reads and writes of those LBAs fail with EIO,
 *   which QEMU's controller reports as a media error (Unrecovered Read Error / Write Fault).
 *   throttleIops puts QEMU's throttle filter in front of the file: that many commands a second, the
 *   rest wait inside QEMU (a slow device whose commands outlive a host's time limit).
 *   zoned: { zoneSize (bytes), zoneCapacity? (bytes, at most zoneSize; default zoneSize), maxOpen?,
 *   maxActive? (0 or absent: no limit) } makes it a Zoned Namespace (QEMU's zoned=true, zoned.zone_size,
 *   zoned.zone_capacity, zoned.max_open, zoned.max_active); QEMU offers the ZNS command set only to a host
 *   that enables all I/O command sets (CC.CSS = 110b).
 * Extras: kernel (the guest kernel: "debian", Debian's 6.1, by default; "iommufd" is the rig's own build of
 *   kernel/iommufd.config, see kernel-build.mjs), isolated (every suite gets a guest of its own: for suites
 *   that use the device up),
 *   subsystems (NQNs for nvme-subsys), fabrics (the guest starts nvmet targets with these
 *   addresses and NQNs, see guest/fabrics-up.sh), qmp (a QMP socket the guest can drive through guest/qmp.sh),
 *   tscClock (the guest keeps the TSC as its clocksource: see qemu-args.mjs).
 *
 * Tests read the same table to learn what they run against, e.g. `configs['media-error']`.
 */

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Namespaces of the default controller: both common LBA formats, more than one namespace. */
const defaultNamespaces = [
  { size: 128 * MiB, lbaSize: 512 },
  { size: 128 * MiB, lbaSize: 4096 },
  { size: 16 * MiB, lbaSize: 512 },
];

/** The benchmarks' controller: one null-backed and one file-backed namespace. */
const benchControllers = [
  {
    id: "nvme0",
    serial: "nvmekit-bench",
    namespaces: [
      { size: 4 * GiB, lbaSize: 4096, backing: "null" },
      { size: 1 * GiB, lbaSize: 4096 },
    ],
  },
];

export const configs = {
  default: {
    description: "one controller, namespaces with 512- and 4096-byte LBAs",
    controllers: [{ id: "nvme0", serial: "nvmekit-default", namespaces: defaultNamespaces }],
  },
  metadata: {
    description: "metadata namespaces: extended LBA with PI type 1, separate buffer with PI type 2, no PI",
    controllers: [
      {
        id: "nvme0",
        serial: "nvmekit-metadata",
        namespaces: [
          { size: 64 * MiB, lbaSize: 512, ms: 8, mset: 1, pi: 1 },
          { size: 64 * MiB, lbaSize: 4096, ms: 16, mset: 0, pi: 2 },
          { size: 64 * MiB, lbaSize: 512, ms: 16, mset: 0 },
        ],
      },
    ],
  },
  null: {
    description: "a null-backed 4096-byte-LBA namespace that stores nothing, for benchmarks",
    controllers: [
      {
        id: "nvme0",
        serial: "nvmekit-null",
        namespaces: [{ size: 4 * GiB, lbaSize: 4096, backing: "null" }],
      },
    ],
  },
  bench: {
    description: "benchmarks: a 4 GiB null-backed namespace and a 1 GiB file-backed one, both 4096-byte LBAs",
    controllers: benchControllers,
  },
  "bench-tsc": {
    description:
      "the bench configuration with the TSC as the guest's clocksource instead of the emulated HPET",
    controllers: benchControllers,
    tscClock: true,
  },
  cmb: {
    description: "a controller with a 16 MiB controller memory buffer",
    controllers: [
      { id: "nvme0", serial: "nvmekit-cmb", cmbMiB: 16, namespaces: [{ size: 64 * MiB, lbaSize: 512 }] },
    ],
  },
  "small-mdts": {
    description: "MDTS 2 (16 KiB transfers with 4 KiB pages) so large I/O must be split",
    controllers: [
      { id: "nvme0", serial: "nvmekit-mdts", mdts: 2, namespaces: [{ size: 64 * MiB, lbaSize: 512 }] },
    ],
  },
  "shared-ns": {
    description: "two controllers in one NVM subsystem sharing namespace 1",
    subsystems: [{ id: "subsys0", nqn: "nvmekit-shared" }], // QEMU reports nqn.2019-08.org.qemu:nvmekit-shared
    controllers: [
      // QEMU wants the controllers of one subsystem to share its serial number.
      {
        id: "nvme0",
        serial: "nvmekit-shared",
        subsys: "subsys0",
        namespaces: [{ size: 64 * MiB, lbaSize: 512 }],
      },
      { id: "nvme1", serial: "nvmekit-shared", subsys: "subsys0", namespaces: [] },
    ],
  },
  "media-error": {
    description:
      "namespace 1 (512-byte LBAs) fails I/O to LBAs 1000 and 1001 with a media error; " +
      "namespace 2 (512-byte LBAs) completes 4 commands a second (timeouts)",
    controllers: [
      {
        id: "nvme0",
        serial: "nvmekit-media-error",
        namespaces: [
          { size: 64 * MiB, lbaSize: 512, badLbas: [1000, 1001] },
          { size: 16 * MiB, lbaSize: 512, throttleIops: 4 },
        ],
      },
    ],
  },
  "hot-remove": {
    description: "the default controller plus a QMP socket, so a test can device_del nvme0",
    qmp: true,
    isolated: true, // each suite removes the controller, so each gets a fresh guest
    controllers: [{ id: "nvme0", serial: "nvmekit-hot-remove", namespaces: defaultNamespaces }],
  },
  fabrics: {
    description:
      "the default controller plus nvmet targets: TCP on 127.0.0.1:4420, RDMA (soft-RoCE) on 10.66.0.1:4420",
    fabrics: {
      tcp: { traddr: "127.0.0.1", trsvcid: "4420" },
      rdma: { traddr: "10.66.0.1", trsvcid: "4420" },
      nullNqn: "nqn.2024-01.io.nvmekit:null",
      fileNqn: "nqn.2024-01.io.nvmekit:file",
    },
    controllers: [{ id: "nvme0", serial: "nvmekit-fabrics", namespaces: defaultNamespaces }],
  },
  zoned: {
    description:
      "a zoned namespace (4096-byte LBAs, 64 MiB, 1 MiB zones of 768 KiB capacity, max open 4, max active 6, " +
      "zasl 3: 32 KiB appends) and a conventional 16 MiB one",
    controllers: [
      {
        id: "nvme0",
        serial: "nvmekit-zoned",
        zasl: 3,
        namespaces: [
          {
            size: 64 * MiB,
            lbaSize: 4096,
            zoned: { zoneSize: 1 * MiB, zoneCapacity: 768 * 1024, maxOpen: 4, maxActive: 6 },
          },
          { size: 16 * MiB, lbaSize: 4096 },
        ],
      },
    ],
  },
  iommufd: {
    description:
      "the rig's own 6.12 kernel with iommufd (/dev/iommu, VFIO device cdevs) and the type1 container; one namespace",
    kernel: "iommufd",
    controllers: [{ id: "nvme0", serial: "nvmekit-iommufd", namespaces: [{ size: 64 * MiB, lbaSize: 512 }] }],
  },
};

/**
 * The configuration called `name`, or an error that lists the known names.
 * @param {string} name
 */
export function getConfig(name) {
  const config = configs[name];
  if (!config)
    throw new Error(`unknown rig configuration "${name}" (known: ${Object.keys(configs).join(", ")})`);
  return config;
}
