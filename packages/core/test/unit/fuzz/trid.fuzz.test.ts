/**
 * Fuzz tier: transport ID strings. Random strings (built from real keys, separators and values, and
 * plain noise) either parse into a transport ID whose fields obey the documented limits or fail with
 * a typed error; never anything else, and a failed parse leaves `into` untouched. Formatting then
 * parsing gives back an equal ID; the order is total. fast-check prints the seed and the shrunk
 * counterexample when a property fails.
 */
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { InvalidArgumentError, TransportIdError } from "../../../src/errors/errors.js";
import { parseNamespacePath, splitNamespace } from "../../../src/trid/namespace-path.js";
import { formatPciAddress, parsePciAddress } from "../../../src/trid/pci-address.js";
import {
  AddressFamily,
  compareTransportIds,
  emptyTransportId,
  formatTransportId,
  NQN_MAX_LEN,
  parseTransportId,
  TRADDR_MAX_LEN,
  TRSTRING_MAX_LEN,
  TRSVCID_MAX_LEN,
  type TransportId,
  TransportType,
} from "../../../src/trid/transport-id.js";

const RUNS = 10_000;

const hex = (max: number) => fc.integer({ min: 0, max }).map((n) => n.toString(16));
/** A PCI address in either spelling; `device` and `fn` bound the two fields that have limits. */
const pciSpelling = (device: number, fn: number) =>
  fc
    .tuple(hex(0xffff_ffff), hex(0xff), hex(device), hex(fn), fc.constantFrom(":", "."))
    .map(([d, b, dev, f, sep]) => (sep === ":" ? `${d}:${b}:${dev}.${f}` : `${d}.${b}.${dev}.${f}`));
const validPci = pciSpelling(0x1f, 7);
/** Valid ones and ones whose device or function is out of range. */
const pciAddress = pciSpelling(0x3f, 9);
const noise = fc.string({ unit: "binary", maxLength: 40 });
const value = fc.oneof(
  pciAddress,
  fc.ipV4(),
  fc.ipV6(),
  fc.constantFrom(
    "PCIe",
    "pcie",
    "RDMA",
    "TCP",
    "tcp",
    "FC",
    "SOFT",
    "IPv4",
    "ipv6",
    "IB",
    "INTRA_HOST",
    "4420",
  ),
  fc.nat(0xffff_ffff).map(String),
  fc.string({ minLength: 0, maxLength: 12 }),
  noise,
  fc.string({ minLength: 250, maxLength: 1100 }),
);
const key = fc.oneof(
  fc.constantFrom("trtype", "TRTYPE", "adrfam", "traddr", "trsvcid", "subnqn", "ns", "hostnqn", "priority"),
  fc.string({ maxLength: 8 }),
);
const token = fc.oneof(
  fc.tuple(key, fc.constantFrom(":", "=", "", "::", "=:"), value).map(([k, s, v]) => `${k}${s}${v}`),
  noise,
);
const space = fc.constantFrom(" ", "\t", "\n", "  ", "\r", "\v");
const tridString = fc
  .array(fc.tuple(token, space), { maxLength: 8 })
  .map((parts) => parts.map(([t, s]) => t + s).join(""));

/** Whether `e` is one of the errors a bad transport ID may raise. */
const typed = (e: unknown) => e instanceof TransportIdError || e instanceof InvalidArgumentError;

/** The documented limits every parsed transport ID obeys. */
function checkParsed(trid: TransportId): void {
  assert.ok(trid.traddr.length <= TRADDR_MAX_LEN, "traddr length");
  assert.ok(trid.trsvcid.length <= TRSVCID_MAX_LEN, "trsvcid length");
  assert.ok(trid.subnqn.length <= NQN_MAX_LEN, "subnqn length");
  assert.ok(trid.trstring.length <= TRSTRING_MAX_LEN, "trstring length");
  assert.ok(Object.values(TransportType).includes(trid.trtype), `trtype ${trid.trtype}`);
  if (trid.trtype === TransportType.PCIe && trid.traddr !== "") parsePciAddress(trid.traddr);
}

test(`parseTransportId: a valid ID or a typed error, \`into\` untouched on failure (${RUNS} strings, both modes)`, () => {
  const outcomes = { accepted: 0, refused: 0 };
  fc.assert(
    fc.property(tridString, fc.boolean(), (str, strict) => {
      const into = emptyTransportId();
      into.subnqn = "nqn.keep";
      const before = { ...into };
      let warnings = 0;
      try {
        const out = parseTransportId(str, into, { strict, onWarning: () => warnings++ });
        assert.is(out, into, "parses into the given object");
        checkParsed(out);
        if (strict) assert.is(warnings, 0, "strict mode warns about nothing: it refuses");
        outcomes.accepted++;
      } catch (e) {
        if (!typed(e)) throw e;
        assert.equal(into, before, "a refused string changes nothing");
        assert.is(warnings, 0, "a refused string reports no warnings");
        outcomes.refused++;
      }
    }),
    { numRuns: RUNS, includeErrorInReport: true },
  );
  // The generator must reach both outcomes often, or the property above proves little.
  assert.ok(outcomes.accepted > RUNS / 20 && outcomes.refused > RUNS / 20, JSON.stringify(outcomes));
});

