/**
 * The driver's entry points (spdk_nvme_probe, spdk_nvme_connect, spdk_nvme_detach): enumerate
 * controllers through the transport plugins, attach the ones the caller wants, and report removals.
 * Probing is also offered as an Observable of attach/remove events.
 * @module
 */
import { inject, injectable } from "inversify";
import { concatMap, defer, from, lastValueFrom, Observable, type Subscription, toArray } from "rxjs";
import { Controller } from "./ctrlr/controller.js";
import { initializeController } from "./ctrlr/init.js";
import { ControllerState } from "./ctrlr/state.js";
import { InvalidArgumentError } from "./errors/errors.js";
import { discoveryEntryToTransportId } from "./fabrics/discovery-entry.js";
import { DiscoverySubsystemType } from "./nvme-spec/discovery-log.js";
import { DISCOVERY_NQN } from "./nvme-spec/fabrics.js";
import type { ControllerOptions } from "./options/controller-options.js";
import { TransportRegistry } from "./transport/registry.js";
import {
  compareTransportIds,
  emptyTransportId,
  formatTransportId,
  type ParseTransportIdOptions,
  parseTransportId,
  type TransportId,
} from "./trid/transport-id.js";

/** The inversify token of the default controller options (bind a value to override them). */
export const CONTROLLER_DEFAULTS = Symbol.for("@nvmekit/core/ControllerDefaults");

/** The callbacks of {@link NvmeDriver.probe}, as spdk_nvme_probe takes them. */
export interface ProbeCallbacks {
  /** Called for each controller found; change `options` and return true to attach it. Default: attach all. */
  probe?(trid: TransportId, options: ControllerOptions): boolean;
  /** Called once a controller is attached, with the options actually in use. */
  attach?(trid: TransportId, controller: Controller, options: Readonly<ControllerOptions>): void;
  /** Called when an attached controller is removed from the system; detach it afterwards. */
  remove?(controller: Controller): void;
  /**
   * Called for each controller `probe` accepted that failed to attach (connect or initialisation
   * failed; nothing of it stays attached), with the error; the probe goes on with the others
   * (SPDK's attach_fail_cb of spdk_nvme_probe_ext). Without it the failure becomes a process
   * warning (`process.emitWarning`, code {@link PROBE_ATTACH_FAILED}), where SPDK logs an error.
   */
  attachFail?(trid: TransportId, error: Error): void;
}

/** The warning code of a controller that failed to attach during {@link NvmeDriver.probe} with no `attachFail` callback. */
export const PROBE_ATTACH_FAILED = "NVMEKIT_PROBE_ATTACH_FAILED";

/** An event of {@link NvmeDriver.probe$}. */
export type ProbeEvent =
  | {
      /** "attach" once the controller is attached, "remove" when it left the system. */
      type: "attach" | "remove";
      /** The controller's transport ID. */
      trid: TransportId;
      /** The controller. */
      controller: Controller;
    }
  | {
      /** A controller the probe accepted failed to attach; the probe goes on with the others. */
      type: "attachFail";
      /** The controller's transport ID. */
      trid: TransportId;
      /** Why it failed. */
      error: Error;
    };

/** Finds, attaches and detaches controllers. One per application (bind it as a singleton). */
@injectable()
export class NvmeDriver {
  private readonly attached: Controller[] = [];
  private readonly removals = new Map<Controller, Subscription>();

  /**
   * @param registry the transport plugins
   * @param defaults default controller options
   */
  constructor(
    @inject(TransportRegistry) readonly registry: TransportRegistry,
    @inject(CONTROLLER_DEFAULTS) private readonly defaults: ControllerOptions,
  ) {}

  /**
   * Parses a transport ID string as {@link parseTransportId} does (SPDK's rules by default: unknown
   * keys skipped with a warning, unknown trtype names taken as custom transports); with
   * `options.strict`, only the names of the registered transports are accepted.
   * @throws TransportIdError as {@link parseTransportId}
   */
  parseTransportId(
    str: string,
    options: Omit<ParseTransportIdOptions, "customTransports"> = {},
  ): TransportId {
    return parseTransportId(str, undefined, {
      ...options,
      customTransports: this.registry.list().map((t) => t.name),
    });
  }

  /** Controllers attached through this driver and not yet detached. */
  get controllers(): readonly Controller[] {
    return this.attached;
  }

  /**
   * Enumerates the bus or discovery service named by `trid` (undefined: every available transport),
   * attaching each controller `probe` accepts, skipping those already attached (spdk_nvme_probe).
   * A controller that fails to attach is reported (`attachFail`, or a process warning) and the
   * probe goes on with the others, as SPDK's does.
   * - Threading: the thread that owns the driver; every callback runs there, from this call.
   * @returns the number of controllers attached by this call
   * @throws (as a rejection) a malformed `trid` string, an unknown transport, or a failed
   *   enumeration (a discovery service that cannot be read): then nothing more is attached
   */
  async probe(trid: TransportId | string | undefined, callbacks: ProbeCallbacks = {}): Promise<number> {
    let count = 0;
    for (const found of await this.discover(trid)) {
      if (this.attached.some((c) => compareTransportIds(c.trid, found) === 0)) continue;
      const options = { ...this.defaults };
      if (callbacks.probe && !callbacks.probe(found, options)) continue;
      let controller: Controller;
      try {
        controller = await this.connect(found, options);
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        if (callbacks.attachFail) callbacks.attachFail(found, error);
        else
          process.emitWarning(`${formatTransportId(found)} failed to attach: ${error.message}`, {
            code: PROBE_ATTACH_FAILED,
          });
        continue;
      }
      if (callbacks.remove) {
        const remove = callbacks.remove;
        this.removals.set(
          controller,
          controller.state$.subscribe((s) => {
            if (s === ControllerState.Removed) remove(controller);
          }),
        );
      }
      callbacks.attach?.(found, controller, controller.options);
      count++;
    }
    return count;
  }

