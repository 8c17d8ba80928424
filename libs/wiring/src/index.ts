export * from './adapters.factory';
