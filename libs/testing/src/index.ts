export * from './decider.specification';
export * from './http.client';
export * from './test-clock';