  /**
   * {@link probe} as an Observable: an `attach` event per controller attached, an `attachFail` event
   * per controller that failed to attach, `remove` events later. Errors with what {@link probe} rejects with.
   */
  probe$(trid?: TransportId | string, accept: ProbeCallbacks["probe"] = () => true): Observable<ProbeEvent> {
    return new Observable<ProbeEvent>((sub) => {
      let closed = false;
      this.probe(trid, {
        probe: accept,
        attach: (t, controller) => sub.next({ type: "attach", trid: t, controller }),
        remove: (controller) => sub.next({ type: "remove", trid: controller.trid, controller }),
        attachFail: (t, error) => sub.next({ type: "attachFail", trid: t, error }),
      }).then(
        () => undefined,
        (e) => !closed && sub.error(e),
      );
      return () => {
        closed = true;
      };
    });
  }

  /** Connects to and initialises the controller at `trid` (spdk_nvme_connect). */
  async connect(trid: TransportId | string, options: Partial<ControllerOptions> = {}): Promise<Controller> {
    const id = typeof trid === "string" ? this.parseTransportId(trid) : trid;
    checkOptions(options);
    const opts = { ...this.defaults, ...options };
    const connection = await this.registry.get(id).connect(id, opts);
    const controller = new Controller(id, connection, opts);
    try {
      await initializeController(controller);
    } catch (e) {
      await controller.detach().catch(() => undefined);
      throw e;
    }
    this.attached.push(controller);
    return controller;
  }

  /** Detaches a controller (spdk_nvme_detach). */
  async detach(controller: Controller): Promise<void> {
    this.removals.get(controller)?.unsubscribe();
    this.removals.delete(controller);
    const i = this.attached.indexOf(controller);
    if (i >= 0) this.attached.splice(i, 1);
    await controller.detach();
  }

  /** Detaches every controller attached through this driver. */
  async detachAll(): Promise<void> {
    for (const c of [...this.attached]) await this.detach(c);
  }

  private discover(trid: TransportId | string | undefined): Promise<TransportId[]> {
    const ids = typeof trid === "string" ? [this.parseTransportId(trid)] : trid ? [trid] : undefined;
    const sources =
      ids ??
      this.registry
        .list()
        .filter((t) => t.available())
        .map((t) => ({ ...emptyTransportId(), trtype: t.trtype, trstring: t.name.toUpperCase() }));
    return lastValueFrom(
      from(sources).pipe(
        concatMap((t) =>
          defer(() =>
            this.isDiscoveryService(t)
              ? from(this.discoverSubsystems(t)).pipe(concatMap((ids) => from(ids)))
              : this.registry.get(t).probe(t),
          ),
        ),
        toArray(),
      ),
    );
  }

  /** A fabric transport's address with no subsystem (or the discovery NQN): its discovery service. */
  private isDiscoveryService(trid: TransportId): boolean {
    const fabric = this.registry.find(trid.trtype, trid.trstring)?.fabric === true;
    return fabric && trid.traddr !== "" && (trid.subnqn === "" || trid.subnqn === DISCOVERY_NQN);
  }

  /**
   * The NVM subsystems a fabric discovery service lists (SPDK's probe of a discovery trid): connects
   * to its discovery controller, reads the whole log, detaches. Referrals are not followed.
   */
  private async discoverSubsystems(trid: TransportId): Promise<TransportId[]> {
    const discovery = await this.connect({ ...trid, subnqn: DISCOVERY_NQN }, { keepAliveTimeoutMs: 0 });
    try {
      const log = await discovery.getDiscoveryLog();
      return log.entries
        .filter((e) => e.subtype === DiscoverySubsystemType.Nvm)
        .map((e) => discoveryEntryToTransportId(e));
    } finally {
      await this.detach(discovery);
    }
  }
}

/** Rejects option values that cannot be right before anything is connected. */
function checkOptions(o: Partial<ControllerOptions>): void {
  const positive = [
    "numIoQueues",
    "ioQueueSize",
    "ioQueueRequests",
    "adminQueueSize",
    "adminTimeoutMs",
  ] as const;
  for (const k of positive) {
    const v = o[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 1))
      throw new InvalidArgumentError(k, `${v}: give a positive integer`);
  }
  for (const k of [
    "keepAliveTimeoutMs",
    "transportRetryCount",
    "reconnectDelayMs",
    "ctrlLossTimeoutMs",
  ] as const) {
    const v = o[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 0))
      throw new InvalidArgumentError(k, `${v}: give a non-negative integer`);
  }
  if (o.adminQueueSize !== undefined && o.adminQueueSize < 2) {
    throw new InvalidArgumentError("adminQueueSize", `${o.adminQueueSize}: a queue needs at least 2 entries`);
  }
}
