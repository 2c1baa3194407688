// The layering check (dependency-cruiser): which way dependencies may point between the workspace's
// packages and between the folders of core and of transport-pcie. Its second pass,
// .dependency-cruiser.cycles.cjs, finds import cycles. Both run in the unit tier
// (scripts/check-layers.sh, from scripts/run-tests.mjs) and alone as `pnpm check:layers`.
//
// Every rule name says what was broken, e.g. `core-folders-one-way: nvme-spec may not import from
// qpair`, and dependency-cruiser prints it next to the offending `from → to` files. The folder rules
// are generated from the ordered lists below: to add a folder or a package, add it to its list.
//
// Workspace package names (`@nvmekit/core`, `@nvmekit/core/transport`, ...) resolve to the packages'
// TypeScript sources through the `paths` of tsconfig.depcruise.json, so the check reads src/ and
// needs no build (the packages' `exports` point at dist/). The package patterns also match an
// unresolved `@nvmekit/x` specifier, so a rule still holds if a name ever fails to resolve, and the
// last rules fail on exactly that.

/** @typedef {import("dependency-cruiser").IForbiddenRuleType} Rule */

/** Escapes a folder or package name for use in a regular expression. */
const re = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** What a dependency on workspace package `pkg` looks like: a path in its folder, or its name if unresolved. */
const pkgTarget = (pkg) => `^(packages/${re(pkg)}/|@nvmekit/${re(pkg)}(/|$))`;

/** Any workspace package, by path or by (unresolved) name. */
const ANY_PKG = "^(packages/[^/]+/|@nvmekit/)";

// ---------------------------------------------------------------------------------------------
// Packages one way. Each package's src/ may depend only on the packages listed for it (and on
// itself); its test/ may also use the ones in `test`. cli is the top: it may use anything, and only
// it (and the root test/, which this check does not read) may depend on it. Keeping core free of
// other workspace packages is what makes transports plugins: core defines the contract, they
// implement it. softnvme is a device behind the PCI-device port, so it must not know any transport.
const PACKAGES = {
  core: { src: [], test: ["softnvme"] },
  "pci-port": { src: ["core"], test: [] },
  softnvme: { src: ["core", "pci-port"], test: [] },
  "transport-pcie": { src: ["core", "pci-port"], test: ["softnvme", "memdomain"] },
  memdomain: { src: ["core"], test: ["softnvme"] },
  "transport-tcp": { src: ["core"], test: ["softnvme"] },
  "transport-rdma": { src: ["core"], test: ["memdomain"] },
  // The compat packages open the built-in software controller by path when given no driver.
  "nvmed-compat": { src: ["core", "softnvme"], test: [] },
  "liblightnvm-compat": { src: ["core", "softnvme"], test: [] },
  cli: { src: "*", test: "*" },
};

/** @type {Rule[]} */
const packageRules = [];
for (const [pkg, allowed] of Object.entries(PACKAGES)) {
  if (allowed.src === "*") continue;
  for (const scope of ["src", "test"]) {
    const may = [pkg, ...allowed.src, ...(scope === "test" ? allowed.test : [])];
    const others = may.slice(1);
    packageRules.push({
      name: others.length
        ? `packages-one-way: ${pkg}/${scope} may depend only on ${others.join(", ")}`
        : `packages-one-way: ${pkg}/${scope} may not depend on another workspace package`,
      comment: `${pkg}'s ${scope}/ reaches outside its allowed packages (see PACKAGES in .dependency-cruiser.cjs).`,
      severity: "error",
      from: { path: `^packages/${re(pkg)}/${scope}/` },
      to: { path: ANY_PKG, pathNot: may.map(pkgTarget) },
    });
  }
}
packageRules.push(
  {
    // Named on its own so a future package (transport-rdma, the compat layers) meets it before it
    // has an entry in PACKAGES: the command line is an application, not a library.
    name: "only-cli-uses-cli: nothing in packages/ but cli may depend on @nvmekit/cli",
    comment: "Only packages/cli and the root test/ may import @nvmekit/cli.",
    severity: "error",
    from: { path: "^packages/", pathNot: "^packages/cli/" },
    to: { path: pkgTarget("cli") },
  },
  {
    // A package must not reach into another one's files: the package name and its `exports` are
    // the published surface, and a relative path around them breaks once the packages are built
    // and installed apart. (Imports by name resolve through tsconfig `paths`: dependency type
    // "aliased".)
    name: "no-cross-package-relative-import: import another package by its name, not by a relative path",
    comment: "A file in one package imports a file of another package by relative path.",
    severity: "error",
    from: { path: "^packages/([^/]+)/" },
    to: { path: "^packages/", pathNot: "^packages/$1/", dependencyTypesNot: ["aliased"] },
  },
  {
    // A package that is not in PACKAGES has no layering yet: add it there, with what it may use.
    name: "packages-listed: this package has no entry in PACKAGES in .dependency-cruiser.cjs",
    comment: "Add the package to PACKAGES in .dependency-cruiser.cjs with the packages it may depend on.",
    severity: "error",
    from: {
      path: "^packages/[^/]+/(src|test)/",
      pathNot: `^packages/(${Object.keys(PACKAGES).map(re).join("|")})/`,
    },
    to: {},
  },
);

