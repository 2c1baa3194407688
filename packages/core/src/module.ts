/**
 * The core's inversify ContainerModule: the transport registry, the driver and the default
 * controller options. Load it together with the transports' modules.
 * @module
 */
import { ContainerModule } from "inversify";
import { CONTROLLER_DEFAULTS, NvmeDriver } from "./driver.js";
import { defaultControllerOptions } from "./options/controller-options.js";
import { TransportRegistry } from "./transport/registry.js";

/** Binds TransportRegistry, NvmeDriver (singletons) and CONTROLLER_DEFAULTS. */
export const coreModule = new ContainerModule(({ bind }) => {
  bind(TransportRegistry).toSelf().inSingletonScope();
  bind(NvmeDriver).toSelf().inSingletonScope();
  bind(CONTROLLER_DEFAULTS).toConstantValue(defaultControllerOptions());
});
