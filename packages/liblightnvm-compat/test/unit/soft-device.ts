/**
 * The test device: softnvme's in-thread controller at `soft0` with a zoned namespace 1 (4 KiB
 * blocks, zones of 64 blocks with 48 writable, at most 2 open and 3 active) and a conventional
 * namespace 2, both backed by memory the test keeps so it can look at the device's bytes; MDTS 3
 * (32 KiB, 8 blocks) so long runs split. Its command log shows what was (or was not) submitted.
 */
import { type InThreadRig, inThreadRig } from "@nvmekit/softnvme";
import { type nvm_dev, nvm_dev_open, nvm_last_error } from "../../src/index.js";

/** Zone geometry of namespace 1. */
export const ZONE = { size: 64, capacity: 48, count: 16, maxOpen: 2, maxActive: 3 } as const;
/** Block size of both namespaces. */
export const BS = 4096;
/** Blocks of namespace 2 (conventional): two synthetic chunks of 4096. */
export const CONV_BLOCKS = 8192;

/** NVMe I/O opcodes as the command log records them. */
export const OPC = {
  write: 0x01,
  read: 0x02,
  dsm: 0x09,
  zoneSend: 0x79,
  zoneReceive: 0x7a,
  append: 0x7d,
} as const;

/** A rig and the namespaces' bytes. */
export interface SoftDevice {
  rig: InThreadRig;
  /** Namespace 1's bytes. */
  zoned: Uint8Array;
  /** Namespace 2's bytes. */
  conv: Uint8Array;
}

/** Builds the test device. */
export function softDevice(): SoftDevice {
  const zoned = new ArrayBuffer(ZONE.size * ZONE.count * BS);
  const conv = new ArrayBuffer(CONV_BLOCKS * BS);
  const rig = inThreadRig({
    mdts: 3,
    namespaces: [
      {
        nsid: 1,
        blockSize: BS,
        blocks: ZONE.size * ZONE.count,
        memory: zoned,
        zoned: {
          zoneSize: ZONE.size,
          zoneCapacity: ZONE.capacity,
          maxOpen: ZONE.maxOpen,
          maxActive: ZONE.maxActive,
        },
      },
      { nsid: 2, blockSize: BS, blocks: CONV_BLOCKS, memory: conv },
    ],
  });
  return { rig, zoned: new Uint8Array(zoned), conv: new Uint8Array(conv) };
}

/** Opens namespace `nsid` of `dev` (throws with the errno when nvm_dev_open gives null). */
export async function openSoft(dev: SoftDevice, nsid = 1): Promise<nvm_dev> {
  const d = await nvm_dev_open(`trtype:SOFT traddr:soft0 ns:${nsid}`, { driver: dev.rig.driver });
  if (d === null) throw nvm_last_error() ?? new Error("nvm_dev_open returned null");
  return d;
}

/** I/O commands (qid > 0) logged since `from`. */
export function ioCommands(dev: SoftDevice, from = 0) {
  return dev.rig.device.commands.slice(from).filter((c) => c.qid > 0);
}

/** Deterministic bytes. */
export function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
