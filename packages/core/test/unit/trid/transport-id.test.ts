import { test } from "uvu";
import * as assert from "uvu/assert";
import { InvalidArgumentError, TransportIdError } from "../../../src/errors/errors.js";
import { formatPciAddress, parsePciAddress } from "../../../src/trid/pci-address.js";
import {
  AddressFamily,
  adrfamStr,
  compareTransportIds,
  emptyTransportId,
  formatTransportId,
  type ParseTransportIdOptions,
  parseAdrfam,
  parseTransportId,
  parseTrtype,
  TRID_UNKNOWN_KEY,
  type TransportId,
  TransportType,
  trtypeStr,
} from "../../../src/trid/transport-id.js";

/** Asserts that parsing `str` throws a TransportIdError whose token is `token`. */
function rejects(str: string, token: string, into?: TransportId, options?: ParseTransportIdOptions) {
  try {
    parseTransportId(str, into, options);
  } catch (e) {
    assert.instance(e, TransportIdError);
    assert.is((e as TransportIdError).token, token);
    assert.ok((e as Error).message.includes(token));
    return;
  }
  assert.unreachable(`"${str}" was accepted`);
}

test("enum values are SPDK's", () => {
  assert.is(TransportType.PCIe, 256);
  assert.is(TransportType.RDMA, 1);
  assert.is(TransportType.FC, 2);
  assert.is(TransportType.TCP, 3);
  assert.is(TransportType.Custom, 4096);
  assert.is(AddressFamily.IPv4, 1);
  assert.is(AddressFamily.IntraHost, 254);
});

test("trtypeStr / adrfamStr names, undefined for unknown values", () => {
  assert.is(trtypeStr(TransportType.PCIe), "PCIe");
  assert.is(trtypeStr(TransportType.RDMA), "RDMA");
  assert.is(trtypeStr(TransportType.TCP), "TCP");
  assert.is(trtypeStr(TransportType.FC), "FC");
  assert.is(trtypeStr(TransportType.Custom), "CUSTOM");
  assert.is(trtypeStr(7 as TransportType), undefined);
  assert.is(adrfamStr(AddressFamily.IPv4), "IPv4");
  assert.is(adrfamStr(AddressFamily.IPv6), "IPv6");
  assert.is(adrfamStr(AddressFamily.IB), "IB");
  assert.is(adrfamStr(AddressFamily.FC), "FC");
  assert.is(adrfamStr(AddressFamily.IntraHost), "INTRA_HOST");
  assert.is(adrfamStr(9 as AddressFamily), undefined);
});

test("parseTrtype / parseAdrfam ignore case and reject unknown names", () => {
  assert.is(parseTrtype("pcie"), TransportType.PCIe);
  assert.is(parseTrtype("PCIE"), TransportType.PCIe);
  assert.is(parseTrtype("rdma"), TransportType.RDMA);
  assert.is(parseTrtype("Tcp"), TransportType.TCP);
  assert.is(parseTrtype("fc"), TransportType.FC);
  assert.is(parseAdrfam("ipv4"), AddressFamily.IPv4);
  assert.is(parseAdrfam("IPV6"), AddressFamily.IPv6);
  assert.is(parseAdrfam("intra_host"), AddressFamily.IntraHost);
  assert.throws(
    () => parseTrtype("iwarp"),
    (e: unknown) => e instanceof InvalidArgumentError,
  );
  assert.throws(
    () => parseAdrfam("ipv5"),
    (e: unknown) => e instanceof InvalidArgumentError,
  );
});

test("parses a PCIe trid", () => {
  const t = parseTransportId("trtype:PCIe traddr:0000:04:00.0");
  assert.equal(t, { ...emptyTransportId(), traddr: "0000:04:00.0", trstring: "PCIE" });
});

test("parses a TCP trid with every field, keys and names in any case, '=' as separator", () => {
  const t = parseTransportId(
    "  TrType=tcp\tADRFAM:ipv4\ntraddr:192.168.100.8 trsvcid=4420 subnqn:nqn.2016-06.io.spdk:cnode1 ",
  );
  assert.equal(t, {
    trtype: TransportType.TCP,
    adrfam: AddressFamily.IPv4,
    traddr: "192.168.100.8",
    trsvcid: "4420",
    subnqn: "nqn.2016-06.io.spdk:cnode1",
    trstring: "TCP",
  });
});

