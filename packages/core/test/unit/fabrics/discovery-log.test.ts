import { test } from "uvu";
import * as assert from "uvu/assert";
import { InvalidArgumentError } from "../../../src/errors/errors.js";
import {
  DISCOVERY_LOG_ENTRY_SIZE,
  DISCOVERY_LOG_HEADER_SIZE,
  DiscoveryAddressFamily,
  DiscoveryEntryOffset,
  DiscoverySubsystemType,
  DiscoveryTransportType,
  decodeDiscoveryLog,
  decodeDiscoveryLogEntry,
  decodeDiscoveryLogHeader,
  decodeRdmaTsas,
  discoveryLogSize,
  encodeDiscoveryLog,
  encodeDiscoveryLogEntry,
  encodeRdmaTsas,
  SecureChannel,
  TREQ_DISABLE_SQ_FLOW,
  TSAS_FIELD_SIZE,
  tcpSecurityType,
} from "../../../src/nvme-spec/discovery-log.js";
import { DISCOVERY_NQN } from "../../../src/nvme-spec/fabrics.js";

const isInvalidArgument = (e: unknown): boolean => e instanceof InvalidArgumentError;

const SUBNQN = "nqn.2016-06.io.spdk:cnode1";

function putAscii(b: Uint8Array, off: number, s: string): void {
  for (let i = 0; i < s.length; i++) b[off + i] = s.charCodeAt(i);
}

/**
 * A two-entry log written byte by byte from the specification's layout: header genctr u64 @0,
 * numrec u64 @8, recfmt u16 @16; entries from 1024, each trtype @0, adrfam @1, subtype @2, treq @3,
 * portid u16 @4, cntlid u16 @6, asqsz u16 @8, eflags u16 @10, trsvcid @32, subnqn @256, traddr @512,
 * tsas @768.
 */
function handBuiltLog(): Uint8Array {
  const b = new Uint8Array(1024 + 2 * 1024);
  b[0] = 0x05; // genctr 5
  b[8] = 0x02; // numrec 2
  // Entry 0: TCP, IPv4, NVM subsystem, TLS not required + SQ flow control disable, port 1.
  const e0 = 1024;
  b[e0 + 0] = 3;
  b[e0 + 1] = 1;
  b[e0 + 2] = 2;
  b[e0 + 3] = 0x06;
  b[e0 + 4] = 0x01;
  b[e0 + 6] = 0xff; // cntlid 0xffff
  b[e0 + 7] = 0xff;
  b[e0 + 8] = 32; // asqsz
  putAscii(b, e0 + 32, "4420");
  putAscii(b, e0 + 256, SUBNQN);
  putAscii(b, e0 + 512, "192.168.1.10");
  // Entry 1: RDMA, IPv6, current discovery subsystem, port 0x0102, eflags EPCSD; space-padded
  // trsvcid as some targets send it; TSAS qptype 1, prtype 4 (RoCEv2), cms 1, pkey 0xffff.
  const e1 = 2048;
  b[e1 + 0] = 1;
  b[e1 + 1] = 2;
  b[e1 + 2] = 3;
  b[e1 + 4] = 0x02;
  b[e1 + 5] = 0x01;
  b[e1 + 6] = 0xff;
  b[e1 + 7] = 0xff;
  b[e1 + 8] = 32;
  b[e1 + 10] = 0x02;
  putAscii(b, e1 + 32, "8009".padEnd(32, " "));
  putAscii(b, e1 + 256, DISCOVERY_NQN);
  putAscii(b, e1 + 512, "fe80::1");
  b[e1 + 768] = 1;
  b[e1 + 769] = 4;
  b[e1 + 770] = 1;
  b[e1 + 776] = 0xff;
  b[e1 + 777] = 0xff;
  return b;
}

test("sizes and offsets", () => {
  assert.is(DISCOVERY_LOG_HEADER_SIZE, 1024);
  assert.is(DISCOVERY_LOG_ENTRY_SIZE, 1024);
  assert.is(discoveryLogSize(3), 4096);
  assert.is(DiscoveryEntryOffset.Eflags, 10);
  assert.is(DiscoveryEntryOffset.Trsvcid, 32);
  assert.is(DiscoveryEntryOffset.Subnqn, 256);
  assert.is(DiscoveryEntryOffset.Traddr, 512);
  assert.is(DiscoveryEntryOffset.Tsas, 768);
  assert.is(DiscoveryTransportType.TCP, 3);
  assert.is(DiscoveryTransportType.Loop, 254);
  assert.is(DiscoveryAddressFamily.IntraHost, 254);
  assert.is(DiscoverySubsystemType.Referral, 1);
  assert.is(DiscoverySubsystemType.Nvm, 2);
  assert.is(DiscoverySubsystemType.CurrentDiscovery, 3);
});

