export const APP_CONFIG = Symbol('APP_CONFIG');
export const LOGGER = Symbol('LOGGER');
export const CLOCK = Symbol('CLOCK');

/** Time enters the application here only, so tests can fix it. */
export type Clock = () => Date;
