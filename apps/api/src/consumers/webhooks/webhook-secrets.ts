import { Injectable } from '@nestjs/common';
import type { Sealed } from '@rapport/domain';
import { PersonalDataCipher } from '@rapport/privacy';
import type { SealedSecret, SubscriptionDocument } from './webhook.documents';

/**
 * Signing secrets are sealed with a data key of their own per subscription (key id
 * `webhook-subscription:<id>`, wrapped by the master key like every client key, so a master
 * key rotation re-wraps it too). Deleting a subscription destroys its key: its secrets are
 * gone from every copy of the store.
 */
@Injectable()
export class WebhookSecrets {
  constructor(private readonly cipher: PersonalDataCipher) {}

  static keyId(subscriptionId: string): string {
    return `webhook-subscription:${subscriptionId}`;
  }

  async seal(subscriptionId: string, secret: string, createdAt: string): Promise<SealedSecret> {
    const sealed = await this.cipher.seal(WebhookSecrets.keyId(subscriptionId), secret);
    return { sealed, createdAt, expiresAt: null };
  }

  /** The secrets that sign at `now` (ms), newest first. */
  async inForce(subscription: SubscriptionDocument, now: number): Promise<string[]> {
    const open = await this.cipher.opener(WebhookSecrets.keyId(subscription.id));
    const secrets: string[] = [];
    for (const secret of subscription.secrets) {
      if (secret.expiresAt !== null && Date.parse(secret.expiresAt) <= now) continue;
      const clear = open(secret.sealed as Sealed);
      if (clear !== null) secrets.push(clear);
    }
    return secrets;
  }

  forget(subscriptionId: string): Promise<boolean> {
    return this.cipher.forget(WebhookSecrets.keyId(subscriptionId));
  }
}