test("the first of ':' and '=' separates, so values may contain either", () => {
  assert.is(parseTransportId("subnqn=nqn.x:y=z").subnqn, "nqn.x:y=z");
  assert.is(parseTransportId("subnqn:a=b").subnqn, "a=b");
});

test("unspecified fields keep their value in `into`; the last repeated key wins", () => {
  const into: TransportId = {
    trtype: TransportType.RDMA,
    adrfam: AddressFamily.IPv6,
    traddr: "fe80::1",
    trsvcid: "4420",
    subnqn: "nqn.a",
    trstring: "RDMA",
  };
  const out = parseTransportId("trsvcid:4421 trsvcid:4422", into);
  assert.is(out, into);
  assert.equal(into, { ...into, trsvcid: "4422" });
  assert.is(into.traddr, "fe80::1");
  assert.is(into.trtype, TransportType.RDMA);
});

test("into is untouched when the string is invalid", () => {
  const into = emptyTransportId();
  rejects("traddr:0000:01:00.0 adrfam:IPv5", "adrfam:IPv5", into);
  assert.equal(into, emptyTransportId());
  rejects("traddr:0000:01:00.0 bogus:1", "bogus:1", into, { strict: true });
  assert.equal(into, emptyTransportId());
});

test("keys SPDK ignores are accepted and ignored", () => {
  const t = parseTransportId(
    "trtype:RDMA traddr:1.2.3.4 ns:1 hostnqn:nqn.h hostaddr:5.6.7.8 hostsvcid:9 alt_traddr:x priority:1",
  );
  assert.equal(t, { ...emptyTransportId(), trtype: TransportType.RDMA, traddr: "1.2.3.4", trstring: "RDMA" });
});

test("errors name the offending token", () => {
  rejects("", "");
  rejects("  \t ", "  \t ");
  rejects("trtype:PCIe traddr", "traddr");
  rejects("trtype:PCIe traddr:", "traddr:");
  rejects("trtype:PCIe color:blue", "color:blue", undefined, { strict: true });
  rejects("trtype:iWARP", "trtype:iWARP", undefined, { strict: true });
  rejects("trtype:RDMA adrfam:IPv5", "adrfam:IPv5");
  rejects(`trtype:TCP traddr:${"a".repeat(257)}`, `traddr:${"a".repeat(257)}`);
  rejects(`trtype:TCP trsvcid:${"1".repeat(33)}`, `trsvcid:${"1".repeat(33)}`);
  rejects(`subnqn:${"n".repeat(224)}`, `subnqn:${"n".repeat(224)}`);
});

test("length limits are inclusive", () => {
  assert.is(parseTransportId(`trtype:TCP traddr:${"a".repeat(256)}`).traddr.length, 256);
  assert.is(parseTransportId(`trsvcid:${"1".repeat(32)}`).trsvcid.length, 32);
  assert.is(parseTransportId(`subnqn:${"n".repeat(223)}`).subnqn.length, 223);
});

test("PCIe traddr must be DDDD:BB:DD.F or DDDD.BB.DD.F, checked after the whole string", () => {
  assert.is(parseTransportId("trtype:PCIe traddr:0000.04.00.0").traddr, "0000.04.00.0");
  assert.is(parseTransportId("traddr:0000:AF:1f.7").traddr, "0000:AF:1f.7");
  rejects("trtype:PCIe traddr:04:00.0", "traddr:04:00.0");
  rejects("traddr:0000:04:00.8 trtype:PCIe", "traddr:0000:04:00.8");
  rejects("trtype:PCIe traddr:0000:04:20.0", "traddr:0000:04:20.0");
  rejects("trtype:PCIe traddr:0000:04.00.0", "traddr:0000:04.00.0");
  rejects("trtype:PCIe traddr:0000:04:00.0x", "traddr:0000:04:00.0x");
  // trtype given last makes an address from `into` invalid: the error names it too
  const tcpInto = { ...emptyTransportId(), trtype: TransportType.TCP, traddr: "192.168.0.1" };
  rejects("trtype:PCIe", "traddr:192.168.0.1", tcpInto);
  // ... though 10.0.0.1 happens to be a well-formed dotted PCI address (domain 0x10, function 1)
  assert.is(parseTransportId("trtype:PCIe traddr:10.0.0.1").traddr, "10.0.0.1");
  // an IP address is fine for fabrics; an empty PCIe traddr means the whole bus
  assert.is(parseTransportId("trtype:RDMA traddr:10.0.0.1").traddr, "10.0.0.1");
  assert.is(parseTransportId("trtype:PCIe").traddr, "");
});

