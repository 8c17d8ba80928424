export * from './message-bus.port';
export * from './checkpoint-store.port';
export * from './adapters/in-memory.message-bus';
export * from './adapters/kafka.message-bus';
export * from './adapters/in-memory.checkpoint-store';
export * from './adapters/sqlite.checkpoint-store';
export * from './adapters/mongodb.checkpoint-store';
