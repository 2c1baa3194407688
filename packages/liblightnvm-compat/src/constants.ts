/**
 * liblightnvm's constants with their values: command option flags, the vector limit, backend
 * identifiers (two of them ours), chunk states and types, the specification version, and the errno
 * values the nvm_* calls set.
 * @module
 */

/** Command option: wait for the command (a Promise here). */
export const NVM_CMD_SYNC = 0x10;
/** Command option: submit and return; the completion arrives in nvm_async_poke / nvm_async_wait. */
export const NVM_CMD_ASYNC = 0x20;
/** Command option: `addrs[0]` is the start and `naddrs` the sector count. */
export const NVM_CMD_SCALAR = 0x40;
/** Command option: `addrs` lists each sector (up to {@link NVM_NADDR_MAX}). */
export const NVM_CMD_VECTOR = 0x80;
/** Command option: PRP data pointers. Accepted; the transport chooses PRPs or SGLs. */
export const NVM_CMD_PRP = 0x100;
/** Command option: SGL data pointers. Accepted; the transport chooses PRPs or SGLs. */
export const NVM_CMD_SGL = 0x200;
/** Command option: SGL for metadata. Accepted; the transport chooses. */
export const NVM_CMD_SGL_META = 0x400;
/** The option bits this package reads or accepts. */
export const NVM_CMD_MASK =
  NVM_CMD_SYNC |
  NVM_CMD_ASYNC |
  NVM_CMD_SCALAR |
  NVM_CMD_VECTOR |
  NVM_CMD_PRP |
  NVM_CMD_SGL |
  NVM_CMD_SGL_META;
/** The options a device starts with (liblightnvm's defaults): synchronous, vector. */
export const NVM_CMD_DEFAULT = NVM_CMD_SYNC | NVM_CMD_VECTOR;

/** Most addresses one vector command takes. */
export const NVM_NADDR_MAX = 64;

/** Backend: pick one (a zoned namespace gets {@link NVM_BE_ZNS}, any other {@link NVM_BE_NOCD}). */
export const NVM_BE_ANY = 0x0;
/** liblightnvm's kernel ioctl backend: gone with Linux 5.15's Open-Channel removal; refused (ENOSYS). */
export const NVM_BE_IOCTL = 0x1;
/** liblightnvm's block-device backend: refused (ENOSYS). */
export const NVM_BE_LBD = 0x2;
/** liblightnvm's SPDK backend: refused (ENOSYS); nvmekit itself is the userspace driver. */
export const NVM_BE_SPDK = 0x4;
/** Non Open-Channel Device: synthetic chunks over a conventional namespace (erase = deallocate). */
export const NVM_BE_NOCD = 0x8;
/** Ours: chunks are the zones of a Zoned Namespace (erase = zone reset). */
export const NVM_BE_ZNS = 0x10;
/** The bits of nvm_dev_openf's flags that select a backend. */
export const NVM_BE_MASK = 0x1f;

/** Chunk state: free (ZNS Empty). */
export const NVM_CHUNK_STATE_FREE = 0x1;
/** Chunk state: closed, fully written (ZNS Full, Read Only). */
export const NVM_CHUNK_STATE_CLOSED = 0x2;
/** Chunk state: open, writable at its write pointer (ZNS Implicitly/Explicitly Opened and Closed). */
export const NVM_CHUNK_STATE_OPEN = 0x4;
/** Chunk state: offline (ZNS Offline). */
export const NVM_CHUNK_STATE_OFFLINE = 0x8;

/** Chunk type: sequential write required. */
export const NVM_CHUNK_TYPE_W_SEQ = 0x1;
/** Chunk type: random writes allowed. */
export const NVM_CHUNK_TYPE_W_RAN = 0x2;

/** Open-Channel specification version of the geometry (`verid`): 2.0, the one ZNS succeeds. */
export const NVM_SPEC_VERID_20 = 2;

/** errno: no such device or namespace. */
export const ENOENT = 2;
/** errno: the command completed with an error status (see `ret.status`). */
export const EIO = 5;
/** errno: the context is at its depth; poke, then retry. */
export const EAGAIN = 11;
/** errno: out of (DMA) memory. */
export const ENOMEM = 12;
/** errno: busy (commands still outstanding). */
export const EBUSY = 16;
/** errno: the namespace is not of the kind asked for. */
export const ENODEV = 19;
/** errno: bad argument. */
export const EINVAL = 22;
/** errno: not implemented by this backend. */
export const ENOSYS = 38;
