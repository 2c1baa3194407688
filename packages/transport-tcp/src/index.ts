/**
 * NVMe/TCP for nvmekit: the host transport (trtype TCP) over node:net, and a built-in target that
 * serves a controller's namespaces over NVMe/TCP for tests and first tries.
 * @module
 */
export {};
