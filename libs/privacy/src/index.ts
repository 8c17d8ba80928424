export * from './key-store.port';
export * from './data-keys';
export * from './personal-data.cipher';
export * from './sealing-session';
export * from './master-key';
export * from './aes-gcm';
export * from './master-key-ring';
export * from './master-key-rotation';
