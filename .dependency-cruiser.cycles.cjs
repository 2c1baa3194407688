// The layering check's second pass (see .dependency-cruiser.cjs): no import cycles in
// packages/*/src, counting the imports that exist at run time.
//
// Why a pass of its own: the first pass counts type-only imports (a layer that names a type from
// above depends on it all the same), but a cycle closed by a type-only import is erased by the
// compiler and harmless, and src has such cycles inside a folder (controller.ts and init.ts name
// each other's types). dependency-cruiser reports one cycle per dependency, whichever its search
// meets first, so filtering type-only edges out of the reported cycle could hide a real one behind
// a type-only one; reading the graph without them (tsPreCompilationDeps: false) cannot.
const layers = require("./.dependency-cruiser.cjs");

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      // A cycle makes its modules one unit: none can be loaded, tested or understood alone, and
      // under ESM one of them runs before the other's bindings are initialised.
      name: "no-circular: import cycle in packages/*/src",
      comment: "This dependency closes an import cycle; the cycle is printed after the arrow.",
      severity: "error",
      from: { path: "^packages/[^/]+/src/" },
      to: { circular: true },
    },
  ],
  options: { ...layers.options, tsPreCompilationDeps: false },
};
