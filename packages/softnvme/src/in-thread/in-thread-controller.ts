/**
 * The controller the in-thread transport hosts: the software controller model, in this thread, over
 * a {@link DmaArena} its connection allocates from, with the in-thread identity defaults.
 * @module
 */
import { SoftController } from "../controller.js";
import type { SoftControllerOptions } from "../controller-options.js";
import { DmaArena, type DmaArenaOptions } from "../dma-arena.js";

/** How to build an {@link InThreadController}: the model's options, plus its DMA arena. */
export interface InThreadControllerOptions extends SoftControllerOptions {
  /** The DMA arena the controller reaches (default: a fresh 64 MiB arena). */
  arena?: DmaArena | DmaArenaOptions;
}

/** A soft controller with the arena the in-thread connection hands out DMA memory from. */
export class InThreadController extends SoftController {
  /** Host DMA memory, as the host allocates it and the controller reaches it. */
  readonly arena: DmaArena;

  /** @param options the model's options and the arena */
  constructor(options: InThreadControllerOptions = {}) {
    const arena = options.arena instanceof DmaArena ? options.arena : new DmaArena(options.arena);
    const serial = options.serial ?? "SOFT0000000000000001";
    super(arena, {
      subnqn: `nqn.2024-01.io.nvmekit:soft:${serial}`,
      ...options,
      serial,
    });
    this.arena = arena;
  }
}
