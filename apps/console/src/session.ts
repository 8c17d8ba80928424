/**
 * The signed-in token lives in sessionStorage only: gone when the tab closes, never in
 * localStorage or a cookie, never sent anywhere but the API's Authorization header.
 */
const TOKEN = 'rapport.console.token';
const PURPOSE = 'rapport.console.purpose';
const WHO = 'rapport.console.who';

export interface Who {
  actor: string;
  roles: string[];
  permissions: string[];
}

export const DEFAULT_PURPOSE = 'console';

/** HTTP headers carry ISO-8859-1 only: keep a purpose to printable ASCII, short. */
export function cleanPurpose(text: string): string {
  const cleaned = text
    .replace(/[^\x20-\x7e]/g, '')
    .trim()
    .slice(0, 200);
  return cleaned || DEFAULT_PURPOSE;
}

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN),
  purpose: (): string => sessionStorage.getItem(PURPOSE) ?? DEFAULT_PURPOSE,
  who(): Who | null {
    const raw = sessionStorage.getItem(WHO);
    return raw ? (JSON.parse(raw) as Who) : null;
  },
  signIn(token: string, purpose: string, who: Who): void {
    sessionStorage.setItem(TOKEN, token);
    sessionStorage.setItem(PURPOSE, cleanPurpose(purpose));
    sessionStorage.setItem(WHO, JSON.stringify(who));
  },
  setPurpose(purpose: string): void {
    sessionStorage.setItem(PURPOSE, cleanPurpose(purpose));
  },
  signOut(): void {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(WHO);
  },
  may(permission: string): boolean {
    return this.who()?.permissions.includes(permission) ?? false;
  },
};
