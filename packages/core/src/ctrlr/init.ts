/**
 * The controller initialisation state machine, in SPDK's order: disable (waiting for CSTS.RDY with
 * CAP.TO as the limit), admin queue, enable, identify, number of queues, namespaces, asynchronous
 * event configuration and requests, keep-alive. Also the shutdown notification used by detach.
 * @module
 */
import { NvmeError, TransportError } from "../errors/errors.js";
import * as cmds from "../nvme-spec/commands.js";
import type { Completion } from "../nvme-spec/completion.js";
import { FeatureId } from "../nvme-spec/features.js";
import { Cns, decodeIdentifyController, IDENTIFY_DATA_SIZE, Oacs } from "../nvme-spec/identify-controller.js";
import {
  ArbitrationMechanism,
  CapCss,
  CcCss,
  decodeCap,
  decodeCc,
  decodeCsts,
  decodeVs,
  encodeAqa,
  encodeCc,
  Register,
  ShutdownNotification,
  ShutdownStatus,
} from "../nvme-spec/registers.js";
import { CommandSpecificStatus, GenericStatus, StatusCodeType } from "../nvme-spec/status.js";
import { NvmeStatusError } from "../nvme-spec/status-error.js";
import type { QueuePair } from "../qpair/queue-pair.js";
import type { Controller } from "./controller.js";
import { identifyNamespaces } from "./namespaces.js";
import { ControllerState as S } from "./state.js";
import { waitForRegister } from "./wait-register.js";

/** Admin queue entries a fabrics target accepts at most (Linux nvmet's NVME_AQ_DEPTH). */
const FABRICS_ADMIN_QUEUE_MAX = 32;
/** Outstanding Asynchronous Event Requests kept at most (SPDK keeps up to AERL + 1, capped). */
const MAX_AERS = 4;
/** The admin queue is polled at least this often (ms) so events and keep-alives flow without the app. */
const ADMIN_IDLE_POLL_MS = 100;
/** Shortest shutdown wait, whatever RTD3E says (SPDK uses 10 s as well). */
const MIN_SHUTDOWN_MS = 10_000;

/** Runs the whole initialisation; on return the controller is Ready. */
export async function initializeController(c: Controller): Promise<void> {
  // On a fabric the registers are properties of the controller an admin Connect creates.
  if (c.isFabric) {
    c.setState(S.ConnectAdminQueue);
    const depth = Math.min(c.options.adminQueueSize, FABRICS_ADMIN_QUEUE_MAX);
    const { port } = await c.connection.createAdminQueue(depth);
    try {
      await c.connectAdminQueue(port);
    } catch (e) {
      await port.release(); // a refused or unanswered Connect leaves no connection behind
      throw e;
    }
    c.attachAdminQueue(port);
  }
  const regs = c.registers;
  c.capRaw = await regs.read64(Register.CAP);
  c.cap = decodeCap(c.capRaw);
  c.vs = decodeVs(await regs.read32(Register.VS));
  const readyTimeout = readyTimeoutMs(c);
  await disableController(c, (s) => c.setState(s));

  if (!c.isFabric) {
    c.setState(S.EnableAdminQueue);
    const depth = Math.min(c.options.adminQueueSize, c.cap.mqes + 1, 4096);
    const setup = await c.connection.createAdminQueue(depth);
    if (setup.rings) {
      await regs.write32(Register.AQA, encodeAqa(depth - 1, depth - 1));
      await regs.write64(Register.ASQ, BigInt(setup.rings.sqIova));
      await regs.write64(Register.ACQ, BigInt(setup.rings.cqIova));
    }
    c.attachAdminQueue(setup.port);
  }

  c.setState(S.Enable);
  const mps = Math.log2(c.dma.pageSize) - 12;
  if (mps < c.cap.mpsmin || mps > c.cap.mpsmax) {
    throw new TransportError(
      `memory page size ${c.dma.pageSize} is outside the controller's CAP.MPSMIN..MPSMAX`,
    );
  }
  c.options.arbitrationMechanism = negotiateArbitration(c.options.arbitrationMechanism, c.cap.ams);
  // Every I/O command set the controller has (zoned namespaces need it for zone commands), else NVM.
  c.allIoCommandSets = (c.cap.css & CapCss.IoCommandSets) !== 0;
  await regs.write32(
    Register.CC,
    encodeCc({
      en: true,
      css: c.allIoCommandSets ? CcCss.AllIoCommandSets : CcCss.Nvm,
      mps,
      ams: c.options.arbitrationMechanism,
      shn: 0,
      iosqes: 6,
      iocqes: 4,
    }),
  );
  c.setState(S.EnableWaitForReady1);
  await waitForRegister(
    regs,
    Register.CSTS,
    (v) => (v & 1) === 1,
    readyTimeout,
    "waiting for CSTS.RDY=1 after enabling",
    (v) =>
      (v & 2) !== 0
        ? new NvmeError(
            "ERR_NVME_FATAL",
            "controller reported Controller Fatal Status (CSTS.CFS) while enabling",
          )
        : null,
  );

  c.setState(S.Identify);
  c.data = await c.withBuffer(IDENTIFY_DATA_SIZE, async (buf) => {
    const cmd = c.adminCommand();
    cmds.identify(cmd, Cns.Controller, 0);
    await c.adminRaw(cmd, buf.bytes, "Identify Controller");
    return decodeIdentifyController(buf.bytes.slice());
  });
  const mdtsBytes = c.data.mdts === 0 ? Number.POSITIVE_INFINITY : 2 ** c.data.mdts * c.cap.minPageSize;
  c.maxTransferSize = Math.min(mdtsBytes, 2 * 1024 * 1024);
  c.sglSupported = (c.data.sgls & 0x3) !== 0;
  c.options.ioQueueSize = Math.max(2, Math.min(c.options.ioQueueSize, c.cap.mqes + 1));
  c.options.ioQueueRequests = Math.max(c.options.ioQueueRequests, c.options.ioQueueSize);
  c.options.useCmbSqs = c.options.useCmbSqs && c.connection.cmbSqSupported;

  // A discovery controller serves the Discovery Log Page and Keep Alive: no I/O queues, namespaces or events.
  if (c.isDiscovery) {
    c.options.numIoQueues = 0;
    c.setState(S.SetKeepAliveTimeout);
    await configureKeepAlive(c);
    c.setState(S.Ready);
    return;
  }

  c.setState(S.SetNumQueues);
  const wanted = Math.max(1, Math.min(c.options.numIoQueues, 0xffff));
  const granted = await c.setFeature(FeatureId.NumberOfQueues, ((wanted - 1) | ((wanted - 1) << 16)) >>> 0);
  c.options.numIoQueues = Math.min(wanted, (granted & 0xffff) + 1, (granted >>> 16) + 1);

  c.setState(S.IdentifyNamespaces);
  await identifyNamespaces(c);

  c.setState(S.ConfigureAer);
  await configureAsyncEvents(c);

  c.setState(S.SetDoorbellBufferConfig);
  await configureShadowDoorbells(c);

  c.setState(S.SetKeepAliveTimeout);
  await configureKeepAlive(c);

  c.setState(S.Ready);
}

