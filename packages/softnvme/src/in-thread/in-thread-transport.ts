/**
 * The in-thread transport plugin: an {@link NvmeTransport} built only on the core's transport API,
 * hosting in-process {@link InThreadController}s, and the inversify module that plugs it into the core
 * through the NVME_TRANSPORT multi-injection token.
 * @module
 */
import { type ControllerOptions, TransportError, type TransportId, TransportType } from "@nvmekit/core";
import { NVME_TRANSPORT, type NvmeTransport, type TransportConnection } from "@nvmekit/core/transport";
import { ContainerModule } from "inversify";
import { defer, from, type Observable } from "rxjs";
import { InThreadConnection } from "./in-thread-connection.js";
import { InThreadController, type InThreadControllerOptions } from "./in-thread-controller.js";

/** The in-thread transport's name: trid strings say `trtype:SOFT`, trids carry trtype Custom and this trstring. */
export const IN_THREAD_TRANSPORT_NAME = "SOFT";

/** How to build a {@link InThreadTransport}. */
export interface InThreadTransportOptions {
  /**
   * Controllers to host, by transport address (default: "soft0" and "soft1", two default controllers
   * with different serial numbers).
   */
  controllers?: Record<string, InThreadControllerOptions>;
  /** What `available()` answers (default true), to test the registry skipping unavailable transports. */
  available?: boolean;
}

/** One `connect` call as the transport received it. */
export interface ConnectCall {
  /** The transport ID passed. */
  readonly trid: TransportId;
  /** A copy of the controller options passed. */
  readonly options: ControllerOptions;
}

/** An NVMe transport plugin whose controllers are in-process models. */
export class InThreadTransport implements NvmeTransport {
  /** Custom transport type (4096). */
  readonly trtype = TransportType.Custom;
  /** "SOFT". */
  readonly name = IN_THREAD_TRANSPORT_NAME;
  /** Every connect call, in order. */
  readonly connectCalls: ConnectCall[] = [];
  /** Every probe call's transport ID, in order. */
  readonly probeCalls: TransportId[] = [];
  private readonly hosted = new Map<string, InThreadController>();
  private readonly connections = new Map<string, InThreadConnection>();
  private readonly isAvailable: boolean;

  /** @param options hosted controllers and availability */
  constructor(options: InThreadTransportOptions = {}) {
    const controllers = options.controllers ?? {
      soft0: { serial: "SOFT0000000000000000" },
      soft1: { serial: "SOFT0000000000000001" },
    };
    for (const [traddr, o] of Object.entries(controllers)) this.addController(traddr, o);
    this.isAvailable = options.available ?? true;
  }

  /** Whether the transport can be used (configurable for tests). */
  available(): boolean {
    return this.isAvailable;
  }

  /**
   * Emits the transport ID of every hosted controller whose address matches `trid.traddr` (all of them
   * when it is empty), in address order, then completes. Removed controllers are not found.
   */
  probe(trid: TransportId): Observable<TransportId> {
    return defer(() => {
      this.probeCalls.push({ ...trid });
      const found = [...this.hosted.entries()]
        .filter(([traddr, c]) => !c.isRemoved && (trid.traddr === "" || trid.traddr === traddr))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([traddr]) => ({
          ...trid,
          trtype: TransportType.Custom,
          trstring: IN_THREAD_TRANSPORT_NAME,
          traddr,
        }));
      return from(found);
    });
  }

  /** Connects to the hosted controller at `trid.traddr`; one connection per controller at a time. */
  async connect(trid: TransportId, options: Readonly<ControllerOptions>): Promise<TransportConnection> {
    this.connectCalls.push({ trid: { ...trid }, options: { ...options } });
    const controller = this.hosted.get(trid.traddr);
    if (controller === undefined) {
      throw new TransportError(
        `in-thread transport: no controller at traddr "${trid.traddr}"; hosted: ${[...this.hosted.keys()].join(", ")}`,
      );
    }
    if (controller.isRemoved)
      throw new TransportError(`in-thread transport: controller "${trid.traddr}" was removed`);
    if (this.connections.has(trid.traddr)) {
      throw new TransportError(
        `in-thread transport: controller "${trid.traddr}" is already connected; close it first`,
      );
    }
    const connection = new InThreadConnection(controller, () => this.connections.delete(trid.traddr));
    this.connections.set(trid.traddr, connection);
    return connection;
  }

  /** The controller model at `traddr`, for tests to inspect and inject faults. */
  controller(traddr: string): InThreadController {
    const c = this.hosted.get(traddr);
    if (c === undefined) throw new Error(`in-thread transport: no controller at "${traddr}"`);
    return c;
  }

  /** The open connection to `traddr`, if any. */
  connection(traddr: string): InThreadConnection | undefined {
    return this.connections.get(traddr);
  }

  /** Hosts a new controller at `traddr` (hot plug: the next probe finds it). */
  addController(traddr: string, options: InThreadControllerOptions = {}): InThreadController {
    if (this.hosted.has(traddr)) throw new Error(`in-thread transport: "${traddr}" is already hosted`);
    const c = new InThreadController(options);
    this.hosted.set(traddr, c);
    return c;
  }
}

/**
 * An inversify module binding a {@link InThreadTransport} to NVME_TRANSPORT (and to the InThreadTransport
 * class, so tests can get the same instance from the container).
 * @param transport the transport to bind, or options for a new one
 */
export function inThreadTransportModule(
  transport: InThreadTransport | InThreadTransportOptions = {},
): ContainerModule {
  const instance = transport instanceof InThreadTransport ? transport : new InThreadTransport(transport);
  return new ContainerModule(({ bind }) => {
    bind<NvmeTransport>(NVME_TRANSPORT).toConstantValue(instance);
    bind(InThreadTransport).toConstantValue(instance);
  });
}
