/**
 * Identify command CNS values and the Identify Controller data structure (CNS 01h), with the bit
 * masks of its capability fields.
 * @module
 */
import { ascii, bit, bits, hex, requireBytes, u8, u16, u24, u32, u128 } from "./bytes.js";

/** Size in bytes of every Identify data structure. */
export const IDENTIFY_DATA_SIZE = 4096;

/** Offset of the first power state descriptor (PSD0). */
export const POWER_STATE_OFFSET = 2048;

/** Size in bytes of one power state descriptor. */
export const POWER_STATE_SIZE = 32;

/** Controller or Namespace Structure values of Identify CDW10 bits 7:0. */
export enum Cns {
  /** Identify Namespace of the NVM command set for NSID. */
  Namespace = 0x00,
  /** Identify Controller. */
  Controller = 0x01,
  /** Active namespace ID list (NSIDs greater than NSID). */
  ActiveNamespaceList = 0x02,
  /** Namespace Identification Descriptor list for NSID. */
  NamespaceDescriptorList = 0x03,
  /** NVM Set list. */
  NvmSetList = 0x04,
  /** I/O command set specific Identify Namespace (CSI in CDW11). */
  IoCommandSetNamespace = 0x05,
  /** I/O command set specific Identify Controller. */
  IoCommandSetController = 0x06,
  /** Active namespace ID list of one I/O command set. */
  IoCommandSetActiveNamespaceList = 0x07,
  /** I/O command set independent Identify Namespace. */
  IoCommandSetIndependentNamespace = 0x08,
  /** Allocated namespace ID list. */
  AllocatedNamespaceList = 0x10,
  /** Identify Namespace for an allocated NSID. */
  AllocatedNamespace = 0x11,
  /** Controllers attached to NSID. */
  NamespaceAttachedControllerList = 0x12,
  /** Controllers in the NVM subsystem. */
  ControllerList = 0x13,
  /** Primary controller capabilities. */
  PrimaryControllerCapabilities = 0x14,
  /** Secondary controller list. */
  SecondaryControllerList = 0x15,
  /** Namespace granularity list. */
  NamespaceGranularityList = 0x16,
  /** UUID list. */
  UuidList = 0x17,
  /** Domain list. */
  DomainList = 0x18,
  /** Endurance group list. */
  EnduranceGroupList = 0x19,
  /** Allocated namespace ID list of one I/O command set. */
  IoCommandSetAllocatedNamespaceList = 0x1a,
  /** I/O command set specific Identify Namespace for an allocated NSID. */
  IoCommandSetAllocatedNamespace = 0x1b,
  /** Identify I/O Command Set data structure. */
  IoCommandSet = 0x1c,
}

/** Controller type (CNTRLTYPE, byte 111). */
export enum ControllerType {
  /** Not reported (pre-1.4 controllers). */
  NotReported = 0,
  /** I/O controller. */
  Io = 1,
  /** Discovery controller. */
  Discovery = 2,
  /** Administrative controller. */
  Administrative = 3,
}

/** Optional Admin Command Support (OACS) bit masks. */
export const Oacs = {
  /** Security Send and Security Receive. */
  SecuritySendReceive: 1 << 0,
  /** Format NVM. */
  FormatNvm: 1 << 1,
  /** Firmware Commit and Firmware Image Download. */
  Firmware: 1 << 2,
  /** Namespace Management. */
  NamespaceManagement: 1 << 3,
  /** Device Self-test. */
  DeviceSelfTest: 1 << 4,
  /** Directive Send and Directive Receive. */
  Directives: 1 << 5,
  /** NVMe-MI Send and NVMe-MI Receive. */
  NvmeMi: 1 << 6,
  /** Virtualization Management. */
  VirtualizationManagement: 1 << 7,
  /** Doorbell Buffer Config. */
  DoorbellBufferConfig: 1 << 8,
  /** Get LBA Status. */
  GetLbaStatus: 1 << 9,
  /** Command and Feature Lockdown. */
  Lockdown: 1 << 10,
} as const;

