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

/**
 * Guarantees of the command path that the HTTP benchmark turns off, one at a time. `audit`:
 * the audit-trail read model is not maintained (the log and its hash chain stay: they are the
 * store itself).
 */
export type BenchmarkedGuarantee = 'auth' | 'validation' | 'sealing' | 'audit';

/**
 * The guarantees turned off: always none in every deployment. No configuration or
 * environment variable sets it; only bench/support/api-server.ts, which constructs the app in
 * code, passes some, to measure what each costs (bench/http.bench.ts).
 */
export const GUARANTEES_OFF = Symbol('GUARANTEES_OFF');
