export * from './event-store.port';
export * from './event-store.errors';
export * from './append-rules';
export * from './catch-up';
export * from './adapters/in-memory.event-store';
export * from './adapters/sqlite.event-store';
export * from './eventstoredb.loader';
export * from './upcasting.event-store';
