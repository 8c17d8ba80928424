import { createHmac } from 'node:crypto';
import { newWebhookSecret, signWebhook, verifyWebhook, webhookSignature } from './webhooks';

describe('Standard Webhooks signatures', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body = '{"type":"DealWon"}';

  it('signs "id.timestamp.body" with HMAC-SHA256 keyed by the base64 bytes of the secret', () => {
    const expected = createHmac('sha256', Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'))
      .update(`msg_1.1614265330.${body}`)
      .digest('base64');
    expect(webhookSignature(secret, 'msg_1', 1614265330, body)).toBe(`v1,${expected}`);
  });

  it('verifies with any secret in force, refuses a changed body, an old timestamp or another secret', () => {
    const other = newWebhookSecret();
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': '1000',
      'webhook-signature': signWebhook([secret, other], 'msg_1', 1000, body),
    };
    expect(verifyWebhook({ body, headers, secret, now: 1000 })).toBe(true);
    expect(verifyWebhook({ body, headers, secret: other, now: 1100 })).toBe(true);
    expect(verifyWebhook({ body: `${body} `, headers, secret, now: 1000 })).toBe(false);
    expect(verifyWebhook({ body, headers, secret, now: 2000 })).toBe(false);
    expect(verifyWebhook({ body, headers, secret: newWebhookSecret(), now: 1000 })).toBe(false);
  });
});
