// The event store's adapters: constructed only by libs/wiring, the apps' entry points, the CLI
// and tests (.dependency-cruiser.cjs); everything else depends on the port.
export * from './in-memory.event-store';
export * from './sqlite.event-store';
export * from './eventstoredb.loader';
