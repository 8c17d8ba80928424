import { caseEscalatedV1ToV2 } from '../case/case-escalated.upcaster';
import { contactLoggedV1ToV2, contactLoggedV2ToV3 } from '../customer/contact-logged.upcaster';
import { upcastWith, type Upcaster, type VersionedEvent } from './upcaster';

/** Every schema evolution of the CRM's events, oldest first per type. */
export const UPCASTERS: readonly Upcaster[] = [
  contactLoggedV1ToV2,
  contactLoggedV2ToV3,
  caseEscalatedV1ToV2,
];

/** Presents a stored event in its current shape. */
export function upcast<E extends VersionedEvent>(event: E): E {
  return upcastWith(UPCASTERS, event);
}
