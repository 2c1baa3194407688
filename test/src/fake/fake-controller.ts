/**
 * The controller a fake transport hosts: the soft controller model from @nvmekit/softnvme, in this
 * thread, over a {@link DmaArena} its connection allocates from, with the fake's identity defaults.
 * @module
 */
import {
  DmaArena,
  type DmaArenaOptions,
  SoftController,
  type SoftControllerOptions,
} from "@nvmekit/softnvme";

/** How to build a {@link FakeController}: the model's options, plus its DMA arena. */
export interface FakeControllerOptions extends SoftControllerOptions {
  /** The DMA arena the controller reaches (default: a fresh 64 MiB arena). */
  arena?: DmaArena | DmaArenaOptions;
}

/** A soft controller with the arena the fake connection hands out DMA memory from. */
export class FakeController extends SoftController {
  /** Host DMA memory, as the host allocates it and the controller reaches it. */
  readonly arena: DmaArena;

  /** @param options the model's options and the arena */
  constructor(options: FakeControllerOptions = {}) {
    const arena = options.arena instanceof DmaArena ? options.arena : new DmaArena(options.arena);
    const serial = options.serial ?? "FAKE0000000000000001";
    super(arena, {
      model: "nvmekit fake controller",
      subnqn: `nqn.2024-01.io.nvmekit:fake:${serial}`,
      ...options,
      serial,
    });
    this.arena = arena;
  }
}
