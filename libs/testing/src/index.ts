export * from './decider.specification';
export * from './event-log.builder';
export * from './http.client';
export * from './projection.specification';
export * from './test-clock';