/** Optional NVM Command Support (ONCS) bit masks. */
export const Oncs = {
  /** Compare. */
  Compare: 1 << 0,
  /** Write Uncorrectable. */
  WriteUncorrectable: 1 << 1,
  /** Dataset Management. */
  DatasetManagement: 1 << 2,
  /** Write Zeroes. */
  WriteZeroes: 1 << 3,
  /** Save field of Set Features and Select field of Get Features. */
  SaveSelectFeatures: 1 << 4,
  /** Reservations. */
  Reservations: 1 << 5,
  /** Timestamp feature. */
  Timestamp: 1 << 6,
  /** Verify. */
  Verify: 1 << 7,
  /** Copy. */
  Copy: 1 << 8,
} as const;

/** Log Page Attributes (LPA) bit masks. */
export const Lpa = {
  /** SMART / Health log per namespace. */
  SmartPerNamespace: 1 << 0,
  /** Commands Supported and Effects log page. */
  CommandsSupportedAndEffects: 1 << 1,
  /** Extended data for Get Log Page (NUMDU, LPOL/LPOU offsets). */
  ExtendedData: 1 << 2,
  /** Telemetry host-initiated and controller-initiated log pages. */
  Telemetry: 1 << 3,
  /** Persistent Event log. */
  PersistentEvent: 1 << 4,
  /** Supported Log Pages, Feature Identifiers Supported and Effects, NVMe-MI effects pages. */
  SupportedLogPages: 1 << 5,
  /** Telemetry Data Area 4. */
  TelemetryDataArea4: 1 << 6,
} as const;

/** Controller Multi-Path I/O and Namespace Sharing Capabilities (CMIC) bit masks. */
export const Cmic = {
  /** Two or more ports. */
  MultiPort: 1 << 0,
  /** Two or more controllers in the subsystem. */
  MultiController: 1 << 1,
  /** SR-IOV virtual function controller. */
  SrIov: 1 << 2,
  /** Asymmetric Namespace Access reporting. */
  AnaReporting: 1 << 3,
} as const;

/** Optional Asynchronous Events Supported (OAES) bit masks. */
export const Oaes = {
  /** Namespace Attribute Notices. */
  NamespaceAttribute: 1 << 8,
  /** Firmware Activation Notices. */
  FirmwareActivation: 1 << 9,
  /** Asymmetric Namespace Access Change Notices. */
  AnaChange: 1 << 11,
  /** Predictable Latency Event Aggregate Log Change Notices. */
  PredictableLatency: 1 << 12,
  /** LBA Status Information Notices. */
  LbaStatus: 1 << 13,
  /** Endurance Group Event Aggregate Log Page Change Notices. */
  EnduranceGroup: 1 << 14,
  /** Normal NVM Subsystem Shutdown event. */
  NormalSubsystemShutdown: 1 << 15,
  /** Zone Descriptor Changed Notices. */
  ZoneDescriptorChanged: 1 << 27,
  /** Discovery Log Page Change Notification. */
  DiscoveryLogChange: 0x8000_0000,
} as const;

/** Controller Attributes (CTRATT) bit masks. */
export const Ctratt = {
  /** 128-bit Host Identifier. */
  HostId128: 1 << 0,
  /** Non-Operational Power State Permissive Mode. */
  NonOperationalPowerStatePermissive: 1 << 1,
  /** NVM Sets. */
  NvmSets: 1 << 2,
  /** Read Recovery Levels. */
  ReadRecoveryLevels: 1 << 3,
  /** Endurance Groups. */
  EnduranceGroups: 1 << 4,
  /** Predictable Latency Mode. */
  PredictableLatencyMode: 1 << 5,
  /** Traffic Based Keep Alive. */
  TrafficBasedKeepAlive: 1 << 6,
  /** Namespace Granularity. */
  NamespaceGranularity: 1 << 7,
  /** SQ Associations. */
  SqAssociations: 1 << 8,
  /** UUID List. */
  UuidList: 1 << 9,
  /** Multi-Domain Subsystem. */
  MultiDomainSubsystem: 1 << 10,
  /** Fixed Capacity Management. */
  FixedCapacityManagement: 1 << 11,
  /** Variable Capacity Management. */
  VariableCapacityManagement: 1 << 12,
  /** Delete Endurance Group. */
  DeleteEnduranceGroup: 1 << 13,
  /** Delete NVM Set. */
  DeleteNvmSet: 1 << 14,
  /** Extended LBA Formats Supported (LBAF 16..63, FLBAS bits 6:5). */
  ExtendedLbaFormats: 1 << 15,
} as const;

