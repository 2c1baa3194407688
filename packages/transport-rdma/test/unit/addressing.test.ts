// What the RDMA transport can check without an RDMA device: how a target's address becomes the
// sockaddr rdma_cm resolves, and that a machine without RDMA gets an error naming what is missing
// (this host has no rdma_cm device; the rig's guest, with soft-RoCE, runs the device suites).
import "reflect-metadata";
import { existsSync } from "node:fs";
import { coreModule, NvmeDriver, NvmeError } from "@nvmekit/core";
import { Container } from "inversify";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { socketAddress } from "../../src/host/cm-connect.js";
import { RdmaTransport, rdmaTransportModule } from "../../src/index.js";

test("an IPv4 address: sockaddr_in with the port in network order", async () => {
  const sa = await socketAddress("10.66.0.1", 4420);
  assert.is(sa.length, 16);
  assert.equal([...sa.subarray(0, 8)], [2, 0, 0x11, 0x44, 10, 66, 0, 1]);
  assert.ok(sa.subarray(8).every((b) => b === 0));
});

test("an IPv6 address, with :: expanded: sockaddr_in6", async () => {
  const sa = await socketAddress("fe80::1:2", 4420);
  assert.is(sa.length, 28);
  const v = new DataView(sa.buffer);
  assert.is(v.getUint16(0, true), 10);
  assert.is(v.getUint16(2, false), 4420);
  const groups = Array.from({ length: 8 }, (_, i) => v.getUint16(8 + 2 * i, false));
  assert.equal(groups, [0xfe80, 0, 0, 0, 0, 0, 1, 2]);
});

test("a name that does not resolve: a TransportError saying so", async () => {
  try {
    await socketAddress("no-such-host.invalid", 4420);
    assert.unreachable("resolved");
  } catch (e) {
    assert.ok(e instanceof NvmeError && /does not resolve/.test(e.message), String(e));
  }
});

test("without an RDMA device the transport says it is unavailable, and connect names what is missing", async () => {
  const transport = new RdmaTransport();
  const present = existsSync("/dev/infiniband/rdma_cm");
  assert.is(transport.available(), present && transport.unavailableReason() === "");
  if (present) return; // a machine with RDMA: the device suites cover connecting
  const c = new Container();
  c.load(coreModule, rdmaTransportModule());
  try {
    await c.get(NvmeDriver).connect("trtype:RDMA adrfam:IPv4 traddr:10.66.0.1 trsvcid:4420 subnqn:nqn.x:y");
    assert.unreachable("connected");
  } catch (e) {
    assert.ok(e instanceof NvmeError, String(e));
    // Either the libraries are missing (what to install) or the kernel side is (what to load).
    assert.match((e as Error).message, /not available on this machine: .*(rdma_ucm|apt-get install)/);
  }
});

test.run();