/** How long CSTS.RDY may take to follow CC.EN: CAP.TO, at least 500 ms. */
function readyTimeoutMs(c: Controller): number {
  return Math.max(c.cap.timeoutMs, 500);
}

/**
 * Disables the controller: clears CC.EN and waits for CSTS.RDY = 0 (first for RDY = 1 when EN is
 * set but the controller is not ready yet, as EN may not drop then), each wait at most CAP.TO. A
 * disabled controller has stopped processing commands and moving data. `step` hears each state of
 * the way (initialisation publishes them; a reset or a failure keeps its own).
 * @throws {@link NvmeTimeoutError} when CSTS.RDY does not follow in time
 */
export async function disableController(
  c: Controller,
  step: (s: S) => void = () => undefined,
): Promise<void> {
  const regs = c.registers;
  const readyTimeout = readyTimeoutMs(c);
  const cc = decodeCc(await regs.read32(Register.CC));
  const csts = decodeCsts(await regs.read32(Register.CSTS));
  if (cc.en && !csts.rdy && !csts.cfs) {
    step(S.DisableWaitForReady1);
    await waitForRegister(
      regs,
      Register.CSTS,
      (v) => (v & 1) === 1,
      readyTimeout,
      "waiting for CSTS.RDY=1 before disabling",
    );
  }
  if (cc.en) {
    step(S.SetEn0);
    await regs.write32(Register.CC, (await regs.read32(Register.CC)) & ~1);
  }
  step(S.DisableWaitForReady0);
  await waitForRegister(
    regs,
    Register.CSTS,
    (v) => (v & 1) === 0,
    readyTimeout,
    "waiting for CSTS.RDY=0 after disabling",
  );
}

/** Sends the shutdown notification and waits for CSTS.SHST to report completion. */
export async function shutdownController(c: Controller): Promise<void> {
  const regs = c.registers;
  const cc = await regs.read32(Register.CC);
  await regs.write32(Register.CC, ((cc & ~(3 << 14)) | (ShutdownNotification.Normal << 14)) >>> 0);
  const limit = Math.max(MIN_SHUTDOWN_MS, Math.ceil(c.data.rtd3e / 1000));
  await waitForRegister(
    regs,
    Register.CSTS,
    (v) => ((v >>> 2) & 3) === ShutdownStatus.Complete,
    limit,
    "waiting for shutdown (CSTS.SHST)",
  );
}