/** SGL Support (SGLS) bit masks beyond the bits 1:0 support level (see {@link sglSupport}). */
export const Sgls = {
  /** Keyed SGL Data Block descriptor. */
  KeyedDataBlock: 1 << 2,
  /** SGL Bit Bucket descriptor. */
  BitBucket: 1 << 16,
  /** Byte aligned contiguous physical buffer of metadata via MPTR. */
  ByteAlignedMetadata: 1 << 17,
  /** SGL longer than the data to transfer is accepted. */
  LengthLargerThanData: 1 << 18,
  /** MPTR may hold a single SGL descriptor. */
  MptrSglDescriptor: 1 << 19,
  /** Address field may be an offset. */
  AddressAsOffset: 1 << 20,
  /** Transport SGL Data Block descriptor. */
  TransportDataBlock: 1 << 21,
} as const;

/** SGL support level, SGLS bits 1:0. */
export enum SglSupport {
  /** SGLs are not supported for the NVM command set. */
  None = 0,
  /** Supported, no alignment or granularity requirement on data blocks. */
  ByteAligned = 1,
  /** Supported, data blocks must be dword aligned. */
  DwordAligned = 2,
}

/** SGL support level of a controller; the reserved value 3 is reported as {@link SglSupport.None}. */
export function sglSupport(idc: Pick<IdentifyController, "sgls">): SglSupport {
  const level = idc.sgls & 0x3;
  return level === 3 ? SglSupport.None : level;
}

/**
 * Maximum data transfer size in bytes from MDTS (a power of two in units of CAP.MPSMIN pages), or
 * undefined when MDTS is 0 (no limit).
 */
export function mdtsBytes(mdts: number, mpsmin: number): number | undefined {
  return mdts === 0 ? undefined : 2 ** (mdts + 12 + mpsmin);
}

/** A power state descriptor (32 bytes each, PSD0 at byte 2048). */
export interface PowerState {
  /** Maximum Power, in units given by {@link PowerState.mxps}. */
  mp: number;
  /** Max Power Scale: false 0.01 W units, true 0.0001 W units. */
  mxps: boolean;
  /** Non-Operational State. */
  nops: boolean;
  /** Maximum power in watts. */
  maxPowerWatts: number;
  /** Entry Latency in microseconds. */
  enlat: number;
  /** Exit Latency in microseconds. */
  exlat: number;
  /** Relative Read Throughput. */
  rrt: number;
  /** Relative Read Latency. */
  rrl: number;
  /** Relative Write Throughput. */
  rwt: number;
  /** Relative Write Latency. */
  rwl: number;
  /** Idle Power. */
  idlp: number;
  /** Idle Power Scale: 0 not reported, 1 0.0001 W, 2 0.01 W. */
  ips: number;
  /** Active Power. */
  actp: number;
  /** Active Power Workload. */
  apw: number;
  /** Active Power Scale: 0 not reported, 1 0.0001 W, 2 0.01 W. */
  aps: number;
}

