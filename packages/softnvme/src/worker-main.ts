/**
 * Entry point of a controller's worker thread (started by SoftPciDevice).
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import type { WorkerInit } from "./control.js";
import { runController } from "./worker-controller.js";

if (parentPort === null) throw new Error("softnvme: worker-main.js runs only as a worker thread");
runController(workerData as WorkerInit, parentPort);
