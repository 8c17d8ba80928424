export const APP_CONFIG = Symbol('APP_CONFIG');
export const LOGGER = Symbol('LOGGER');
export const CLOCK = Symbol('CLOCK');
/** Absolute path of the embedded profile's data dir. */
export const DATA_DIR = Symbol('DATA_DIR');

/** Time enters the application here only, so tests can fix it. */
export type Clock = () => Date;

/**
 * Whether reads of client data are recorded (always, in every deployment). Only benchmarks,
 * which construct the app in code, turn it off to measure what recording costs.
 */
export const RECORD_VIEWS = Symbol('RECORD_VIEWS');