/** Decode the power state descriptor at byte `off`. */
export function decodePowerState(b: Uint8Array, off: number): PowerState {
  const mp = u16(b, off);
  const flags = u8(b, off + 3);
  const mxps = bit(flags, 0);
  return {
    mp,
    mxps,
    nops: bit(flags, 1),
    maxPowerWatts: mp * (mxps ? 0.0001 : 0.01),
    enlat: u32(b, off + 4),
    exlat: u32(b, off + 8),
    rrt: bits(u8(b, off + 12), 0, 5),
    rrl: bits(u8(b, off + 13), 0, 5),
    rwt: bits(u8(b, off + 14), 0, 5),
    rwl: bits(u8(b, off + 15), 0, 5),
    idlp: u16(b, off + 16),
    ips: bits(u8(b, off + 18), 6, 2),
    actp: u16(b, off + 20),
    apw: bits(u8(b, off + 22), 0, 3),
    aps: bits(u8(b, off + 22), 6, 2),
  };
}

/** The Identify Controller data structure; field names are the specification's. */
export interface IdentifyController {
  /** PCI Vendor ID. */
  vid: number;
  /** PCI Subsystem Vendor ID. */
  ssvid: number;
  /** Serial Number. */
  sn: string;
  /** Model Number. */
  mn: string;
  /** Firmware Revision. */
  fr: string;
  /** Recommended Arbitration Burst (2^rab commands). */
  rab: number;
  /** IEEE OUI Identifier (24 bits). */
  ieee: number;
  /** Multi-Path I/O and Namespace Sharing Capabilities (see {@link Cmic}). */
  cmic: number;
  /** Maximum Data Transfer Size, 2^mdts minimum pages; 0 means no limit (see {@link mdtsBytes}). */
  mdts: number;
  /** Controller ID. */
  cntlid: number;
  /** Version, as the VS register. */
  ver: number;
  /** RTD3 Resume Latency, microseconds. */
  rtd3r: number;
  /** RTD3 Entry Latency, microseconds. */
  rtd3e: number;
  /** Optional Asynchronous Events Supported (see {@link Oaes}). */
  oaes: number;
  /** Controller Attributes (see {@link Ctratt}). */
  ctratt: number;
  /** Read Recovery Levels Supported. */
  rrls: number;
  /** Controller Type (see {@link ControllerType}). */
  cntrltype: number;
  /** FRU Globally Unique Identifier, hex. */
  fguid: string;
  /** Command Retry Delay Time 1, 100 ms units. */
  crdt1: number;
  /** Command Retry Delay Time 2, 100 ms units. */
  crdt2: number;
  /** Command Retry Delay Time 3, 100 ms units. */
  crdt3: number;
  /** NVM Subsystem Report (NVMe-MI). */
  nvmsr: number;
  /** VPD Write Cycle Information (NVMe-MI). */
  vwci: number;
  /** Management Endpoint Capabilities (NVMe-MI). */
  mec: number;
  /** Optional Admin Command Support (see {@link Oacs}). */
  oacs: number;
  /** Abort Command Limit, 0-based. */
  acl: number;
  /** Asynchronous Event Request Limit, 0-based. */
  aerl: number;
  /** Firmware Updates: bit 0 slot 1 read-only, bits 3:1 slot count, bit 4 activation without reset. */
  frmw: number;
  /** Log Page Attributes (see {@link Lpa}). */
  lpa: number;
  /** Error Log Page Entries, 0-based. */
  elpe: number;
  /** Number of Power States Support, 0-based. */
  npss: number;
  /** Admin Vendor Specific Command Configuration. */
  avscc: number;
  /** Autonomous Power State Transition Attributes. */
  apsta: number;
  /** Warning Composite Temperature Threshold, Kelvin. */
  wctemp: number;
  /** Critical Composite Temperature Threshold, Kelvin. */
  cctemp: number;
  /** Maximum Time for Firmware Activation, 100 ms units. */
  mtfa: number;
  /** Host Memory Buffer Preferred Size, 4 KiB units. */
  hmpre: number;
  /** Host Memory Buffer Minimum Size, 4 KiB units. */
  hmmin: number;
  /** Total NVM Capacity, bytes. */
  tnvmcap: bigint;
  /** Unallocated NVM Capacity, bytes. */
  unvmcap: bigint;
  /** Replay Protected Memory Block Support. */
  rpmbs: number;
  /** Extended Device Self-test Time, minutes. */
  edstt: number;
  /** Device Self-test Options. */
  dsto: number;
  /** Firmware Update Granularity, 4 KiB units (0 not reported, 0xff no restriction). */
  fwug: number;
  /** Keep Alive Support granularity, 100 ms units (0: keep alive not supported). */
  kas: number;
  /** Host Controlled Thermal Management Attributes. */
  hctma: number;
  /** Minimum Thermal Management Temperature, Kelvin. */
  mntmt: number;
  /** Maximum Thermal Management Temperature, Kelvin. */
  mxtmt: number;
  /** Sanitize Capabilities. */
  sanicap: number;
  /** Host Memory Buffer Minimum Descriptor Entry Size, 4 KiB units. */
  hmminds: number;
  /** Host Memory Maximum Descriptors Entries. */
  hmmaxd: number;
  /** NVM Set Identifier Maximum. */
  nsetidmax: number;
  /** Endurance Group Identifier Maximum. */
  endgidmax: number;
  /** ANA Transition Time, seconds. */
  anatt: number;
  /** Asymmetric Namespace Access Capabilities. */
  anacap: number;
  /** ANA Group Identifier Maximum. */
  anagrpmax: number;
  /** Number of ANA Group Identifiers. */
  nanagrpid: number;
  /** Persistent Event Log Size, 64 KiB units. */
  pels: number;
  /** Domain Identifier. */
  domainid: number;
  /** Max Endurance Group Capacity, bytes. */
  megcap: bigint;
  /** Submission Queue Entry Size: bits 3:0 required log2, bits 7:4 maximum log2. */
  sqes: number;
  /** Completion Queue Entry Size: bits 3:0 required log2, bits 7:4 maximum log2. */
  cqes: number;
  /** Maximum Outstanding Commands (Fabrics). */
  maxcmd: number;
  /** Number of Namespaces: the largest valid NSID. */
  nn: number;
  /** Optional NVM Command Support (see {@link Oncs}). */
  oncs: number;
  /** Fused Operation Support: bit 0 Compare and Write. */
  fuses: number;
  /** Format NVM Attributes. */
  fna: number;
  /** Volatile Write Cache: bit 0 present, bits 2:1 flush with broadcast NSID behaviour. */
  vwc: number;
  /** Atomic Write Unit Normal, 0-based logical blocks. */
  awun: number;
  /** Atomic Write Unit Power Fail, 0-based logical blocks. */
  awupf: number;
  /** I/O Command Set Vendor Specific Command Configuration (formerly NVSCC). */
  nvscc: number;
  /** Namespace Write Protection Capabilities. */
  nwpc: number;
  /** Atomic Compare and Write Unit, 0-based logical blocks. */
  acwu: number;
  /** Copy Descriptor Formats Supported. */
  ocfs: number;
  /** SGL Support (see {@link sglSupport} and {@link Sgls}). */
  sgls: number;
  /** Maximum Number of Allowed Namespaces. */
  mnan: number;
  /** Maximum Domain Namespace Attachments. */
  maxdna: bigint;
  /** Maximum I/O Controller Namespace Attachments. */
  maxcna: number;
  /** NVM Subsystem NVMe Qualified Name. */
  subnqn: string;
  /** I/O Queue Command Capsule Supported Size, 16-byte units (Fabrics). */
  ioccsz: number;
  /** I/O Queue Response Capsule Supported Size, 16-byte units (Fabrics). */
  iorcsz: number;
  /** In Capsule Data Offset, 16-byte units (Fabrics). */
  icdoff: number;
  /** Fabrics Controller Attributes. */
  fcatt: number;
  /** Maximum SGL Data Block Descriptors (Fabrics). */
  msdbd: number;
  /** Optional Fabric Commands Support. */
  ofcs: number;
  /** Power state descriptors PSD0..PSD{npss}. */
  psd: PowerState[];
  /** A private copy of the 4096 bytes the structure was decoded from (vendor specific bytes included). */
  raw: Uint8Array;
}

