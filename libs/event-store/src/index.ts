export * from './event-store.port';
export * from './event-store.errors';
export * from './append-rules';
export * from './new-event';
export * from './hash-chain';
export * from './audit-checkpoints';
export * from './catch-up';
export * from './upcasting.event-store';
