/**
 * Passing a host's command to the backend controller: the command copied without its fabrics data
 * pointer (the core builds the backend's own from the DMA buffer), and the backend's answer turned
 * back into a completion status. Target thread only.
 * @module
 */
import { NvmeStatusError } from "@nvmekit/core";
import { encodeStatus, NvmeCommand } from "@nvmekit/core/nvme-spec";
import type { TargetContext } from "./context.js";
import { type CommandResult, INTERNAL_ERROR } from "./request.js";

/**
 * A copy of `cmd` for the backend: CID, fused bits, PSDT, MPTR and DPTR cleared (the core sets the
 * CID and the data pointer); every other dword as the host sent it.
 */
export function backendCommand(cmd: NvmeCommand): NvmeCommand {
  const out = new NvmeCommand();
  out.copyFrom(cmd);
  out.dw[0] = out.dw[0]! & 0xff; // opcode only: no fuse, no PSDT, CID 0
  for (let i = 4; i < 10; i++) out.dw[i] = 0;
  return out;
}

/** The status to send for a backend failure: the backend's own NVMe status, else Internal Error. */
export function statusOf(e: unknown, ctx: TargetContext): CommandResult {
  if (e instanceof NvmeStatusError) {
    return { status: encodeStatus(e.sct, e.sc, { dnr: e.dnr, more: e.more, crd: e.crd }) };
  }
  ctx.emit({ type: "error", error: e instanceof Error ? e : new Error(String(e)) });
  return { status: INTERNAL_ERROR };
}

/**
 * Runs an admin command on the backend with a DMA buffer of `bytes` bytes, and copies what it
 * returned into `data` (as much as fits).
 */
export async function forwardAdmin(
  ctx: TargetContext,
  cmd: NvmeCommand,
  bytes: number,
  data: Uint8Array | null,
): Promise<CommandResult> {
  const backend = ctx.backend;
  let buf: ReturnType<typeof backend.allocBuffer> | null = null;
  try {
    buf = bytes > 0 ? backend.allocBuffer(bytes) : null;
    const view = buf === null ? null : buf.bytes.subarray(0, bytes);
    const dw0 = await ctx.track(backend.adminRaw(backendCommand(cmd), view));
    const n = data === null || view === null ? 0 : Math.min(bytes, data.length);
    if (n > 0) data!.set(view!.subarray(0, n));
    return { status: 0, dw0, dataLength: n };
  } catch (e) {
    return statusOf(e, ctx);
  } finally {
    if (buf !== null) backend.freeBuffer(buf);
  }
}
