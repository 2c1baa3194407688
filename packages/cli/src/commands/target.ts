/**
 * `nvmekit target [-r TRID] [--address A] [--port P] [--subnqn NQN] [--allow-host NQN ...]
 * [--allow-any-host]`: serves the controller's namespaces over NVMe/TCP (a discovery subsystem and
 * one I/O subsystem) until Ctrl-C. A test and development target, not a production one: no TLS, no
 * authentication, every queue served from this one thread.
 * @module
 */
import { DISCOVERY_NQN } from "@nvmekit/core/nvme-spec";
import { DEFAULT_TARGET_SUBNQN, NvmeTcpTarget, type TargetEvent } from "@nvmekit/transport-tcp";
import type { Command } from "commander";
import { type TargetFlags, tridOption } from "../options/common.js";
import { integer } from "../options/numbers.js";
import { UsageError } from "../runtime/cli-error.js";
import { notice, print } from "../runtime/output.js";
import { withController } from "../runtime/session.js";

interface ServeFlags extends TargetFlags {
  address: string;
  port: number;
  subnqn: string;
  allowHost: string[];
  allowAnyHost?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** One stderr line per event worth a look while the target runs. */
function describe(e: TargetEvent): string | undefined {
  switch (e.type) {
    case "controller-created":
      return `controller ${e.cntlid}: host ${e.hostnqn} connected to ${e.subnqn}`;
    case "controller-destroyed":
      return `controller ${e.cntlid}: gone (${e.reason})`;
    case "connect-rejected":
      return `Connect from ${e.peer} refused: ${e.reason}`;
    case "protocol-error":
      return `${e.peer}: protocol error (FES ${e.fes}): ${e.message}; connection closed`;
    case "error":
      return `error: ${e.error.message}`;
    default:
      return undefined;
  }
}

/** Resolves at the first SIGINT or SIGTERM; a second one ends the process at once. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const first = (signal: string): void => {
      process.off("SIGINT", first);
      process.off("SIGTERM", first);
      const again = (): void => process.exit(130);
      process.once("SIGINT", again);
      process.once("SIGTERM", again);
      resolve(signal);
    };
    process.on("SIGINT", first);
    process.on("SIGTERM", first);
  });
}

/** Registers `target`. */
export function registerTarget(program: Command): void {
  const cmd = program
    .command("target")
    .description(
      "serve the controller's namespaces over NVMe/TCP until Ctrl-C (a test and development target, not a production one)",
    );
  tridOption(cmd)
    .option("--address <ADDR>", "address to listen on (0.0.0.0 or :: for every interface)", "127.0.0.1")
    .option("--port <PORT>", "TCP port (0: any free one)", integer(0, 65535), 4420)
    .option("--subnqn <NQN>", "NQN of the I/O subsystem", DEFAULT_TARGET_SUBNQN)
    .option("--allow-host <NQN>", "host NQN allowed to connect (repeat for more)", collect, [])
    .option("--allow-any-host", "let any host connect (the default when no --allow-host is given)")
    .addHelpText(
      "after",
      "\nThis is a test and development target, not a production one: no TLS, no authentication,\n" +
        "no multipath, one thread. Like Linux's nvmet it serves a discovery subsystem\n" +
        `(${DISCOVERY_NQN}) and one I/O subsystem on one port. Linux's nvmet\n` +
        "admits only listed hosts unless attr_allow_any_host is set; here any host may connect until\n" +
        "you name some with --allow-host.\n\n" +
        "Examples:\n" +
        "  nvmekit target                                   # the built-in software controller on 127.0.0.1:4420\n" +
        "  nvmekit target -r 'trtype:PCIe traddr:0000:01:00.0' --address 0.0.0.0 \\\n" +
        "      --allow-host nqn.2014-08.org.nvmexpress:uuid:<host uuid>\n",
    )
    .action((flags: ServeFlags) => serve(flags));
}

async function serve(flags: ServeFlags): Promise<void> {
  if (flags.allowAnyHost && flags.allowHost.length > 0) {
    throw new UsageError("give either --allow-host NQN (one or more) or --allow-any-host, not both");
  }
  const allowedHosts = flags.allowHost.length > 0 ? flags.allowHost : "any";
  await withController(flags.trid, async ({ ctrlr }) => {
    const target = new NvmeTcpTarget({
      backend: ctrlr,
      subnqn: flags.subnqn,
      allowedHosts,
      address: flags.address,
      port: flags.port,
    });
    target.events$.subscribe((e) => {
      const line = describe(e);
      if (line !== undefined) notice(line);
    });
    const signal = untilSignal();
    let bound: { address: string; port: number };
    try {
      bound = await target.listen();
    } catch (e) {
      await target.close();
      const err = e as NodeJS.ErrnoException;
      throw new UsageError(
        `cannot listen on ${flags.address}:${flags.port}: ${err.code ?? err.message}` +
          (err.code === "EADDRINUSE"
            ? " (is Linux's nvmet or another target on that port? give --port)"
            : ""),
      );
    }
    const any = bound.address === "0.0.0.0" || bound.address === "::";
    const reach = any ? "127.0.0.1" : bound.address;
    const adrfam = reach.includes(":") ? "IPv6" : "IPv4";
    const ns = ctrlr.activeNamespaceIds();
    print(`NVMe/TCP test target (not for production) listening on ${bound.address}:${bound.port}`);
    print(`  subsystem  ${target.subnqn}  (namespaces ${ns.join(", ") || "none"})`);
    print(`  discovery  ${DISCOVERY_NQN}`);
    print(
      `  hosts      ${allowedHosts === "any" ? "any host (restrict with --allow-host NQN)" : allowedHosts.join(", ")}`,
    );
    print("Try (Linux, as root, with nvme-cli and the nvme-tcp module):");
    print(`  nvme discover -t tcp -a ${reach} -s ${bound.port}`);
    print(`  nvme connect -t tcp -a ${reach} -s ${bound.port} -n ${target.subnqn}`);
    print(`  nvme disconnect -n ${target.subnqn}`);
    print("or from nvmekit:");
    print(
      `  nvmekit perf -r 'trtype:TCP adrfam:${adrfam} traddr:${reach} trsvcid:${bound.port} subnqn:${target.subnqn}' ` +
        "-q 32 -o 4096 -w randread -t 5",
    );
    print("Ctrl-C stops it.");
    const got = await signal;
    notice(`${got}: closing the target`);
    await target.close();
  });
}
