#!/usr/bin/env node
/**
 * Installs what the rig needs, idempotently: host packages from Debian's archive, the Debian 6.1 kernel
 * unpacked (never installed) into the cache, its uncompressed vmlinux for PVH boot, and a tiny initramfs.
 * A configuration may ask for a kernel the rig builds itself instead (kernel-build.mjs), built on first use.
 * Run `node test/rig/setup.mjs [--kernel NAME]`; when everything is in place it returns in well under a second.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensurePackages, run } from "./host-tools.mjs";
import { ensureBuiltKernel } from "./kernel-build.mjs";
import { cacheDir, isMain, rigDir } from "./paths.mjs";

/** Debian packages the host needs: QEMU and the tools the guest runs from the shared host root. */
const hostPackages = [
  "qemu-system-x86",
  "busybox-static",
  "kmod",
  "cpio",
  "xz-utils",
  "pciutils",
  "rdma-core",
  "ibverbs-utils",
  "ibverbs-providers",
  "rdmacm-utils",
  "nvme-cli",
  "iproute2",
  "fio",
  // The C userspace driver the PCIe benchmark compares with (test/bench/c-baseline) is built with these.
  "gcc",
  "libc6-dev",
];

/** Modules Debian's kernel must load, in dependency order, to reach the host root over 9p with an overlay. */
const debianBootModules = [
  "virtio_ring",
  "virtio",
  "virtio_pci_modern_dev",
  "virtio_pci_legacy_dev",
  "virtio_pci",
  "netfs",
  "fscache",
  "9pnet",
  "9pnet_virtio",
  "9p",
  "overlay",
];

const initScript = join(rigDir, "guest", "initramfs-init.sh");

/** The linux-image-6.1.0-NN-amd64 package that Debian's linux-image-amd64 currently points at. */
function currentKernelPackage() {
  const m = /Depends: (linux-image-6\.1\.\S+-amd64)/.exec(run("apt-cache", ["depends", "linux-image-amd64"]));
  if (!m) throw new Error("apt-cache does not name a linux-image-6.1 package for linux-image-amd64");
  return m[1];
}

/**
 * Extracts the ELF kernel from a bzImage: the payload is an xz stream that starts at its magic.
 * Booting this through its PVH entry skips the in-guest decompression (seconds under TCG).
 */
function extractVmlinux(vmlinuz, out) {
  const image = readFileSync(vmlinuz);
  const magic = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
  for (let at = image.indexOf(magic); at >= 0; at = image.indexOf(magic, at + 1)) {
    const fd = openSync(out, "w");
    spawnSync("xz", ["-dc", "--single-stream"], { input: image.subarray(at), stdio: ["pipe", fd, "ignore"] });
    closeSync(fd);
    const head = Buffer.alloc(4);
    const rfd = openSync(out, "r");
    readSync(rfd, head, 0, 4, 0);
    closeSync(rfd);
    if (head.toString("latin1") === "\x7fELF") return;
  }
  throw new Error(`no xz-compressed ELF kernel found in ${vmlinuz}`);
}

/** Downloads and unpacks Debian's kernel into the cache unless it is already there; returns its description. */
function ensureDebianKernel(log) {
  const stamp = join(cacheDir, "kernel.json");
  if (existsSync(stamp)) {
    const kernel = JSON.parse(readFileSync(stamp, "utf8"));
    if (existsSync(kernel.vmlinux) && existsSync(kernel.modulesRoot))
      return { ...kernel, bootModules: debianBootModules };
  }
  const pkg = currentKernelPackage();
  const kver = pkg.slice("linux-image-".length);
  log(`rig setup: unpacking ${pkg}`);
  const work = join(cacheDir, `${kver}.partial-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, "root"), { recursive: true });
  run("apt-get", ["download", pkg], { cwd: work });
  const deb = run("sh", ["-c", "ls *.deb"], { cwd: work }).trim();
  run("dpkg", ["-x", deb, "root"], { cwd: work });
  rmSync(join(work, deb));
  run("depmod", ["-b", join(work, "root"), kver]);
  extractVmlinux(join(work, "root", "boot", `vmlinuz-${kver}`), join(work, "vmlinux"));
  const final = join(cacheDir, kver);
  rmSync(final, { recursive: true, force: true });
  renameSync(work, final);
  const kernel = {
    kver,
    vmlinux: join(final, "vmlinux"),
    modulesRoot: join(final, "root"),
    modulesDir: join(final, "root", "lib", "modules", kver),
  };
  writeFileSync(stamp, `${JSON.stringify(kernel, null, 2)}\n`);
  return { ...kernel, bootModules: debianBootModules };
}

/**
 * Builds the initramfs of `kernel` (busybox, the init script, the modules it must load to boot: none
 * for a kernel with everything built in) when its inputs changed.
 */
function ensureInitramfs(kernel, log) {
  const init = readFileSync(initScript);
  const key = createHash("sha256")
    .update(init)
    .update(kernel.kver)
    .update(kernel.bootModules.join(" "))
    .digest("hex")
    .slice(0, 16);
  const out = join(cacheDir, `initramfs-${kernel.kver}-${key}.cpio`);
  if (existsSync(out)) return out;
  log("rig setup: building the initramfs");
  const tree = join(cacheDir, `initramfs.partial-${process.pid}`);
  rmSync(tree, { recursive: true, force: true });
  for (const d of ["bin", "dev", "proc", "sys", "lower", "upper", "newroot", "modules"]) {
    mkdirSync(join(tree, d), { recursive: true });
  }
  copyFileSync("/bin/busybox", join(tree, "bin", "busybox"));
  writeFileSync(join(tree, "init"), init);
  chmodSync(join(tree, "init"), 0o755);
  for (const [i, name] of kernel.bootModules.entries()) {
    const file = run("modinfo", ["-b", kernel.modulesRoot, "-k", kernel.kver, "-n", name]).trim();
    copyFileSync(file, join(tree, "modules", `${String(i).padStart(2, "0")}-${name}.ko`));
  }
  run("sh", ["-c", `find . | cpio -o -H newc --quiet > '${out}.tmp'`], { cwd: tree });
  renameSync(`${out}.tmp`, out);
  rmSync(tree, { recursive: true, force: true });
  for (const old of readdirSync(cacheDir).filter((f) => f.startsWith(`initramfs-${kernel.kver}-`))) {
    if (join(cacheDir, old) !== out) rmSync(join(cacheDir, old)); // built from an older init script
  }
  return out;
}

/**
 * Makes sure the rig is ready to boot `kernel` and describes it.
 * @param {{ kernel?: string, log?: (line: string) => void }} [options] kernel: "debian" (the default,
 *   Debian's 6.1) or the name of a fragment in kernel/ that the rig builds (e.g. "iommufd")
 * @returns {{ kver: string, vmlinux: string, modulesRoot: string, modulesDir: string, bootModules: string[], initramfs: string }}
 */
export function ensureRig({ kernel = "debian", log = (line) => console.error(line) } = {}) {
  if (process.getuid?.() !== 0) throw new Error("the rig set-up needs root (apt-get, /var/cache)");
  mkdirSync(cacheDir, { recursive: true });
  ensurePackages(hostPackages, log);
  const k = kernel === "debian" ? ensureDebianKernel(log) : ensureBuiltKernel(kernel, log);
  return { ...k, initramfs: ensureInitramfs(k, log) };
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({ options: { kernel: { type: "string", default: "debian" } } });
  const started = Date.now();
  const rig = ensureRig({ kernel: values.kernel });
  console.log(`rig ready: kernel ${rig.kver}, ${rig.initramfs} (${Date.now() - started} ms)`);
}
