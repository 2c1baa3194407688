import { errnoName, NativeError, TransportError } from "@nvmekit/core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { O_RDWR } from "../../../src/native/constants.js";
import {
  close,
  eventfd,
  eventfdConsume,
  eventfdSignal,
  memlockLimit,
  open,
  systemPageSize,
} from "../../../src/native/libc.js";

test("a failed call throws a NativeError (a TransportError) with errno, its name and the call", () => {
  try {
    open("/nonexistent/nvmekit", O_RDWR, (errno) => (errno === 2 ? "create it first" : undefined));
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof NativeError);
    assert.ok(e instanceof TransportError);
    const error = e as NativeError;
    assert.is(error.errno, 2);
    assert.is(error.errnoName, "ENOENT");
    assert.is(error.syscall, "open(/nonexistent/nvmekit)");
    assert.is(error.code, "ERR_NVME_TRANSPORT");
    assert.is(error.message, "open(/nonexistent/nvmekit) failed: ENOENT: create it first");
  }
});

test("errno names", () => {
  assert.is(errnoName(1), "EPERM");
  assert.is(errnoName(12), "ENOMEM");
  assert.is(errnoName(99999), "errno 99999");
});

test("eventfd counters: signal adds, consume reads and resets, empty reads 0 without blocking", () => {
  const fd = eventfd();
  assert.is(eventfdConsume(fd), 0);
  eventfdSignal(fd);
  eventfdSignal(fd);
  assert.is(eventfdConsume(fd), 2);
  assert.is(eventfdConsume(fd), 0);
  close(fd);
});

test("page size and memlock limit are read", () => {
  assert.ok(systemPageSize === 4096 || systemPageSize === 16384 || systemPageSize === 65536);
  const { soft, hard } = memlockLimit();
  assert.ok(soft > 0 && hard >= soft);
});

test.run();