/** Decode an Identify Controller data structure (CNS 01h, 4096 bytes). */
export function decodeIdentifyController(bytes: Uint8Array): IdentifyController {
  requireBytes(bytes, IDENTIFY_DATA_SIZE, "Identify Controller");
  const b = bytes;
  const npss = u8(b, 263);
  const psd: PowerState[] = [];
  for (let i = 0; i <= npss && i < 32; i++)
    psd.push(decodePowerState(b, POWER_STATE_OFFSET + i * POWER_STATE_SIZE));
  return {
    vid: u16(b, 0),
    ssvid: u16(b, 2),
    sn: ascii(b, 4, 20),
    mn: ascii(b, 24, 40),
    fr: ascii(b, 64, 8),
    rab: u8(b, 72),
    ieee: u24(b, 73),
    cmic: u8(b, 76),
    mdts: u8(b, 77),
    cntlid: u16(b, 78),
    ver: u32(b, 80),
    rtd3r: u32(b, 84),
    rtd3e: u32(b, 88),
    oaes: u32(b, 92),
    ctratt: u32(b, 96),
    rrls: u16(b, 100),
    cntrltype: u8(b, 111),
    fguid: hex(b, 112, 16),
    crdt1: u16(b, 128),
    crdt2: u16(b, 130),
    crdt3: u16(b, 132),
    nvmsr: u8(b, 253),
    vwci: u8(b, 254),
    mec: u8(b, 255),
    oacs: u16(b, 256),
    acl: u8(b, 258),
    aerl: u8(b, 259),
    frmw: u8(b, 260),
    lpa: u8(b, 261),
    elpe: u8(b, 262),
    npss,
    avscc: u8(b, 264),
    apsta: u8(b, 265),
    wctemp: u16(b, 266),
    cctemp: u16(b, 268),
    mtfa: u16(b, 270),
    hmpre: u32(b, 272),
    hmmin: u32(b, 276),
    tnvmcap: u128(b, 280),
    unvmcap: u128(b, 296),
    rpmbs: u32(b, 312),
    edstt: u16(b, 316),
    dsto: u8(b, 318),
    fwug: u8(b, 319),
    kas: u16(b, 320),
    hctma: u16(b, 322),
    mntmt: u16(b, 324),
    mxtmt: u16(b, 326),
    sanicap: u32(b, 328),
    hmminds: u32(b, 332),
    hmmaxd: u16(b, 336),
    nsetidmax: u16(b, 338),
    endgidmax: u16(b, 340),
    anatt: u8(b, 342),
    anacap: u8(b, 343),
    anagrpmax: u32(b, 344),
    nanagrpid: u32(b, 348),
    pels: u32(b, 352),
    domainid: u16(b, 356),
    megcap: u128(b, 368),
    sqes: u8(b, 512),
    cqes: u8(b, 513),
    maxcmd: u16(b, 514),
    nn: u32(b, 516),
    oncs: u16(b, 520),
    fuses: u16(b, 522),
    fna: u8(b, 524),
    vwc: u8(b, 525),
    awun: u16(b, 526),
    awupf: u16(b, 528),
    nvscc: u8(b, 530),
    nwpc: u8(b, 531),
    acwu: u16(b, 532),
    ocfs: u16(b, 534),
    sgls: u32(b, 536),
    mnan: u32(b, 540),
    maxdna: u128(b, 544),
    maxcna: u32(b, 560),
    subnqn: ascii(b, 768, 256),
    ioccsz: u32(b, 1792),
    iorcsz: u32(b, 1796),
    icdoff: u16(b, 1800),
    fcatt: u8(b, 1802),
    msdbd: u8(b, 1803),
    ofcs: u16(b, 1804),
    psd,
    raw: b.slice(0, IDENTIFY_DATA_SIZE),
  };
}

/** Number of firmware slots (FRMW bits 3:1). */
export function firmwareSlotCount(frmw: number): number {
  return bits(frmw, 1, 3);
}

/** Whether a volatile write cache is present (VWC bit 0). */
export function hasVolatileWriteCache(idc: Pick<IdentifyController, "vwc">): boolean {
  return bit(idc.vwc, 0);
}
