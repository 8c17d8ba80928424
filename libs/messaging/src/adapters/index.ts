// The messaging adapters: constructed only by libs/wiring, the apps' entry points, the CLI and
// tests (.dependency-cruiser.cjs); everything else depends on the ports.
export * from './in-memory.message-bus';
export * from './kafka.message-bus';
export * from './in-memory.checkpoint-store';
export * from './sqlite.checkpoint-store';
export * from './mongodb.checkpoint-store';
