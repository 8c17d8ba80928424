import { Injectable } from '@nestjs/common';
import { isSealed, type EventEnvelope, type Sealed } from '@rapport/domain';
import { fieldHistory, type FieldChange, type FieldValue } from '@rapport/read-models';
import { MASKED, PersonalDataPresenter } from '../read-side/personal-data.presenter';
import { CustomerHistoryService } from './customer-history.service';

/** What a personal value reads as once the client was erased (their key destroyed). */
export const ERASED = '[erased]';

/** Plain (unsealed) fields that still identify the client, shown like sealed ones. */
const PLAIN_PERSONAL_FIELDS: ReadonlySet<string> = new Set(['company']);

/** The field changes of each of a client's change entries, by event id, as one caller sees them. */
export interface ShownFieldHistory {
  changesOf(eventId: string): FieldChange[] | undefined;
  /** Personal fields (top-level names) that appear in clear, and masked or erased. */
  readonly fieldsShown: string[];
  readonly fieldsMasked: string[];
}

/**
 * Field-level history derived at read time from the client's own streams in the event store
 * (bounded by one client's history), never stored: personal values are sealed in events and
 * are opened here per caller, masked for roles that do not see personal data, and read
 * `[erased]` once the client's key is destroyed, so no read model ever holds them in clear.
 */
@Injectable()
export class FieldHistoryService {
  constructor(
    private readonly history: CustomerHistoryService,
    private readonly presenter: PersonalDataPresenter,
  ) {}

  /** `events`: the client's events when the caller already read them (else read here). */
  async forRoles(
    roles: readonly string[],
    customerId: string,
    events?: readonly EventEnvelope[],
  ): Promise<ShownFieldHistory> {
    events ??= await this.history.events(customerId);
    const erased = events.some((event) => event.type === 'CustomerErased');
    const personal = await this.presenter.forRoles(roles, customerId);
    const raw = fieldHistory(events);
    const shown = new Set<string>();
    const masked = new Set<string>();
    const show = (field: string, value: FieldValue): FieldValue => {
      const isPersonal = isSealed(value) || PLAIN_PERSONAL_FIELDS.has(field);
      if (!isPersonal || value === null) return value;
      const name = field.split('.').pop()!;
      if (erased) {
        masked.add(name);
        return ERASED;
      }
      if (personal.masked) {
        masked.add(name);
        return MASKED;
      }
      shown.add(name);
      return isSealed(value) ? (personal.show(value as Sealed) ?? ERASED) : value;
    };
    return {
      // Rendered on demand, so that fieldsShown and fieldsMasked name only what was asked for.
      changesOf: (eventId) =>
        raw.get(eventId)?.map((change) => ({
          field: change.field,
          from: show(change.field, change.from),
          to: show(change.field, change.to),
        })),
      get fieldsShown() {
        return [...shown];
      },
      get fieldsMasked() {
        return [...masked];
      },
    };
  }
}
