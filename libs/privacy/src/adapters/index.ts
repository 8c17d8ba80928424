// The key stores: constructed only by libs/wiring, the apps' entry points, the CLI and tests
// (.dependency-cruiser.cjs); everything else depends on the port.
export * from './in-memory.key-store';
export * from './sqlite.key-store';
export * from './mongodb.key-store';
