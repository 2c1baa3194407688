/**
 * Bring-up and discovery: nvmekit's NVMe/TCP host connecting to nvmekit's NVMe/TCP target.
 */
import { Controller, ControllerState, StateError } from "@nvmekit/core";
import { DISCOVERY_NQN } from "@nvmekit/core/nvme-spec";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { DEFAULT_IN_CAPSULE_DATA_SIZE } from "../../../src/target/target.js";
import { BASE_OPTIONS, HOSTNQN, SUBNQN, startRig, tridFor, until } from "./helper.js";

test("connect walks the fabrics state sequence to Ready; CAP/VS/CSTS come as properties", async () => {
  const rig = await startRig();
  const seen: ControllerState[] = [];
  const proto = Controller.prototype as unknown as { setState(s: ControllerState): void };
  const original = proto.setState;
  proto.setState = function (this: Controller, s: ControllerState) {
    if (this.trid.trstring === "TCP" || this.trid.traddr === "127.0.0.1") seen.push(s);
    original.call(this, s);
  };
  try {
    const c = await rig.connect();
    proto.setState = original;
    assert.equal(seen, [
      ControllerState.ConnectAdminQueue,
      ControllerState.DisableWaitForReady0,
      ControllerState.Enable,
      ControllerState.EnableWaitForReady1,
      ControllerState.Identify,
      ControllerState.SetNumQueues,
      ControllerState.IdentifyNamespaces,
      ControllerState.ConfigureAer,
      ControllerState.SetDoorbellBufferConfig,
      ControllerState.SetKeepAliveTimeout,
      ControllerState.Ready,
    ]);
    assert.is(c.state, ControllerState.Ready);
    assert.ok(c.isFabric);
    assert.not.ok(c.isDiscovery);
    // Registers are properties: a live Property Get each time.
    const csts = await c.getRegsCsts();
    assert.ok(csts.rdy, "CSTS.RDY read as a property");
    assert.not.ok(csts.cfs);
    assert.is(c.getRegsCap().mqes, 127, "CAP.MQES is the target's (128 entries)");
    assert.ok(c.getRegsCap().timeoutMs > 0);
    const vs = c.getRegsVs();
    assert.ok(vs.major >= 1, `VS ${vs.major}.${vs.minor}`);
    // Identify: the fabrics fields are the target's.
    assert.is(c.data.subnqn, SUBNQN);
    assert.is(c.data.ioccsz, DEFAULT_IN_CAPSULE_DATA_SIZE / 16 + 4);
    const created = rig.events.find((e) => e.type === "controller-created");
    assert.ok(created !== undefined && created.type === "controller-created");
    assert.is(c.data.cntlid, created.cntlid, "CNTLID is the one the admin Connect returned");
    assert.is(created.hostnqn, HOSTNQN);
    assert.is(c.maxTransferSize, rig.backend.ctrlr.maxTransferSize, "MDTS follows the backend");
    assert.is(c.options.numIoQueues, 8, "Number of Queues granted by the target");
    // Namespaces: the backend's.
    assert.equal(c.activeNamespaceIds(), rig.backend.ctrlr.activeNamespaceIds());
    for (const id of c.activeNamespaceIds()) {
      const mine = c.namespaces.get(id)!;
      const theirs = rig.backend.ctrlr.namespaces.get(id)!;
      assert.is(mine.numSectors, theirs.numSectors, `ns ${id} size`);
      assert.is(mine.sectorSize, theirs.sectorSize, `ns ${id} block size`);
      assert.is(mine.data.nguid, theirs.data.nguid, `ns ${id} NGUID`);
    }
    await rig.driver.detach(c);
    assert.is(c.state, ControllerState.Detached);
  } finally {
    proto.setState = original;
    await rig.stop();
  }
});

test("the discovery controller: getDiscoveryLog() lists the subsystem; an I/O controller refuses it", async () => {
  const rig = await startRig();
  try {
    const d = await rig.driver.connect(tridFor(rig.port, DISCOVERY_NQN), { ...BASE_OPTIONS });
    assert.ok(d.isDiscovery);
    assert.is(d.data.subnqn, DISCOVERY_NQN);
    assert.is(d.options.numIoQueues, 0);
    const log = await d.getDiscoveryLog();
    const nvm = log.entries.filter((e) => e.subtype === 2);
    assert.is(nvm.length, 1);
    assert.is(nvm[0]!.subnqn, SUBNQN);
    assert.is(nvm[0]!.traddr, "127.0.0.1");
    assert.is(nvm[0]!.trsvcid, String(rig.port));
    assert.is(nvm[0]!.trtype, 3);
    await assert.not.throws(() => d.getRegsCap());
    await d.allocIoQpair().then(
      () => assert.unreachable("a discovery controller has no I/O queues"),
      (e) => assert.instance(e, Error),
    );
    await rig.driver.detach(d);
    const c = await rig.connect();
    await c.getDiscoveryLog().then(
      () => assert.unreachable("not a discovery controller"),
      (e) => assert.instance(e, StateError),
    );
  } finally {
    await rig.stop();
  }
});

test("driver.probe of the discovery address attaches the subsystem, once", async () => {
  const rig = await startRig();
  try {
    const attached: string[] = [];
    const n = await rig.driver.probe(tridFor(rig.port, ""), {
      probe: (_t, o) => {
        Object.assign(o, BASE_OPTIONS);
        return true;
      },
      attach: (t) => attached.push(t.subnqn),
    });
    assert.is(n, 1);
    assert.equal(attached, [SUBNQN]);
    assert.is(rig.driver.controllers.length, 1, "the discovery controller was detached again");
    const c = rig.driver.controllers[0]!;
    assert.is(c.state, ControllerState.Ready);
    assert.is(c.data.subnqn, SUBNQN);
    const qp = await c.allocIoQpair();
    const ns = c.namespaces.get(1)!;
    const buf = c.allocBuffer(512);
    buf.bytes.fill(0x5a);
    await ns.write(qp, buf.bytes, 7, 1);
    // A probe of every transport finds no TCP controller without an address, and fails nothing.
    assert.is(await rig.driver.probe(undefined), 0);
    // Probing again attaches nothing new.
    assert.is(
      await rig.driver.probe(tridFor(rig.port, ""), { probe: (_t, o) => !!Object.assign(o, BASE_OPTIONS) }),
      0,
    );
    assert.ok(
      await until(() => rig.target.controllerCount === 1, 1000),
      `only the I/O controller lives on the target (${rig.target.controllerCount})`,
    );
  } finally {
    await rig.stop();
  }
});

test.run();
