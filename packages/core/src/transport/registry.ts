/**
 * The transport registry: every plugin bound to {@link NVME_TRANSPORT}, found by transport type
 * (and by name for custom transports). The core knows no transport by name in advance.
 * @module
 */
import { injectable, multiInject, optional } from "inversify";
import { TransportError } from "../errors/errors.js";
import { type TransportId, TransportType, trtypeStr } from "../trid/transport-id.js";
import { NVME_TRANSPORT, type NvmeTransport } from "./contract.js";

/** All registered transport plugins. */
@injectable()
export class TransportRegistry {
  private readonly transports: readonly NvmeTransport[];

  /** @param transports every binding of NVME_TRANSPORT in the container */
  constructor(@multiInject(NVME_TRANSPORT) @optional() transports: NvmeTransport[] | undefined) {
    this.transports = transports ?? [];
  }

  /** Every registered plugin. */
  list(): readonly NvmeTransport[] {
    return this.transports;
  }

  /** The plugin for a transport type (custom transports: matched by `trstring`), or undefined. */
  find(trtype: TransportType, trstring = ""): NvmeTransport | undefined {
    return this.transports.find(
      (t) =>
        t.trtype === trtype &&
        (trtype !== TransportType.Custom || t.name.toLowerCase() === trstring.toLowerCase()),
    );
  }

  /** Whether a plugin for `trtype` is registered and available here (spdk_nvme_transport_available). */
  available(trtype: TransportType, trstring = ""): boolean {
    return this.find(trtype, trstring)?.available() ?? false;
  }

  /** The plugin for `trid`, or a TransportError saying which package to load. */
  get(trid: TransportId): NvmeTransport {
    const t = this.find(trid.trtype, trid.trstring);
    const name =
      trid.trtype === TransportType.Custom ? trid.trstring : (trtypeStr(trid.trtype) ?? String(trid.trtype));
    if (t === undefined) {
      throw new TransportError(
        `no transport plugin for trtype ${name} is loaded: load its package's ContainerModule`,
      );
    }
    if (!t.available()) {
      const why = t.unavailableReason?.();
      throw new TransportError(`transport ${name} is not available on this machine${why ? `: ${why}` : ""}`);
    }
    return t;
  }
}