test("decode a hand-built log", () => {
  const log = decodeDiscoveryLog(handBuiltLog());
  assert.is(log.genctr, 5n);
  assert.is(log.numrec, 2);
  assert.is(log.recfmt, 0);
  assert.is(log.entries.length, 2);
  const [tcp, rdma] = log.entries;
  assert.equal(
    { ...tcp!, tsas: undefined },
    {
      trtype: DiscoveryTransportType.TCP,
      adrfam: DiscoveryAddressFamily.IPv4,
      subtype: DiscoverySubsystemType.Nvm,
      treq: SecureChannel.NotRequired | TREQ_DISABLE_SQ_FLOW,
      portid: 1,
      cntlid: 0xffff,
      asqsz: 32,
      eflags: 0,
      trsvcid: "4420",
      subnqn: SUBNQN,
      traddr: "192.168.1.10",
      tsas: undefined,
    },
  );
  assert.is(tcpSecurityType(tcp!.tsas), 0);
  assert.is(rdma!.trtype, DiscoveryTransportType.RDMA);
  assert.is(rdma!.adrfam, DiscoveryAddressFamily.IPv6);
  assert.is(rdma!.subtype, DiscoverySubsystemType.CurrentDiscovery);
  assert.is(rdma!.portid, 0x0102);
  assert.is(rdma!.eflags, 0x02);
  assert.is(rdma!.trsvcid, "8009"); // space padding dropped
  assert.is(rdma!.subnqn, DISCOVERY_NQN);
  assert.is(rdma!.traddr, "fe80::1");
  assert.is(rdma!.tsas.length, TSAS_FIELD_SIZE);
  assert.equal(decodeRdmaTsas(rdma!.tsas), { qptype: 1, prtype: 4, cms: 1, pkey: 0xffff });
});

test("encoding gives the hand-built bytes back (NUL padding)", () => {
  const vector = handBuiltLog();
  const log = decodeDiscoveryLog(vector);
  const out = new Uint8Array(discoveryLogSize(2)).fill(0xaa);
  assert.is(encodeDiscoveryLog(out, log.genctr, log.entries), 3072);
  // Entry 1 was space padded; everything else must match byte for byte.
  assert.equal(out.subarray(0, 2048), vector.subarray(0, 2048));
  assert.equal(decodeDiscoveryLog(out), log);
  const e1 = out.subarray(2048);
  assert.is(e1[32 + 4], 0); // "8009" then NUL
});

test("a short read decodes the entries present and keeps numrec", () => {
  const log = decodeDiscoveryLog(handBuiltLog().subarray(0, 2048));
  assert.is(log.numrec, 2);
  assert.is(log.entries.length, 1);
  assert.is(decodeDiscoveryLogHeader(handBuiltLog().subarray(0, 1024)).numrec, 2);
  assert.is(decodeDiscoveryLog(handBuiltLog().subarray(0, 1024)).entries.length, 0);
  assert.throws(() => decodeDiscoveryLogHeader(new Uint8Array(10)), isInvalidArgument);
});

test("single entry encode/decode at an offset", () => {
  const entry = decodeDiscoveryLogEntry(handBuiltLog(), 2048);
  const out = new Uint8Array(3000);
  encodeDiscoveryLogEntry(out, entry, 100);
  assert.equal(decodeDiscoveryLogEntry(out, 100), entry);
  assert.throws(() => encodeDiscoveryLogEntry(new Uint8Array(1023), entry), isInvalidArgument);
});

test("encode rejects fields that do not fit", () => {
  const entry = decodeDiscoveryLogEntry(handBuiltLog(), 1024);
  const out = new Uint8Array(1024);
  assert.throws(() => encodeDiscoveryLogEntry(out, { ...entry, trsvcid: "1".repeat(33) }), /trsvcid/);
  assert.throws(() => encodeDiscoveryLogEntry(out, { ...entry, traddr: "a".repeat(257) }), /traddr/);
  assert.throws(() => encodeDiscoveryLogEntry(out, { ...entry, subnqn: `nqn.${"x".repeat(220)}` }), /subnqn/);
  assert.throws(() => encodeDiscoveryLogEntry(out, { ...entry, portid: 0x10000 }), /portid/);
  assert.throws(() => encodeDiscoveryLogEntry(out, { ...entry, trtype: 256 }), /trtype/);
  assert.throws(() => encodeDiscoveryLogEntry(out, { ...entry, tsas: new Uint8Array(257) }), /tsas/);
  // A 32-character trsvcid fills its field exactly.
  encodeDiscoveryLogEntry(out, { ...entry, trsvcid: "9".repeat(32) });
  assert.is(decodeDiscoveryLogEntry(out).trsvcid, "9".repeat(32));
});

test("RDMA TSAS encode", () => {
  const tsas = encodeRdmaTsas({ qptype: 1, prtype: 2, cms: 1, pkey: 0x8001 });
  assert.is(tsas.length, 256);
  assert.equal(Array.from(tsas.subarray(0, 10)), [1, 2, 1, 0, 0, 0, 0, 0, 0x01, 0x80]);
});

test.run();