test("an unknown trtype name is a custom transport, as SPDK; strict accepts only customTransports", () => {
  const sock = parseTransportId("trtype:vfiouser traddr:/tmp/sock");
  assert.equal([sock.trtype, sock.trstring, sock.traddr], [TransportType.Custom, "VFIOUSER", "/tmp/sock"]);
  rejects("trtype:vfiouser traddr:/tmp/sock", "trtype:vfiouser", undefined, { strict: true });
  const strict = { strict: true, customTransports: ["myfabric"] };
  const t = parseTransportId("trtype:MyFabric traddr:x", undefined, strict);
  assert.is(t.trtype, TransportType.Custom);
  assert.is(t.trstring, "MYFABRIC");
});

test("an unknown key is skipped and reported to onWarning, or as a process warning; strict refuses it", async () => {
  const told: [string, string][] = [];
  const t = parseTransportId("trtype:TCP color:blue traddr:10.0.0.1 shape=round", undefined, {
    onWarning: (token, message) => told.push([token, message]),
  });
  assert.equal([t.trtype, t.traddr], [TransportType.TCP, "10.0.0.1"]);
  assert.equal(
    told.map(([token]) => token),
    ["color:blue", "shape=round"],
  );
  assert.match(told[0]![1], /color:blue.*unknown key/);
  // Keys SPDK ignores on purpose are not reported.
  parseTransportId("trtype:TCP hostnqn:nqn.h ns:1", undefined, {
    onWarning: (token) => told.push([token, ""]),
  });
  assert.is(told.length, 2);
  // Nothing is reported for a string that is refused anyway.
  assert.throws(() =>
    parseTransportId("color:blue adrfam:IPv5", undefined, { onWarning: () => told.push(["", ""]) }),
  );
  assert.is(told.length, 2);

  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on("warning", onWarning);
  try {
    parseTransportId("trtype:PCIe color:blue");
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
  } finally {
    process.off("warning", onWarning);
  }
  assert.equal(
    warnings.map((w) => (w as Error & { code?: string }).code),
    [TRID_UNKNOWN_KEY],
  );
});

test("parsePciAddress / formatPciAddress", () => {
  assert.equal(parsePciAddress("0000:04:00.0"), { domain: 0, bus: 4, device: 0, function: 0 });
  assert.equal(parsePciAddress("10000.Af.1F.7"), { domain: 0x10000, bus: 0xaf, device: 0x1f, function: 7 });
  assert.is(formatPciAddress({ domain: 0, bus: 0xaf, device: 0x1f, function: 7 }), "0000:af:1f.7");
  assert.throws(
    () => parsePciAddress("0000:04:00"),
    (e: unknown) => e instanceof InvalidArgumentError,
  );
});

const tcp = (over: Partial<TransportId>): TransportId => ({
  trtype: TransportType.TCP,
  adrfam: AddressFamily.IPv4,
  traddr: "10.0.0.1",
  trsvcid: "4420",
  subnqn: "nqn.a",
  trstring: "TCP",
  ...over,
});