const trid: fc.Arbitrary<TransportId> = fc.oneof(
  validPci.map((traddr) => ({ ...emptyTransportId(), traddr, trstring: "PCIE" })),
  fc
    .record({
      trtype: fc.constantFrom(TransportType.TCP, TransportType.RDMA, TransportType.FC),
      adrfam: fc.constantFrom(0 as const, AddressFamily.IPv4, AddressFamily.IPv6, AddressFamily.IB),
      traddr: fc.oneof(fc.ipV4(), fc.ipV6(), fc.stringMatching(/^[!-~]{1,40}$/)),
      trsvcid: fc.stringMatching(/^[!-~]{0,32}$/),
      subnqn: fc.stringMatching(/^[!-~]{0,64}$/),
    })
    .map((t) => ({ ...t, trstring: TransportType[t.trtype].toUpperCase() })),
);

test(`formatTransportId then parseTransportId gives back an equal ID (${RUNS} IDs)`, () => {
  fc.assert(
    fc.property(trid, (t) => {
      const back = parseTransportId(formatTransportId(t), emptyTransportId(), { strict: true });
      assert.is(compareTransportIds(back, t), 0);
      assert.equal({ ...back, trstring: back.trstring.toUpperCase() }, t);
    }),
    { numRuns: RUNS, includeErrorInReport: true },
  );
});

test(`compareTransportIds is a total order: reflexive, antisymmetric, transitive (${RUNS} triples)`, () => {
  const loose = fc.oneof(
    trid,
    fc.string({ maxLength: 14 }).map((traddr) => ({ ...emptyTransportId(), traddr })),
  );
  const sign = (n: number) => Math.sign(n);
  fc.assert(
    fc.property(loose, loose, loose, (a, b, c) => {
      assert.is(compareTransportIds(a, a), 0);
      assert.is(sign(compareTransportIds(a, b)), -sign(compareTransportIds(b, a)));
      if (compareTransportIds(a, b) <= 0 && compareTransportIds(b, c) <= 0)
        assert.ok(compareTransportIds(a, c) <= 0, "transitive");
    }),
    { numRuns: RUNS, includeErrorInReport: true },
  );
});

test(`parsePciAddress: an address that formats back to itself, or InvalidArgumentError (${RUNS} strings)`, () => {
  fc.assert(
    fc.property(fc.oneof(pciAddress, noise, fc.stringMatching(/^[0-9a-fA-F:.]{0,16}$/)), (s) => {
      try {
        const addr = parsePciAddress(s);
        assert.ok(addr.bus <= 0xff && addr.device <= 0x1f && addr.function <= 7, "fields in range");
        assert.equal(parsePciAddress(formatPciAddress(addr)), addr);
      } catch (e) {
        if (!(e instanceof InvalidArgumentError)) throw e;
      }
    }),
    { numRuns: RUNS, includeErrorInReport: true },
  );
});

test(`splitNamespace / parseNamespacePath: a namespace ID and a trid, or a typed error (${RUNS} paths)`, () => {
  const nsToken = fc.oneof(
    fc.nat(0xffff_ffff).map((n) => `ns:${n}`),
    fc.constantFrom("ns:", "ns=0", "ns:-1", "ns:1.5", "NS=7", "ns:0x10"),
    fc.string({ maxLength: 6 }).map((v) => `ns:${v}`),
  );
  const path = fc.oneof(
    fc.tuple(tridString, nsToken, tridString).map(([a, n, b]) => `${a} ${n} ${b}`),
    tridString,
    fc.nat(99).map((n) => `/dev/nvme${n}n1`),
  );
  fc.assert(
    fc.property(path, (p) => {
      try {
        const target = p.startsWith("/dev/")
          ? parseNamespacePath(p, "/nonexistent-sysfs")
          : splitNamespace(p);
        assert.ok(Number.isInteger(target.nsid) && target.nsid >= 1 && target.nsid <= 0xffff_fffe, "nsid");
        assert.not.ok(/(^|\s)ns[:=]/i.test(target.trid), "the ns key is taken out");
      } catch (e) {
        if (!typed(e)) throw e;
      }
    }),
    { numRuns: RUNS, includeErrorInReport: true },
  );
});

test.run();
