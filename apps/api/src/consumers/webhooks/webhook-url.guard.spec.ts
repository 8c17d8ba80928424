import { isPublicAddress, WebhookUrlGuard, WebhookUrlRefused } from './webhook-url.guard';

describe('the SSRF guard of webhooks', () => {
  const dns: Record<string, string[]> = {
    'hooks.example.com': ['93.184.216.34'],
    'rebind.example.com': ['93.184.216.34', '10.0.0.7'],
    'metadata.example.com': ['169.254.169.254'],
    'v6.example.com': ['::1'],
    'mapped.example.com': ['::ffff:127.0.0.1'],
  };
  const guard = (allow: string[] = []) =>
    new WebhookUrlGuard(allow, async (host) =>
      (dns[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

  it('accepts https to a name that resolves only to public addresses, and connects to that address', async () => {
    const target = await guard().check('https://hooks.example.com/rapport');
    expect(target.address).toBe('93.184.216.34');
  });

  it.each([
    ['http://hooks.example.com/', /https/],
    ['ftp://hooks.example.com/', /https/],
    ['https://user:pw@hooks.example.com/', /credentials/],
    ['https://127.0.0.1/', /not a public address/],
    ['https://[::1]/', /not a public address/],
    ['https://10.1.2.3/', /not a public address/],
    ['https://192.168.1.1/', /not a public address/],
    ['https://172.20.0.1/', /not a public address/],
    ['https://169.254.169.254/latest/meta-data', /not a public address/],
    ['https://100.64.0.1/', /not a public address/],
    ['https://[fe80::1]/', /not a public address/],
    ['https://[fd00::1]/', /not a public address/],
    ['https://[::ffff:10.0.0.1]/', /not a public address/],
    ['https://rebind.example.com/', /resolves to 10\.0\.0\.7/],
    ['https://metadata.example.com/', /resolves to 169\.254\.169\.254/],
    ['https://v6.example.com/', /resolves to ::1/],
    ['https://mapped.example.com/', /resolves to ::ffff:127\.0\.0\.1/],
    ['https://unknown.example.com/', /does not resolve/],
    ['not a url', /absolute/],
  ])('refuses %s', async (url, reason) => {
    await expect(guard().check(url)).rejects.toThrow(WebhookUrlRefused);
    await expect(guard().check(url)).rejects.toThrow(reason);
  });

  it('lets CRM_WEBHOOK_ALLOW_HOSTS open named hosts, over http too, and only those', async () => {
    const open = guard(['127.0.0.1', 'metadata.example.com']);
    expect((await open.check('http://127.0.0.1:8080/hook')).address).toBe('127.0.0.1');
    expect((await open.check('https://metadata.example.com/')).address).toBe('169.254.169.254');
    await expect(open.check('http://127.0.0.2/')).rejects.toThrow(/https/);
    await expect(open.check('https://10.0.0.1/')).rejects.toThrow(/not a public address/);
  });

  it('classifies addresses', () => {
    expect(['8.8.8.8', '2606:4700::1111', '::ffff:808:808'].map(isPublicAddress)).toEqual([
      true,
      true,
      true,
    ]);
    expect(['::ffff:7f00:1', '::ffff:a00:1'].map(isPublicAddress)).toEqual([false, false]);
    expect(['0.0.0.0', '::', '224.0.0.1', 'localhost'].map(isPublicAddress)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