test("compare: trtype first, then PCI address parsed", () => {
  const pcie = (traddr: string) => ({ ...emptyTransportId(), traddr });
  assert.is(compareTransportIds(pcie("0000:04:00.0"), pcie("0000.04.00.0")), 0);
  assert.is(compareTransportIds(pcie("0000:04:00.0"), pcie("0:4:0.0")), 0);
  assert.ok(compareTransportIds(pcie("0000:04:00.0"), pcie("0000:04:00.1")) < 0);
  assert.ok(compareTransportIds(pcie("0000:05:00.0"), pcie("0000:04:1f.7")) > 0);
  assert.ok(compareTransportIds(pcie("0001:00:00.0"), pcie("0000:ff:1f.7")) > 0);
  assert.is(compareTransportIds(pcie(""), pcie("")), 0);
  assert.ok(compareTransportIds(pcie(""), pcie("0000:00:00.0")) < 0);
  // PCIe ignores every other field
  assert.is(compareTransportIds({ ...pcie("0000:04:00.0"), subnqn: "x" }, pcie("0000:04:00.0")), 0);
  // RDMA (1) < TCP (3) < PCIe (256)
  assert.ok(compareTransportIds(tcp({ trtype: TransportType.RDMA }), tcp({})) < 0);
  assert.ok(compareTransportIds(pcie("0000:00:00.0"), tcp({})) > 0);
});

test("compare: fabrics order traddr, adrfam, trsvcid, subnqn; every string field case-insensitive", () => {
  assert.is(compareTransportIds(tcp({ traddr: "FE80::1" }), tcp({ traddr: "fe80::1" })), 0);
  assert.ok(
    compareTransportIds(tcp({ traddr: "10.0.0.1", adrfam: 2 }), tcp({ traddr: "10.0.0.2", adrfam: 1 })) < 0,
  );
  assert.ok(compareTransportIds(tcp({ adrfam: 2, trsvcid: "1" }), tcp({ adrfam: 1, trsvcid: "2" })) > 0);
  assert.ok(
    compareTransportIds(tcp({ trsvcid: "4420", subnqn: "b" }), tcp({ trsvcid: "4421", subnqn: "a" })) < 0,
  );
  assert.is(compareTransportIds(tcp({ trsvcid: "ABC" }), tcp({ trsvcid: "abc" })), 0);
  assert.is(
    compareTransportIds(
      tcp({ subnqn: "nqn.2016-06.IO.spdk:CNODE1" }),
      tcp({ subnqn: "nqn.2016-06.io.spdk:cnode1" }),
    ),
    0,
  );
  assert.ok(compareTransportIds(tcp({ subnqn: "nqn.A" }), tcp({ subnqn: "nqn.b" })) < 0);
  assert.ok(compareTransportIds(tcp({ traddr: "a" }), tcp({ traddr: "ab" })) < 0);
});

test("compare: custom transports by name", () => {
  const c = (trstring: string) => ({ ...emptyTransportId(), trtype: TransportType.Custom, trstring });
  assert.is(compareTransportIds(c("MYFAB"), c("myfab")), 0);
  assert.ok(compareTransportIds(c("A"), c("B")) < 0);
});

test("format round-trips through parse", () => {
  const ids: TransportId[] = [
    parseTransportId("trtype:PCIe traddr:0000:04:00.0"),
    parseTransportId("trtype:PCIe"),
    tcp({}),
    tcp({ trtype: TransportType.RDMA, trstring: "RDMA", adrfam: AddressFamily.IPv6, traddr: "fe80::1" }),
    tcp({ trtype: TransportType.FC, trstring: "FC", adrfam: AddressFamily.FC, trsvcid: "", subnqn: "" }),
    tcp({ adrfam: AddressFamily.IntraHost }),
  ];
  for (const t of ids) {
    const back = parseTransportId(formatTransportId(t));
    assert.equal(back, t, formatTransportId(t));
  }
  assert.is(formatTransportId(tcp({})), "trtype:TCP adrfam:IPv4 traddr:10.0.0.1 trsvcid:4420 subnqn:nqn.a");
  const custom = { ...emptyTransportId(), trtype: TransportType.Custom, trstring: "MYFAB", traddr: "x" };
  assert.equal(
    parseTransportId(formatTransportId(custom), undefined, { customTransports: ["MyFab"] }),
    custom,
  );
  assert.throws(
    () => formatTransportId(tcp({ subnqn: "a b" })),
    (e: unknown) => e instanceof InvalidArgumentError,
  );
});

test.run();
