/**
 * The role matrix of API.md in one table. `admin` holds every permission; everyone else
 * holds exactly what is listed. Guards, masking and the role × endpoint tests read this.
 */
export const ROLES = [
  'sales',
  'support',
  'analyst',
  'auditor',
  'service',
  'admin',
  'marketing',
] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = {
  'customer:create': ['sales', 'service'],
  'customer:contact': ['sales', 'support', 'service'],
  'customer:churn': ['sales', 'support', 'service'],
  'customer:consent': ['sales', 'support', 'service'],
  'customer:assign-owner': ['sales', 'service'],
  'customer:correct': ['sales', 'support', 'service'],
  'customer:erase': [],
  'customer:read': ['sales', 'support', 'analyst'],
  'customer:export': ['support'],
  'deal:write': ['sales', 'service'],
  'complaint:write': ['support', 'service'],
  'activity:write': ['sales', 'support', 'service'],
  /**
   * Sales and support read their own agenda and activity figures (support plan call-backs too);
   * analytics:read sees every owner's.
   */
  'activity:read': ['sales', 'support', 'analyst'],
  'analytics:read': ['analyst'],
  /** Sales read the pipeline of their own deals; analytics:read sees every owner's. */
  'pipeline:read': ['sales', 'analyst'],
  'audit:read': ['auditor'],
  /** Campaigns, their members and responses (marketing tools push them through ingest). */
  'campaign:write': ['marketing', 'service'],
  /** Campaign documents and campaign and source analytics (personal data masked). */
  'campaign:read': ['marketing', 'analyst'],
  'ingest:write': ['service'],
  'admin:operate': [],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function isAllowed(roles: readonly string[], permission: Permission): boolean {
  if (roles.includes('admin')) return true;
  const allowed: readonly Role[] = PERMISSIONS[permission];
  return roles.some((role) => (allowed as readonly string[]).includes(role));
}

/** Who may see personal data in clear; analysts (and anyone else) see it masked. */
const UNMASKED_ROLES: readonly Role[] = ['sales', 'support', 'admin'];

export function seesPersonalData(roles: readonly string[]): boolean {
  return roles.some((role) => (UNMASKED_ROLES as readonly string[]).includes(role));
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * Only internal services may state when a command happened (occurredAt, business time):
 * imports of an older system's history. People record what happens as it happens.
 */
export function isServiceActor(actor: { roles: readonly string[] }): boolean {
  return actor.roles.includes('service');
}