/** Weighted round robin and vendor-specific arbitration only where CAP.AMS offers them. */
function negotiateArbitration(wanted: ArbitrationMechanism, capAms: number): ArbitrationMechanism {
  if (wanted === ArbitrationMechanism.WeightedRoundRobinUrgent && (capAms & 1) !== 0) return wanted;
  if (wanted === ArbitrationMechanism.VendorSpecific && (capAms & 2) !== 0) return wanted;
  return ArbitrationMechanism.RoundRobin;
}

async function configureAsyncEvents(c: Controller): Promise<void> {
  // The notices the controller says it can send (OAES), plus all SMART critical warnings; fabrics
  // targets (Linux nvmet) take notices only and refuse the warning bits with Invalid Field.
  let notices = 0;
  if (c.data.oaes & (1 << 8)) notices |= 1 << 8; // namespace attribute changed
  if (c.data.oaes & (1 << 9)) notices |= 1 << 9; // firmware activation
  try {
    await c.setFeature(FeatureId.AsyncEventConfiguration, notices | 0xff);
  } catch (error) {
    if (!(error instanceof NvmeStatusError) || error.sc !== GenericStatus.InvalidField) throw error;
    await c.setFeature(FeatureId.AsyncEventConfiguration, notices);
  }
  const count = Math.min(c.data.aerl + 1, MAX_AERS);
  for (let i = 0; i < count; i++) submitAer(c.admin, c);
}

/** Submits one Asynchronous Event Request whose completion re-arms it. */
function submitAer(admin: QueuePair, c: Controller): void {
  const req = admin.takeRequest();
  if (req === null) return;
  cmds.asyncEventRequest(req.cmd);
  req.cb = onAerCompletion as never;
  req.cbArg = c;
  admin.submit(req, null);
}

/**
 * SPDK's rules (nvme_ctrlr_async_event_cb): an AER the host aborted (SQ deletion: reset, detach,
 * removal; any error once the controller is no longer ready) is neither reported nor re-armed; one
 * refused with AER Limit Exceeded (an out-of-spec device) is not re-armed; any other completion,
 * an error status included, is reported and the AER re-armed.
 */
function onAerCompletion(c: Controller, cpl: Completion): void {
  if (cpl.isError) {
    if (c.state !== S.Ready) return;
    if (cpl.sct === StatusCodeType.Generic && cpl.sc === GenericStatus.AbortedSqDeletion) return;
    if (
      cpl.sct === StatusCodeType.CommandSpecific &&
      cpl.sc === CommandSpecificStatus.AsyncEventRequestLimitExceeded
    )
      return;
  }
  c.onAsyncEvent(cpl);
  if (c.state === S.Ready) submitAer(c.admin, c);
  // A namespace attribute notice means the namespace list changed: re-read it.
  if (!cpl.isError && (cpl.cdw0 & 0x7) === 2 && ((cpl.cdw0 >>> 8) & 0xff) === 0)
    void c.refreshNamespaces().catch(() => undefined);
}

/**
 * Shadow doorbells when asked for, offered by OACS and possible on the transport (SPDK's
 * SET_DB_BUF_CFG); a controller that refuses the command is used with its doorbell registers alone.
 */
async function configureShadowDoorbells(c: Controller): Promise<void> {
  const enable = c.connection.enableShadowDoorbells?.bind(c.connection);
  const offered = (c.data.oacs & Oacs.DoorbellBufferConfig) !== 0;
  if (!c.options.useShadowDoorbells || !offered || enable === undefined) {
    c.options.useShadowDoorbells = false;
    return;
  }
  try {
    await enable(c.adminChannel);
  } catch (error) {
    if (!(error instanceof NvmeStatusError)) throw error;
    c.options.useShadowDoorbells = false;
  }
}

async function configureKeepAlive(c: Controller): Promise<void> {
  if (c.isFabric) {
    // KATO went with the admin Connect (0 for a discovery controller); the target's timer runs from there.
    if (c.isDiscovery) c.options.keepAliveTimeoutMs = 0;
    const kato = c.options.keepAliveTimeoutMs;
    c.admin.poller.setIdleInterval(
      kato === 0 ? ADMIN_IDLE_POLL_MS : Math.min(ADMIN_IDLE_POLL_MS, Math.floor(kato / 4)),
    );
    return;
  }
  if (c.options.keepAliveTimeoutMs === 0 || c.data.kas === 0) {
    c.options.keepAliveTimeoutMs = 0;
    c.admin.poller.setIdleInterval(ADMIN_IDLE_POLL_MS);
    return;
  }
  // KATO is kept in multiples of the controller's granularity (KAS, in 100 ms units).
  const unit = c.data.kas * 100;
  const kato = Math.ceil(c.options.keepAliveTimeoutMs / unit) * unit;
  await c.setFeature(FeatureId.KeepAliveTimer, kato);
  c.options.keepAliveTimeoutMs = await c.getFeature(FeatureId.KeepAliveTimer);
  c.admin.poller.setIdleInterval(Math.min(ADMIN_IDLE_POLL_MS, Math.floor(c.options.keepAliveTimeoutMs / 4)));
}
