/**
 * Noticing that a function is going away: vfio-pci signals its request IRQ (an eventfd) when the
 * kernel wants the device back (unbind, hot removal), and a surprise-removed function reads as
 * all-ones. A low-rate, unref'd timer checks both (two cheap syscalls), rather than parking a
 * thread-pool thread on the eventfd for the device's whole life.
 * @module
 */
import { AsyncSubject, type Observable } from "rxjs";
import { close, eventfd, eventfdConsume } from "../native/libc.js";
import { IrqInfoFlags, PciIrq } from "../native/vfio-uapi.js";
import { ConfigReg } from "./config-space.js";
import type { VfioDeviceFile } from "./device-file.js";

/** Default interval between checks. */
export const DEFAULT_REMOVAL_POLL_MS = 200;

/** Watches one device; `removed$` emits once (late subscribers still get it) and completes. */
export class RemovalWatch {
  readonly #subject = new AsyncSubject<void>();
  /** Emits once when the function disappears or the kernel requests it back. */
  readonly removed$: Observable<void> = this.#subject.asObservable();
  readonly #file: VfioDeviceFile;
  readonly #requestFd: number | null;
  readonly #timer: NodeJS.Timeout;
  #fired = false;
  #stopped = false;

  /** Starts watching `file` every `intervalMs`. */
  constructor(file: VfioDeviceFile, intervalMs = DEFAULT_REMOVAL_POLL_MS) {
    this.#file = file;
    this.#requestFd = this.#routeRequestIrq();
    this.#timer = setInterval(() => this.check(), intervalMs);
    this.#timer.unref();
  }

  #routeRequestIrq(): number | null {
    const info = this.#file.irq(PciIrq.REQ);
    if (info.count < 1 || !(info.flags & IrqInfoFlags.EVENTFD)) return null;
    const fd = eventfd();
    try {
      this.#file.setIrqEventfds(PciIrq.REQ, [fd]);
      return fd;
    } catch {
      close(fd);
      return null;
    }
  }

  /** Checks now; returns whether the function is (now known to be) gone. */
  check(): boolean {
    if (this.#fired) return true;
    if (this.#stopped) return false;
    let gone = this.#requestFd !== null && eventfdConsume(this.#requestFd) > 0;
    if (!gone) {
      try {
        gone = this.#file.readConfig(ConfigReg.VENDOR_ID, 2) === 0xffff;
      } catch {
        gone = true; // the config region itself failed: the device is not there any more
      }
    }
    if (gone) this.markRemoved();
    return gone;
  }

  /** Declares the function gone (e.g. the engine read all-ones from a register). */
  markRemoved(): void {
    if (this.#fired) return;
    this.#fired = true;
    clearInterval(this.#timer);
    this.#subject.next();
    this.#subject.complete();
  }

  /** Stops watching and releases the request IRQ (idempotent; does not emit). */
  stop(): void {
    clearInterval(this.#timer);
    if (this.#stopped || this.#requestFd === null) return;
    this.#stopped = true;
    try {
      this.#file.disableIrq(PciIrq.REQ);
    } catch {
      // the device may already be gone
    }
    close(this.#requestFd);
  }
}
