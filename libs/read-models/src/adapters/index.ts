// The read stores: constructed only by libs/wiring, the apps' entry points, the CLI and tests
// (.dependency-cruiser.cjs); everything else depends on the port.
export * from './in-memory.read-store';
export * from './sqlite.read-store';
export * from './mongodb.read-store';
