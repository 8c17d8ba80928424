export * from './message-bus.port';
export * from './checkpoint-store.port';
