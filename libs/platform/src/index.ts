export * from './auth/permissions';
export * from './auth/authenticator';
export * from './config/app-config';
export * from './http/api-error';
export * from './http/request-context';
export * from './logging/logger';
export * from './metrics/metrics';
