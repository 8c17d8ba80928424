export * from './key-store.port';
export * from './data-keys';
export * from './personal-data.cipher';
export * from './sealing-session';
export * from './master-key';
export * from './adapters/in-memory.key-store';
export * from './adapters/sqlite.key-store';
export * from './adapters/mongodb.key-store';
