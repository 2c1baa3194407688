import { test } from "uvu";
import * as assert from "uvu/assert";
import { InvalidArgumentError } from "../../../src/errors/errors.js";
import { discoveryEntryToTransportId } from "../../../src/fabrics/discovery-entry.js";
import type { DiscoveryLogEntry } from "../../../src/nvme-spec/discovery-log.js";
import { parseTransportId } from "../../../src/trid/transport-id.js";
import { AddressFamily, TransportType } from "../../../src/trid/transport-type.js";

function entry(fields: Partial<DiscoveryLogEntry>): DiscoveryLogEntry {
  return {
    trtype: 3,
    adrfam: 1,
    subtype: 2,
    treq: 0,
    portid: 1,
    cntlid: 0xffff,
    asqsz: 32,
    eflags: 0,
    trsvcid: "4420",
    subnqn: "nqn.2016-06.io.spdk:cnode1",
    traddr: "192.168.1.10",
    tsas: new Uint8Array(256),
    ...fields,
  };
}

test("TCP/IPv4 entry gives what parseTransportId gives for the same string", () => {
  const trid = discoveryEntryToTransportId(entry({}));
  assert.equal(trid, {
    trtype: TransportType.TCP,
    adrfam: AddressFamily.IPv4,
    traddr: "192.168.1.10",
    trsvcid: "4420",
    subnqn: "nqn.2016-06.io.spdk:cnode1",
    trstring: "TCP",
  });
  assert.equal(
    trid,
    parseTransportId(
      "trtype:tcp adrfam:IPv4 traddr:192.168.1.10 trsvcid:4420 subnqn:nqn.2016-06.io.spdk:cnode1",
    ),
  );
});

test("RDMA/IPv6 and FC entries", () => {
  const rdma = discoveryEntryToTransportId(entry({ trtype: 1, adrfam: 2, traddr: "fe80::1" }));
  assert.equal(
    rdma,
    parseTransportId("trtype:RDMA adrfam:IPv6 traddr:fe80::1 trsvcid:4420 subnqn:nqn.2016-06.io.spdk:cnode1"),
  );
  const fc = discoveryEntryToTransportId(
    entry({ trtype: 2, adrfam: 4, traddr: "nn-0x20000090fa942779:pn-0x10000090fa942779", trsvcid: "none" }),
  );
  assert.is(fc.trtype, TransportType.FC);
  assert.is(fc.adrfam, AddressFamily.FC);
  assert.is(fc.trstring, "FC");
});

test("IB address family and the PCIe codes (TRTYPE 0 is core's 256)", () => {
  assert.is(discoveryEntryToTransportId(entry({ trtype: 1, adrfam: 3 })).adrfam, AddressFamily.IB);
  const pcie = discoveryEntryToTransportId(
    entry({ trtype: 0, adrfam: 0, traddr: "0000:04:00.0", trsvcid: "" }),
  );
  assert.is(pcie.trtype, TransportType.PCIe);
  assert.is(pcie.adrfam, 0);
  assert.is(pcie.trstring, "PCIE");
});

test("a loop entry becomes a Custom trid named LOOP, as parseTransportId with a 'loop' plugin", () => {
  const trid = discoveryEntryToTransportId(entry({ trtype: 254, adrfam: 254, traddr: "1", trsvcid: "" }));
  assert.equal(
    trid,
    parseTransportId("trtype:loop adrfam:INTRA_HOST traddr:1 subnqn:nqn.2016-06.io.spdk:cnode1", undefined, {
      customTransports: ["loop"],
    }),
  );
  assert.is(trid.trtype, TransportType.Custom);
});

test("unknown codes are refused with the value named", () => {
  assert.throws(
    () => discoveryEntryToTransportId(entry({ trtype: 7 })),
    (e: unknown) => {
      return e instanceof InvalidArgumentError && e.argument === "trtype" && e.message.includes("type 7");
    },
  );
  assert.throws(() => discoveryEntryToTransportId(entry({ adrfam: 9 })), /address family 9/);
});

test.run();