// ---------------------------------------------------------------------------------------------
// Folders one way, inside a package. Each list runs bottom to top; an inner array is one level
// whose folders are independent of each other. A folder may import only from folders on lower
// levels (and from itself); the files at src/'s root (the package's entry points and DI modules)
// sit on top and no folder imports them. A one-way order is what lets each layer be read, tested
// and replaced knowing only what is under it.

/**
 * Makes the rules for one package's folder order: for every folder, one rule per folder it may not
 * import (same level or above) and one for the root files; plus one rule for folders not in the list.
 */
function folderRules(ruleName, srcDir, levels) {
  const src = `^${re(srcDir)}/`;
  const level = new Map(levels.flatMap((l, i) => (Array.isArray(l) ? l : [l]).map((f) => [f, i])));
  /** @type {Rule[]} */
  const rules = [];
  for (const [from, fromLevel] of level) {
    for (const [to, toLevel] of level) {
      if (to === from || toLevel < fromLevel) continue;
      rules.push({
        name: `${ruleName}: ${from} may not import from ${to}`,
        comment: `In ${srcDir}, ${from}/ sits ${toLevel === fromLevel ? "beside" : "below"} ${to}/.`,
        severity: "error",
        from: { path: `${src}${re(from)}/` },
        to: { path: `${src}${re(to)}/` },
      });
    }
    rules.push({
      name: `${ruleName}: ${from} may not import a root file of ${srcDir}`,
      comment: `The files at the root of ${srcDir} are the entry points: they import the folders, not the other way.`,
      severity: "error",
      from: { path: `${src}${re(from)}/` },
      to: { path: `${src}[^/]+$` },
    });
  }
  const known = `${src}(${[...level.keys()].map(re).join("|")})/`;
  rules.push({
    name: `${ruleName}: this folder is not in the folder order in .dependency-cruiser.cjs`,
    comment: `Add the new folder of ${srcDir} to its level list in .dependency-cruiser.cjs.`,
    severity: "error",
    from: { path: `${src}[^/]+/`, pathNot: known },
    to: {},
  });
  rules.push({
    name: `${ruleName}: imports a folder that is not in the folder order in .dependency-cruiser.cjs`,
    comment: `Add the new folder of ${srcDir} to its level list in .dependency-cruiser.cjs.`,
    severity: "error",
    from: { path: src },
    to: { path: `${src}[^/]+/`, pathNot: known },
  });
  return rules;
}

const CORE_FOLDERS = [
  "errors",
  "nvme-spec",
  ["trid", "dma"],
  "dataptr",
  "memdomain",
  "options",
  "transport",
  "rq",
  "qpair",
  "ns",
  "worker",
  "fabrics",
  "ctrlr",
];

const PCIE_FOLDERS = ["native", "sysfs", "iommu", "dma", "vfio", "engine"];

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    ...packageRules,
    ...folderRules("core-folders-one-way", "packages/core/src", CORE_FOLDERS),
    ...folderRules("transport-pcie-folders-one-way", "packages/transport-pcie/src", PCIE_FOLDERS),
    {
      // The queue engine drives a device only through the PCI-device port, so the code a VFIO
      // function runs is the code the software controller runs; reaching into VFIO would break that.
      name: "engine-through-the-port: transport-pcie's engine may not import vfio, iommu, native or sysfs",
      comment: "engine/ talks to a device through @nvmekit/pci-port only.",
      severity: "error",
      from: { path: "^packages/transport-pcie/src/engine/" },
      to: { path: "^packages/transport-pcie/src/(vfio|iommu|native|sysfs)/" },
    },
    {
      // If an import cannot be resolved the rules above cannot see where it points.
      name: "not-to-unresolvable: an import the check cannot resolve to a file",
      comment: "Fix the import, or for a new @nvmekit/ export add its path to tsconfig.depcruise.json.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      // Workspace names must resolve to src/ (tsconfig.depcruise.json `paths`), not to a build.
      name: "workspace-names-resolve-to-src: @nvmekit/ import resolved to dist/, add it to tsconfig.depcruise.json paths",
      comment: "A package's export is missing from the paths of tsconfig.depcruise.json.",
      severity: "error",
      from: {},
      to: { path: "^packages/[^/]+/dist/" },
    },
  ],
  options: {
    // node_modules and builds are leaves: their own imports are not ours to check.
    doNotFollow: { path: ["node_modules", "^packages/[^/]+/dist/"] },
    // Declaration files and stray compiled files beside test sources are not sources.
    exclude: { path: ["^packages/.*\\.d\\.ts$", "^packages/[^/]+/test/.*\\.js$"] },
    // es6 for the TypeScript sources; cjs for the cycles pass, which reads them compiled.
    moduleSystems: ["es6", "cjs"],
    // Type-only imports count: a layer that names a type from above depends on it all the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.depcruise.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    skipAnalysisNotInRules: true,
  },
};
